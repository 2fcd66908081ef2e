/**
 * `npm run bench:answers -- --queries ../shared/bench/queries/spf-qa-dev.jsonl [--search-mode hybrid|lexical] [corpus paths…]`
 * Cited-answer quality and time to first byte, on a PostgreSQL server database:
 * - with corpus paths: a fresh database `cite_bench_answers` is created and the corpus ingested
 *   (hash embedder); without: `--database` must point at an already ingested database;
 * - quality: every question answered extractively, scored by `runAnswerEval` (citation precision,
 *   gold recall, cited share, abstention, span containment);
 * - speed: the same questions streamed over HTTP (POST /v1/answers, stream: true) against a
 *   scripted model server; time to first byte = until the `start` event (retrieval + prompt
 *   assembly), the model excluded.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { AnswerService } from '@cite/retrieval/answers/answer-service.js';
import { ANSWER_SERVICE, answerService } from '@cite/retrieval/answers/app-answers.js';
import { answerRoutes } from '@cite/retrieval/answers/answer-routes-list.js';
import { LlmClient } from '@cite/retrieval/answers/llm-client.js';
import { searchRetriever } from '@cite/retrieval/answers/search-retriever.js';
import { loadConfig } from '@cite/core/config/config.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { formatAnswerReport, readAnswerQueries, runAnswerEval } from '@cite/retrieval/eval/answer-eval.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { createApp } from '@cite/app/http/app.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { startScriptedLlm } from '@cite/core/testing/scripted-llm.js';
import { cite, freshServerDatabase, percentile } from './lib.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    queries: { type: 'string' },
    database: { type: 'string' },
    server: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    k: { type: 'string', default: '8' },
    'search-mode': { type: 'string', default: 'hybrid' },
    json: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  if (!values.queries) throw new Error('--queries FILE is required (e.g. ../shared/bench/queries/spf-qa-dev.jsonl)');
  const queries = readAnswerQueries(values.queries);
  let databaseUrl = values.database;
  if (positionals.length) {
    databaseUrl = await freshServerDatabase(values.server!, 'cite_bench_answers');
    const env = { DATABASE_URL: databaseUrl, EMBEDDINGS: 'hash', LOG_LEVEL: 'warn' };
    await cite(['migrate'], env);
    console.error(`ingesting ${positionals.join(', ')} …`);
    const t = Date.now();
    await cite(['ingest', ...positionals, '--collection', 'bench', '--json'], env);
    console.error(`ingested in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
  if (!databaseUrl) throw new Error('give corpus paths to ingest, or --database URL of an ingested database');

  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    EMBEDDINGS: 'hash',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ANSWER_SEARCH_MODE: values['search-mode'],
  });
  const log = pino({ level: 'silent' });
  const db = await openServerDatabase(databaseUrl, 4);
  await migrate(db);
  const app: AppContext = { db, config, log, services: new Map() };
  const k = Number(values.k);

  // Quality, extractive.
  // The engine's own answer service (configuration thresholds, the embedder's vector evidence), extractive.
  const extractive = await answerService(app);
  await extractive.ask({ question: 'échauffement', caller: { keyId: null, collections: null } }); // warm caches
  const report = await runAnswerEval(extractive, queries, {
    k,
    onProgress: (done, total) => done % 20 === 0 && console.error(`  ${done}/${total}`),
  });

  // Speed over HTTP, streamed, against a scripted model that answers after 200 ms.
  const llm = await startScriptedLlm({ content: 'Réponse [1].', delayMs: 200 });
  const httpApp: AppContext = { db, config, log, services: new Map() };
  httpApp.services.set(
    ANSWER_SERVICE,
    Promise.resolve(
      new AnswerService({
        db,
        retrieve: searchRetriever(httpApp),
        llm: new LlmClient({ baseUrl: llm.baseUrl, model: 'scripted', timeoutMs: 10_000, maxRetries: 0 }),
      }),
    ),
  );
  const server = await new Promise<Server>((resolve) => {
    const s = createApp(httpApp, { routes: answerRoutes }).listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { key } = await createKey(db, { name: 'bench-answers', role: 'agent' });
  const ttfb: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/answers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: q.question, k, stream: true }),
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    let first = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
      if (!first && seen.includes('event: start')) first = performance.now() - t0;
    }
    ttfb.push(first);
  }
  ttfb.sort((a, b) => a - b);
  await new Promise((r) => server.close(r));
  await llm.close();
  await db.close();

  const summary = {
    machine: { cpus: os.cpus().length, load: os.loadavg().map((x) => Math.round(x * 100) / 100), database: 'server' },
    search_mode: config.ANSWER_SEARCH_MODE,
    ...report,
    http_stream_ttfb_ms: { p50: Math.round(percentile(ttfb, 50) * 10) / 10, p95: Math.round(percentile(ttfb, 95) * 10) / 10 },
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  console.log(formatAnswerReport(report));
  console.log(`  HTTP stream TTFB     p50 ${summary.http_stream_ttfb_ms.p50} ms, p95 ${summary.http_stream_ttfb_ms.p95} ms (until the start event)`);
  console.log(`  machine: ${summary.machine.cpus} cores, load ${summary.machine.load.join(' ')}; answer retrieval ${summary.search_mode}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
