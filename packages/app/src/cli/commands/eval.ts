/**
 * `cite eval --queries FILE [--mode hybrid|lexical|vector] [--k 50] [--out run.jsonl] [--json]`: runs every
 * phrasing of a query set (bench `cdtn-dev.jsonl` format) through search and prints nDCG@10, recall@10,
 * recall@50, MRR@10 and latency percentiles. Documents are ranked where their best chunk ranks.
 *
 * Other evaluation kinds (answers) add their option here and branch before `evaluateRetrieval`.
 */
import fs from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { badRequest, isCiteError, type CiteError } from '@cite/core/errors.js';
import { printAnswerReport, runAnswerEvalCommand } from '../eval/answer-eval-cli.js';
import { readQueries, runRetrievalEval, type RetrievalEvalSummary } from '@cite/retrieval/eval/retrieval-eval.js';
import { formatOutcome, outcomeJson, runStoredEvaluation, wantsStoredRun } from '../eval/eval-runs-cli.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { SEARCH_MODES, type SearchMode, type SearchResponse } from '@cite/retrieval/search/search-schema.js';
import { search } from '@cite/retrieval/search/search-service.js';
import { callEngine, cliConfig, isTTY, remoteEngine, withDatabase } from '../cli-context.js';
import { searchAnswerShape } from '../engine-answer-shapes.js';
import { withCollections } from '../collection-option.js';
import { cliLogger } from './ingest.js';

export interface EvalOptions {
  queries: string;
  mode?: string;
  k?: string;
  out?: string;
  filters?: string;
  collection?: string[];
  concurrency?: string;
  json?: boolean;
}

