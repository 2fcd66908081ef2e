/**
 * Rate-limit counters in the database (table rate_limits), so every engine replica counts against the same
 * budget: a fixed window per key, bumped by one UPSERT that reads the database clock (replicas whose clocks
 * differ still agree on the window). The same SQL runs on PGlite, so embedded mode behaves the same.
 * It is an express-rate-limit `Store`, and the client-address limiter reads it before authentication.
 */
import type { ClientRateLimitInfo, Store } from 'express-rate-limit';
import type { Queryable } from '../db/database.js';

/** Ended windows are deleted at most this often per store (the next request would reset them anyway). */
const SWEEP_EVERY_MS = 60_000;

interface CounterRow {
  hits: number;
  reset_at: Date;
}

export class DatabaseRateLimitStore implements Store {
  /** Counters live in the database: a key counted by one replica is seen by all. */
  readonly localKeys = false;
  private lastSweep = Date.now();

  constructor(
    private readonly db: Queryable,
    readonly windowMs: number,
    readonly prefix = '',
  ) {}

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { rows } = await this.db.query<CounterRow>(
      `INSERT INTO rate_limits AS r (key, hits, reset_at)
       VALUES ($1, 1, now() + make_interval(secs => $2::double precision / 1000))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
         reset_at = CASE WHEN r.reset_at <= now() THEN excluded.reset_at ELSE r.reset_at END
       RETURNING hits, reset_at`,
      [this.prefix + key, this.windowMs],
    );
    this.sweepSometimes();
    return toInfo(rows[0]!);
  }

  /** The current window's count, or undefined when the key has none running. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const { rows } = await this.db.query<CounterRow>(`SELECT hits, reset_at FROM rate_limits WHERE key = $1 AND reset_at > now()`, [
      this.prefix + key,
    ]);
    return rows[0] ? toInfo(rows[0]) : undefined;
  }

  async decrement(key: string): Promise<void> {
    await this.db.query(`UPDATE rate_limits SET hits = greatest(hits - 1, 0) WHERE key = $1 AND reset_at > now()`, [this.prefix + key]);
  }

  async resetKey(key: string): Promise<void> {
    await this.db.query(`DELETE FROM rate_limits WHERE key = $1`, [this.prefix + key]);
  }

  private sweepSometimes(): void {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    this.db.query(`DELETE FROM rate_limits WHERE reset_at < now()`).catch(() => {
      /* best effort: an ended window is reset by its next request anyway */
    });
  }
}

function toInfo(row: CounterRow): ClientRateLimitInfo {
  return { totalHits: Number(row.hits), resetTime: new Date(row.reset_at) };
}
