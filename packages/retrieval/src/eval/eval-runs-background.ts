/**
 * Background part of `cite start` (embedded) and `cite worker`: the evaluation run executor. Runs
 * queued from the console or the API are picked up here, in whichever process claims them first.
 */
import type { AppContext } from '@cite/core/http/app-context.js';
import { engineDeps } from './eval-runs-backend.js';
import { startEvalRunner } from './eval-runs-runner.js';
import { onRunQueued } from './eval-runs-start.js';

export async function startEvalRuns(app: AppContext): Promise<() => Promise<void>> {
  const runner = startEvalRunner(app.db, {
    deps: (run) => engineDeps(app, run),
    staleMs: app.config.EVAL_RUN_STALE_MS,
    maxAttempts: app.config.EVAL_RUN_MAX_ATTEMPTS,
    heartbeatMs: Math.max(500, Math.floor(app.config.EVAL_RUN_STALE_MS / 6)),
    log: app.log,
  });
  const unsubscribe = onRunQueued(() => runner.wake());
  return async () => {
    unsubscribe();
    await runner.stop();
  };
}
