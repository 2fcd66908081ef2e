/**
 * Rate-limit counters in the database (table rate_limits), so every engine replica counts against the same
 * budget: a fixed window per key, bumped by an UPSERT that reads the database clock (replicas whose clocks
 * differ still agree on the window). The same SQL runs on PGlite, so embedded mode behaves the same.
 * It is an express-rate-limit `Store`, and the client-address limiter reads it before authentication.
 *
 * A store may lease hits: one UPSERT reserves the next `leaseSize` numbers of the key's shared counter,
 * and this replica hands them out one request at a time. Every number is given once across replicas, so
 * no more than the limit ever pass; a replica's unused numbers are lost to the others until the window
 * ends (at most leaseSize − 1 per replica). With a lease of 1 every hit is an UPSERT, exact to the hit.
 */
import type { ClientRateLimitInfo, Store } from 'express-rate-limit';
import { namedStatement, type Queryable } from '../db/database.js';

/** Ended windows are deleted at most this often per store (the next request would reset them anyway). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Hits a replica reserves at once for a limit: 1/20 of it (30 for the default 600 a minute), so a busy key
 * costs one write per 30 requests instead of one each, and two replicas leave at most a tenth unused.
 */
export function leaseSizeFor(limit: number): number {
  return Math.max(1, Math.floor(limit / 20));
}

const BUMP_SQL = namedStatement(
  'rate_limit_bump',
  `INSERT INTO rate_limits AS r (key, hits, reset_at)
   VALUES ($1, $3, now() + make_interval(secs => $2::double precision / 1000))
   ON CONFLICT (key) DO UPDATE SET
     hits = CASE WHEN r.reset_at <= now() THEN excluded.hits ELSE r.hits + excluded.hits END,
     reset_at = CASE WHEN r.reset_at <= now() THEN excluded.reset_at ELSE r.reset_at END
   RETURNING hits, reset_at, now() AS db_now`,
);
const GET_SQL = namedStatement('rate_limit_get', `SELECT hits, reset_at FROM rate_limits WHERE key = $1 AND reset_at > now()`);

interface CounterRow {
  hits: number;
  reset_at: Date;
}

interface Lease {
  /** The first counter number reserved. */
  first: number;
  size: number;
  taken: number;
  resetTime: Date;
  /** When the window ends by this process's clock (the database's may differ). */
  endsAt: number;
}

export class DatabaseRateLimitStore implements Store {
  /** Counters live in the database: a key counted by one replica is seen by all. */
  readonly localKeys = false;
  private lastSweep = Date.now();
  private readonly leases = new Map<string, Lease>();
  private readonly refills = new Map<string, Promise<Lease>>();

  constructor(
    private readonly db: Queryable,
    readonly windowMs: number,
    readonly options: { prefix?: string; leaseSize?: number } = {},
  ) {}

  get prefix(): string {
    return this.options.prefix ?? '';
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    let lease = this.leases.get(key);
    if (lease && lease.endsAt <= Date.now()) lease = undefined;
    for (;;) {
      if (lease && lease.taken < lease.size) {
        lease.taken++;
        return { totalHits: lease.first + lease.taken - 1, resetTime: lease.resetTime };
      }
      // one refill at a time per key: requests arriving meanwhile share its numbers (a fresh lease is used
      // even if this clock thinks its window over, so a skewed clock cannot loop)
      let refill = this.refills.get(key);
      if (!refill) {
        refill = this.lease(key).finally(() => this.refills.delete(key));
        this.refills.set(key, refill);
      }
      lease = await refill;
    }
  }

  private async lease(key: string): Promise<Lease> {
    const size = Math.max(1, Math.trunc(this.options.leaseSize ?? 1));
    const { rows } = await this.db.query<CounterRow & { db_now: Date }>(BUMP_SQL, [this.prefix + key, this.windowMs, size]);
    this.sweepSometimes();
    const row = rows[0]!;
    const resetTime = new Date(row.reset_at);
    const lease: Lease = {
      first: Number(row.hits) - size + 1,
      size,
      taken: 0,
      resetTime,
      endsAt: Date.now() + (resetTime.getTime() - new Date(row.db_now).getTime()),
    };
    this.leases.set(key, lease);
    return lease;
  }

  /** The current window's count (numbers leased by replicas included), or undefined when none runs. */
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const { rows } = await this.db.query<CounterRow>(GET_SQL, [this.prefix + key]);
    return rows[0] ? toInfo(rows[0]) : undefined;
  }

  async decrement(key: string): Promise<void> {
    const lease = this.leases.get(key);
    if (lease && lease.taken > 0 && lease.endsAt > Date.now()) {
      lease.taken--; // back to this replica's lease: the next request takes the number again
      return;
    }
    await this.db.query(`UPDATE rate_limits SET hits = greatest(hits - 1, 0) WHERE key = $1 AND reset_at > now()`, [this.prefix + key]);
  }

  async resetKey(key: string): Promise<void> {
    this.leases.delete(key);
    await this.db.query(`DELETE FROM rate_limits WHERE key = $1`, [this.prefix + key]);
  }

  private sweepSometimes(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, lease] of this.leases) if (lease.endsAt <= now) this.leases.delete(key);
    this.db.query(`DELETE FROM rate_limits WHERE reset_at < now()`).catch(() => {
      /* best effort: an ended window is reset by its next request anyway */
    });
  }
}

function toInfo(row: CounterRow): ClientRateLimitInfo {
  return { totalHits: Number(row.hits), resetTime: new Date(row.reset_at) };
}

/** Seconds until a window ends (at least 1), or a whole window when its end is unknown: a 429's Retry-After. */
export function retryAfterSeconds(reset: Date | undefined, windowMs: number): number {
  return reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : windowMs / 1000;
}
