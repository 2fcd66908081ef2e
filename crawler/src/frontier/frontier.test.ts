/**
 * The max-pages budget of enqueue, on both databases: pages past it are recorded as skipped, pages skipped
 * once fetched give their place back, and the run's bound of queued pages spares the exact count while the
 * budget is far.
 */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/engine/testing/databases.js';
import { startQueuedRun } from '../runs/run-lifecycle.js';
import { createSource, startCrawl } from '../sources/source-service.js';
import { enqueue } from './frontier.js';

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
