/**
 * Whether the crawl worker can claim work, for /readyz: a worker whose claims fail without a success for
 * longer than a grace period cannot crawl, and every crawl stays queued. A failure now and then (a
 * deadlock, a restart of the server) heals within the grace and is not reported.
 */
import type { Database } from '@cite/core/db/database.js';
import { registerReadinessCheck } from '@cite/core/system/readiness.js';

export interface ClaimHealthOptions {
  /** Claims failing for longer than this, with no success between, make the engine not ready (ms). */
  graceMs: number;
  /** While claims keep failing, the error is logged again after this long (ms); the first one always is. */
  relogMs: number;
  now: () => number;
}

export const CLAIM_HEALTH_DEFAULTS: ClaimHealthOptions = { graceMs: 5_000, relogMs: 60_000, now: Date.now };

export class ClaimHealth {
  private readonly opts: ClaimHealthOptions;
  private failingSince: number | undefined;
  private failures = 0;
  private lastError: unknown;
  private loggedAt = -Infinity;

  constructor(options: Partial<ClaimHealthOptions> = {}) {
    this.opts = { ...CLAIM_HEALTH_DEFAULTS, ...options };
  }

  succeeded(): void {
    this.failingSince = undefined;
    this.failures = 0;
    this.lastError = undefined;
    this.loggedAt = -Infinity;
  }

  /**
   * Records a failed claim; true when it should be logged (the first of a run of failures, then one every
   * `relogMs`): a claim failing at every poll would otherwise log several times a second.
   */
  failed(e: unknown): boolean {
    const now = this.opts.now();
    this.failingSince ??= now;
    this.failures++;
    this.lastError = e;
    if (now - this.loggedAt < this.opts.relogMs) return false;
    this.loggedAt = now;
    return true;
  }

  /** Failed claims in a row (0 after a success). */
  get failuresInARow(): number {
    return this.failures;
  }

  /** What keeps the worker from claiming, or undefined when its claims succeed or fail only briefly. */
  problem(): string | undefined {
    if (this.failingSince === undefined) return undefined;
    const failingMs = this.opts.now() - this.failingSince;
    if (failingMs <= this.opts.graceMs) return undefined;
    const message = this.lastError instanceof Error ? this.lastError.message : String(this.lastError);
    return `cannot claim work: ${this.failures} claims failed in ${Math.round(failingMs / 1000)} s, the last with "${message}"`;
  }
}

/** A ClaimHealth that /readyz of the engine on `db` consults until `stop`. */
export function watchClaims(db: Database, options: Partial<ClaimHealthOptions> = {}): ClaimHealth & { stop(): void } {
  const health = new ClaimHealth(options);
  const stop = registerReadinessCheck(db, 'crawler', () => health.problem());
  return Object.assign(health, { stop });
}
