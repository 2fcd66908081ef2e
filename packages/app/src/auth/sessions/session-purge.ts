/**
 * A background part of `cite start` (embedded) and `cite worker`: deletes ended and expired sessions and
 * abandoned sign-ins. A sign-in start also deletes them, but an engine nobody signs in to any more would keep
 * the rows (ID tokens, IP addresses) for ever. Every process runs it: the deletes are idempotent and cheap.
 */
import type { AppContext } from '@cite/core/http/app-context.js';
import { deleteStale } from './sessions-repo.js';

/** The rows go a day after their end (deleteStale), so an hourly pass keeps them at most an hour longer. */
export const SESSION_PURGE_INTERVAL_MS = 3_600_000;

export async function startSessionPurge(app: AppContext): Promise<() => Promise<void>> {
  const log = app.log.child({ component: 'session-purge' });
  let stopped = false;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        const deleted = await deleteStale(app.db);
        if (deleted.sessions || deleted.logins) log.info(deleted, 'ended sessions and abandoned sign-ins deleted');
      } catch (e) {
        if (!stopped) log.error({ err: e }, 'session purge failed; retried at the next pass');
      } finally {
        running = undefined;
      }
    })();
  };
  tick();
  const timer = setInterval(tick, SESSION_PURGE_INTERVAL_MS);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
