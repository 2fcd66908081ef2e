/**
 * The crawl worker's settings: what the configuration gives, what the database mode changes, and the
 * fixed timings a test or benchmark may override.
 */
import { CONFIG_DEFAULTS, type Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import type { FetcherOptions } from '../fetch/fetcher.js';
import { FRONTIER_DEFAULTS } from '../frontier/frontier.js';
import type { PipelineOptions } from '../pipeline.js';
import { BACKLOG_BATCH, backlogBounds } from './index-backlog.js';

export interface WorkerOptions {
  /** URLs processed at once by this worker (CRAWLER_CONCURRENCY). */
  concurrency: number;
  /** URLs of one host in flight at once, across all workers (CRAWLER_PER_HOST_CONCURRENCY). */
  perHostConcurrency: number;
  heartbeatMs: number;
  /** A worker silent for this long is presumed dead and its claims are requeued. */
  staleMs: number;
  /** Wait between claim attempts when nothing is ready (ms). */
  pollMs: number;
  /** How often live counts of running runs are written to crawl_runs (ms). */
  countsEveryMs: number;
  /** Distinct query strings followed on one path before the rest count as a trap (calendars). */
  maxQueryVariants: number;
  /** Sitemaps a run follows before the rest are skipped ('max_sitemaps'; frontier.ts says why). */
  maxSitemaps: number;
  /** Groups of finished pages written at the same time. */
  commitConcurrency: number;
  /** Queue scheduled recrawls (cron) from this worker. */
  scheduler: boolean;
  /** Crawled chunks whose vectors may wait outside the HNSW index (CRAWLER_VECTOR_BACKLOG_MAX; 0: none). */
  vectorBacklogMax: number;
  /** Crawled chunks whose BM25 postings may wait outside search_postings (CRAWLER_POSTINGS_BACKLOG_MAX; 0: none). */
  postingsBacklogMax: number;
  /** Backlog chunks indexed per statement when the worker is idle. */
  backlogBatch: number;
  /**
   * How long the worker must have found nothing to crawl before it indexes backlog chunks (ms): a crawl
   * pauses between a group's write and the claim of the links it found, and a batch indexed then delays it.
   */
  backlogIdleMs: number;
  /** Single-process embedded mode: claims found at start belong to a previous, dead process. */
  requeueAllOnStart: boolean;
  /**
   * Works on this crawl run only (`cite crawl`'s foreground worker): claims its URLs, starts, beats for and
   * finishes it alone; other runs, queued or left by dead workers, are left to the engine's workers.
   */
  onlyRun?: number;
  workerId?: string;
  fetcher: Partial<FetcherOptions>;
  pipeline: Partial<PipelineOptions>;
}

export const WORKER_DEFAULTS: Omit<
  WorkerOptions,
  'concurrency' | 'perHostConcurrency' | 'requeueAllOnStart' | 'commitConcurrency' | 'vectorBacklogMax' | 'postingsBacklogMax' | 'backlogBatch' | 'fetcher' | 'pipeline'
> = {
  // the configuration's defaults, for callers without one (benches); workerOptions reads the configuration
  heartbeatMs: CONFIG_DEFAULTS.CRAWLER_HEARTBEAT_MS,
  staleMs: CONFIG_DEFAULTS.CRAWLER_STALE_AFTER_MS,
  pollMs: 250,
  countsEveryMs: 3_000,
  maxQueryVariants: FRONTIER_DEFAULTS.maxQueryVariants,
  maxSitemaps: FRONTIER_DEFAULTS.maxSitemaps,
  scheduler: true,
  backlogIdleMs: 1_000,
};

/**
 * How long a crawl run's heartbeat must be silent before a worker takes it over: every live worker beats for
 * the crawls it works on at each counts refresh, so a crawl is stale only when none did twice over.
 */
export function staleCrawlMs(opts: Pick<WorkerOptions, 'staleMs' | 'countsEveryMs'>): number {
  return Math.max(opts.staleMs, 2 * opts.countsEveryMs);
}

/** The options of a worker on this database, from the configuration, then the caller's overrides. */
export function workerOptions(db: Database, config: Config, overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  const bounds = backlogBounds(db.mode, config);
  return {
    ...WORKER_DEFAULTS,
    concurrency: config.CRAWLER_CONCURRENCY,
    perHostConcurrency: config.CRAWLER_PER_HOST_CONCURRENCY,
    requeueAllOnStart: db.mode === 'embedded',
    // Embedded: one database process, so a second group only contends (measured 11.4 → 6.9 pages/s).
    // Server: the second group's vector index inserts run in another backend while the first commits
    // (bench:crawl 145 → 165 pages/s; a third adds nothing).
    commitConcurrency: db.mode === 'server' ? 2 : 1,
    vectorBacklogMax: bounds.maxVectors,
    postingsBacklogMax: bounds.maxPostings,
    backlogBatch: BACKLOG_BATCH[db.mode],
    heartbeatMs: config.CRAWLER_HEARTBEAT_MS,
    staleMs: config.CRAWLER_STALE_AFTER_MS,
    fetcher: {},
    pipeline: {},
    ...overrides,
  };
}