/** Stored evaluation runs (sets in the database, --save, regression guard): packages/app/src/cli/eval/eval-runs-cli.ts. */
interface StoredRunFlags {
  set?: string;
  save?: boolean;
  name?: string;
  baseline?: string;
  failUnderRatio?: string;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('Measure retrieval quality on a query set with graded gold documents')
    .option('--queries <file>', 'JSONL query set: {"id","query","variants":[…],"gold":[{"url","grade"}]} per line')
    .option('--set <id>', 'an evaluation set stored in Cité (instead of --queries)')
    .option('--save', 'keep the run (console: Evaluations), as if started from the console')
    .option('--name <name>', 'name of the stored run')
    .option('--baseline <run-id>', 'compare with this stored run; exit code 3 when quality drops')
    .option('--fail-under-ratio <ratio>', 'with --baseline: fail when a metric falls below ratio × the baseline', '0.98')
    .option('--mode <mode>', SEARCH_MODES.join(' | '), 'hybrid')
    .option('--k <n>', 'documents retrieved per phrasing (1-100)', '50')
    .option('--out <file>', 'write {"id","q","results":[urls]} per phrasing')
    .option('--filters <json>', 'search filters as JSON')
    .option('--collection <names-or-ids...>', 'only these collections, by name (or id)')
    .option('--concurrency <n>', 'searches in flight', '4')
    .option('--json', 'print one JSON object: ndcg@10, recall@10, recall@50, mrr@10, queries, …')
    .option('--answers', 'evaluate cited answers instead: citation precision, gold recall, cited share, abstention, span containment')
    .action(async (opts: EvalOptions & StoredRunFlags & { answers?: boolean }, cmd: Command) => {
      if (opts.answers) {
        const k = cmd.getOptionValueSource('k') === 'cli' ? opts.k : undefined;
        printAnswerReport(await runAnswerEvalCommand({ queries: opts.queries, k, json: opts.json }), opts.json);
        return;
      }
      if (wantsStoredRun(opts)) {
        const out = await runStoredEvaluation({
          queries: opts.queries,
          set: opts.set === undefined ? undefined : Number(opts.set),
          save: opts.save,
          name: opts.name,
          baseline: opts.baseline === undefined ? undefined : Number(opts.baseline),
          failUnderRatio: Number(opts.failUnderRatio),
          config: { mode: parseOptions(opts).mode, k: parseOptions(opts).k },
          json: opts.json,
        });
        process.stdout.write(opts.json ? `${JSON.stringify(outcomeJson(out))}\n` : `${formatOutcome(out)}\n`);
        process.exit(out.exitCode);
      }
      // commander leaves --queries undefined when only stored-run flags were given
      if (!opts.queries) throw badRequest('EVAL_INPUT_REQUIRED', 'Give --queries FILE (or --set ID)');
      const summary = await evaluateRetrieval(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    });
}

function parseOptions(opts: EvalOptions): { mode: SearchMode; k: number; concurrency: number; filters?: Record<string, unknown> } {
  const mode = (opts.mode ?? 'hybrid') as SearchMode;
  if (!SEARCH_MODES.includes(mode)) throw badRequest('INVALID_SEARCH', `--mode must be one of ${SEARCH_MODES.join(', ')}`);
  const k = Number(opts.k ?? 50);
  if (!Number.isInteger(k) || k < 1 || k > 100) throw badRequest('INVALID_SEARCH', '--k must be a whole number between 1 and 100');
  const concurrency = Number(opts.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw badRequest('INVALID_OPTION', '--concurrency must be between 1 and 64');
  let filters: Record<string, unknown> | undefined;
  if (opts.filters) {
    try {
      filters = JSON.parse(opts.filters) as Record<string, unknown>;
    } catch {
      throw badRequest('INVALID_FILTERS', '--filters must be a JSON object');
    }
  }
  return { mode, k, concurrency, filters: withCollections(filters, opts.collection) };
}

export async function evaluateRetrieval(opts: EvalOptions): Promise<RetrievalEvalSummary> {
  const { mode, k, concurrency, filters } = parseOptions(opts);
  const queries = readQueries(opts.queries);
  const cfg = cliConfig();
  const engine = remoteEngine(cfg);
  const body = (q: string) => ({ query: q, k, mode, group_by_document: true, ...(filters ? { filters } : {}) });
  const run = async (searchFn: (q: string) => Promise<SearchResponse>) => {
    const total = queries.reduce((n, q) => n + q.phrasings.length, 0);
    const progress = progressReporter(total);
    const errors: string[] = [];
    let refused: CiteError | undefined;
    const result = await runRetrievalEval(queries, async (q) => (await searchFn(q)).data.map((h) => h.document.url), {
      concurrency,
      onProgress: progress.update,
      // a refused request (unknown collection, bad filters) is refused for every query: no figures over it
      onError: (q, e) => (isCiteError(e) && e.status < 500 ? (refused ??= e) : errors.push(`${q}: ${(e as Error).message}`)),
    });
    progress.stop();
    if (refused) throw refused;
    if (errors.length) process.stderr.write(`${errors.length} searches failed, e.g. ${errors[0]}\n`);
    if (opts.out) fs.writeFileSync(opts.out, result.runs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return { ...result.summary, mode, k };
  };
  if (engine) {
    const shape = searchAnswerShape;
    return run((q) => callEngine<SearchResponse>(engine, 'POST', '/v1/search', body(q), { shape }));
  }
  return withDatabase(async (db) => {
    const app: AppContext = { db, config: cfg, log: cliLogger(cfg, 'eval'), services: new Map() };
    return run((q) => search(app, { ...body(q), allowedCollections: null }));
  });
}

/** A bar on a terminal, a line every 10% otherwise (stderr: stdout stays for the result). */
function progressReporter(total: number): { update: (done: number) => void; stop: () => void } {
  if (isTTY() && process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({ format: 'eval [{bar}] {value}/{total} phrasings', stream: process.stderr }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { update: (d) => bar.update(d), stop: () => bar.stop() };
  }
  let lastDecile = 0;
  return {
    update: (d) => {
      const decile = Math.floor((d / total) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        process.stderr.write(`eval: ${d}/${total} phrasings\n`);
      }
    },
    stop: () => {},
  };
}

function formatSummary(s: RetrievalEvalSummary & { mode?: string; k?: number }): string {
  const f = (x: number) => x.toFixed(3);
  return [
    `queries ${s.queries} (${s.phrasings} phrasings${s.failed ? `, ${s.failed} failed` : ''}), mode ${s.mode}, k ${s.k}`,
    `nDCG@10   ${f(s['ndcg@10'])}`,
    `recall@10 ${f(s['recall@10'])}`,
    `recall@50 ${f(s['recall@50'])}`,
    `MRR@10    ${f(s['mrr@10'])}`,
    `latency   p50 ${s.latency_ms.p50} ms, p95 ${s.latency_ms.p95} ms, p99 ${s.latency_ms.p99} ms`,
    '',
  ].join('\n');
}
