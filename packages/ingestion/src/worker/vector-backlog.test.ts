import { expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { ensureEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { vectorBacklogChunks } from '@cite/core/observability/metrics.js';
import { resetSearchStatistics, searchWith } from '@cite/retrieval/search/search-service.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import type { NormalisedDocument } from '../document.js';
import { embedForWrite, prepareDocument, writeDocumentsIn } from '../ingest/index-documents.js';
import { reembed } from '@cite/index/reembed.js';
import { VectorBacklog } from './vector-backlog.js';

const embedder = new HashEmbedder();

const doc = (url: string, title: string, text: string): NormalisedDocument => ({
  url,
  title,
  lang: 'fr',
  format: 'markdown',
  metadata: {},
  sections: [{ headingPath: [title], blocks: [{ kind: 'paragraph', text }] }],
});

const DOCS = [
  doc('https://ex.fr/conges', 'Congés payés', 'Le salarié acquiert deux jours et demi de congés payés par mois de travail effectif.'),
  doc('https://ex.fr/preavis', 'Préavis de démission', 'La durée du préavis de démission dépend de la convention collective et de l’ancienneté.'),
  doc('https://ex.fr/loyer', 'Aide au logement', 'Les aides au logement sont versées par la caisse d’allocations familiales selon les ressources.'),
];

/** Writes documents as a crawl group does, vectors going where `placement` says. */
async function write(db: Database, collectionId: number, docs: NormalisedDocument[], placement: 'index' | 'backlog') {
  await ensureEmbeddingModel(db, embedder);
  const writes = docs.map((d) => prepareDocument(d, embedder, { collectionId }, { chunkTokens: 200, overlapTokens: 0 }));
  const vectors = await embedForWrite(db, embedder, writes);
  return db.transaction((tx) => writeDocumentsIn(tx, embedder, writes, vectors, placement));
}

async function counts(db: Database): Promise<{ pending: number; indexed: number }> {
  const { rows } = await db.query<{ pending: number; indexed: number }>(
    `SELECT (SELECT count(*)::int FROM vector_backlog) AS pending,
            (SELECT count(*)::int FROM chunks WHERE embedding IS NOT NULL) AS indexed`,
  );
  return { pending: Number(rows[0]!.pending), indexed: Number(rows[0]!.indexed) };
}

describeEachDatabase('vector backlog', (ctx) => {
  const config = loadConfig({ EMBEDDINGS: 'hash' });
  const vectorSearch = async (query: string, allowedCollections: number[] | null = null) => {
    resetSearchStatistics(ctx.db);
    const res = await searchWith({ db: ctx.db, embedder, config }, { query, allowedCollections, mode: 'vector', k: 3 });
    return res.data.map((h) => h.document.url);
  };
  let collectionId = 0;

  it('keeps crawled vectors searchable while they wait, and moves them into the index in batches', async () => {
    const c = await ctx.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('backlog') RETURNING id`);
    collectionId = Number(c.rows[0]!.id);
    expect(await write(ctx.db, collectionId, DOCS, 'backlog')).toEqual(['new', 'new', 'new']);
    expect(await counts(ctx.db)).toEqual({ pending: 3, indexed: 0 });

    // the vector branch scores the backlog exactly: each document is the best match for its own words
    const before = await Promise.all(['congés payés par mois', 'préavis de démission', 'aides au logement'].map((q) => vectorSearch(q)));
    expect(before.map((urls) => urls[0])).toEqual(DOCS.map((d) => d.url));
    // under a filter too (the backlog joined to chunks and documents): a key limited to another
    // collection sees none of them
    expect((await vectorSearch('préavis de démission', [collectionId]))[0]).toBe(DOCS[1]!.url);
    const other = await ctx.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('backlog-other') RETURNING id`);
    expect(await vectorSearch('préavis de démission', [Number(other.rows[0]!.id)])).toEqual([]);

    const backlog = new VectorBacklog(ctx.db, { maxChunks: 10, batchSize: 2 });
    await backlog.refresh();
    expect(backlog.pending).toBe(true);
    expect((await vectorBacklogChunks.get()).values[0]!.value).toBe(3);
    expect(await backlog.indexSome()).toBe(2);
    expect(await counts(ctx.db)).toEqual({ pending: 1, indexed: 2 });
    // half moved: still one answer per document, none twice
    const half = await vectorSearch('congés payés par mois');
    expect(half[0]).toBe(DOCS[0]!.url);
    expect(new Set(half).size).toBe(half.length);
    expect(await backlog.indexSome()).toBe(1);
    expect(await backlog.indexSome()).toBe(0);
    expect(backlog.pending).toBe(false);
    expect((await vectorBacklogChunks.get()).values[0]!.value).toBe(0);
    expect(await counts(ctx.db)).toEqual({ pending: 0, indexed: 3 });

    const after = await Promise.all(['congés payés par mois', 'préavis de démission', 'aides au logement'].map((q) => vectorSearch(q)));
    expect(after).toEqual(before);
  });

  it('keeps a waiting vector when its document changes elsewhere, and embeds only the new chunk', async () => {
    const changed = doc('https://ex.fr/conges-bis', 'Congés payés', 'Le salarié acquiert deux jours et demi de congés payés par mois de travail effectif.');
    await write(ctx.db, collectionId, [changed], 'backlog');
    const first = await ctx.db.query<{ id: number }>(`SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = $1`, [changed.url]);
    changed.sections.push({ headingPath: ['Report'], blocks: [{ kind: 'paragraph', text: 'Les congés non pris peuvent être reportés par accord collectif.' }] });
    expect(await write(ctx.db, collectionId, [changed], 'backlog')).toEqual(['changed']);
    const { rows } = await ctx.db.query<{ id: number; pending: boolean }>(
      `SELECT c.id, b.chunk_id IS NOT NULL AS pending FROM chunks c JOIN documents d ON d.id = c.document_id
         LEFT JOIN vector_backlog b ON b.chunk_id = c.id WHERE d.url = $1 ORDER BY c.ord`,
      [changed.url],
    );
    // the unchanged chunk kept its row and its waiting vector; the new one waits too
    expect(rows.map((r) => Number(r.id))).toContain(Number(first.rows[0]!.id));
    expect(rows.every((r) => r.pending)).toBe(true);
  });

  it('writes into the index once the backlog is full, and counts it again when asked', async () => {
    const backlog = new VectorBacklog(ctx.db, { maxChunks: 2, batchSize: 100 });
    expect(await backlog.refresh()).toBeGreaterThanOrEqual(2);
    expect(backlog.placement()).toBe('index');
    await backlog.indexSome();
    expect(backlog.placement()).toBe('backlog');
    backlog.added(2);
    expect(backlog.placement()).toBe('index');
    expect(await backlog.refresh()).toBe(0);
    expect(new VectorBacklog(ctx.db, { maxChunks: 0, batchSize: 1 }).placement()).toBe('index');
  });

  it('is emptied by cite reembed, whose chunks are all embedded again with the new model', async () => {
    await write(ctx.db, collectionId, [doc('https://ex.fr/retraite', 'Retraite', 'L’âge légal de départ à la retraite dépend de l’année de naissance.')], 'backlog');
    expect((await counts(ctx.db)).pending).toBeGreaterThan(0);
    const total = Number((await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')).rows[0]!.n);
    const summary = await reembed(ctx.db, new HashEmbedder(128));
    expect(summary.complete).toBe(true);
    expect(summary.chunks).toBe(total);
    expect(await counts(ctx.db)).toEqual({ pending: 0, indexed: total });
  });
});
