/**
 * The anchor of bench:search (issue 25): the bare pgvector HNSW query Cité's vector branch is built on
 * (`ORDER BY embedding <=> q LIMIT 100`, hnsw.ef_search 100), run straight on the same database in the same
 * run, at several concurrencies. Machines here differ by 2× from one session to the next, so Cité's
 * throughput is read as a ratio of this one, measured minutes apart on the same data.
 *
 * Between the anchor and Cité over HTTP sit two middle figures, on the same client side of the machine:
 * - Cité's search statement alone (measureSearchStatement), sent by the anchor's own client: what the
 *   database allows, the most any engine could keep;
 * - the search service without HTTP (measureSearchService): the same statement as the engine builds and
 *   sends it, with its search code, called in this process.
 * The rest of the gap is HTTP and the engine's request handling. All four cycle through the same queries,
 * all of them: cdtn-dev's first 500 phrasings are cheaper to search than the whole set (the hybrid statement
 * 1.65–1.73× the bare query's against 1.85–1.89× for all 2,558, one at a time, alternated, two runs each), so
 * a subset for the middle figures flattered them by ~10% beside the engine's.
 */
import pg from 'pg';
import type { Database, NamedStatement } from '@cite/core/db/database.js';
import { loadConfig, type Config } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { searchWith } from '@cite/retrieval/search/search-service.js';
import type { SearchMode } from '@cite/retrieval/search/search-schema.js';
import { cpuMsPer, machineCpuSeconds, msPer, percentile } from './lib.js';

export interface ThroughputFigures {
  /** Statements (or searches) per second at each concurrency. */
  tps: Record<number, number>;
  best: { concurrency: number; tps: number };
  /** CPU time of this process per statement at each concurrency, ms: its share of the machine. */
  clientCpuMs: Record<number, number>;
  /** CPU time of the whole machine per statement at each concurrency, ms (Linux; else absent). */
  machineCpuMs?: Record<number, number>;
  /** Latency of one at a time. */
  c1: { p50: number; mean: number };
}
export type AnchorFigures = ThroughputFigures;

/** The concurrencies each measurement runs at, in order. */
export const CONCURRENCIES = [1, 2, 4, 8, 16];

/** The anchor measured again: at its best concurrency and the ones beside it in CONCURRENCIES. */
export const nearBest = (best: number): number[] => {
  const i = CONCURRENCIES.indexOf(best);
  return CONCURRENCIES.slice(Math.max(0, i - 1), i + 2);
};

/**
 * The search settings the engine child reads from this environment too (`SEARCH_EF_SEARCH=200 npm run
 * bench:search` measures the statement, the service and the engine at the same setting).
 */
export const searchConfig = (): Config => loadConfig(process.env);

interface ThroughputOptions {
  concurrencies?: number[];
  seconds?: number;
}

/**
 * `one(worker)` run by `c` workers at once for `seconds`, for each concurrency, after 50 warming calls and
 * 300 timed one at a time. `workers(c)` readies the first c workers (connections) before the clock starts.
 */
async function measureThroughput(
  one: (worker: number) => Promise<unknown>,
  workers: (count: number) => Promise<void>,
  options: ThroughputOptions,
): Promise<ThroughputFigures> {
  const concurrencies = options.concurrencies ?? CONCURRENCIES;
  const seconds = options.seconds ?? 8;
  await workers(1);
  for (let i = 0; i < 50; i++) await one(0); // warm the index pages
  const seq: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await one(0);
    seq.push(performance.now() - t);
  }
  seq.sort((a, b) => a - b);
  const tps: Record<number, number> = {};
  const clientCpuMs: Record<number, number> = {};
  const onLinux = process.platform === 'linux';
  const machineCpuMs: Record<number, number> = {};
  for (const c of concurrencies) {
    await workers(c);
    let done = 0;
    const end = Date.now() + seconds * 1000;
    const cpu0 = process.cpuUsage();
    const machine0 = onLinux ? machineCpuSeconds() : 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: c }, async (_, w) => {
        while (Date.now() < end) {
          await one(w);
          done++;
        }
      }),
    );
    tps[c] = Math.round((done / ((performance.now() - t0) / 1000)) * 10) / 10;
    clientCpuMs[c] = cpuMsPer(cpu0, done);
    if (onLinux) machineCpuMs[c] = msPer(machineCpuSeconds() - machine0, done);
  }
  const [bestC, bestTps] = Object.entries(tps).reduce((a, b) => (b[1] > a[1] ? b : a));
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    tps,
    best: { concurrency: Number(bestC), tps: bestTps },
    clientCpuMs,
    ...(onLinux ? { machineCpuMs } : {}),
    c1: { p50: r(percentile(seq, 50)), mean: r(seq.reduce((a, b) => a + b, 0) / seq.length) },
  };
}

