/**
 * `npm run bench:search -- [--chunks 100000] [--corpus DIR] [--queries FILE] [--targets server,embedded]`
 *
 * Measures POST /v1/search over HTTP against a `cite start` child process with the hash embedder:
 * p50/p95 at concurrency 1, then throughput (and p50/p95) at concurrency 16, for each target database.
 * On the server target it first measures its anchor, the bare HNSW query on the same database
 * (search-anchor.ts), then Cité's search statement alone through the anchor's own client (the database's
 * share), then the search service called without HTTP (Cité's statement as the engine sends it), and prints
 * Cité's figures as ratios of the anchor (`--no-anchor` leaves them out). The machine's speed drifts: the
 * engine's c=N phase runs `--rounds` times (3), each between two runs of the anchor near its best concurrency,
 * and the ratio printed is the median of the rounds' ratios, each to the mean of its two anchor runs. All
 * clients run on the same machine: each one's CPU time per request is printed, the share it takes, and over
 * HTTP where the whole machine's went (PostgreSQL's processes, the engine's, the client's; Linux).
 * BENCH_CPU_PROF=dir writes a V8 CPU profile of the engine there when it stops. The engine, the search
 * statement and the search service read the search settings of the same environment: `SEARCH_EF_SEARCH=200
 * npm run bench:search` measures all three at that setting.
 *
 * Data: `--chunks N` synthetic chunks (default 100,000 on the server, 20,000 embedded) whose sentences are
 * drawn from the corpus under `--corpus` (JSONL(.gz) files of the bench format) when given, else from a
 * built-in French vocabulary; or `--reuse-database URL` to measure an already ingested server database
 * (e.g. the real bench corpus after `cite ingest`), topped up with synthetic chunks to `--chunks`. Queries: every phrasing of `--queries` (bench format),
 * else generated from the same vocabulary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Database } from '@cite/core/db/database.js';
import type { SearchMode } from '@cite/retrieval/search/search-schema.js';
import { openEmbeddedDatabase } from '@cite/core/db/embedded-database.js';
import { TableUpkeep } from '@cite/core/db/table-upkeep.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { bufferCacheAdvice, readServerMemory } from '@cite/core/db/server-tuning.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments, type SeedDocument } from '@cite/index/seed-documents.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { jsonlTexts, splitSentences } from './corpus-text.js';
import { freshServerDatabase, median, percentile, serverMallocSettings, startEngineProcess } from './lib.js';
import { measureConcurrent, phrasings, round1, searchClient, type Concurrent } from './search-http.js';
import { nearBest, measureBareHnsw, measureSearchService, measureSearchStatement, searchConfig, type AnchorFigures, type ThroughputFigures } from './search-anchor.js';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string' },
    corpus: { type: 'string' },
    queries: { type: 'string' },
    targets: { type: 'string', default: 'server,embedded' },
    database: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'reuse-database': { type: 'string' },
    mode: { type: 'string', default: 'hybrid' },
    requests: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
    /** Leave out the bare HNSW anchor (server target). */
    'no-anchor': { type: 'boolean', default: false },
    'anchor-seconds': { type: 'string', default: '8' },
    /** Server, with the anchor: times the engine's c=N phase runs, each between two anchor runs. */
    rounds: { type: 'string', default: '3' },
  },
});

