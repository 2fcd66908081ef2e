/**
 * The max-pages budget of enqueue, on both databases: pages past it are recorded as skipped, pages skipped
 * once fetched give their place back, and the run's bound of queued pages spares the exact count while the
 * budget is far. Claims of dead workers: requeued, and failed once a URL has been claimed maxAttempts times.
 */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { getRunDetail } from '../runs/run-repo.js';
import { startQueuedRun } from '../runs/run-lifecycle.js';
import { createSource, startCrawl } from '../sources/source-service.js';
import { ATTEMPTS_EXHAUSTED, claimMany, enqueue, requeueLostClaims, requeueStaleClaims } from './frontier.js';

describeEachDatabase('frontier: max-pages budget', (ctx) => {
  const pages = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, k) => ({ url: `http://budget.test/p/${from + k}`, depth: 1, kind: 'page' as const }));
  const state = async (runId: number) => {
    const { rows } = await ctx.db.query<{ status: string; outcome: string | null; n: number }>(
      `SELECT status, outcome, count(*)::int AS n FROM frontier WHERE run_id = $1 AND kind = 'page' GROUP BY 1, 2 ORDER BY 1, 2`,
      [runId],
    );
    const bound = await ctx.db.query<{ b: number }>('SELECT pages_enqueued AS b FROM crawl_runs WHERE id = $1', [runId]);
    return { rows: rows.map((r) => `${r.status}/${r.outcome ?? ''}:${Number(r.n)}`), bound: Number(bound.rows[0]!.b) };
  };

  it('queues pages up to max_pages, skips the rest, and lets a page skipped once fetched free its place', async () => {
    const source = await createSource(ctx.db, { name: 'budget', kind: 'website', collection: 'c-budget', start_urls: ['http://budget.test/'] });
    const runId = await startCrawl(ctx.db, source.id, 'manual');
    await startQueuedRun(ctx.db);
    const limits = { maxPages: 6, maxQueryVariants: 10 };
    const seeded = await state(runId); // the start URL
    expect(seeded.bound).toBe(1);

    expect(await enqueue(ctx.db, runId, pages(1, 3), limits)).toBe(3);
    expect((await state(runId)).bound).toBe(4);
    // 2 fit, 2 are skipped; the same URLs again change nothing
    expect(await enqueue(ctx.db, runId, pages(4, 7), limits)).toBe(2);
    expect(await enqueue(ctx.db, runId, pages(4, 7), limits)).toBe(0);
    expect(await state(runId)).toEqual({ rows: ['pending/:6', 'skipped/max_pages:2'], bound: 6 });

    // a page refused once fetched (robots, type…) no longer counts: one more fits
    await ctx.db.query(`UPDATE frontier SET status = 'skipped', outcome = 'robots' WHERE run_id = $1 AND url = $2`, [runId, 'http://budget.test/p/2']);
    expect(await enqueue(ctx.db, runId, pages(8, 9), limits)).toBe(1);
    expect(await state(runId)).toEqual({ rows: ['pending/:6', 'skipped/max_pages:3', 'skipped/robots:1'], bound: 6 });
  });

  it('trusts the bound while it is under max_pages, and replaces it by the count near it', async () => {
    const source = await createSource(ctx.db, { name: 'far', kind: 'website', collection: 'c-far', start_urls: ['http://far.test/'] });
    const runId = await startCrawl(ctx.db, source.id, 'manual');
    await startQueuedRun(ctx.db);
    const limits = { maxPages: 3, maxQueryVariants: 10 };
    const one = (path: string) => [{ url: `http://far.test/${path}`, depth: 1, kind: 'page' as const }];
    // a bound below the truth (the start URL is queued) shows that nothing was counted: both pages go in
    await ctx.db.query('UPDATE crawl_runs SET pages_enqueued = 0 WHERE id = $1', [runId]);
    expect(await enqueue(ctx.db, runId, [...one('a'), ...one('b')], limits)).toBe(2);
    expect((await state(runId)).bound).toBe(2);
    // a bound above max_pages makes enqueue count (3 pages queued: the budget is full) and keep the count
    await ctx.db.query('UPDATE crawl_runs SET pages_enqueued = 50 WHERE id = $1', [runId]);
    expect(await enqueue(ctx.db, runId, one('c'), limits)).toBe(0);
    expect(await state(runId)).toEqual({ rows: ['pending/:3', 'skipped/max_pages:1'], bound: 3 });
  });
});

