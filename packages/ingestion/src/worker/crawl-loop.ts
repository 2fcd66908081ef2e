/**
 * The worker's claim loop: fills the free fetch slots with frontier items (every free slot in one round
 * trip), runs each through the pipeline and hands its result to the group commit; when there is nothing to
 * crawl, runs the upkeep, then indexes waiting vectors and postings, then sleeps until a poll or a paced host opens.
 *
 * CRAWLER_CONCURRENCY bounds the URLs being fetched and processed. A page whose result waits for its
 * group's write leaves its slot: the database, not the network, then paces the crawl, and requests go on
 * while a group is written. It keeps its claim until the write commits (a kill loses nothing) and is
 * marked fetched at the next claim, which frees its host's concurrency too.
 */
import type { Logger } from 'pino';
import type { Database } from '@cite/core/db/database.js';
import { crawlPages } from '@cite/core/observability/metrics.js';
import { claimMany, deferHost, retryLater, type FrontierItem } from '../frontier/frontier.js';
import { processItem, type PipelineDeps } from '../pipeline.js';
import type { ClaimHealth } from './claim-health.js';
import type { GroupCommit } from './group-commit.js';
import type { Maintenance } from './maintenance.js';
import type { RunCache } from './run-cache.js';
import type { IndexBacklog } from './index-backlog.js';
import type { WorkerOptions } from './worker-options.js';

/** After indexing waiting chunks failed, the idle worker tries again this much later (ms), not at every poll. */
const BACKLOG_RETRY_MS = 30_000;

export interface CrawlLoopParts {
  db: Database;
  workerId: string;
  log: Logger;
  opts: Pick<WorkerOptions, 'concurrency' | 'perHostConcurrency' | 'pollMs' | 'backlogIdleMs' | 'onlyRun'>;
  /** Pages waiting for their group's write before the loop stops claiming. */
  maxWriting: number;
  pipeline: PipelineDeps;
  runs: RunCache;
  commits: GroupCommit;
  backlog: IndexBacklog;
  maintenance: Maintenance;
  claims: ClaimHealth;
}

export class CrawlLoop {
  private readonly fetching = new Set<Promise<void>>();
  private readonly writing = new Set<Promise<void>>();
  /** Frontier items fetched since the last claim, marked by the next one. */
  private fetched: number[] = [];
  private readonly stopSignal = new AbortController();
  /** One promise for the stop, raced by every wait (a listener per wait would pile up on the signal). */
  private readonly stopRequested = new Promise<void>((resolve) =>
    this.stopSignal.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  private backlogRetryAt = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly p: CrawlLoopParts) {}

  get isStopping(): boolean {
    return this.stopSignal.signal.aborted;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops claiming, lets the pages in flight finish and their writes commit. */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { opts, maxWriting, backlog, maintenance } = this.p;
    let idleSince = 0;
    let busyAt = Date.now();
    while (!this.isStopping) {
      const { claimed, waitMs } = await this.claimFreeSlots();
      if (this.isStopping) break;
      const { fetching, writing } = this;
      if (claimed > 0 || fetching.size > 0 || writing.size > 0) busyAt = Date.now();
      if (claimed === 0 && fetching.size === 0 && writing.size === 0) {
        if (Date.now() - idleSince > opts.pollMs) {
          idleSince = Date.now();
          await maintenance.run(false);
        }
        // nothing to crawl for a while: index a batch of waiting chunks, then look for work again
        if (backlog.pending && Date.now() - busyAt >= opts.backlogIdleMs && (await this.indexBacklog()) > 0) continue;
        await this.sleep(waitMs);
      } else if (claimed === 0 || fetching.size >= opts.concurrency || writing.size >= maxWriting) {
        await Promise.race([this.sleep(waitMs), ...fetching, ...(writing.size >= maxWriting || fetching.size === 0 ? writing : [])]);
      }
    }
    await Promise.allSettled([...this.fetching]);
    await Promise.allSettled([...this.writing]);
  }

  /**
   * Claims until every slot is taken or nothing is left; returns how many items it started and how long
   * to wait when none could be claimed (a poll, or less when a paced host opens sooner).
   */
  private async claimFreeSlots(): Promise<{ claimed: number; waitMs: number }> {
    const { db, workerId, opts, maxWriting, claims, log } = this.p;
    let claimed = 0;
    let waitMs = opts.pollMs;
    while (!this.isStopping && this.fetching.size < opts.concurrency && this.writing.size < maxWriting) {
      let items: FrontierItem[] = [];
      const marks = this.fetched;
      this.fetched = [];
      try {
        const got = await claimMany(db, workerId, opts.perHostConcurrency, opts.concurrency - this.fetching.size, marks, opts.onlyRun);
        items = got.items;
        claims.succeeded();
        // a polite crawl holds its rate: wake when a paced host opens, at the latest at the poll
        if (got.nextSlotMs !== null) waitMs = Math.min(waitMs, got.nextSlotMs);
      } catch (e) {
        this.fetched.push(...marks);
        if (claims.failed(e)) log.error({ err: e, failuresInARow: claims.failuresInARow }, 'claim failed');
      }
      if (!items.length) break;
      claimed += items.length;
      for (const item of items) {
        const p: Promise<void> = this.handle(item)
          .catch((e) => log.error({ err: e, url: item.url }, 'processing failed'))
          .finally(() => this.fetching.delete(p));
        this.fetching.add(p);
      }
    }
    return { claimed, waitMs };
  }

  /** One URL through the pipeline; its result joins the next group write (or goes back to the frontier). */
  private async handle(item: FrontierItem): Promise<void> {
    const { db, workerId, log, runs, pipeline, commits } = this.p;
    const run = await runs.get(item.run_id);
    if (!run) return;
    const result = await processItem(pipeline, run, item);
    if (result.type === 'retry') {
      await retryLater(db, item.id, workerId, result.delayMs, result.error);
      if (result.deferHostMs) await deferHost(db, item.host, result.deferHostMs);
      log.debug({ url: item.url, delayMs: result.delayMs, error: result.error }, 'retry later');
      return;
    }
    if (result.completion.fetched) this.fetched.push(item.id);
    // document, links and completion in one transaction (shared with the pages that finished meanwhile):
    // a kill in between can lose none of them
    const w: Promise<void> = commits
      .submit(item, run, result)
      // done → indexed/unchanged/deleted…; skipped and failed are counted as such (their reasons are in the run)
      .then((outcome) => void (outcome !== 'retry' && crawlPages.inc({ outcome })))
      .finally(() => this.writing.delete(w));
    this.writing.add(w);
  }

  private async indexBacklog(): Promise<number> {
    if (Date.now() < this.backlogRetryAt) return 0;
    try {
      const moved = await this.p.backlog.indexSome();
      if (moved) this.p.log.debug({ moved }, 'backlog chunks indexed');
      return moved;
    } catch (e) {
      // the chunks stay searchable where they are
      this.backlogRetryAt = Date.now() + BACKLOG_RETRY_MS;
      if (!this.isStopping) this.p.log.error({ err: e }, 'indexing backlog chunks failed');
      return 0;
    }
  }

  private sleep(ms: number): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([new Promise<void>((resolve) => (t = setTimeout(resolve, ms))), this.stopRequested]).finally(() => clearTimeout(t));
  }
}
