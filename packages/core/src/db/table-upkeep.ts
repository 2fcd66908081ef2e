/**
 * Autovacuum where PostgreSQL runs none: the embedded database always, and a server whose autovacuum is off
 * (server-tuning.ts: Cité's background worker, and the CLI after bulk writes). PGlite runs PostgreSQL as a
 * single-user backend, without the autovacuum launcher: left alone, its tables are never analyzed nor
 * vacuumed. Without statistics the planner takes a grown table for an empty one (the crawl's claim read every
 * pending URL of the frontier and sorted them, 4–8 ms a claim, instead of walking its index); without vacuum,
 * dead rows and index entries pile up for good and the visibility map stays empty, so the BM25 postings are
 * never read from their index alone.
 *
 * Every `everyMs`, one query on the statistics views finds the tables PostgreSQL's own autovacuum would
 * take, by its default thresholds, and they are vacuumed and analyzed one statement at a time. It runs in
 * the background lane: a search waiting for the database goes first.
 */
import type { Logger } from 'pino';
import { inBackgroundLane } from './admission.js';
import type { Queryable } from './database.js';
import { dbUpkeepFailures, dbUpkeepSeconds } from '../observability/metrics.js';

export interface UpkeepThresholds {
  /** Analyze once more rows changed than `analyzeBase` + `analyzeScale` × its rows (autovacuum_analyze_*). */
  analyzeBase: number;
  analyzeScale: number;
  /** Vacuum once more rows are dead than `vacuumBase` + `vacuumScale` × its rows (autovacuum_vacuum_*). */
  vacuumBase: number;
  vacuumScale: number;
  /** Vacuum an insert-only table too, to set its visibility map (autovacuum_vacuum_insert_*). */
  insertBase: number;
  insertScale: number;
}

/** PostgreSQL's defaults for autovacuum. */
export const UPKEEP_THRESHOLDS: UpkeepThresholds = {
  analyzeBase: 50,
  analyzeScale: 0.1,
  vacuumBase: 50,
  vacuumScale: 0.2,
  insertBase: 1000,
  insertScale: 0.2,
};

/**
 * How often the statistics are looked at (ms). PostgreSQL's launcher wakes once a minute; a crawl fills
 * its frontier in seconds, and each look is one cheap query.
 */
export const UPKEEP_EVERY_MS = 2_000;

export interface DueTable {
  /** Schema-qualified and quoted, ready for a statement. */
  table: string;
  vacuum: boolean;
  analyze: boolean;
}

/**
 * The tables due for a vacuum or an analyze, by the thresholds on the statistics counters. PGlite does not
 * keep those counters when it closes: a reopened database's start from zero and would name nothing that
 * earlier processes left undone (a bulk load's postings, rebuilt in its last statement). With `startup`,
 * the catalog's own figures are read too: a table never analyzed, and one whose pages are mostly not marked
 * all-visible (never vacuumed since it was filled), from 8 pages (64 KB) up.
 */
export async function dueTables(db: Queryable, t: UpkeepThresholds = UPKEEP_THRESHOLDS, startup = false): Promise<DueTable[]> {
  const { rows } = await db.query<DueTable>(
    `SELECT * FROM (
       SELECT format('%I.%I', s.schemaname, s.relname) AS "table",
              s.n_dead_tup > $3 + $4 * x.n OR s.n_ins_since_vacuum > $5 + $6 * x.n
                OR ($7 AND x.pages >= 8 AND c.relallvisible < x.pages / 2) AS "vacuum",
              s.n_mod_since_analyze > $1 + $2 * x.n OR ($7 AND c.reltuples < 0 AND x.pages > 0) AS "analyze"
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid,
              LATERAL (SELECT greatest(c.reltuples, 0) AS n,
                              pg_relation_size(c.oid) / current_setting('block_size')::int AS pages) x
        WHERE c.relpersistence <> 't'
     ) t WHERE "vacuum" OR "analyze" ORDER BY "table"`,
    [t.analyzeBase, t.analyzeScale, t.vacuumBase, t.vacuumScale, t.insertBase, t.insertScale, startup],
  );
  return rows;
}

/** What `due` asks: the statement's kind (a metric's label) and its text. */
export function upkeepStatement(due: DueTable): { kind: 'vacuum_analyze' | 'vacuum' | 'analyze'; sql: string } {
  if (due.vacuum && due.analyze) return { kind: 'vacuum_analyze', sql: `VACUUM (ANALYZE) ${due.table}` };
  if (due.vacuum) return { kind: 'vacuum', sql: `VACUUM ${due.table}` };
  return { kind: 'analyze', sql: `ANALYZE ${due.table}` };
}

/**
 * A table upkept is not taken again before this many times what its statement took: on the database's one
 * thread, a table rewritten without pause (a crawl's chunks and postings) would otherwise be analyzed at
 * every look. Keeps the upkeep to a small share of the thread, like autovacuum's cost delay on a server.
 */
export const UPKEEP_PAUSE_FACTOR = 10;

export interface UpkeepOptions {
  everyMs: number;
  thresholds: UpkeepThresholds;
  pauseFactor: number;
  log?: Logger;
}

/** The upkeep of one database: `pass` now, or `start` to pass every `everyMs` until `stop`. */
export class TableUpkeep {
  private readonly options: UpkeepOptions;
  /** Per table, when it may be taken again (performance.now()). */
  private readonly pausedUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  /** The next pass is this process's first: it reads the catalog too (see `dueTables`). */
  private firstPass = true;

  constructor(
    private readonly db: Queryable,
    options: Partial<UpkeepOptions> = {},
  ) {
    this.options = { everyMs: UPKEEP_EVERY_MS, thresholds: UPKEEP_THRESHOLDS, pauseFactor: UPKEEP_PAUSE_FACTOR, ...options };
  }

  /**
   * Vacuums and analyzes the due tables that are not paused; returns the statements run. The first pass also
   * takes what the catalog shows undone before this process (see `dueTables`).
   */
  async pass(): Promise<string[]> {
    const done: string[] = [];
    const startup = this.firstPass;
    this.firstPass = false;
    for (const due of await dueTables(this.db, this.options.thresholds, startup)) {
      if (this.stopped) break;
      if ((this.pausedUntil.get(due.table) ?? 0) > performance.now()) continue;
      const { kind, sql } = upkeepStatement(due);
      const started = performance.now();
      await this.db.query(sql);
      const now = performance.now();
      this.pausedUntil.set(due.table, now + this.options.pauseFactor * (now - started));
      dbUpkeepSeconds.inc({ statement: kind }, (now - started) / 1000);
      done.push(sql);
    }
    return done;
  }

  /** Passes every `everyMs` in the background lane (a search waiting for the database goes first). */
  start(): this {
    this.timer ??= setInterval(() => {
      if (this.stopped || this.running) return;
      this.running = inBackgroundLane(() => this.pass())
        .catch((err: unknown) => {
          dbUpkeepFailures.inc();
          this.options.log?.warn({ err }, 'database upkeep failed');
        })
        .finally(() => (this.running = null));
    }, this.options.everyMs);
    this.timer.unref();
    return this;
  }

  /** No pass starts after; waits for the one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
