/**
 * The anchor of bench:search (issue 25): the bare pgvector HNSW query Cité's vector branch is built on
 * (`ORDER BY embedding <=> q LIMIT 100`, hnsw.ef_search 100), run straight on the same database in the same
 * run, at several concurrencies. Machines here differ by 2× from one session to the next, so Cité's
 * throughput is read as a ratio of this one, measured minutes apart on the same data.
 */
import pg from 'pg';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { cpuMsPer, percentile } from './lib.js';

export interface AnchorFigures {
  /** Statements per second at each concurrency. */
  tps: Record<number, number>;
  best: { concurrency: number; tps: number };
  /** CPU time of this client (node-postgres) per statement at each concurrency, ms: its share of the machine. */
  clientCpuMs: Record<number, number>;
  /** Latency of one query at a time. */
  c1: { p50: number; mean: number };
}

const BARE_QUERY = 'SELECT id FROM chunks ORDER BY embedding <=> $1::vector LIMIT 100';

export async function measureBareHnsw(
  url: string,
  queries: readonly string[],
  options: { concurrencies?: number[]; seconds?: number } = {},
): Promise<AnchorFigures> {
  const concurrencies = options.concurrencies ?? [1, 2, 4, 8, 16];
  const seconds = options.seconds ?? 8;
  const embedder = new HashEmbedder();
  const vectors = await Promise.all(queries.slice(0, 500).map(async (q) => `[${Array.from(await embedder.embedQuery(q)).join(',')}]`));
  const clients: pg.Client[] = [];
  const client = async (i: number) => {
    while (clients.length <= i) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query("SET hnsw.ef_search = 100");
      clients.push(c);
    }
    return clients[i]!;
  };
  try {
    let qi = 0;
    const next = () => vectors[qi++ % vectors.length]!;
    const first = await client(0);
    for (let i = 0; i < 50; i++) await first.query(BARE_QUERY, [next()]); // warm the index pages
    const seq: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await first.query(BARE_QUERY, [next()]);
      seq.push(performance.now() - t);
    }
    seq.sort((a, b) => a - b);
    const tps: Record<number, number> = {};
    const clientCpuMs: Record<number, number> = {};
    for (const c of concurrencies) {
      const workers = await Promise.all(Array.from({ length: c }, (_, i) => client(i)));
      let done = 0;
      const end = Date.now() + seconds * 1000;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        workers.map(async (w) => {
          while (Date.now() < end) {
            await w.query(BARE_QUERY, [next()]);
            done++;
          }
        }),
      );
      tps[c] = Math.round((done / ((performance.now() - t0) / 1000)) * 10) / 10;
      clientCpuMs[c] = cpuMsPer(cpu0, done);
    }
    const [bestC, bestTps] = Object.entries(tps).reduce((a, b) => (b[1] > a[1] ? b : a));
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      tps,
      best: { concurrency: Number(bestC), tps: bestTps },
      clientCpuMs,
      c1: { p50: r(percentile(seq, 50)), mean: r(seq.reduce((a, b) => a + b, 0) / seq.length) },
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}
