/**
 * The crawl worker: claims URLs from the shared frontier and runs them through the pipeline, with a
 * global concurrency bound. Any number of workers (processes, machines) share the work through
 * PostgreSQL only; each heartbeats in crawl_workers, and the URLs held by a worker that stopped
 * heartbeating (kill -9) go back to the frontier. Maintenance (starting queued runs, finishing drained
 * ones, scheduled recrawls) is done by whichever worker gets the row lock first (maintenance.ts).
 *
 * Built from named parts: options (worker-options.ts), the pipeline's dependencies (crawl-deps.ts),
 * the indexer built on first use (lazy-indexer.ts), run contexts (run-cache.ts), upkeep
 * (maintenance.ts); this file holds the claim loop and the order things start and stop in.
 */
import { crawlPages } from '@cite/core/observability/metrics.js';
import crypto from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { logger } from '@cite/core/observability/logger.js';
import { claimMany, deferHost, requeueLostClaims, retryLater, type FrontierItem } from '../frontier/frontier.js';
import { processItem } from '../pipeline.js';
import type { FinishedRun } from '../runs/run-lifecycle.js';
import { watchClaims } from './claim-health.js';
import { crawlDeps } from './crawl-deps.js';
import { GroupCommit } from './group-commit.js';
import { lazyIndexer } from './lazy-indexer.js';
import { Maintenance } from './maintenance.js';
import type { PageIndexer } from './page-indexer.js';
import { RunCache } from './run-cache.js';
import { VectorBacklog } from './vector-backlog.js';
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
  const deps = crawl.deps;
  const runs = new RunCache(db);

  let stopping = false;
  const stopSignal = new AbortController();
  // one promise for the stop, raced by every wait (a listener per wait would pile up on the signal)
  const stopRequested = new Promise<void>((resolve) => stopSignal.signal.addEventListener('abort', () => resolve(), { once: true }));
  const sleep = (ms: number) => {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([new Promise<void>((resolve) => (t = setTimeout(resolve, ms))), stopRequested]).finally(() => clearTimeout(t));
  };

  const backlog = new VectorBacklog(db, { maxChunks: opts.vectorBacklogMax, batchSize: opts.vectorBacklogBatch });
  const maintenance = new Maintenance({
    db, workerId: id, log, opts, maxAttempts: deps.options.maxAttempts, backlog, runs, stopping: () => stopping, onRunFinished: args.onRunFinished,
  });
  await maintenance.heartbeat();
  if (opts.requeueAllOnStart) {
    // URLs claimed too often fail instead: one that killed the previous process would kill this one too
    const requeued = await requeueLostClaims(db, deps.options.maxAttempts, null);
    if (requeued) log.info({ requeued }, 'claims of a previous process requeued');
  }

  await backlog.refresh();

  const timer = setInterval(() => void maintenance.run(true), opts.heartbeatMs);
  timer.unref();

  // CRAWLER_CONCURRENCY bounds the URLs being fetched and processed. A page whose result waits for its
  // group's write leaves its slot: the database, not the network, is then what paces the crawl, and
  // requests go on while a group is written. It keeps its claim until the write commits (a kill loses
  // nothing) and is marked fetched at the next claim, which frees its host's concurrency too.
  const fetching = new Set<Promise<void>>();
  const writing = new Set<Promise<void>>();
  const maxWriting = Math.max(1, opts.concurrency * WRITE_BACKLOG_FACTOR);
  let fetched: number[] = [];

  // a group can take every page waiting for its write
  const commits = new GroupCommit(db, indexing.indexer, deps, {
    workerId: id,
    maxGroup: maxWriting,
    concurrency: opts.commitConcurrency,
    lingerMs: 20,
    maxQueryVariants: opts.maxQueryVariants,
    vectorBacklog: backlog,
  });

  const handle = async (item: FrontierItem): Promise<void> => {
    const run = await runs.get(item.run_id);
    if (!run) return;
    const result = await processItem(deps, run, item);
    if (result.type === 'retry') {
      await retryLater(db, item.id, id, result.delayMs, result.error);
      if (result.deferHostMs) await deferHost(db, item.host, result.deferHostMs);
      log.debug({ url: item.url, delayMs: result.delayMs, error: result.error }, 'retry later');
      return;
    }
    if (result.completion.fetched) fetched.push(item.id);
    // document, links and completion in one transaction (shared with the pages that finished meanwhile):
    // a kill in between can lose none of them
    const w: Promise<void> = commits
      .submit(item, run, result)
      // done → indexed/unchanged/deleted…; skipped and failed are counted as such (their reasons are in the run)
      .then((outcome) => void (outcome !== 'retry' && crawlPages.inc({ outcome })))
      .finally(() => writing.delete(w));
    writing.add(w);
  };

  let backlogRetryAt = 0;
  const indexBacklog = async (): Promise<number> => {
    if (Date.now() < backlogRetryAt) return 0;
    try {
      const moved = await backlog.indexSome();
      if (moved) log.debug({ moved }, 'backlog vectors indexed');
      return moved;
    } catch (e) {
      // the vectors stay searchable where they are; try again later rather than at every poll
      backlogRetryAt = Date.now() + 30_000;
      if (!stopping) log.error({ err: e }, 'indexing backlog vectors failed');
      return 0;
    }
  };

  const claims = watchClaims(db); // for /readyz
  const loop = (async () => {
    let idleSince = 0;
    let busyAt = Date.now();
    while (!stopping) {
      let claimed = 0;
      // how long to wait when nothing can be claimed: a poll, or less when a paced host opens sooner
      let waitMs = opts.pollMs;
      while (!stopping && fetching.size < opts.concurrency && writing.size < maxWriting) {
        // every free slot in one round trip, marking the pages fetched since the last claim
        let items: FrontierItem[] = [];
        const marks = fetched;
        fetched = [];
        try {
          const got = await claimMany(db, id, opts.perHostConcurrency, opts.concurrency - fetching.size, marks);
          items = got.items;
          claims.succeeded();
          // nothing now: wake when a paced host opens (a polite crawl holds its rate), at the latest at the poll
          if (got.nextSlotMs !== null) waitMs = Math.min(waitMs, got.nextSlotMs);
        } catch (e) {
          fetched.push(...marks);
          if (claims.failed(e)) log.error({ err: e, failuresInARow: claims.failuresInARow }, 'claim failed');
        }
        if (!items.length) break;
        claimed += items.length;
        for (const item of items) {
          const p: Promise<void> = handle(item)
            .catch((e) => log.error({ err: e, url: item.url }, 'processing failed'))
            .finally(() => fetching.delete(p));
          fetching.add(p);
        }
      }
      if (stopping) break;
      if (claimed > 0 || fetching.size > 0 || writing.size > 0) busyAt = Date.now();
      if (claimed === 0 && fetching.size === 0 && writing.size === 0) {
        if (Date.now() - idleSince > opts.pollMs) {
          idleSince = Date.now();
          await maintenance.run(false);
        }
        // nothing to crawl for a while: index a batch of waiting vectors, then look for work again
        if (backlog.pending && Date.now() - busyAt >= opts.vectorBacklogIdleMs && (await indexBacklog()) > 0) continue;
        await sleep(waitMs);
      } else if (claimed === 0 || fetching.size >= opts.concurrency || writing.size >= maxWriting) {
        await Promise.race([sleep(waitMs), ...fetching, ...(writing.size >= maxWriting || fetching.size === 0 ? writing : [])]);
      }
    }
    await Promise.allSettled([...fetching]);
    await Promise.allSettled([...writing]);
  })();

  log.info({ concurrency: opts.concurrency, perHost: opts.perHostConcurrency }, 'crawler worker started');
  let stopped: Promise<void> | undefined;
  return {
    id,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        stopSignal.abort();
        clearInterval(timer);
        await loop;
        claims.stop();
        await maintenance.leave();
        await crawl.close();
        await indexing.close();
        log.info('crawler worker stopped');
      })()),
  };
}