const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds ${values.rounds}: a whole number, 1 or more`);

// ---------- text to build chunks and queries from ----------

const BUILTIN = `Le salarié a droit à un congé payé de deux jours et demi ouvrables par mois de travail effectif.
L'employeur doit respecter un préavis avant la rupture du contrat de travail à durée indéterminée.
La rupture conventionnelle est homologuée par l'administration après un délai de rétractation de quinze jours.
Les heures supplémentaires donnent lieu à une majoration de salaire ou à un repos compensateur.
La période d'essai permet à l'employeur d'évaluer les compétences du salarié dans son travail.
Le licenciement pour motif économique suppose un entretien préalable et la consultation du comité social.
La demande de carte d'identité se fait en mairie sur rendez-vous avec une photo récente.
L'allocation de logement dépend des ressources du foyer, du loyer et de la composition de la famille.
Le contrat à durée déterminée ne peut pas avoir pour objet de pourvoir durablement un emploi permanent.
L'indemnité de licenciement est calculée selon l'ancienneté et le salaire de référence du salarié.
La médecine du travail assure le suivi de l'état de santé des travailleurs tout au long de leur carrière.
Le télétravail est mis en place par accord collectif ou par une charte élaborée par l'employeur.
Une association déclarée peut recevoir des subventions publiques et employer des salariés.
La déclaration de revenus se fait en ligne chaque année au printemps sur le site des impôts.
Le congé de maternité comprend un congé prénatal et un congé postnatal dont la durée varie.`;

function sentencePool(corpus?: string): string[] {
  const pool: string[] = [];
  const texts = corpus ? jsonlTexts(corpus) : [BUILTIN];
  for (const t of texts) {
    for (const s of splitSentences(t)) if (s.length > 30 && s.length < 600) pool.push(s.trim());
    if (pool.length > 200_000) break;
  }
  if (pool.length === 0) throw new Error('no sentences found for synthetic chunks');
  return pool;
}

/** Deterministic pseudo-random numbers, so two runs measure the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------- loading ----------

async function loadSynthetic(db: Database, chunks: number, pool: string[]): Promise<number> {
  const random = rng(42);
  const pick = () => pool[Math.floor(random() * pool.length)]!;
  const { rows } = await db.query<{ id: string }>("INSERT INTO collections (name) VALUES ('bench-search') RETURNING id");
  const collectionId = Number(rows[0]!.id);
  const perDoc = 3;
  function* documents(): Generator<SeedDocument> {
    for (let first = 0; first < chunks; first += perDoc) {
      const title = pick().split(' ').slice(0, 6).join(' ');
      const texts = Array.from({ length: Math.min(perDoc, chunks - first) }, () => {
        let text = '';
        while (text.length < 1400) text += `${pick()} `;
        return { text: text.trim(), context: title, headingPath: [title], tokenCount: 300 };
      });
      yield { collectionId, url: `https://bench.example.fr/doc/${first / perDoc}`, title, chunks: texts };
    }
  }
  const started = Date.now();
  // the index store's bulk path: 100 documents a statement, BM25 statistics rebuilt once at the end
  await seedDocuments(db, new HashEmbedder(), documents(), {
    batchSize: 100,
    statistics: 'deferred',
    onProgress: (n) => {
      if (n % 2000 === 0) process.stderr.write(`  loaded ${n * perDoc}/${chunks} chunks (${Math.round((Date.now() - started) / 1000)} s)\n`);
    },
  });
  const ms = Date.now() - started;
  process.stderr.write(`  ${chunks} chunks loaded in ${(ms / 1000).toFixed(1)} s (statistics included)\n`);
  if (db.mode === 'server') await db.query('VACUUM ANALYZE');
  else {
    // what the engine's upkeep would do in the background once the load is over (table-upkeep.ts): done
    // here so that it does not run during the measurement
    const upkeepStarted = Date.now();
    const done = await new TableUpkeep(db).pass();
    process.stderr.write(`  upkeep: ${done.length} statements in ${((Date.now() - upkeepStarted) / 1000).toFixed(1)} s\n`);
  }
  return ms;
}

/**
 * Reads what every measured statement reads into PostgreSQL's buffer cache (pg_prewarm), before the first
 * one, loaded or reused database alike: the HNSW index, the postings' rank index and the chunks. After the
 * load, the cache held what was written last, and each measurement in turn warmed it for the next: the
 * anchor measured first ran 444 statements/s, the same anchor measured again after the engine 652, so the
 * ratios depended on the order.
 */
