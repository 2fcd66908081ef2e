/**
 * The crawl worker: claims URLs from the shared frontier and runs them through the pipeline, with a
 * global concurrency bound. Any number of workers (processes, machines) share the work through
 * PostgreSQL only; each heartbeats in crawl_workers, and the URLs held by a worker that stopped
 * heartbeating (kill -9) go back to the frontier. Maintenance (starting queued runs, finishing drained
 * ones, scheduled recrawls) is done by whichever worker gets the row lock first.
 */
import { crawlPages } from '@cite/engine/observability/metrics.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '@cite/engine/config/config.js';
import type { Database } from '@cite/engine/db/database.js';
import type { Embedder } from '@cite/engine/embeddings/embedder.js';
import { componentLogger } from '@cite/engine/observability/logger.js';
import { Fetcher, type FetcherOptions } from '../fetch/fetcher.js';
import {
  claimMany,
  deferHost,
  FRONTIER_DEFAULTS,
  requeueLostClaims,
  requeueStaleClaims,
  retryLater,
  type FrontierItem,
} from '../frontier/frontier.js';
import { PIPELINE_DEFAULTS, processItem, runContext, type PipelineDeps, type PipelineOptions, type RunContext } from '../pipeline.js';
import { Renderer } from '../render/renderer.js';
import { parseFilesRoots } from '../sources/files-roots.js';
import { RobotsCache } from '../robots/robots.js';
import { finalizeDrainedRuns, scheduleDueSources, startQueuedRun, type FinishedRun } from '../runs/run-lifecycle.js';
import { refreshRunCounts, type RunRow } from '../runs/run-repo.js';
import { watchClaims } from './claim-health.js';
import { GroupCommit } from './group-commit.js';
import { ingestIndexer } from './ingest-indexer.js';
import type { PageIndexer } from './page-indexer.js';
import { VECTOR_BACKLOG_BATCH, VectorBacklog } from './vector-backlog.js';

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
  /** Groups of finished pages written at the same time. */
  commitConcurrency: number;
  /** Queue scheduled recrawls (cron) from this worker. */
  scheduler: boolean;
  /** Crawled vectors that may wait outside the HNSW index (CRAWLER_VECTOR_BACKLOG_MAX; 0: none). */
  vectorBacklogMax: number;
  /** Backlog vectors indexed per statement when the worker is idle. */
  vectorBacklogBatch: number;
  /**
   * How long the worker must have found nothing to crawl before it indexes backlog vectors (ms): a crawl
   * pauses between a group's write and the claim of the links it found, and a batch indexed then delays it.
   */
  vectorBacklogIdleMs: number;
  /** Single-process embedded mode: claims found at start belong to a previous, dead process. */
  requeueAllOnStart: boolean;
  workerId?: string;
  fetcher: Partial<FetcherOptions>;
  pipeline: Partial<PipelineOptions>;
}

/**
 * Pages waiting for their group's write, per fetch slot, before the worker stops claiming. Larger groups
 * pay a group's round trips for more pages (bench:crawl: 10 statements per 8 pages → per 10, the write
 * path being what held the fetch slots idle); a killed worker may then have fetched up to
 * (1 + factor) × concurrency pages that it fetches again on resume.
 */
export const WRITE_BACKLOG_FACTOR = 4;

export const WORKER_DEFAULTS: Omit<
  WorkerOptions,
  'concurrency' | 'perHostConcurrency' | 'requeueAllOnStart' | 'commitConcurrency' | 'vectorBacklogMax' | 'vectorBacklogBatch' | 'fetcher' | 'pipeline'
