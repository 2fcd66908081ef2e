/**
 * `npm run bench:abstain -- [--queries FILE] [--corpus DIR] [--database URL | --data-dir DIR] [--json]`
 * Does Cité decline what its sources do not cover? Ingests the labour-law part of the bench corpus
 * (code-du-travail, fiches-travail, contributions; hash embedder) into a fresh database — the PostgreSQL
 * server of DATABASE_URL (or --server) when given, else an embedded one in a temporary directory —
 * then asks every question of the set (default ../shared/bench/queries/abstain-dev.jsonl) through the
 * answer service of POST /v1/answers (extractive: no model configured), and prints the share of
 * `abstain` questions declined, of `answer` questions answered, of `answer` questions citing a gold
 * document, and their balanced mean. `--database URL` reuses an already ingested server database,
 * `--data-dir DIR` an embedded one (`cite ingest` of the three files with DATA_DIR=DIR; kept).
 * `--articles N [--articles-offset K]`: also N questions naming an article of the Code du travail, past the
 * K first of the draw (article-references.ts); `--cited N`: N articles the index cites without holding them
 * (with `--data-dir ./data`, the demo's index).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { AnswerService } from '@cite/retrieval/answers/answer-service.js';
import { searchRetriever } from '@cite/retrieval/answers/search-retriever.js';
import { gateOptions } from '@cite/retrieval/answers/app-answers.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import { loadConfig } from '@cite/core/config/config.js';
import { openDatabase } from '@cite/core/db/open-database.js';
import { formatAnswerReport, readAnswerQueries, runAnswerEval } from '@cite/retrieval/eval/answer-eval.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { articleReferenceFigures, citedArticleFigures, type ArticleReferenceFigures, type CitedArticleFigures } from './article-references.js';
import { cite, freshServerDatabase, ROOT } from './lib.js';

const LABOUR_FILES = ['code-du-travail.jsonl.gz', 'fiches-travail.jsonl.gz', 'contributions.jsonl.gz'];

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: path.join(ROOT, '../shared/bench/queries/abstain-dev.jsonl') },
    corpus: { type: 'string', default: path.join(ROOT, '../shared/bench/corpus') },
    database: { type: 'string' },
    'data-dir': { type: 'string' },
    server: { type: 'string', default: process.env.DATABASE_URL },
    k: { type: 'string', default: '8' },
    articles: { type: 'string', default: '0' },
    'articles-offset': { type: 'string', default: '0' },
    cited: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});

async function ingestedDatabase(): Promise<{ env: Record<string, string>; label: string; reused?: boolean }> {
  if (values.database) return { env: { DATABASE_URL: values.database }, label: 'server (reused)' };
  if (values['data-dir']) return { env: { DATA_DIR: values['data-dir'] }, label: 'embedded (reused)', reused: true };
  const files = LABOUR_FILES.map((f) => path.join(values.corpus!, f));
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`corpus file missing: ${f} (give --corpus DIR)`);
  const env: Record<string, string> = values.server
    ? { DATABASE_URL: await freshServerDatabase(values.server, 'cite_bench_abstain') }
    : { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cite-bench-abstain-')) };
  const run = { ...env, EMBEDDINGS: 'hash', LOG_LEVEL: 'warn' };
  await cite(['migrate'], run);
  console.error(`ingesting ${LABOUR_FILES.join(', ')} (${values.server ? 'server' : 'embedded'} database) …`);
  const t = Date.now();
  await cite(['ingest', ...files, '--collection', 'travail', '--json'], run);
  console.error(`ingested in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  return { env, label: values.server ? 'server' : 'embedded' };
}

async function main(): Promise<void> {
  const queries = readAnswerQueries(values.queries!);
  const { env, label, reused } = await ingestedDatabase();
  const config = loadConfig({ ...env, EMBEDDINGS: 'hash', LOG_LEVEL: 'silent' });
  const db = await openDatabase(config);
  const app: AppContext = { db, config, log: pino({ level: 'silent' }), services: new Map() };
  const service = new AnswerService({
    db,
    retrieve: searchRetriever(app),
    embedder: () => appEmbedder(app),
    options: gateOptions(config),
  });
  const report = await runAnswerEval(service, queries, {
    k: Number(values.k),
    onProgress: (done, total) => done % 40 === 0 && console.error(`  ${done}/${total}`),
  });
  const articles: ArticleReferenceFigures[] = Number(values.articles) > 0
    ? await articleReferenceFigures(db, searchRetriever(app), service, Number(values.articles), Number(values['articles-offset']))
    : [];
  const cited: CitedArticleFigures | null = Number(values.cited) > 0 ? await citedArticleFigures(db, service, Number(values.cited)) : null;
  await db.close();
  if (env.DATA_DIR && !reused) fs.rmSync(env.DATA_DIR, { recursive: true, force: true });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ database: label, query_file: values.queries, ...report, ...(articles.length ? { articles } : {}), ...(cited ? { cited } : {}) }, null, 2)}\n`);
    return;
  }
  console.log(formatAnswerReport(report));
  for (const a of articles) {
    console.log(
      `  articles named (${a.spelling}, ${a.articles}): own page first ${a.top1}, in the ten first ${a.top10}, MRR@10 ${a.mrr10}; ` +
        `answered ${a.answered}, citing the article ${a.cited}`,
    );
  }
  if (cited) {
    console.log(
      `  articles cited, not held (${cited.asked} of the ${cited.references} the index cites): answered ${cited.answered}, ` +
        `citing a passage that names the article ${cited.citingIt}; ` +
        `asked of the Code de la sécurité sociale, answered ${cited.otherCodeAnswered}`,
    );
  }
  console.log(`  database: ${label}; queries: ${values.queries}; machine: ${os.cpus().length} cores`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