async function prewarm(db: Database): Promise<void> {
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  } catch (e) {
    process.stderr.write(`  pg_prewarm unavailable (${(e as Error).message}): the first measurements run on a cold cache\n`);
    return;
  }
  const { rows } = await db.query<{ relation: string; blocks: number }>(
    `SELECT r AS relation, pg_prewarm(r::regclass)::int AS blocks
       FROM unnest(ARRAY['chunks_embedding_idx', 'search_postings_rank_idx', 'chunks']) AS r`,
  );
  process.stderr.write(`  prewarmed: ${rows.map((r) => `${r.relation} ${Math.round((r.blocks * 8) / 1024)} MB`).join(', ')}\n`);
}

function queryList(pool: string[]): string[] {
  if (values.queries) return phrasings(values.queries);
  const random = rng(7);
  return Array.from({ length: 2000 }, () => {
    const words = pool[Math.floor(random() * pool.length)]!.split(' ').filter((w) => w.length > 3);
    const start = Math.floor(random() * Math.max(1, words.length - 4));
    return words.slice(start, start + 2 + Math.floor(random() * 3)).join(' ') || 'congé payé';
  });
}

// ---------- measuring ----------

interface Figures {
  target: string;
  chunks: number;
  /** Server only: PostgreSQL's buffer cache, which decides whether the search indexes stay in memory. */
  sharedBuffersMb?: number;
  /** The server's malloc settings (README), when it runs on this machine. */
  serverMalloc?: string;
  mode: string;
  c1: { requests: number; p50: number; p95: number; mean: number };
  /** clientCpuMs: this benchmark's own CPU time per request (its share of the machine). */
  cN: Concurrent;
  /** Server only: the bare HNSW query on the same database in the same run (search-anchor.ts). */
  anchor?: AnchorFigures;
  /**
   * Server with the anchor: the engine's c=N phase --rounds times, each between two runs of the anchor near its
   * best concurrency; `cN` is the one of round `medianRound` (0-based), that of the median ratio.
   */
  rounds?: Round[];
  medianRound?: number;
  /** Server only: Cité's search statement alone, through the anchor's client (search-anchor.ts). */
  statement?: ThroughputFigures;
  /** Server only: the search service without HTTP, same database, same run (search-anchor.ts). */
  service?: ThroughputFigures;
}

/** Latency one request at a time, after 50 warming ones. */
async function measureSequential(one: () => Promise<number>): Promise<Figures['c1']> {
  for (let i = 0; i < 50; i++) await one(); // warm caches and connections
  const seq: number[] = [];
  const requests = Number(values.requests);
  for (let i = 0; i < requests; i++) seq.push(await one());
  seq.sort((a, b) => a - b);
  return { requests, p50: round1(percentile(seq, 50)), p95: round1(percentile(seq, 95)), mean: round1(seq.reduce((a, b) => a + b, 0) / seq.length) };
}

/**
 * One round: the engine's c=N phase between two runs of the anchor near its best concurrency. Its ratios are
 * to the mean of the two: on this machine the anchor alone moved by up to 1.9× within two hours, and by 16%
 * between two runs eight minutes apart, so a ratio to one anchor run read the drift as much as the engine.
 */
interface Round {
  rps: number;
  errors: number;
  anchorBefore: number;
  anchorAfter: number;
  /** The concurrencies the two anchor runs were best at. */
  anchorConcurrencies: [number, number];
  ratio: number;
  /** The bare query's machine CPU per statement over Cité's per request, both runs of the round (Linux). */
  costRatio?: number;
}

