/**
 * `cite ask "<question>" [--k N] [--collection NAME|ID…] [--debug] [--json]`: a cited answer on the terminal.
 * `--debug` adds the query searched and the relevance gate's figures.
 * Talks to the running engine when there is one (it holds the embedded database), otherwise opens
 * the database itself. The answer streams on a terminal; `--json` prints the full record.
 */
import type { Command } from 'commander';
import { answerService } from '@cite/retrieval/answers/app-answers.js';
import type { AnswerResult } from '@cite/retrieval/answers/answer-service.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { ANSWER_CALL_TIMEOUT_MS, callEngine, cliConfig, emptyIndexNotice, isTTY, remoteEngine, withDatabase } from '../cli-context.js';
import { addCollectionOption, withCollections } from '../collection-option.js';
import { answerShape } from '../engine-answer-shapes.js';
import { terminalLine, terminalText } from '../terminal-text.js';
import { cliLogger } from './ingest.js';

interface AskOptions {
  k?: string;
  collection?: string[];
  json?: boolean;
  debug?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('ask')
    .description('Answer a question from the indexed sources, with verified citations')
    .argument('<question>', 'the question, in quotes')
    .option('--k <n>', 'passages to retrieve (1-50)');
  addCollectionOption(command)
    .option('--json', 'print the answer record as JSON')
    .option('--debug', 'also print the query searched and the relevance figures')
    .action(async (question: string, opts: AskOptions) => {
      const result = await ask(question, opts);
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(formatSources(result) + (opts.debug ? formatDebug(result) : ''));
    });
}

function body(question: string, opts: AskOptions) {
  const k = opts.k === undefined ? undefined : Number(opts.k);
  const filters = withCollections(undefined, opts.collection);
  return { question, ...(k === undefined ? {} : { k }), ...(filters ? { filters } : {}) };
}

async function ask(question: string, opts: AskOptions): Promise<AnswerResult> {
  const cfg = cliConfig();
  const engine = remoteEngine(cfg);
  const streamToTerminal = !opts.json && isTTY();
  if (engine) {
    const call = { timeoutMs: ANSWER_CALL_TIMEOUT_MS, shape: answerShape };
    const result = await callEngine<AnswerResult>(engine, 'POST', '/v1/answers', body(question, opts), call);
    if (!opts.json) process.stdout.write(`${terminalText(result.answer)}\n`);
    return result;
  }
  return withDatabase(async (db) => {
    const notice = await emptyIndexNotice(db, cfg);
    if (notice) process.stderr.write(`${notice}\n`);
    const log = cliLogger(cfg, 'ask');
    const app: AppContext = { db, config: cfg, log, services: new Map() };
    const svc = await answerService(app);
    const b = body(question, opts);
    const result = await svc.ask({
      question: b.question,
      k: b.k,
      filters: b.filters,
      caller: { keyId: null, collections: null },
      // the model may repeat a page's control characters: each token is shown as text (an escape never spans two)
      onToken: streamToTerminal ? (t) => process.stdout.write(terminalText(t)) : undefined,
    });
    if (streamToTerminal) process.stdout.write('\n');
    else if (!opts.json) process.stdout.write(`${terminalText(result.answer)}\n`);
    return result;
  });
}

/** What follows the answer on a terminal: numbered sources with the quoted span, then warnings. */
export function formatSources(result: AnswerResult): string {
  const lines: string[] = [''];
  if (result.abstained) {
    lines.push(`(no answer${result.abstain_code ? `: ${result.abstain_code}` : ''})`);
  } else {
    if (result.mode === 'extractive') lines.push('(extractive answer: no language model configured)');
    for (const c of result.citations) {
      // where the quote is, in words, then the address that opens there (page, heading anchor, text fragment)
      const where = [c.heading_path?.length ? c.heading_path.join(' › ') : '', c.locator.page ? `p. ${c.locator.page}` : ''].filter(Boolean).join(', ');
      // titles, headings, links and quotes come from indexed pages: printed as text, never as terminal controls
      lines.push(`[${c.n}] ${terminalLine(c.title)}${where ? ` (${terminalLine(where)})` : ''}`);
      lines.push(`    ${terminalLine(c.link)}`);
      lines.push(`    « ${terminalLine(c.quote.length > 240 ? `${c.quote.slice(0, 240)}…` : c.quote)} »`);
    }
    if (result.removed_citations) lines.push(`(${result.removed_citations} citation marker(s) pointed at no source and were removed)`);
    for (const u of result.unsupported) lines.push(`! unsupported (${u.reason}): ${terminalLine(u.sentence)}`);
  }
  lines.push(`answer id ${result.id}`);
  return `${lines.join('\n')}\n`;
}

/** `--debug`: what was searched and why Cité answered or declined. */
export function formatDebug(result: AnswerResult): string {
  const r = result.relevance;
  const lines = [`retrieval query: ${result.retrieval_query}`];
  if (r) {
    lines.push(
      `relevance: coverage ${r.coverage} (min ${r.min_coverage}), strength ${r.strength} (min ${r.min_strength}), best chunk ${r.best_chunk_id ?? '-'}`,
      r.min_similarity === null || r.min_similarity === undefined
        ? 'vector evidence: none (strength alone decides)'
        : `similarity ${r.similarity ?? '-'} (a passage at least ${r.min_similarity} similar needs strength ${r.confirmed_strength} only)`,
      `terms: ${r.terms.map((t) => `${t.word} (${t.role}, ${t.weight}, df ${t.df})`).join(', ') || '-'}`,
      ...(r.min_topic_words ? [`topic words one passage must hold together: ${r.min_topic_words}`] : []),
    );
    if (r.missing_terms.length) lines.push(`missing from the best passage: ${r.missing_terms.join(', ')}`);
    if (r.unknown_terms.length) lines.push(`unknown to the index: ${r.unknown_terms.join(', ')}`);
  }
  if (result.abstain_reason) lines.push(`reason: ${result.abstain_reason}`);
  // the query searched (a model may have rewritten it) and the index's words are foreign text too
  return `${lines.map(terminalLine).join('\n')}\n`;
}
