/**
 * Limits refused requests (no key, bad key, ended session) per client address, checked before any key
 * lookup, so a flood of guesses costs one indexed read each and no key lookup or audit write once the
 * budget is spent. Requests with a valid key are not counted, so clients behind one NAT are not limited by
 * each other's keys.
 *
 * The read is spared for addresses this process has never seen refused in the current window: most
 * requests come with a valid key, and asking the database about them cost a round trip each. An address
 * refused here is read from the database on every request until its window ends, so replicas still share
 * its budget exactly; one refused elsewhere only is caught here within CLEAN_FOR_MS, after at most one
 * more refusal here (that refusal is counted, and from then on every request reads the count).
 */
import type { Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { recordRefusal } from '@cite/core/audit/audit-repo.js';
import { CiteError } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { DatabaseRateLimitStore, retryAfterSeconds } from '@cite/core/http/rate-limit-store.js';
import type { RouteDef } from '@cite/core/http/route.js';
import { authFailures } from '@cite/core/observability/metrics.js';
import type { KeyRefusal } from '../keys/api-keys.js';

/** How long an address found without refusals is believed clean without asking the database again. */
export const CLEAN_FOR_MS = 1_000;
/** Clean addresses remembered at most (forgotten all at once past it: they are only a shortcut). */
const CLEAN_MAX = 10_000;

export interface AddressGuard {
  /** Throws RATE_LIMITED (429, Retry-After set) when the client's address used up its refusals this minute. */
  check(req: Request, res: Response): Promise<void>;
  /** Counts a refusal against the address and records it on the address's aggregated audit line. */
  refused(req: Request, route: RouteDef, reason: KeyRefusal | 'missing' | 'session_ended', keyId?: number): Promise<void>;
}

/** The client's address, as TRUST_PROXY lets Express read it. */
const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** The client's address as a counter's key: IPv6 addresses count per /56, as one household or office does. */
export const clientAddressKey = (req: Request): string => ipKeyGenerator(clientAddress(req));

export function addressGuard(ctx: AppContext, windowMs: number): AddressGuard {
  // every refusal counted, one UPSERT each: the budget is small and every guess must count
  const store = new DatabaseRateLimitStore(ctx.db, windowMs);
  const limit = ctx.config.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE;
  const counter = (req: Request) => `addr:${clientAddressKey(req)}`;
  /** Addresses read without a running count, and until when that reading is trusted. */
  const clean = new Map<string, number>();
  return {
    async check(req, res) {
      const key = counter(req);
      const until = clean.get(key);
      if (until !== undefined && until > Date.now()) return;
      const seen = await store.get(key);
      if (!seen) {
        if (clean.size >= CLEAN_MAX) clean.clear();
        clean.set(key, Date.now() + CLEAN_FOR_MS);
        return;
      }
      clean.delete(key);
      if (seen.totalHits < limit) return;
      authFailures.inc({ reason: 'rate_limited' });
      const seconds = retryAfterSeconds(seen.resetTime, windowMs);
      res.setHeader('Retry-After', String(seconds));
      throw new CiteError('RATE_LIMITED', `Too many refused requests from this address; retry in ${seconds} s`, { status: 429 });
    },
    async refused(req, route, reason, keyId) {
      authFailures.inc({ reason });
      const key = counter(req);
      clean.delete(key);
      await Promise.all([
        store.increment(key),
        recordRefusal(ctx.db, {
          reason,
          ip: clientAddress(req),
          keyId,
          route: `${route.method.toUpperCase()} ${route.path}`,
          requestId: req.id,
        }).catch((e) => ctx.log.warn({ err: e }, 'audit write failed')),
      ]);
    },
  };
}
