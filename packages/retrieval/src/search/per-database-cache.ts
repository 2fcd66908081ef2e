/** Values of a database that search reads on every query but that move slowly: read at most every `ttlMs`. */
import type { Queryable } from '@cite/core/db/database.js';

const entries = new WeakMap<Queryable, Map<string, { value: unknown; at: number }>>();

/** A per-database value read at most every `ttlMs` (search runs it on every query). */
export async function cachedFor<T>(db: Queryable, key: string, ttlMs: number, read: () => Promise<T>): Promise<T> {
  let values = entries.get(db);
  if (!values) entries.set(db, (values = new Map()));
  const cached = values.get(key);
  if (cached && Date.now() - cached.at < ttlMs) return cached.value as T;
  const value = await read();
  values.set(key, { value, at: Date.now() });
  return value;
}

/** Forgets every cached value of `db` (tests, after bulk loads). */
export function forgetCached(db: Queryable): void {
  entries.delete(db);
}
