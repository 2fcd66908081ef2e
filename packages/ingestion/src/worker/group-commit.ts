/**
 * Group commit of crawled pages: what the pipeline found for a page (its document, the links it
 * discovered, its completion) is written in one transaction, and the pages that finished while the
 * previous transaction was committing are written together in the next one. Under load the groups grow
 * on their own; an idle crawler commits each page at once.
 *
 * Why: every transaction that inserts chunks runs the BM25 triggers, which lock the term rows shared by
 * all documents, and every enqueue locks its run; written one page at a time, concurrent pages queue
 * behind each other's commits. A group pays for them once.
 *
 * Crash safety is unchanged: a page counts as done only when its group commits, and a page waiting for
 * its group is still claimed (the worker's concurrency bound includes it), so a kill -9 loses nothing and
 * only URLs the worker held at that instant are fetched again. Each document stays all-or-nothing; when a
 * group fails, its pages are written one by one so that one bad page fails alone.
 */
import type { Database, Queryable } from '@cite/core/db/database.js';
import { inWriteTransaction } from '@cite/index/write-retry.js';
import { completeMany, countUnlisted, enqueueIn, enqueueListed, retryLater, type EnqueueItem, type EnqueueLimits, type FrontierItem } from '../frontier/frontier.js';
import { fromError, type ItemResult, type PipelineDeps, type RunContext } from '../pipeline.js';
import type { PageIndexer, PreparedPage } from './page-indexer.js';
import type { IndexBacklog } from './index-backlog.js';

type Completed = Extract<ItemResult, { type: 'complete' }>;

interface Pending {
  item: FrontierItem;
  run: RunContext;
  result: Completed;
  done: (outcome: string) => void;
}

