/**
 * Ingest runs as background work, beyond their beat (ingest-run.test.ts): an ingestion whose process dies
 * half-way through the real indexing path is failed by the next worker with what it wrote; a cancelled
 * one stays cancelled; one failed as interrupted while only stalled records its real end. Both databases.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { cancelRun } from '../runs/run-repo.js';
import { startWorker } from '../worker/worker.js';
import { indexDocuments } from './index-documents.js';
import { outcomesOf } from './ingest-inputs.js';
import { collectionByName, failInterruptedIngestRuns, filesSource, finishIngestRun, haltIngestBeats, INGEST_INTERRUPTED, startIngestRun } from './ingest-run.js';

const HOUR = 3_600_000;
const SUMMARY = { new: 1, changed: 0, unchanged: 0, failed: 0, deleted: 0, chunks: 1, embedded: 1, ms: 1, errors: [], failedByCode: {} };

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeEachDatabase('ingest runs interrupted, cancelled or stalled', (ctx) => {
  type RunRow = { status: string; error: string | null; indexed: number; failed: number; skipped: number; heartbeat_at: Date };
  const run = async (id: number) =>
    (await ctx.db.query<RunRow>('SELECT status, error, indexed, failed, skipped, heartbeat_at FROM crawl_runs WHERE id = $1', [id])).rows[0]!;
  const sourceStatus = async (id: number) => (await ctx.db.query<{ status: string }>('SELECT status FROM sources WHERE id = $1', [id])).rows[0]!.status;

  it('fails, on restart, an ingestion whose process died half-way through the real indexing path, keeping what it wrote', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cite-ingest-killed-'));
    try {
      await fs.writeFile(path.join(dir, 'a.md'), "# Congé parental\n\nLe congé parental d'éducation permet d'interrompre son activité pour élever un enfant.\n");
      await fs.writeFile(path.join(dir, 'b.pdf'), 'not a PDF at all');
      const config = loadConfig({ CRAWLER_HEARTBEAT_MS: '100', CRAWLER_STALE_AFTER_MS: '1000' });
      const collectionId = await collectionByName(ctx.db, 'killed');
      const sourceId = await filesSource(ctx.db, collectionId);
      const runId = await startIngestRun(ctx.db, sourceId, 'cli', [dir], config.CRAWLER_HEARTBEAT_MS);
      // the inputs are read and written one document at a time, then the process hangs before its end
      let wake!: () => void;
      const hang = new Promise<void>((resolve) => (wake = resolve));
      let bothDone!: () => void;
      const written = new Promise<void>((resolve) => (bothDone = resolve));
      async function* inputsThenHang() {
        yield* outcomesOf([dir], config);
        await hang;
      }
      const onProgress = (p: { documents: number }) => {
        if (p.documents >= 2) bothDone();
      };
      const indexing = indexDocuments(ctx.db, new HashEmbedder(), { collectionId, sourceId, runId }, inputsThenHang(), onProgress, { embedBatch: 1 });
      await written;
      // while it beats, a worker's maintenance leaves it alone
      const alive = await startWorker({ db: ctx.db, config, options: { scheduler: false, pollMs: 50 } });
      await new Promise((r) => setTimeout(r, 1_500));
      await alive.stop();
      expect((await run(runId)).status).toBe('running');

      haltIngestBeats(); // the process is killed: no more beats, no end recorded
      const restarted = await startWorker({ db: ctx.db, config, options: { scheduler: false, pollMs: 50 } });
      try {
        await until(async () => (await run(runId)).status === 'failed', 15_000);
      } finally {
        await restarted.stop();
      }
      const r = await run(runId);
      expect(r.error).toBe(INGEST_INTERRUPTED);
      expect([Number(r.indexed), Number(r.failed), Number(r.skipped)]).toEqual([1, 1, 0]);
      expect(await sourceStatus(sourceId)).toBe('failed');
      const docs = await ctx.db.query<{ title: string }>(`SELECT title FROM documents WHERE source_id = $1 AND status = 'active'`, [sourceId]);
      expect(docs.rows.map((d) => d.title)).toEqual(['Congé parental']);
      wake();
      await indexing;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps a cancelled ingestion cancelled: its beats stop, and its end records its counts, not an outcome', async () => {
    const sourceId = await filesSource(ctx.db, await collectionByName(ctx.db, 'cancelled'));
    const runId = await startIngestRun(ctx.db, sourceId, 'upload', ['x.pdf'], 50);
    expect(await cancelRun(ctx.db, runId)).toBe(true);
    const beatAt = (await run(runId)).heartbeat_at;
    await new Promise((r) => setTimeout(r, 300));
    expect((await run(runId)).heartbeat_at).toEqual(beatAt);
    await finishIngestRun(ctx.db, runId, { ...SUMMARY, new: 2 });
    expect(await run(runId)).toMatchObject({ status: 'cancelled', error: 'cancelled', indexed: 2 });
    expect(await sourceStatus(sourceId)).toBe('idle');
  });

  it('lets an ingestion failed as interrupted during a long stall record its real end', async () => {
    const sourceId = await filesSource(ctx.db, await collectionByName(ctx.db, 'stalled'));
    const runId = await startIngestRun(ctx.db, sourceId, 'cli', ['big.pdf'], HOUR);
    await ctx.db.query(`UPDATE crawl_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [runId]);
    expect(await failInterruptedIngestRuns(ctx.db, 30_000)).toEqual([runId]);
    expect(await sourceStatus(sourceId)).toBe('failed');
    await finishIngestRun(ctx.db, runId, SUMMARY);
    expect(await run(runId)).toMatchObject({ status: 'succeeded', error: null, indexed: 1 });
    expect(await sourceStatus(sourceId)).toBe('idle');
  });
});
