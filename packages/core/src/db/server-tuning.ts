/**
 * Server settings Cité cannot change and searches depend on; the engine says so at start, with the figures.
 *
 * PostgreSQL's default buffer cache (shared_buffers = 128 MB) is smaller than the search indexes of a
 * mid-sized collection (100,000 chunks: 195 MB of HNSW graph, 340–630 MB of postings). Searches then
 * copy index pages from the OS cache again and again: with 100,000 synthetic chunks on a 2-core machine
 * that was a fifth of the server's CPU per search, and ~130 searches/s instead of ~180. Changing it needs
 * a restart.
 *
 * Autovacuum off: tables written by an ingest or a crawl are never vacuumed nor analyzed.
 */
import type { BackgroundPart } from '../background.js';
import type { Database, Queryable } from './database.js';
import { TableUpkeep } from './table-upkeep.js';

export interface ServerMemory {
  sharedBuffersBytes: number;
  /** The HNSW index, walked by every vector search. */
  vectorIndexBytes: number;
  /** The postings' ranking index, read by every lexical search (only its best impacts per term). */
  postingsIndexBytes: number;
}

export async function readServerMemory(db: Queryable): Promise<ServerMemory> {
  const { rows } = await db.query<{ shared: string | number; vector: string | number | null; postings: string | number | null }>(
    `SELECT pg_size_bytes(current_setting('shared_buffers')) AS shared,
            pg_relation_size(to_regclass('chunks_embedding_idx')) AS vector,
            pg_relation_size(to_regclass('search_postings_rank_idx')) AS postings`,
  );
  const r = rows[0]!;
  return { sharedBuffersBytes: Number(r.shared), vectorIndexBytes: Number(r.vector ?? 0), postingsIndexBytes: Number(r.postings ?? 0) };
}

const MB = 1024 * 1024;

/**
 * Advice when the buffer cache cannot hold what searches read on every query: the vector index whole,
 * and a working share of the postings index (a quarter: searches read the head of each term's list).
 */
export function bufferCacheAdvice(m: ServerMemory): string | null {
  const needed = m.vectorIndexBytes + m.postingsIndexBytes / 4;
  if (needed <= m.sharedBuffersBytes) return null;
  const suggest = Math.max(1024, 256 * Math.ceil((needed * 1.5) / MB / 256));
  return (
    `PostgreSQL shared_buffers is ${Math.round(m.sharedBuffersBytes / MB)} MB, smaller than the search indexes read on every ` +
    `search (vector index ${Math.round(m.vectorIndexBytes / MB)} MB, postings index ${Math.round(m.postingsIndexBytes / MB)} MB): ` +
    `searches will be slower and costlier than they need to be. Set shared_buffers = ${suggest}MB (or about a quarter of the ` +
    `server's memory) in postgresql.conf and restart PostgreSQL; docker-compose.yml sets it with POSTGRES_SHARED_BUFFERS.`
  );
}

/** Whether PostgreSQL's autovacuum runs: `autovacuum` on, and the statistics counters it reads kept. */
export async function readAutovacuum(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ on: boolean }>(
    `SELECT current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS on`,
  );
  return rows[0]!.on;
}

/**
 * Advice when autovacuum is off. The postings are then read from their table as well as their index (no page
 * is marked all-visible) and the planner works from no statistics: right after `cite ingest` of the
 * labour-law corpus (19,245 chunks), its expanded cdtn-dev searches took 19.5 ms on average instead of 7.2
 * after a `VACUUM (ANALYZE)`, which took 1.1 s.
 */
export function autovacuumAdvice(on: boolean): string | null {
  if (on) return null;
  return (
    "PostgreSQL's autovacuum is off on this server: the tables an ingest or a crawl writes are never vacuumed nor analyzed, " +
    'and searches become two to three times slower than they need to be. Set autovacuum = on in postgresql.conf (and ' +
    'reload). Meanwhile Cité does it where it writes: cite ingest, cite crawl and cite reembed for the tables they wrote, ' +
    'and its background worker (cite worker) while it runs.'
  );
}

/**
 * After bulk writes (`cite ingest`, `crawl`, `reembed`) on a server whose autovacuum is off: one pass of the
 * upkeep the embedded database runs on its own (table-upkeep.ts), so that the tables just written are
 * vacuumed and analyzed. Returns the statements run (none with autovacuum on, or on the embedded database).
 */
export async function upkeepWithoutAutovacuum(db: Database): Promise<string[]> {
  return (await lacksUpkeep(db)) ? new TableUpkeep(db).pass() : [];
}

/** A server whose autovacuum is off: nobody upkeeps its tables unless Cité does (the embedded database does itself). */
async function lacksUpkeep(db: Database, readSetting: (db: Queryable) => Promise<boolean> = readAutovacuum): Promise<boolean> {
  return db.mode === 'server' && !(await readSetting(db));
}

/**
 * A background part: on a server whose autovacuum is off, the worker (`cite worker`, or `cite start` with its
 * worker) runs the loop the embedded database runs, so that what crawls, uploads and recrawls write is
 * vacuumed and analyzed too, not only what the CLI's bulk writers wrote. Nothing with autovacuum on, nor on
 * the embedded database, which upkeeps itself. Several workers may each run it: a table one of them upkept
 * is no longer due by its counters, and a second VACUUM of a table waits for the first. `readSetting`: the
 * server's setting (tests pass their own).
 */
export function upkeepWithoutAutovacuumPart(readSetting: (db: Queryable) => Promise<boolean> = readAutovacuum): BackgroundPart {
  return async (app) => {
    if (!(await lacksUpkeep(app.db, readSetting))) return async () => {};
    app.log.info('autovacuum is off on this server: this worker vacuums and analyzes the tables Cité writes');
    const upkeep = new TableUpkeep(app.db, { log: app.log }).start();
    return () => upkeep.stop();
  };
}