describeEachDatabase('frontier: claims of dead workers', (ctx) => {
  const setup = async (name: string) => {
    const source = await createSource(ctx.db, { name, kind: 'website', collection: `c-${name}`, start_urls: [`http://${name}.test/`] });
    const runId = await startCrawl(ctx.db, source.id, 'manual');
    await startQueuedRun(ctx.db);
    return runId;
  };
  /** A worker claims the run's start URL and dies with it (no heartbeat row: it is not alive). */
  const claimAndDie = async (host: string, worker: string) => {
    await ctx.db.query(`UPDATE crawl_hosts SET next_fetch_at = now() WHERE host = $1`, [host]); // politeness aside
    const { items } = await claimMany(ctx.db, worker, 4, 10);
    return items.map((i) => i.attempts);
  };
  const row = async (runId: number) =>
    (await ctx.db.query<{ status: string; outcome: string | null; error: string | null; attempts: number }>(
      'SELECT status, outcome, error, attempts FROM frontier WHERE run_id = $1',
      [runId],
    )).rows[0]!;

  it('requeues a URL whose worker died, and fails it with its error once claimed maxAttempts times', async () => {
    const runId = await setup('crashy');
    for (const attempt of [1, 2]) {
      expect(await claimAndDie('crashy.test', `dead-${attempt}`)).toEqual([attempt]);
      expect(await requeueStaleClaims(ctx.db, 30_000, 3)).toBe(1);
      expect(await row(runId)).toMatchObject({ status: 'pending', attempts: attempt });
    }
    expect(await claimAndDie('crashy.test', 'dead-3')).toEqual([3]);
    expect(await requeueStaleClaims(ctx.db, 30_000, 3)).toBe(1);
    const failed = await row(runId);
    expect(failed).toMatchObject({ status: 'failed', outcome: ATTEMPTS_EXHAUSTED, attempts: 3 });
    expect(failed.error).toContain('claimed 3 times without finishing');
    // not claimed again, and in the run's record
    expect(await claimAndDie('crashy.test', 'dead-4')).toEqual([]);
    const detail = await getRunDetail(ctx.db, runId);
    expect(detail.failed_urls).toEqual([
      expect.objectContaining({ url: 'http://crashy.test/', reason: ATTEMPTS_EXHAUSTED, attempts: 3 }),
    ]);
    expect(detail.errors).toEqual([expect.objectContaining({ reason: ATTEMPTS_EXHAUSTED, count: 1 })]);
  });

  it('leaves the claims of live workers alone, and at an embedded start takes back every claim with the same bound', async () => {
    const runId = await setup('restart');
    await ctx.db.query(`INSERT INTO crawl_workers (id, hostname, pid) VALUES ('alive', 'h', 1)`);
    await claimAndDie('restart.test', 'alive');
    expect(await requeueStaleClaims(ctx.db, 30_000, 3)).toBe(0);
    expect(await row(runId)).toMatchObject({ status: 'claimed', attempts: 1 });
    // the engine restarts (embedded: one process, so every claim is the dead one's), and the URL kills it again
    for (const attempt of [2, 3]) {
      expect(await requeueLostClaims(ctx.db, 3, null)).toBe(1);
      expect(await claimAndDie('restart.test', 'alive')).toEqual([attempt]);
    }
    expect(await requeueLostClaims(ctx.db, 3, null)).toBe(1);
    expect(await row(runId)).toMatchObject({ status: 'failed', outcome: ATTEMPTS_EXHAUSTED, attempts: 3 });
  });
});
