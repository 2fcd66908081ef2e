/**
 * Executes evaluation runs in the background. A runner claims queued runs (and runs whose runner
 * died), evaluates the questions not yet stored, stores each result as soon as it is known, beats a
 * heartbeat, and keeps partial aggregates up to date for the progress bar. Stopping hands the run
 * back to the queue; a runner that dies leaves a stale heartbeat and another runner resumes the run;
 * a run interrupted too many times is marked failed with its partial results and aggregates kept.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Database } from '@cite/core/db/database.js';
import { isCiteError } from '@cite/core/errors.js';
import { aggregateResults } from './eval-runs-aggregate.js';
import {
  allResults,
  claimRun,
  finishRun,
  heartbeat,
  releaseRun,
  saveResult,
  setAggregates,
  storedExternalIds,
  type EvalRunRow,
} from './eval-runs-repo.js';
import { evaluateItem, type ScoreDeps } from './eval-runs-score.js';
import { allItems } from './eval-sets-repo.js';

export interface ExecuteOptions {
  workerId: string;
  /** Aborted to stop (graceful stop or lost ownership). */
  signal: AbortSignal;
  heartbeatMs?: number;
  /** Refresh stored partial aggregates at most this often. */
  aggregateEveryMs?: number;
  onProgress?: (p: { done: number; total: number; errors: number }) => void;
  /** True once the worker is "dead" (crash simulation): nothing more is written. */
  isHalted?: () => boolean;
  log?: Logger;
}

export type ExecuteOutcome = 'succeeded' | 'failed' | 'released' | 'lost';

/** Recomputes the aggregates from what is stored, so a resumed run counts its earlier questions. */
export async function computeAggregates(db: Database, runId: number): Promise<Record<string, number>> {
  return aggregateResults(await allResults(db, runId));
}

/**
 * Evaluates the remaining questions of a run this worker has claimed. Returns how it ended:
 * succeeded/failed (finished), released (stopped: back in the queue), lost (cancelled or taken over).
 */
export async function executeRun(db: Database, run: EvalRunRow, deps: ScoreDeps, opts: ExecuteOptions): Promise<ExecuteOutcome> {
  const log = opts.log?.child({ runId: run.id });
  const items = await allItems(db, run.set_id);
  const stored = await storedExternalIds(db, run.id);
  const todo = items.filter((i) => !stored.has(i.external_id));
  await db.query(`UPDATE eval_runs SET total = $2 WHERE id = $1`, [run.id, items.length]);
  log?.info({ total: items.length, resumed: stored.size, todo: todo.length }, 'evaluation run started');

  const inner = new AbortController();
  const signal = AbortSignal.any([opts.signal, inner.signal]);
  let lost = false;
  const beat = setInterval(() => {
    if (opts.isHalted?.()) return;
    heartbeat(db, run.id, opts.workerId).then(
      (owned) => {
        if (!owned) {
          lost = true;
          inner.abort();
        }
      },
      (e) => log?.warn({ err: e }, 'heartbeat failed'),
    );
  }, opts.heartbeatMs ?? 5_000);

  let done = stored.size;
  let errors = 0;
  let lastAggregate = Date.now();
  const queue = new PQueue({ concurrency: run.config.concurrency ?? 2 });
  try {
    for (const item of todo)
      queue.add(async () => {
        if (signal.aborted) return;
        let result;
        try {
          result = await evaluateItem(item, run.config, deps, signal);
        } catch (e) {
          if (signal.aborted) return;
          throw e;
        }
        if (opts.isHalted?.()) return;
        const owned = await saveResult(db, run.id, opts.workerId, result);
        if (!owned) {
          lost = true;
          inner.abort();
          return;
        }
        done++;
        if (result.status === 'error') errors++;
        opts.onProgress?.({ done, total: items.length, errors });
        if (Date.now() - lastAggregate > (opts.aggregateEveryMs ?? 2_000)) {
          lastAggregate = Date.now();
          await setAggregates(db, run.id, await computeAggregates(db, run.id));
        }
      });
    await queue.onIdle();
  } finally {
    clearInterval(beat);
  }

  if (opts.isHalted?.()) return 'lost';
  if (lost) {
    log?.info('evaluation run cancelled or taken over; stopping');
    return 'lost';
  }
  const aggregates = await computeAggregates(db, run.id);
  if (opts.signal.aborted) {
    await setAggregates(db, run.id, aggregates);
    await releaseRun(db, run.id, opts.workerId);
    log?.info({ done }, 'evaluation run handed back to the queue');
    return 'released';
  }
  const results = aggregates.questions + aggregates.errors;
  const allFailed = results > 0 && aggregates.questions === 0;
  const firstError = allFailed ? (await db.query<{ error: string }>(`SELECT error FROM eval_results WHERE run_id = $1 AND status = 'error' ORDER BY id LIMIT 1`, [run.id])).rows[0]?.error : undefined;
  const status = allFailed ? 'failed' : 'succeeded';
  const finished = await finishRun(db, run.id, opts.workerId, {
    status,
    aggregates,
    error: allFailed ? `Every question failed; first error: ${firstError}` : null,
  });
  log?.info({ status, aggregates }, 'evaluation run finished');
  return finished ? status : 'lost';
}

