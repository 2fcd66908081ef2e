/**
 * The demo loader loads a corpus once (both database modes): a second call with the same files reads
 * no document and leaves every row as it was; a changed corpus is synced (changed document rewritten,
 * removed one marked deleted, untouched ones kept); a user's own documents in the collection stay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName, filesSource, setFilesSourceVersion } from '@cite/ingestion/ingest/ingest-run.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { loadDemo, type DemoLoadInput } from './load-demo.js';

const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: 'memory://' });
const embedder = new HashEmbedder();

const doc = (slug: string, title: string, text: string) => ({ url: `https://demo.example.fr/${slug}`, title, text });
const DONS = doc('dons', 'Dons aux associations', 'Toute association peut recevoir des dons manuels sans autorisation. Les dons ouvrent droit à une réduction d’impôt pour le donateur.');
const STATUTS = doc('statuts', 'Modification des statuts', "Les statuts d'une association peuvent être librement modifiés par l'assemblée générale, selon la procédure qu'ils prévoient.");
const PREAVIS = doc('preavis', 'La démission', "En cas de démission, l'existence et la durée du préavis sont fixées par la loi, la convention collective ou les usages.");

let dir: string;
const corpus = (name: string, docs: object[]) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  return file;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-demo-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Row {
  id: number;
  url: string;
  status: string;
  content_hash: string;
  updated_at: string;
  fetched_at: string | null;
}
async function documents(db: Database, collectionId: number): Promise<Row[]> {
  const { rows } = await db.query<Row>(
    `SELECT id::int AS id, url, status, content_hash, updated_at::text, fetched_at::text FROM documents WHERE collection_id = $1 ORDER BY url`,
    [collectionId],
  );
  return rows;
}
const count = async (db: Database, sql: string, params: unknown[]) => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);

describeEachDatabase('demo loader', (ctx) => {
  let input: DemoLoadInput;

  it('loads the corpus on the first call', async () => {
    input = { collection: 'demo-test', files: [corpus('demo-v1.jsonl', [DONS, STATUTS, PREAVIS])], config };
    const first = await loadDemo(ctx.db, embedder, input);
    expect(first.outcome).toBe('loaded');
    expect(first.documents).toBe(3);
    expect(first.summary).toMatchObject({ new: 3, failed: 0 });
    const rows = await documents(ctx.db, first.collectionId);
    expect(rows.map((r) => [r.url, r.status])).toEqual([
      [DONS.url, 'active'],
      [PREAVIS.url, 'active'],
      [STATUTS.url, 'active'],
    ]);
    // embedded: vectors wait in the backlog for the engine's worker (searched exactly meanwhile); server: indexed at once
    const { rows: vectors } = await ctx.db.query<{ indexed: number; backlog: number; chunks: number }>(
      `SELECT count(*) FILTER (WHERE c.embedding IS NOT NULL)::int AS indexed, count(b.chunk_id)::int AS backlog, count(*)::int AS chunks
         FROM chunks c JOIN documents d ON d.id = c.document_id LEFT JOIN vector_backlog b ON b.chunk_id = c.id WHERE d.collection_id = $1`,
      [first.collectionId],
    );
    const v = vectors[0]!;
    expect(v.chunks).toBeGreaterThanOrEqual(3);
    expect([v.indexed, v.backlog]).toEqual(ctx.mode === 'embedded' ? [0, v.chunks] : [v.chunks, 0]);
  });

  it('reuses it on a second call: no run, every row untouched', async () => {
    const collectionId = await collectionByName(ctx.db, 'demo-test');
    const before = await documents(ctx.db, collectionId);
    const runs = await count(ctx.db, 'SELECT count(*)::int AS n FROM crawl_runs', []);
    const chunks = await count(ctx.db, 'SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.collection_id = $1', [collectionId]);

    const second = await loadDemo(ctx.db, embedder, input);
    expect(second).toMatchObject({ outcome: 'reused', documents: 3, summary: null, collectionId });
    // same ids, same timestamps (not even fetched_at, which an unchanged re-ingest would touch)
    expect(await documents(ctx.db, collectionId)).toEqual(before);
    expect(await count(ctx.db, 'SELECT count(*)::int AS n FROM crawl_runs', [])).toBe(runs);
    expect(await count(ctx.db, 'SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.collection_id = $1', [collectionId])).toBe(chunks);
  });

  it('loads again after an interrupted load (no version recorded), re-embedding nothing it already holds', async () => {
    const collectionId = await collectionByName(ctx.db, 'demo-test');
    const before = await documents(ctx.db, collectionId);
    // what a load killed halfway leaves: the version is cleared when a load starts
    await setFilesSourceVersion(ctx.db, (await loadDemo(ctx.db, embedder, input)).sourceId, null);
    const again = await loadDemo(ctx.db, embedder, input);
    expect(again.outcome).toBe('refreshed');
    expect(again.summary).toMatchObject({ new: 0, changed: 0, unchanged: 3, embedded: 0 });
    expect((await documents(ctx.db, collectionId)).map((r) => [r.id, r.content_hash])).toEqual(before.map((r) => [r.id, r.content_hash]));
    expect((await loadDemo(ctx.db, embedder, input)).outcome).toBe('reused');
  });

  it('refreshes a changed corpus as a sync, and leaves the collection’s other documents alone', async () => {
    const collectionId = await collectionByName(ctx.db, 'demo-test');
    // a user's own ingest into the same collection, through the indexer
    const own = await filesSource(ctx.db, collectionId);
    await indexDocuments(ctx.db, embedder, { collectionId, sourceId: own }, [
      { ok: true, location: 'mine.txt', document: { url: 'https://mine.example.fr/note', title: 'Ma note', lang: 'fr', format: 'text', metadata: {}, sections: [{ headingPath: [], blocks: [{ kind: 'paragraph', text: 'Une note à moi sur les associations.' }] }] } },
    ]);
    const before = new Map((await documents(ctx.db, collectionId)).map((r) => [r.url, r]));

    const changedStatuts = { ...STATUTS, text: `${STATUTS.text} La modification est déclarée au greffe dans les trois mois.` };
    const v2 = { ...input, files: [corpus('demo-v2.jsonl', [DONS, changedStatuts])] };
    const third = await loadDemo(ctx.db, embedder, v2);
    expect(third.outcome).toBe('refreshed');
    expect(third.documents).toBe(2);
    expect(third.summary).toMatchObject({ new: 0, changed: 1, unchanged: 1, deleted: 1 });

    const after = new Map((await documents(ctx.db, collectionId)).map((r) => [r.url, r]));
    expect(after.get(DONS.url)).toMatchObject({ id: before.get(DONS.url)!.id, content_hash: before.get(DONS.url)!.content_hash, status: 'active' });
    expect(after.get(STATUTS.url)!.id).toBe(before.get(STATUTS.url)!.id);
    expect(after.get(STATUTS.url)!.content_hash).not.toBe(before.get(STATUTS.url)!.content_hash);
    expect(after.get(PREAVIS.url)!.status).toBe('deleted');
    expect(after.get('https://mine.example.fr/note')).toEqual(before.get('https://mine.example.fr/note'));

    // and that version is reused in turn
    expect((await loadDemo(ctx.db, embedder, v2)).outcome).toBe('reused');
  });

  it('refuses a missing corpus file with a code a user can act on', async () => {
    await expect(loadDemo(ctx.db, embedder, { ...input, files: [path.join(dir, 'gone.jsonl')] })).rejects.toMatchObject({ code: 'DEMO_CORPUS_MISSING' });
  });
});
