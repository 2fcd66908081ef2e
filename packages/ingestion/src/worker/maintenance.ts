/**
 * A worker's share of the shared upkeep: its heartbeat, requeueing the claims of silent workers,
 * failing ingestions whose process died, starting queued runs, finishing drained ones, live counts and scheduled recrawls. Every worker runs
 * it; the row locks in the SQL decide which one does each piece. One pass at a time per worker.
 */
import os from 'node:os';
import type { Logger } from 'pino';
import { reclaimStale, reclaimStaleRun } from '@cite/core/background-work/work-runs.js';
import type { Database } from '@cite/core/db/database.js';
import { requeueStaleClaims } from '../frontier/frontier.js';
import { failInterruptedIngestRuns } from '../ingest/ingest-run.js';
import { finalizeDrainedRuns, scheduleDueSources, startQueuedRun, type FinishedRun } from '../runs/run-lifecycle.js';
import { beatRun, CRAWL_RUNS } from '../runs/run-repo.js';
import type { RunCache } from './run-cache.js';
import type { IndexBacklog } from './index-backlog.js';
import { staleCrawlMs, type WorkerOptions } from './worker-options.js';

/** How often due scheduled crawls are looked for (ms). */
const SCHEDULE_EVERY_MS = 15_000;

export interface MaintenanceDeps {
  db: Database;
  workerId: string;
  log: Logger;
  opts: Pick<WorkerOptions, 'staleMs' | 'countsEveryMs' | 'scheduler' | 'onlyRun'>;
  /** Claims of one URL before it fails instead of being requeued again. */
  maxAttempts: number;
  backlog: IndexBacklog;
  runs: RunCache;
  stopping: () => boolean;
  onRunFinished?: (run: FinishedRun) => void;
}

export class Maintenance {
  private inFlight: Promise<void> | null = null;
  private lastCounts = 0;
  private lastSchedule = 0;

  constructor(private readonly d: MaintenanceDeps) {}

  /** Registers (or refreshes) this worker as alive. */
  heartbeat(): Promise<unknown> {
    return this.d.db.query(
      `INSERT INTO crawl_workers (id, hostname, pid) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [this.d.workerId, os.hostname(), process.pid],
    );
  }

  /** The worker is gone: other workers need not wait for its heartbeat to go stale. */
  async leave(): Promise<void> {
    await this.inFlight;
    await this.d.db.query('DELETE FROM crawl_workers WHERE id = $1', [this.d.workerId]).catch(() => {});
  }

  /**
   * One pass; a pass already under way is joined, not repeated. `full` adds the periodic part
   * (heartbeat, stale claims, backlog size, counts, schedule) to what an idle worker does (runs).
   */
  run(full: boolean): Promise<void> {
    return (this.inFlight ??= this.pass(full).finally(() => (this.inFlight = null)));
  }

  /** Takes over the crawls no live worker beat for (only its own run, for a worker on one run). */
  private async adoptStaleCrawls(): Promise<number[]> {
    const { db, workerId, opts } = this.d;
    if (opts.onlyRun === undefined) return reclaimStale(db, CRAWL_RUNS, staleCrawlMs(opts), workerId);
    return (await reclaimStaleRun(db, CRAWL_RUNS, opts.onlyRun, staleCrawlMs(opts), workerId)) ? [opts.onlyRun] : [];
  }

  private async pass(full: boolean): Promise<void> {
    const { db, log } = this.d;
    const only = this.d.opts.onlyRun;
    try {
      if (full) {
        await this.heartbeat();
        const requeued = await requeueStaleClaims(db, this.d.opts.staleMs, this.d.maxAttempts);
        if (requeued) log.warn({ requeued }, 'claims of silent workers requeued');
        await this.d.backlog.refresh();
        const interrupted = await failInterruptedIngestRuns(db, this.d.opts.staleMs, this.d.workerId);
        if (interrupted.length) log.warn({ runs: interrupted }, 'interrupted ingestions failed');
        const adopted = await this.adoptStaleCrawls();
        if (adopted.length) log.warn({ runs: adopted }, 'crawls left by silent workers taken over');
      }
      while (!this.d.stopping() && (await startQueuedRun(db, this.d.workerId, only)) !== null) {
        log.info('crawl run started');
        if (only !== undefined) break;
      }
      for (const f of await finalizeDrainedRuns(db, only)) {
        this.d.runs.forget(f.runId);
        log.info({ runId: f.runId, sourceId: f.sourceId, status: f.status }, 'crawl run finished');
        this.d.onRunFinished?.(f);
      }
      const now = Date.now();
      if (full && now - this.lastCounts >= this.d.opts.countsEveryMs) {
        this.lastCounts = now;
        // a worker on one run beats for it alone: another run whose workers died must go stale
        const { rows } = await db.query<{ id: number }>(
          `SELECT id FROM crawl_runs WHERE status = 'running' AND config ? 'kind' AND ($1::bigint IS NULL OR id = $1)`,
          [only ?? null],
        );
        for (const r of rows) await beatRun(db, Number(r.id));
      }
      if (full && this.d.opts.scheduler && now - this.lastSchedule >= SCHEDULE_EVERY_MS) {
        this.lastSchedule = now;
        const queued = await scheduleDueSources(db);
        if (queued.length) log.info({ runs: queued }, 'scheduled crawls queued');
      }
    } catch (e) {
      if (!this.d.stopping()) log.error({ err: e }, 'crawler maintenance failed');
    }
  }
}