/** `one(client)` measured on PostgreSQL clients of their own (one per worker), each readied by `setup`. */
async function measureOnClients(
  url: string,
  setup: (client: pg.Client) => Promise<void>,
  one: (client: pg.Client) => Promise<unknown>,
  options: ThroughputOptions,
): Promise<ThroughputFigures> {
  const clients: pg.Client[] = [];
  const workers = async (count: number) => {
    while (clients.length < count) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await setup(c);
      clients.push(c);
    }
  };
  try {
    return await measureThroughput((w) => one(clients[w]!), workers, options);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

const BARE_QUERY = 'SELECT id FROM chunks ORDER BY embedding <=> $1::vector LIMIT 100';

export async function measureBareHnsw(url: string, queries: readonly string[], options: ThroughputOptions = {}): Promise<AnchorFigures> {
  const embedder = new HashEmbedder();
  const vectors = await Promise.all(queries.map(async (q) => `[${Array.from(await embedder.embedQuery(q)).join(',')}]`));
  let qi = 0;
  return measureOnClients(
    url,
    async (c) => void (await c.query('SET hnsw.ef_search = 100')),
    (c) => c.query(BARE_QUERY, [vectors[qi++ % vectors.length]]),
    options,
  );
}

/**
 * Cité's search statement alone, sent by the anchor's own client: the statements `searchWith` sends for the
 * queries (recorded through a database that runs them and keeps a copy), replayed as the engine sends them
 * (named, generic plan, its HNSW settings) without the engine. Its ratio to the anchor is what the database
 * alone allows: neither the service nor HTTP can do better than it.
 */
export async function measureSearchStatement(
  url: string,
  queries: readonly string[],
  mode: SearchMode,
  options: ThroughputOptions = {},
): Promise<ThroughputFigures> {
  const db: Database = await openServerDatabase(url, 1);
  const recorded: Array<{ settings: Readonly<Record<string, string>>; sql: string | NamedStatement; params: readonly unknown[] }> = [];
  const recording: Database = {
    ...db,
    queryWithSettings: (settings, sql, params) => {
      recorded.push({ settings, sql, params: params ?? [] });
      return db.queryWithSettings(settings, sql, params);
    },
  };
  const deps = { db: recording, embedder: new HashEmbedder(), config: searchConfig() };
  try {
    for (const query of queries) await searchWith(deps, { query, k: 10, mode, allowedCollections: null });
  } finally {
    await db.close();
  }
  // one session's settings for all: a query without a vector (stop words only) runs with none, the rest
  // with the same HNSW settings
  const settings: Record<string, string> = {};
  for (const r of recorded) {
    for (const [name, value] of Object.entries(r.settings)) {
      if (settings[name] !== undefined && settings[name] !== value) throw new Error(`search statements ran with ${name} = ${settings[name]} and ${value}`);
      settings[name] = value;
    }
  }
  const generic = recorded.some((r) => typeof r.sql !== 'string' && r.sql.genericPlan);
  let qi = 0;
  return measureOnClients(
    url,
    async (c) => {
      // as the engine's pools run it (pool-database.ts): generic plans for named statements that ask for them
      if (generic) await c.query('SET plan_cache_mode = force_generic_plan');
      for (const [name, value] of Object.entries(settings)) await c.query('SELECT set_config($1, $2, false)', [name, value]);
    },
    (c) => {
      const { sql, params } = recorded[qi++ % recorded.length]!;
      return c.query(typeof sql === 'string' ? { text: sql, values: [...params] } : { name: sql.name, text: sql.text, values: [...params] });
    },
    options,
  );
}

/**
 * The search service (search-service.ts `searchWith`, the environment's configuration, hash embedder) called
 * in this process on a server database whose pool holds one connection per worker: Cité's statement, its
 * settings and its result shaping, without HTTP, authentication or the engine's other middleware.
 */
export async function measureSearchService(
  url: string,
  queries: readonly string[],
  mode: SearchMode,
  options: ThroughputOptions = {},
): Promise<ThroughputFigures> {
  const db: Database = await openServerDatabase(url, Math.max(...(options.concurrencies ?? CONCURRENCIES)));
  const deps = { db, embedder: new HashEmbedder(), config: searchConfig() };
  let qi = 0;
  try {
    return await measureThroughput(
      () => searchWith(deps, { query: queries[qi++ % queries.length]!, k: 10, mode, allowedCollections: null }),
      async () => {},
      options,
    );
  } finally {
    await db.close();
  }
}
