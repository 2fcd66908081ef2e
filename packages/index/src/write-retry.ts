/**
 * The index's one retry policy for write transactions. Writers of the index lock document rows and the
 * BM25 term rows their chunks touch; two writers can still meet in a deadlock (40P01) or, under a
 * stricter isolation level, a serialization failure (40001). Both leave nothing written and succeed
 * when run again, so a write is retried a few times before the error goes to the caller.
 */
import type { Database, Queryable } from '@cite/core/db/database.js';

const RETRY_SQLSTATES = new Set(['40P01', '40001']); // deadlock, serialization failure

/** Attempts after the first. */
export const WRITE_RETRIES = 3;

/** True for the database errors a write transaction may simply be run again after. */
export function isRetryableWriteError(e: unknown): boolean {
  const state = (e as { code?: unknown } | null)?.code;
  return typeof state === 'string' && RETRY_SQLSTATES.has(state);
}

/** Runs `write` in a transaction, again (up to WRITE_RETRIES times) after a deadlock or serialization failure. */
export async function inWriteTransaction<T>(db: Database, write: (tx: Queryable, attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction((tx) => write(tx, attempt));
    } catch (e) {
      if (attempt < WRITE_RETRIES && isRetryableWriteError(e)) continue;
      throw e;
    }
  }
}