function roundOf(cN: Concurrent, before: ThroughputFigures, after: ThroughputFigures): Round {
  const anchorTps = (before.best.tps + after.best.tps) / 2;
  const bare = [before, after].map((a) => a.machineCpuMs?.[a.best.concurrency]).filter((x): x is number => x !== undefined);
  const machine = cN.cpu?.machine;
  return {
    rps: cN.rps,
    errors: cN.errors,
    anchorBefore: before.best.tps,
    anchorAfter: after.best.tps,
    anchorConcurrencies: [before.best.concurrency, after.best.concurrency],
    ratio: Math.round((cN.rps / anchorTps) * 100) / 100,
    costRatio: machine && bare.length ? Math.round((bare.reduce((a, b) => a + b, 0) / bare.length / machine) * 100) / 100 : undefined,
  };
}

async function runTarget(target: 'server' | 'embedded', pool: string[], queries: string[]): Promise<Figures> {
  let anchor: AnchorFigures | undefined;
  let statement: ThroughputFigures | undefined;
  let service: ThroughputFigures | undefined;
  const common = { EMBEDDINGS: 'hash', RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' };
  let env: Record<string, string>;
  let db: Database;
  let chunks: number;
  if (target === 'server') {
    const reuse = values['reuse-database'];
    const url = reuse ?? (await freshServerDatabase(values.database!, 'cite_bench_search'));
    env = { ...common, DATABASE_URL: url };
    db = await openServerDatabase(url, 4);
    await migrate(db);
    chunks = Number(values.chunks ?? 100_000);
    // A reused database (e.g. the ingested bench corpus) is topped up with synthetic chunks to --chunks.
    const have = reuse ? Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM chunks')).rows[0]!.n) : 0;
    if (chunks > have && (!reuse || values.chunks)) {
      process.stderr.write(`server: loading ${chunks - have} synthetic chunks…\n`);
      await loadSynthetic(db, chunks - have, pool);
    }
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-bench-search-'));
    env = { ...common, DATA_DIR: dir };
    db = await openEmbeddedDatabase(dir);
    await migrate(db);
    chunks = Number(values.chunks ?? 20_000);
    process.stderr.write(`embedded: loading ${chunks} synthetic chunks…\n`);
    await loadSynthetic(db, chunks, pool);
  }
  chunks = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM chunks')).rows[0]!.n);
  let sharedBuffersMb: number | undefined;
  let serverMalloc: string | undefined;
  if (target === 'server') {
    const memory = await readServerMemory(db);
    sharedBuffersMb = Math.round(memory.sharedBuffersBytes / 2 ** 20);
    serverMalloc = await serverMallocSettings(db);
    const advice = bufferCacheAdvice(memory);
    if (advice) process.stderr.write(`server: ${advice}\n`);
    await prewarm(db);
    if (!values['no-anchor']) {
      process.stderr.write('server: measuring the bare HNSW query (the anchor)…\n');
      anchor = await measureBareHnsw(env.DATABASE_URL!, queries, { seconds: Number(values['anchor-seconds']) });
      process.stderr.write("server: measuring Cité's search statement alone…\n");
      statement = await measureSearchStatement(env.DATABASE_URL!, queries, values.mode as SearchMode, { seconds: Number(values['anchor-seconds']) });
      process.stderr.write('server: measuring the search service without HTTP…\n');
      service = await measureSearchService(env.DATABASE_URL!, queries, values.mode as SearchMode, { seconds: Number(values['anchor-seconds']) });
    }
  }
  const { key } = await createKey(db, { name: 'bench-search', role: 'agent' });
  await db.close();
  const engine = await startEngineProcess(env);
  // the engine's CPU is read from its process only where PostgreSQL's is read too (a server on this machine)
  const enginePid = target === 'server' ? engine.child.pid : undefined;
  let c1: Figures['c1'];
  const runs: Concurrent[] = [];
  // the full measurement above found the anchor's best concurrency; each round runs it again near it, before
  // and after the engine's phase, so that both ratios of a round are to the machine of that minute
  const anchors: ThroughputFigures[] = [];
  const rounds = anchor ? ROUNDS : 1;
  try {
    process.stderr.write(`${target}: measuring over HTTP (${chunks} chunks)…\n`);
    const concurrency = Number(values.concurrency);
    const one = searchClient(engine.url, key, queries, { mode: values.mode as SearchMode, concurrency });
    c1 = await measureSequential(one);
    for (let i = 0; i < rounds; i++) {
      if (anchor) anchors.push(await measureAnchorAgain(env.DATABASE_URL!, queries, anchor, `round ${i + 1} of ${rounds}`));
      runs.push(await measureConcurrent(one, { concurrency, seconds: Number(values.seconds), enginePid }));
    }
    if (anchor) anchors.push(await measureAnchorAgain(env.DATABASE_URL!, queries, anchor, 'closing the last round'));
  } finally {
    await engine.stop();
  }
  if (!anchor) return { target, chunks, sharedBuffersMb, serverMalloc, statement, service, mode: values.mode!, c1, cN: runs[0]! };
  const measured = runs.map((cN, i) => roundOf(cN, anchors[i]!, anchors[i + 1]!));
  // the table and the CPU split show the round of the median ratio (of an even count, the upper middle one)
  const shown = [...measured.keys()].sort((i, j) => measured[i]!.ratio - measured[j]!.ratio)[Math.floor(measured.length / 2)]!;
  return { target, chunks, sharedBuffersMb, serverMalloc, anchor, rounds: measured, medianRound: shown, statement, service, mode: values.mode!, c1, cN: runs[shown]! };
}

/**
 * The bare HNSW query again, while the engine's process waits, at its best concurrency and the ones beside it
 * in the first run's list; its best of them. Measured at the first run's best alone, a best that was
 * the drift's, not the query's, stood for the anchor in every round: one run found c=4 best (637/s against
 * 590 at c=2), and its rounds then read 300–425/s at c=4, which made Cité 0.46–0.51× of it.
 */
function measureAnchorAgain(url: string, queries: string[], anchor: AnchorFigures, why: string): Promise<ThroughputFigures> {
  process.stderr.write(`server: measuring the bare HNSW query again (${why})…\n`);
  return measureBareHnsw(url, queries, { seconds: Number(values['anchor-seconds']), concurrencies: nearBest(anchor.best.concurrency) });
}

async function main(): Promise<void> {
  const pool = sentencePool(values.corpus);
  const queries = queryList(pool);
  const results: Figures[] = [];
  for (const target of values.targets!.split(',').map((t) => t.trim()) as Array<'server' | 'embedded'>) {
    results.push(await runTarget(target, pool, queries));
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ load: os.loadavg(), cpus: os.cpus().length, results })}\n`);
    return;
  }
  const efSearch = searchConfig().SEARCH_EF_SEARCH;
  console.log(
    `\nPOST /v1/search, mode ${values.mode}, hash embedder, SEARCH_EF_SEARCH ${efSearch}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  console.log('target    chunks   c=1 p50   c=1 p95   c=N req/s   c=N p50   c=N p95  errors  shared_buffers');
  for (const r of results) {
    console.log(
      `${r.target.padEnd(9)} ${String(r.chunks).padStart(7)}  ${`${r.c1.p50} ms`.padStart(8)}  ${`${r.c1.p95} ms`.padStart(8)}  ${String(r.cN.rps).padStart(10)}  ${`${r.cN.p50} ms`.padStart(8)}  ${`${r.cN.p95} ms`.padStart(8)}  ${String(r.cN.errors).padStart(6)}  ${r.sharedBuffersMb === undefined ? '-' : `${r.sharedBuffersMb} MB`}`,
    );
  }
  for (const r of results) if (r.serverMalloc) console.log(`${r.target} database's backends: ${r.serverMalloc} (README: malloc settings)`);
  for (const r of results) {
    if (!r.anchor) continue;
    const a = r.anchor;
    const tps = Object.entries(a.tps).map(([c, t]) => `c=${c} ${t}`).join(', ');
    console.log(`\nanchor (${r.target}): bare HNSW top-100, ef_search 100, same database: c=1 p50 ${a.c1.p50} ms; statements/s ${tps}`);
    const st = r.statement;
    if (st) {
      const ttps = Object.entries(st.tps).map(([c, t]) => `c=${c} ${t}`).join(', ');
      console.log(`search statement alone (${r.mode}, the anchor's client, same database): c=1 p50 ${st.c1.p50} ms; statements/s ${ttps}`);
      console.log(`  best ${st.best.tps}/s (c=${st.best.concurrency}) = ${(st.best.tps / a.best.tps).toFixed(2)}× the bare query's best: the database's share, the most the engine could keep`);
    }
    const s = r.service;
    if (s) {
      const stps = Object.entries(s.tps).map(([c, t]) => `c=${c} ${t}`).join(', ');
      console.log(`search service without HTTP (${r.mode}, same database): c=1 p50 ${s.c1.p50} ms; searches/s ${stps}`);
      console.log(`  best ${s.best.tps}/s (c=${s.best.concurrency}) = ${(s.best.tps / a.best.tps).toFixed(2)}× the bare query's best: the statement and the engine's search code; over HTTP, c=${r.cN.concurrency} keeps ${(r.cN.rps / s.best.tps).toFixed(2)}× of it`);
    }
    console.log(
      `client CPU: ${a.clientCpuMs[a.best.concurrency]} ms a statement (anchor, c=${a.best.concurrency}), ` +
        `${st ? `${st.clientCpuMs[st.best.concurrency]} ms a search statement (c=${st.best.concurrency}), ` : ''}` +
        `${s ? `${s.clientCpuMs[s.best.concurrency]} ms a search (service and its client, c=${s.best.concurrency}), ` : ''}${r.cN.clientCpuMs} ms a request (Cité over HTTP, c=${r.cN.concurrency})`,
    );
    const cpu = r.cN.cpu;
    if (cpu) {
      console.log(
        `CPU per request over HTTP (c=${r.cN.concurrency}): machine ${cpu.machine} ms = PostgreSQL ${cpu.postgres} + engine ${cpu.engine} + ` +
          `this client ${cpu.client} + the rest ${cpu.other} (the kernel's share of the others, anything else running)`,
      );
    }
    const rounds = r.rounds ?? [];
    for (const [i, round] of rounds.entries()) {
      console.log(
        `  round ${i + 1}${i === r.medianRound ? ' (the figures above)' : ''}: anchor ${round.anchorBefore}/s (c=${round.anchorConcurrencies[0]}) → ${round.anchorAfter}/s (c=${round.anchorConcurrencies[1]}), Cité ${round.rps}/s: ${round.ratio.toFixed(2)}×` +
          `${round.costRatio === undefined ? '' : `, cost ratio ${round.costRatio.toFixed(2)}×`}`,
      );
    }
    const ratio = median(rounds.map((x) => x.ratio));
    const costs = rounds.map((x) => x.costRatio).filter((x): x is number => x !== undefined);
    const spread = (xs: number[]) => (xs.length > 1 ? ` (rounds ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}×)` : '');
    console.log(
      `${r.target}: c=${r.cN.concurrency} throughput ${ratio.toFixed(2)}× the bare query's best (near c=${a.best.concurrency}; target ≥ 0.40×), median of ${rounds.length} ` +
        `round${rounds.length > 1 ? 's' : ''}${spread(rounds.map((x) => x.ratio))}` +
        // a ratio of costs, which the machine's drift moves much less than a ratio of speeds
        `${costs.length ? `; cost ratio ${median(costs).toFixed(2)}×${spread(costs)} (the throughput ratio if both used the whole machine)` : ''}; ` +
        `c=1 p50 ${(r.c1.p50 / a.c1.p50).toFixed(1)}× the bare query's (target ≤ 4×); errors ${rounds.reduce((n, x) => n + x.errors, 0)}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
