/**
 * Crawl runs as background work (packages/core/src/background-work), both databases: one worker starts a queued
 * crawl, the live counts keep it, a crawl whose workers all fell silent is taken over (never failed, and
 * never mistaken for an interrupted ingestion), a cancelled crawl gives no more URLs, a drained one
 * records its outcome.
 */
import { expect, it } from 'vitest';
import { reclaimStale } from '@cite/core/background-work/work-runs.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { claim, completeMany } from '../frontier/frontier.js';
import { failInterruptedIngestRuns } from '../ingest/ingest-run.js';
import { createSource, startCrawl } from '../sources/source-service.js';
import { finalizeDrainedRuns, startQueuedRun } from './run-lifecycle.js';
import { beatRun, cancelRun, CRAWL_RUNS } from './run-repo.js';

describeEachDatabase('crawl runs as background work', (ctx) => {
  type Row = { status: string; error: string | null; locked_by: string | null; attempts: number; discovered: number; heartbeat_at: Date | null };
  const row = async (id: number) =>
    (await ctx.db.query<Row>('SELECT status, error, locked_by, attempts, discovered, heartbeat_at FROM crawl_runs WHERE id = $1', [id])).rows[0]!;
  const silence = (id: number) => ctx.db.query(`UPDATE crawl_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [id]);
  let n = 0;
  const queuedCrawl = async (trigger: 'manual' | 'cli' = 'manual') => {
    n++;
    const s = await createSource(ctx.db, { name: `w${n}`, kind: 'website', collection: `c-work-${n}`, start_urls: [`https://work${n}.example/`] });
    return startCrawl(ctx.db, s.id, trigger);
  };

  it('is started by exactly one of two concurrent workers, seeded in the same step', async () => {
    const runId = await queuedCrawl();
    const started = await Promise.all([startQueuedRun(ctx.db, 'a'), startQueuedRun(ctx.db, 'b')]);
    expect(started.filter((id) => id !== null)).toEqual([runId]);
    const r = await row(runId);
    expect(r).toMatchObject({ status: 'running', attempts: 1 });
    expect(['a', 'b']).toContain(r.locked_by);
    expect((await ctx.db.query(`SELECT url FROM frontier WHERE run_id = $1`, [runId])).rows).toEqual([{ url: `https://work${n}.example/` }]);
    await cancelRun(ctx.db, runId);
  });

  it('is kept by its live counts, taken over when every worker fell silent, and never failed as an ingestion', async () => {
    const runId = await queuedCrawl('cli'); // `cite crawl`: trigger cli, like `cite ingest`
    await startQueuedRun(ctx.db, 'a');
    await silence(runId);
    expect(await beatRun(ctx.db, runId)).toBe(true);
    expect(Number((await row(runId)).discovered)).toBe(1);
    expect(await reclaimStale(ctx.db, CRAWL_RUNS, 30_000, 'b')).toEqual([]);

    await silence(runId);
    expect(await failInterruptedIngestRuns(ctx.db, 30_000)).toEqual([]);
    expect(await reclaimStale(ctx.db, CRAWL_RUNS, 30_000, 'b')).toEqual([runId]);
    expect(await row(runId)).toMatchObject({ status: 'running', locked_by: 'b', attempts: 2, error: null });
    // its URLs are still there for whoever claims them
    expect((await claim(ctx.db, 'b', 2))?.run_id).toBe(runId);
    await cancelRun(ctx.db, runId);
  });

  it('gives no more URLs once cancelled, and its counts stop moving', async () => {
    const runId = await queuedCrawl();
    await startQueuedRun(ctx.db, 'a');
    expect(await cancelRun(ctx.db, runId)).toBe(true);
    expect(await row(runId)).toMatchObject({ status: 'cancelled', error: 'cancelled', locked_by: null });
    expect(await claim(ctx.db, 'a', 2)).toBeNull();
    expect(await beatRun(ctx.db, runId)).toBe(false);
    expect(await cancelRun(ctx.db, runId)).toBe(false);
  });

  it('records its outcome once drained', async () => {
    const runId = await queuedCrawl();
    await startQueuedRun(ctx.db, 'a');
    const item = (await claim(ctx.db, 'a', 2))!;
    await completeMany(ctx.db, 'a', [{ id: item.id, completion: { status: 'failed', outcome: 'HTTP_500', error: 'server error', fetched: false } }]);
    const finished = await finalizeDrainedRuns(ctx.db);
    expect(finished).toEqual([expect.objectContaining({ runId, status: 'failed' })]);
    expect(await row(runId)).toMatchObject({ status: 'failed', error: 'every URL failed: HTTP_500 ×1', locked_by: null });
    expect(await finalizeDrainedRuns(ctx.db)).toEqual([]);
  });
});
