/**
 * The crawl worker: claims URLs from the shared frontier and runs them through the pipeline, with a
 * global concurrency bound. Any number of workers (processes, machines) share the work through
 * PostgreSQL only; each heartbeats in crawl_workers, and the URLs held by a worker that stopped
 * heartbeating (kill -9) go back to the frontier. Maintenance (starting queued runs, finishing drained
 * ones, scheduled recrawls) is done by whichever worker gets the row lock first (maintenance.ts).
 *
 * Built from named parts: options (worker-options.ts), the pipeline's dependencies (crawl-deps.ts),
 * the indexer built on first use (lazy-indexer.ts), run contexts (run-cache.ts), upkeep
 * (maintenance.ts), the claim loop (crawl-loop.ts); this file holds the order things start and stop in.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { logger } from '@cite/core/observability/logger.js';
import { requeueLostClaims } from '../frontier/frontier.js';
import type { FinishedRun } from '../runs/run-lifecycle.js';
import { watchClaims } from './claim-health.js';
import { crawlDeps } from './crawl-deps.js';
import { CrawlLoop } from './crawl-loop.js';
import { GroupCommit } from './group-commit.js';
import { lazyIndexer } from './lazy-indexer.js';
import { Maintenance } from './maintenance.js';
import type { PageIndexer } from './page-indexer.js';
import { RunCache } from './run-cache.js';
import { IndexBacklog } from './index-backlog.js';
import { workerOptions, type WorkerOptions } from './worker-options.js';

/**
 * Pages waiting for their group's write, per fetch slot, before the worker stops claiming. Larger groups
 * pay a group's round trips for more pages (bench:crawl: 10 statements per 8 pages → per 10, the write
 * path being what held the fetch slots idle); a killed worker may then have fetched up to
 * (1 + factor) × concurrency pages that it fetches again on resume.
 */
export const WRITE_BACKLOG_FACTOR = 4;

export interface StartWorkerArgs {
  db: Database;
  config: Config;
  log?: Logger;
  /** The embedder to index with, or a getter (created on first use); default: from the configuration. */
  embedder?: Embedder | (() => Promise<Embedder>);
  /** Replaces the ingestion service (tests, benchmarks). */
  indexer?: PageIndexer;
  options?: Partial<WorkerOptions>;
  onRunFinished?: (run: FinishedRun) => void;
}

export interface RunningWorker {
  id: string;
  /** Lets in-flight URLs finish, then releases everything. */
  stop(): Promise<void>;
}

export async function startWorker(args: StartWorkerArgs): Promise<RunningWorker> {
  const { db, config } = args;
  const opts = workerOptions(db, config, args.options);
  const id = opts.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  // its parts (embedder, renderer) bind `part`: a second `component` would be written twice in each line
  const log = (args.log ?? logger()).child({ component: 'crawler', worker: id });
  const indexing = lazyIndexer({ db, config, log, embedder: args.embedder, indexer: args.indexer });
  const crawl = crawlDeps({ db, config, log, indexer: indexing.indexer, opts });
  const runs = new RunCache(db);
  // built once its parts are: until then nothing is stopping
  let loop: CrawlLoop | undefined;

  const backlog = new IndexBacklog(db, { maxVectors: opts.vectorBacklogMax, maxPostings: opts.postingsBacklogMax, batchSize: opts.backlogBatch });
  const maintenance = new Maintenance({
    db, workerId: id, log, opts, maxAttempts: crawl.deps.options.maxAttempts, backlog, runs, stopping: () => loop?.isStopping ?? false, onRunFinished: args.onRunFinished,
  });
  await maintenance.heartbeat();
  if (opts.requeueAllOnStart) {
    // URLs claimed too often fail instead: one that killed the previous process would kill this one too
    const requeued = await requeueLostClaims(db, crawl.deps.options.maxAttempts, null);
    if (requeued) log.info({ requeued }, 'claims of a previous process requeued');
  }
  await backlog.refresh();

  const timer = setInterval(() => void maintenance.run(true), opts.heartbeatMs);
  timer.unref();

  const maxWriting = Math.max(1, opts.concurrency * WRITE_BACKLOG_FACTOR);
  // a group can take every page waiting for its write
  const commits = new GroupCommit(db, indexing.indexer, crawl.deps, {
    workerId: id,
    maxGroup: maxWriting,
    concurrency: opts.commitConcurrency,
    lingerMs: 20,
    maxQueryVariants: opts.maxQueryVariants,
    maxSitemaps: opts.maxSitemaps,
    backlog,
  });
  const claims = watchClaims(db); // for /readyz
  const claimLoop = new CrawlLoop({ db, workerId: id, log, opts, maxWriting, pipeline: crawl.deps, runs, commits, backlog, maintenance, claims });
  loop = claimLoop;
  claimLoop.start();

  log.info({ concurrency: opts.concurrency, perHost: opts.perHostConcurrency }, 'crawler worker started');
  let stopped: Promise<void> | undefined;
  return {
    id,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        await claimLoop.stop();
        claims.stop();
        await maintenance.leave();
        await crawl.close();
        await indexing.close();
        log.info('crawler worker stopped');
      })()),
  };
}