> = {
  heartbeatMs: 2_000,
  staleMs: 30_000,
  pollMs: 250,
  countsEveryMs: 3_000,
  maxQueryVariants: FRONTIER_DEFAULTS.maxQueryVariants,
  scheduler: true,
  vectorBacklogIdleMs: 1_000,
};

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
  const opts: WorkerOptions = {
    ...WORKER_DEFAULTS,
    concurrency: config.CRAWLER_CONCURRENCY,
    perHostConcurrency: config.CRAWLER_PER_HOST_CONCURRENCY,
    requeueAllOnStart: db.mode === 'embedded',
    // Embedded: one database process, so a second group only contends (measured 11.4 → 6.9 pages/s).
    // Server: the second group's vector index inserts run in another backend while the first commits
    // (bench:crawl 145 → 165 pages/s; a third adds nothing).
    commitConcurrency: db.mode === 'server' ? 2 : 1,
    vectorBacklogMax: config.CRAWLER_VECTOR_BACKLOG_MAX,
    vectorBacklogBatch: VECTOR_BACKLOG_BATCH[db.mode],
    heartbeatMs: config.CRAWLER_HEARTBEAT_MS ?? WORKER_DEFAULTS.heartbeatMs,
    staleMs: config.CRAWLER_STALE_AFTER_MS ?? WORKER_DEFAULTS.staleMs,
    fetcher: {},
    pipeline: {},
    ...args.options,
  };
  const id = opts.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const log = (args.log ?? componentLogger('crawler')).child({ component: 'crawler', worker: id });

  const fetcher = new Fetcher({
    userAgent: config.CRAWLER_USER_AGENT,
    allowPrivateNetworks: config.CRAWLER_ALLOW_PRIVATE_NETWORKS,
    timeoutMs: config.CRAWLER_TIMEOUT_MS,
    connectTimeoutMs: config.CRAWLER_CONNECT_TIMEOUT_MS,
    maxBytes: config.CRAWLER_MAX_BYTES,
    outboundAllow: config.OUTBOUND_ALLOW.split(',').map((s) => s.trim()).filter(Boolean),
    connectionsPerOrigin: Math.max(opts.perHostConcurrency, 2),
    ...opts.fetcher,
  });
  const renderer = fs.existsSync(config.CHROMIUM_PATH)
    ? new Renderer(
        {
          chromiumPath: config.CHROMIUM_PATH,
          userAgent: config.CRAWLER_USER_AGENT,
          allowPrivateNetworks: config.CRAWLER_ALLOW_PRIVATE_NETWORKS,
          // the browser is held to the fetcher's rules (issue 21): same OUTBOUND_ALLOW
          outboundAllow: config.OUTBOUND_ALLOW.split(',').map((s) => s.trim()).filter(Boolean),
          timeoutMs: config.CRAWLER_TIMEOUT_MS,
        },
        log.child({ component: 'renderer' }),
      )
    : null;
  const robots = new RobotsCache(db, fetcher, { userAgent: config.CRAWLER_USER_AGENT });

  let ownEmbedder: Embedder | undefined;
  let indexer: Promise<PageIndexer> | undefined = args.indexer ? Promise.resolve(args.indexer) : undefined;
  const getIndexer = (): Promise<PageIndexer> =>
    (indexer ??= (async () => {
      let embedder: Embedder;
      if (typeof args.embedder === 'function') embedder = await args.embedder();
      else if (args.embedder) embedder = args.embedder;
      else {
        const { createEmbedder } = await import('@cite/engine/embeddings/create-embedder.js');
        embedder = ownEmbedder = await createEmbedder(config, log.child({ component: 'embedder' }));
      }
      return ingestIndexer(db, embedder, { chunkTokens: config.CHUNK_TOKENS, overlapTokens: config.CHUNK_OVERLAP_TOKENS, log });
    })().catch((e) => {
      indexer = undefined;
      throw e;
    }));
  // The pipeline sees a PageIndexer; the real one is built on first use (loading a model can take a while).
  const lazyIndexer: PageIndexer = {
    validators: async (c, u) => (await getIndexer()).validators(c, u),
    prepare: async (d, c) => (await getIndexer()).prepare(d, c),
    embed: async (p) => (await getIndexer()).embed(p),
    write: async (tx, p, v, placement) => (await getIndexer()).write(tx, p, v, placement),
    indexStream: async (o, c, del) => (await getIndexer()).indexStream(o, c, del),
    markDeleted: async (c, u) => (await getIndexer()).markDeleted(c, u),
    touch: async (c, u) => (await getIndexer()).touch?.(c, u),
  };

  const deps: PipelineDeps = {
    db,
    fetcher,
    robots,
    renderer,
    indexer: lazyIndexer,
    log,
    options: {
      ...PIPELINE_DEFAULTS,
      maxArchiveBytes: Math.max(config.INGEST_MAX_FILE_BYTES, PIPELINE_DEFAULTS.maxArchiveBytes),
      // same limits as extractOptionsFromConfig, without loading the extractors before they are needed
      extract: {
        maxFileBytes: config.INGEST_MAX_FILE_BYTES,
        maxPdfPages: config.INGEST_MAX_PDF_PAGES,
        maxPdfDecompressedBytes: config.INGEST_PDF_MAX_DECOMPRESSED_BYTES,
      },
      filesRoots: parseFilesRoots(config.FILES_ROOTS),
      ...opts.pipeline,
    },
  };

  const runs = new Map<number, Promise<RunContext | null>>();
  const runOf = (runId: number) => {
    let p = runs.get(runId);
    if (!p) {
      p = db
        .query<RunRow>('SELECT id, source_id, status, phase, config FROM crawl_runs WHERE id = $1', [runId])
        .then((r) => (r.rows[0] ? runContext(r.rows[0]) : null));
      runs.set(runId, p);
      p.catch(() => runs.delete(runId));
    }
    return p;
  };

  let stopping = false;
  const stopSignal = new AbortController();
  // one promise for the stop, raced by every wait (a listener per wait would pile up on the signal)
  const stopRequested = new Promise<void>((resolve) => stopSignal.signal.addEventListener('abort', () => resolve(), { once: true }));
  const sleep = (ms: number) => {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([new Promise<void>((resolve) => (t = setTimeout(resolve, ms))), stopRequested]).finally(() => clearTimeout(t));
  };

  const heartbeat = () =>
    db.query(
      `INSERT INTO crawl_workers (id, hostname, pid) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [id, os.hostname(), process.pid],
    );
  await heartbeat();
  if (opts.requeueAllOnStart) {
    // URLs claimed too often fail instead: one that killed the previous process would kill this one too
    const requeued = await requeueLostClaims(db, deps.options.maxAttempts, null);
    if (requeued) log.info({ requeued }, 'claims of a previous process requeued');
  }

  const backlog = new VectorBacklog(db, { maxChunks: opts.vectorBacklogMax, batchSize: opts.vectorBacklogBatch });
  await backlog.refresh();

  let maintaining: Promise<void> | null = null;
  let lastCounts = 0;
  let lastSchedule = 0;
  const maintenance = (full: boolean): Promise<void> =>
    (maintaining ??= (async () => {
      try {
        if (full) {
          await heartbeat();
          const requeued = await requeueStaleClaims(db, opts.staleMs, deps.options.maxAttempts);
          if (requeued) log.warn({ requeued }, 'claims of silent workers requeued');
          await backlog.refresh();
        }
        while (!stopping && (await startQueuedRun(db)) !== null) log.info('crawl run started');
        for (const f of await finalizeDrainedRuns(db)) {
          runs.delete(f.runId);
          log.info({ runId: f.runId, sourceId: f.sourceId, status: f.status }, 'crawl run finished');
          args.onRunFinished?.(f);
        }
        const now = Date.now();
        if (full && now - lastCounts >= opts.countsEveryMs) {
          lastCounts = now;
          const { rows } = await db.query<{ id: number }>(`SELECT id FROM crawl_runs WHERE status = 'running' AND config ? 'kind'`);
          for (const r of rows) await refreshRunCounts(db, Number(r.id));
        }
        if (full && opts.scheduler && now - lastSchedule >= 15_000) {
          lastSchedule = now;
          const queued = await scheduleDueSources(db);
          if (queued.length) log.info({ runs: queued }, 'scheduled crawls queued');
        }
      } catch (e) {
        if (!stopping) log.error({ err: e }, 'crawler maintenance failed');
      } finally {
        maintaining = null;
      }
    })());

  const timer = setInterval(() => void maintenance(true), opts.heartbeatMs);
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
  const commits = new GroupCommit(db, lazyIndexer, deps, {
    workerId: id,
    maxGroup: maxWriting,
    concurrency: opts.commitConcurrency,
    lingerMs: 20,
    maxQueryVariants: opts.maxQueryVariants,
    vectorBacklog: backlog,
  });

  const handle = async (item: FrontierItem): Promise<void> => {
    const run = await runOf(item.run_id);
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
          await maintenance(false);
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
        await maintaining;
        await db.query('DELETE FROM crawl_workers WHERE id = $1', [id]).catch(() => {});
        await fetcher.close();
        await renderer?.close();
        await ownEmbedder?.close?.();
        log.info('crawler worker stopped');
      })()),
  };
}
