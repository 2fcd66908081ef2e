/**
 * The scheduled purge, a background part of `cite start` (embedded) and `cite worker`: a first purge
 * shortly after start, then one per RETENTION_PURGE_INTERVAL_MINUTES, one process at a time.
 */
import os from 'node:os';
import type { AppContext } from '@cite/core/http/app-context.js';
import { isPolicyActive, purgeExpired, retentionPolicy, takePurgeLease } from './retention.js';

/** Delay before the first purge: start-up work (migrations, crawl resumption) goes first. */
export const FIRST_PURGE_DELAY_MS = 5_000;

export async function startRetentionSchedule(app: AppContext): Promise<() => Promise<void>> {
  const log = app.log.child({ component: 'retention' });
  const policy = retentionPolicy(app.config);
  if (!isPolicyActive(policy)) {
    log.info('retention: every period is 0 (keep forever); no purge scheduled');
    return async () => {};
  }
  const minutes = app.config.RETENTION_PURGE_INTERVAL_MINUTES;
  const holder = `${os.hostname()}:${process.pid}`;
  const abort = new AbortController();
  let running: Promise<void> | undefined;

  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        if (!(await takePurgeLease(app.db, holder, minutes))) return;
        const report = await purgeExpired(app.db, policy, { batchSize: app.config.RETENTION_PURGE_BATCH_SIZE, signal: abort.signal });
        log.info({ deleted: report.deleted, exempt: report.exempt, ms: report.duration_ms }, 'retention purge done');
      } catch (e) {
        if (!abort.signal.aborted) log.error({ err: e }, 'retention purge failed; retried at the next period');
      } finally {
        running = undefined;
      }
    })();
  };

  const first = setTimeout(tick, FIRST_PURGE_DELAY_MS);
  // Ticks more often than the period so a lease freed by a stopped worker is picked up soon.
  const timer = setInterval(tick, Math.min(minutes, 5) * 60_000);
  first.unref();
  timer.unref();
  log.info({ policy, everyMinutes: minutes }, 'retention purge scheduled');
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    abort.abort();
    await running;
  };
}
