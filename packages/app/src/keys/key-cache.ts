/**
 * The keys an engine process authenticated, kept so that a request does not look its key up again: the
 * lookup was one statement and one round trip of every request. Revocation stays immediate across
 * processes: a trigger notifies every change of a key at commit (migration 0280), and a notification, or
 * a moment when notifications may have been lost, empties the cache; while the process is not listening
 * it keeps nothing. Only keys that authenticated are kept (an unknown secret is looked up each time).
 * The embedded database (one process) needs no cache.
 */
import type { Database, Queryable } from '@cite/core/db/database.js';
import type { ChannelSubscription } from '@cite/core/db/channel-listener.js';
import * as repo from './api-keys-repo.js';

export const API_KEYS_CHANNEL = 'cite_api_keys';
/** A kept key is looked up again after this long anyway: a bound should a notification ever go astray. */
const KEEP_MS = 60_000;
/** Keys kept at most (the oldest go first). */
const MAX_KEYS = 10_000;

export class KeyCache {
  private readonly keys = new Map<string, { row: repo.ApiKeyRow; at: number }>();
  /** Moves on every change notified: a lookup that started before one keeps nothing. */
  private generation = 0;
  private readonly subscription: ChannelSubscription;

  constructor(listen: NonNullable<Database['listen']>) {
    const forget = () => {
      this.keys.clear();
      this.generation++;
    };
    this.subscription = listen(API_KEYS_CHANNEL, { message: forget, gap: forget });
  }

  async findByHash(db: Queryable, hash: string, now = Date.now()): Promise<repo.ApiKeyRow | undefined> {
    // listening before the lookup began, and no change notified since: nothing the row could miss
    const listening = this.subscription.live;
    const kept = listening ? this.keys.get(hash) : undefined;
    if (kept && now - kept.at < KEEP_MS) return kept.row;
    const generation = this.generation;
    const row = await repo.findByHash(db, hash);
    this.keys.delete(hash);
    if (row && listening && this.subscription.live && generation === this.generation) {
      if (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(hash, { row, at: now });
    }
    return row;
  }

  close(): Promise<void> {
    this.keys.clear();
    return this.subscription.close();
  }
}

const caches = new WeakMap<Queryable, KeyCache | null>();

/** The cache of a server database (made on first use), or null: the embedded one keeps no keys. */
export function keyCacheFor(db: Queryable): KeyCache | null {
  let cache = caches.get(db);
  if (cache === undefined) {
    const listen = (db as Partial<Database>).listen;
    caches.set(db, (cache = listen ? new KeyCache(listen.bind(db)) : null));
  }
  return cache;
}