export interface GroupCommitOptions {
  workerId: string;
  /** Largest group written in one transaction. */
  maxGroup: number;
  /**
   * Groups written at the same time. Above 1, the vector index inserts of one group (most of a write's
   * cost) run in another database process while the previous group commits.
   */
  concurrency: number;
  /**
   * How long a group smaller than maxGroup waits for more pages before it is written (ms). Without it,
   * a database that answers one statement at a time (embedded) settles into groups of one page.
   */
  lingerMs: number;
  /** Distinct query strings followed on one path before the rest count as a trap. */
  maxQueryVariants: number;
  /** Sitemaps a run follows (frontier.ts). */
  maxSitemaps?: number;
  /** Where fresh vectors and postings go (default: straight into their indexes). */
  backlog?: IndexBacklog;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private readonly running = new Set<Promise<void>>();
  private lingering: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly indexer: PageIndexer,
    private readonly deps: Pick<PipelineDeps, 'log' | 'options'>,
    private readonly options: GroupCommitOptions,
  ) {}

  /**
   * Queues a page's result; resolves with its final outcome (indexed, unchanged, failed…) once it is
   * committed, or once it has been put back for a later attempt. Never rejects.
   */
  submit(item: FrontierItem, run: RunContext, result: Completed): Promise<string> {
    return new Promise((done) => {
      this.queue.push({ item, run, result, done });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running.size >= Math.max(1, this.options.concurrency)) return; // the running group's end starts the next
    if (this.queue.length >= this.options.maxGroup || this.options.lingerMs <= 0) return this.start();
    this.lingering ??= setTimeout(() => this.start(), this.options.lingerMs);
  }

  private start(): void {
    if (this.lingering) clearTimeout(this.lingering);
    this.lingering = null;
    while (this.running.size < Math.max(1, this.options.concurrency) && this.queue.length > 0) {
      const group = this.queue.splice(0, this.options.maxGroup);
      const p: Promise<void> = this.flush(group)
        .catch((e) => this.deps.log.error({ err: e }, 'group commit failed'))
        .finally(() => {
          this.running.delete(p);
          // the pages that finished while this group was written are the next group
          this.start();
        });
      this.running.add(p);
    }
  }

  private async flush(group: Pending[]): Promise<void> {
    group = await this.enqueueLists(group);
    if (!group.length) return;
    let vectors: Map<string, Float32Array>;
    const writes = group.map((p) => p.result.write).filter((w): w is PreparedPage => !!w);
    try {
      vectors = writes.length ? await this.indexer.embed(writes) : new Map();
    } catch (e) {
      // embedding provider unavailable (retryable) or refusing some text: each page decides alone
      if (group.length > 1) return this.oneByOne(group);
      return this.fail(group[0]!, e);
    }
    try {
      // deadlocks retried by the index's write policy; anything else splits the group
      const outcomes = await inWriteTransaction(this.db, (tx) => this.write(tx, group, vectors));
      group.forEach((p, i) => p.done(outcomes[i]!));
    } catch (e) {
      if (group.length > 1) return this.oneByOne(group);
      return this.fail(group[0]!, e);
    }
  }

  /**
   * A sitemap's URLs (up to 50,000) are queued ahead of its group, in short transactions of their own
   * (enqueueListed), its pages past max_pages only counted on its completion; the group then records the
   * completion alone. Queuing them again, should the group not commit, adds nothing twice. Returns the
   * group without the sitemaps whose URLs could not be queued (failed or retried alone).
   */
  private async enqueueLists(group: Pending[]): Promise<Pending[]> {
    const kept: Pending[] = [];
    for (const p of group) {
      if (p.item.kind !== 'sitemap' || !p.result.enqueue?.length) {
        kept.push(p);
        continue;
      }
      const listed = p.result.enqueue;
      p.result = { ...p.result, enqueue: undefined };
      try {
        const { overBudget } = await enqueueListed(this.db, p.run.runId, listed, this.limits(p.run));
        p.result = { ...p.result, completion: countUnlisted(p.result.completion, 'max_pages', overBudget) };
        kept.push(p);
      } catch (e) {
        await this.fail(p, e);
      }
    }
    return kept;
  }

  private limits(run: RunContext): EnqueueLimits {
    return { maxPages: run.config.max_pages, maxQueryVariants: this.options.maxQueryVariants, maxSitemaps: this.options.maxSitemaps };
  }

  private async oneByOne(group: Pending[]): Promise<void> {
    for (const p of group) await this.flush([p]);
  }

  /** Documents, discovered links and completions of a group, in the caller's transaction. */
  private async write(tx: Queryable, group: Pending[], vectors: Map<string, Float32Array>): Promise<string[]> {
    const withWrite = group.filter((p) => p.result.write);
    const backlog = this.options.backlog;
    const placement = backlog?.placement() ?? 'index';
    const written = await this.indexer.write(
      tx,
      withWrite.map((p) => p.result.write!),
      vectors,
      placement,
    );
    // an estimate (reused chunks keep their vectors and postings): the backlogs are counted again at every heartbeat
    backlog?.added(withWrite.reduce((n, p, i) => n + (written[i] === 'indexed' ? p.result.write!.chunks.length : 0), 0), placement);
    const outcomes = new Map<Pending, string>();
    withWrite.forEach((p, i) => outcomes.set(p, written[i]!));

    // links of each run in one enqueue (runs in id order: concurrent workers lock them in the same order)
    const byRun = new Map<number, { run: RunContext; items: EnqueueItem[] }>();
    for (const p of group) {
      if (!p.result.enqueue?.length) continue;
      const e = byRun.get(p.run.runId) ?? { run: p.run, items: [] };
      for (const it of p.result.enqueue) e.items.push(it);
      byRun.set(p.run.runId, e);
    }
    const completions = group.map((p) => {
      const c = p.result.completion;
      const outcome = outcomes.get(p);
      return { id: p.item.id, completion: outcome ? { ...c, outcome } : c };
    });
    const enqueues = [...byRun.values()].sort((a, b) => a.run.runId - b.run.runId);
    for (const [k, { run, items }] of enqueues.entries()) {
      // the last run's enqueue records the completions too
      const last = k === enqueues.length - 1 ? { workerId: this.options.workerId, items: completions } : undefined;
      await enqueueIn(tx, run.runId, items, this.limits(run), last);
    }
    if (!enqueues.length) await completeMany(tx, this.options.workerId, completions);
    return completions.map((c) => (c.completion.status === 'done' ? c.completion.outcome : c.completion.status));
  }

  /** A page that could not be written: retried later when the cause is passing, failed otherwise. */
  private async fail(p: Pending, e: unknown): Promise<void> {
    const r = fromError(this.deps, p.item, e, p.result.completion.httpStatus ?? undefined);
    try {
      if (r.type === 'retry') {
        await retryLater(this.db, p.item.id, this.options.workerId, r.delayMs, r.error);
        p.done('retry');
        return;
      }
      // the page failed, but the links it led to are still worth following
      const failed: Completed = { type: 'complete', completion: { ...r.completion, contentType: p.result.completion.contentType } };
      const outcome = await this.db.transaction((tx) => this.write(tx, [{ ...p, result: { ...failed, enqueue: p.result.enqueue } }], new Map()));
      p.done(outcome[0]!);
    } catch (err) {
      this.deps.log.error({ err, url: p.item.url }, 'recording a failed page failed');
      p.done('failed');
    }
  }
}
