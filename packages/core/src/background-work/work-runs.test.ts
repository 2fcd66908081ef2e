/**
 * The background-work model on a runs table of its own, both databases: claims are exclusive, a
 * heartbeat keeps a run, stale runs are handled by their kind's policy with their results kept, cancel
 * and finish end a run once. Crawl, ingest and evaluation runs test their use of it beside their code.
 */
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { claim, claimById, finish, heartbeat, isCancelRequested, reclaimStale, release, requestCancel, workKind, type WorkKind } from './work-runs.js';

const kind = (name: string, stale: WorkKind['stale']) => workKind({ name, table: 'test_work_runs', rows: `kind = '${name}'`, stale });
const RESUMED = kind('resumed', { on: 'requeue' });
const SHARED = kind('shared', { on: 'adopt' });
const INTERRUPTED = 'TEST_INTERRUPTED: its process stopped';
const OWNED = kind('owned', { on: 'fail', error: INTERRUPTED });

describeEachDatabase('background work', (ctx) => {
  beforeAll(async () => {
    await ctx.db.exec(`CREATE TABLE test_work_runs (
      id bigserial PRIMARY KEY, kind text NOT NULL, status text NOT NULL DEFAULT 'queued', error text,
      attempts integer NOT NULL DEFAULT 0, locked_by text, heartbeat_at timestamptz, started_at timestamptz,
      finished_at timestamptz, done integer NOT NULL DEFAULT 0)`);
  });
  beforeEach(async () => {
    await ctx.db.query('DELETE FROM test_work_runs');
  });

  type Row = { id: number; status: string; error: string | null; attempts: number; locked_by: string | null; done: number; finished_at: Date | null };
  const row = async (id: number) =>
    (await ctx.db.query<Row>('SELECT id, status, error, attempts, locked_by, done, finished_at FROM test_work_runs WHERE id = $1', [id])).rows[0]!;
  const queue = async (k: WorkKind, n = 1) => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++)
      ids.push(Number((await ctx.db.query<{ id: string }>(`INSERT INTO test_work_runs (kind) VALUES ($1) RETURNING id`, [k.name])).rows[0]!.id));
    return ids;
  };
  const silence = (id: number) => ctx.db.query(`UPDATE test_work_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [id]);

  it('gives a run to one of two concurrent claimers, and each of many runs to exactly one', async () => {
    const [only] = await queue(RESUMED);
    const both = await Promise.all([claim(ctx.db, RESUMED, 'a'), claim(ctx.db, RESUMED, 'b')]);
    expect(both.filter((id) => id !== null)).toEqual([only]);
    const r = await row(only!);
    expect([r.status, r.attempts]).toEqual(['running', 1]);
    expect(['a', 'b']).toContain(r.locked_by);

    const many = await queue(RESUMED, 12);
    const taken: Record<string, number[]> = { a: [], b: [] };
    const claimer = async (w: 'a' | 'b') => {
      for (let id = await claim(ctx.db, RESUMED, w); id !== null; id = await claim(ctx.db, RESUMED, w)) taken[w]!.push(id);
    };
    await Promise.all([claimer('a'), claimer('b')]);
    expect([...taken.a!, ...taken.b!].sort((x, y) => x - y)).toEqual(many);
    // a queued run of another kind is not this kind's to claim
    const [other] = await queue(OWNED);
    expect(await claim(ctx.db, RESUMED, 'a')).toBeNull();
    expect(await claimById(ctx.db, RESUMED, other!, 'a')).toBe(false);
    expect(await claimById(ctx.db, OWNED, other!, 'a')).toBe(true);
    expect(await claimById(ctx.db, OWNED, other!, 'b')).toBe(false);
  });

  it('keeps a beating run, writes its progress, and tells a worker that lost it', async () => {
    const [id] = await queue(RESUMED);
    await claim(ctx.db, RESUMED, 'a');
    await silence(id!);
    expect(await heartbeat(ctx.db, RESUMED, id!, 'a', { done: 4 })).toBe(true);
    expect(await reclaimStale(ctx.db, RESUMED, 30_000, 'b')).toEqual([]);
    expect((await row(id!)).done).toBe(4);
    expect(await heartbeat(ctx.db, RESUMED, id!, 'b')).toBe(false);
    await expect(heartbeat(ctx.db, RESUMED, id!, 'a', { 'done = 0; --': 1 })).rejects.toThrow(/plain identifier/);
  });

  it('requeues a stale run of a resumable kind with what it had done; the next claim resumes it', async () => {
    const [id] = await queue(RESUMED);
    await claim(ctx.db, RESUMED, 'a');
    await heartbeat(ctx.db, RESUMED, id!, 'a', { done: 3 });
    await silence(id!);
    expect(await reclaimStale(ctx.db, RESUMED, 30_000, 'b')).toEqual([id]);
    expect(await row(id!)).toMatchObject({ status: 'queued', locked_by: null, done: 3, attempts: 1 });
    expect(await heartbeat(ctx.db, RESUMED, id!, 'a')).toBe(false);
    expect(await claim(ctx.db, RESUMED, 'b')).toBe(id);
    expect(await row(id!)).toMatchObject({ status: 'running', locked_by: 'b', done: 3, attempts: 2 });
    // a clean hand-back is not an interrupted attempt
    expect(await release(ctx.db, RESUMED, id!, 'b')).toBe(true);
    expect(await row(id!)).toMatchObject({ status: 'queued', attempts: 1 });
  });

  it('lets the reclaiming worker adopt a stale run of a shared kind, still running', async () => {
    const [id] = await queue(SHARED);
    await claim(ctx.db, SHARED, 'a');
    await silence(id!);
    expect(await reclaimStale(ctx.db, SHARED, 30_000, 'b')).toEqual([id]);
    expect(await row(id!)).toMatchObject({ status: 'running', locked_by: 'b', attempts: 2 });
    expect(await reclaimStale(ctx.db, SHARED, 30_000, 'c')).toEqual([]);
  });

  it('fails a stale run of an owned kind with what it had done, recorded in the same transaction', async () => {
    const [dead, live] = await queue(OWNED, 2);
    await claimById(ctx.db, OWNED, dead!, 'a');
    await claimById(ctx.db, OWNED, live!, 'b');
    await silence(dead!);
    const kept: number[][] = [];
    const failed = await reclaimStale(ctx.db, OWNED, 30_000, 'c', async (tx, ids) => {
      kept.push(ids);
      await tx.query(`UPDATE test_work_runs SET done = 7 WHERE id = ANY($1::bigint[])`, [ids]);
    });
    expect(failed).toEqual([dead]);
    expect(kept).toEqual([[dead]]);
    expect(await row(dead!)).toMatchObject({ status: 'failed', error: INTERRUPTED, done: 7 });
    expect((await row(dead!)).finished_at).not.toBeNull();
    expect((await row(live!)).status).toBe('running');
    expect(await reclaimStale(ctx.db, OWNED, 30_000, 'c')).toEqual([]);
    // its owner was only stalled: what it reports at the end is the truth; nobody else may finish it
    expect(await finish(ctx.db, OWNED, dead!, 'z', { status: 'succeeded' })).toBe(false);
    expect(await finish(ctx.db, OWNED, dead!, 'a', { status: 'succeeded' })).toBe(true);
    expect(await row(dead!)).toMatchObject({ status: 'succeeded', error: null });
  });

  it('stops a cancelled run: its heartbeat says so, it cannot be finished, its results stay', async () => {
    const [id, queued] = await queue(RESUMED, 2);
    await claimById(ctx.db, RESUMED, id!, 'a');
    await heartbeat(ctx.db, RESUMED, id!, 'a', { done: 2 });
    expect(await isCancelRequested(ctx.db, RESUMED, id!)).toBe(false);
    expect(await requestCancel(ctx.db, RESUMED, id!, 'cancelled by test')).toBe(true);
    expect(await isCancelRequested(ctx.db, RESUMED, id!)).toBe(true);
    expect(await heartbeat(ctx.db, RESUMED, id!, 'a')).toBe(false);
    expect(await finish(ctx.db, RESUMED, id!, 'a', { status: 'succeeded' })).toBe(false);
    expect(await row(id!)).toMatchObject({ status: 'cancelled', error: 'cancelled by test', done: 2, locked_by: null });
    expect(await requestCancel(ctx.db, RESUMED, id!)).toBe(false);
    // a queued run is cancelled before anyone claims it
    expect(await requestCancel(ctx.db, RESUMED, queued!)).toBe(true);
    expect(await claim(ctx.db, RESUMED, 'a')).toBeNull();
  });

  it('records the outcome once, by the run\'s worker, keeping an error recorded earlier', async () => {
    const [ok, bad, warned] = await queue(RESUMED, 3);
    for (const id of [ok, bad, warned]) await claimById(ctx.db, RESUMED, id!, 'a');
    expect(await finish(ctx.db, RESUMED, ok!, 'b', { status: 'succeeded' })).toBe(false);
    expect(await finish(ctx.db, RESUMED, ok!, 'a', { status: 'succeeded' })).toBe(true);
    expect(await finish(ctx.db, RESUMED, ok!, 'a', { status: 'failed', error: 'late' })).toBe(false);
    expect(await row(ok!)).toMatchObject({ status: 'succeeded', error: null, locked_by: null });
    expect(await finish(ctx.db, RESUMED, bad!, null, { status: 'failed', error: 'every URL failed' })).toBe(true);
    expect(await row(bad!)).toMatchObject({ status: 'failed', error: 'every URL failed' });
    await ctx.db.query(`UPDATE test_work_runs SET error = 'unusable start locations: x' WHERE id = $1`, [warned]);
    expect(await finish(ctx.db, RESUMED, warned!, 'a', { status: 'failed', error: 'every URL failed' })).toBe(true);
    expect((await row(warned!)).error).toBe('unusable start locations: x');
  });
});
