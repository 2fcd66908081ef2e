/**
 * A command-line or upload ingestion beats while it runs; one whose process died is failed by a
 * worker's maintenance with what it had done, and a live one is left alone. Both databases.
 */
import { expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { webCollection } from '@cite/index/collections/web-collection.js';
import { resolveCollection } from '../sources/source-repo.js';
import { startWorker } from '../worker/worker.js';
import { collectionByName, failInterruptedIngestRuns, filesSource, finishIngestRun, INGEST_INTERRUPTED, startIngestRun } from './ingest-run.js';

const HOUR = 3_600_000;

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeEachDatabase('ingest runs', (ctx) => {
  type RunRow = { status: string; error: string | null; indexed: number; failed: number; skipped: number; heartbeat_at: Date; started_at: Date };
  const run = async (id: number) =>
    (await ctx.db.query<RunRow>('SELECT status, error, indexed, failed, skipped, heartbeat_at, started_at FROM crawl_runs WHERE id = $1', [id])).rows[0]!;
  const sourceStatus = async (id: number) => (await ctx.db.query<{ status: string }>('SELECT status FROM sources WHERE id = $1', [id])).rows[0]!.status;

  /** A run whose process died mid-ingest: one document written, one failure, one deliberate skip, silent for an hour. */
  async function deadRun(collection: string): Promise<{ runId: number; sourceId: number }> {
    const sourceId = await filesSource(ctx.db, await collectionByName(ctx.db, collection));
    const runId = await startIngestRun(ctx.db, sourceId, 'upload', ['a.pdf', 'b.pdf', 'c.xml'], HOUR);
    const { rows } = await ctx.db.query<{ collection_id: number }>('SELECT collection_id FROM sources WHERE id = $1', [sourceId]);
    await seedDocuments(ctx.db, new HashEmbedder(), [
      { collectionId: Number(rows[0]!.collection_id), sourceId, url: 'file:///a.pdf', title: 'A', format: 'pdf', chunks: [{ text: 'A' }] },
    ]);
    await ctx.db.query(
      `INSERT INTO ingest_errors (source_id, run_id, location, code, message)
       VALUES ($1, $2, '/b.pdf', 'PDF_INVALID', 'not a PDF'), ($1, $2, '/c.xml', 'SP_NOT_PUBLISHED', 'no longer published')`,
      [sourceId, runId],
    );
    // the process is gone: nobody beats for this run any more
    await ctx.db.query(`UPDATE crawl_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [runId]);
    return { runId, sourceId };
  }

  it('beats while the ingestion runs, and stops beating once it is finished', async () => {
    const sourceId = await filesSource(ctx.db, await collectionByName(ctx.db, 'beats'));
    const runId = await startIngestRun(ctx.db, sourceId, 'cli', ['x'], 100);
    const started = (await run(runId)).started_at;
    await until(async () => new Date((await run(runId)).heartbeat_at).getTime() > new Date(started).getTime(), 10_000);
    await finishIngestRun(ctx.db, runId, { new: 1, changed: 0, unchanged: 0, failed: 0, deleted: 0, chunks: 1, embedded: 1, ms: 1, errors: [], failedByCode: {} });
    const finished = (await run(runId)).heartbeat_at;
    await new Promise((r) => setTimeout(r, 400));
    expect((await run(runId)).heartbeat_at).toEqual(finished);
    expect((await run(runId)).status).toBe('succeeded');
    // a live run is never taken for a dead one
    expect(await failInterruptedIngestRuns(ctx.db, 1_000)).toEqual([]);
  });

  it('fails a run whose process stopped beating, with what it had done; a live run and a crawl are left alone', async () => {
    const dead = await deadRun('dead');
    const liveSource = await filesSource(ctx.db, await collectionByName(ctx.db, 'live'));
    const live = await startIngestRun(ctx.db, liveSource, 'cli', ['y'], HOUR);
    const crawl = await ctx.db.query<{ id: number }>(
      `INSERT INTO crawl_runs (source_id, trigger, status, started_at, heartbeat_at) VALUES ($1, 'manual', 'running', now(), now() - interval '1 hour') RETURNING id`,
      [liveSource],
    );

    expect(await failInterruptedIngestRuns(ctx.db, 30_000)).toEqual([dead.runId]);
    const r = await run(dead.runId);
    expect(r.status).toBe('failed');
    expect(r.error).toBe(INGEST_INTERRUPTED);
    expect([Number(r.indexed), Number(r.failed), Number(r.skipped)]).toEqual([1, 1, 1]);
    expect(await sourceStatus(dead.sourceId)).toBe('failed');
    // what it wrote is kept
    expect((await ctx.db.query(`SELECT 1 FROM documents WHERE source_id = $1 AND status = 'active'`, [dead.sourceId])).rowCount).toBe(1);
    expect((await run(live)).status).toBe('running');
    expect((await run(Number(crawl.rows[0]!.id))).status).toBe('running');
    // failing twice changes nothing
    expect(await failInterruptedIngestRuns(ctx.db, 30_000)).toEqual([]);
    await finishIngestRun(ctx.db, live, null, 'test over');
    await ctx.db.query(`UPDATE crawl_runs SET status = 'cancelled' WHERE id = $1`, [crawl.rows[0]!.id]);
  });

  it("is done by a worker's maintenance: an engine restarted after an interrupted upload does not show it running for ever", async () => {
    const dead = await deadRun('restarted');
    const config = loadConfig({ CRAWLER_HEARTBEAT_MS: '100', CRAWLER_STALE_AFTER_MS: '1000' });
    const worker = await startWorker({ db: ctx.db, config, options: { scheduler: false, pollMs: 50 } });
    try {
      await until(async () => (await run(dead.runId)).status === 'failed', 15_000);
    } finally {
      await worker.stop();
    }
    expect((await run(dead.runId)).error).toBe(INGEST_INTERRUPTED);
    expect(await sourceStatus(dead.sourceId)).toBe('failed');
  });

  it('writes nothing into the web collection: its pages are left out of search and purged after RETENTION_WEB_DAYS', async () => {
    const reserved = { code: 'COLLECTION_RESERVED', status: 400 };
    await expect(collectionByName(ctx.db, 'web')).rejects.toMatchObject(reserved);
    const webId = await webCollection(ctx.db); // as internet search makes it
    await expect(resolveCollection(ctx.db, undefined, 'web')).rejects.toMatchObject(reserved);
    await expect(resolveCollection(ctx.db, webId)).rejects.toMatchObject(reserved);
    // a collection named otherwise, "Web" included, is an ordinary one
    expect(await resolveCollection(ctx.db, undefined, 'Web')).not.toBe(webId);
  });
});