export interface EvalRunnerOptions {
  /** Builds what a run needs (search backend, judge) from its configuration. */
  deps: (run: EvalRunRow) => Promise<ScoreDeps>;
  workerId?: string;
  pollMs?: number;
  heartbeatMs?: number;
  staleMs: number;
  maxAttempts: number;
  log?: Logger;
}

export interface EvalRunner {
  readonly workerId: string;
  /** Graceful stop: the current run is handed back to the queue with its results kept. */
  stop(): Promise<void>;
  /** Stops without a word to the database, as a killed process would (tests of crash recovery). */
  halt(): void;
  /** Looks for work now instead of at the next poll. */
  wake(): void;
}

export function startEvalRunner(db: Database, options: EvalRunnerOptions): EvalRunner {
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:eval:${crypto.randomBytes(3).toString('hex')}`;
  const log = options.log?.child({ component: 'eval-runner', workerId });
  const stopping = new AbortController();
  let halted = false;
  let wakeUp: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        stopping.signal.removeEventListener('abort', done);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let run: EvalRunRow | undefined;
      try {
        run = await claimRun(db, { workerId, staleMs: options.staleMs });
      } catch (e) {
        if (halted) return;
        log?.error({ err: e }, 'claiming an evaluation run failed');
      }
      if (halted) return;
      if (!run) {
        await sleep(options.pollMs ?? 1_000);
        continue;
      }
      try {
        if (run.attempts > options.maxAttempts) {
          const aggregates = await computeAggregates(db, run.id);
          await finishRun(db, run.id, workerId, {
            status: 'failed',
            aggregates,
            error: `Interrupted ${run.attempts - 1} times (engine stopped or crashed while running it); partial results kept`,
          });
          log?.warn({ runId: run.id, attempts: run.attempts }, 'evaluation run given up');
          continue;
        }
        let deps: ScoreDeps;
        try {
          deps = await options.deps(run);
        } catch (e) {
          await finishRun(db, run.id, workerId, {
            status: 'failed',
            aggregates: await computeAggregates(db, run.id),
            error: isCiteError(e) ? `${e.code}: ${e.message}` : (e as Error).message,
          });
          continue;
        }
        await executeRun(db, run, deps, { workerId, signal: stopping.signal, heartbeatMs: options.heartbeatMs, isHalted: () => halted, log });
      } catch (e) {
        if (halted) return;
        log?.error({ err: e, runId: run.id }, 'evaluation run crashed');
        await finishRun(db, run.id, workerId, {
          status: 'failed',
          aggregates: await computeAggregates(db, run.id).catch(() => ({})),
          error: isCiteError(e) ? `${e.code}: ${e.message}` : (e as Error).message,
        }).catch(() => {});
      }
    }
  })();

  return {
    workerId,
    async stop() {
      stopping.abort();
      await loop;
    },
    halt() {
      halted = true;
      stopping.abort();
    },
    wake() {
      wakeUp?.();
    },
  };
}
