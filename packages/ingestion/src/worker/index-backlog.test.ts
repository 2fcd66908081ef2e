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
import type { IndexPlacement } from '@cite/index/documents-repo.js';
import { termCountErrors } from '@cite/index/testing/term-counts.js';
import { IndexBacklog } from './index-backlog.js';

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
async function write(db: Database, collectionId: number, docs: NormalisedDocument[], placement: IndexPlacement) {
  await ensureEmbeddingModel(db, embedder);
  const writes = await Promise.all(docs.map((d) => prepareDocument(d, embedder, { collectionId }, { chunkTokens: 200, overlapTokens: 0 })));
  const vectors = await embedForWrite(db, embedder, writes);
  return db.transaction((tx) => writeDocumentsIn(tx, embedder, writes, vectors, placement));
}

async function counts(db: Database): Promise<{ pending: number; indexed: number; postingsPending: number; postingsWritten: number }> {
  const { rows } = await db.query<{ pending: number; indexed: number; postings_pending: number; postings_written: number }>(
    `SELECT (SELECT count(*)::int FROM vector_backlog) AS pending,
            (SELECT count(*)::int FROM chunks WHERE embedding IS NOT NULL) AS indexed,
            (SELECT count(*)::int FROM postings_backlog) AS postings_pending,
            (SELECT count(DISTINCT chunk_id)::int FROM search_postings) AS postings_written`,
  );
  const r = rows[0]!;
  return { pending: Number(r.pending), indexed: Number(r.indexed), postingsPending: Number(r.postings_pending), postingsWritten: Number(r.postings_written) };
}

const QUERIES = ['congés payés par mois', 'préavis de démission', 'aides au logement'];

describeEachDatabase('index backlog', (ctx) => {
  const config = loadConfig({ EMBEDDINGS: 'hash' });
  const vectorSearch = async (query: string, allowedCollections: number[] | null = null) => {
    resetSearchStatistics(ctx.db);
    const res = await searchWith({ db: ctx.db, embedder, config }, { query, allowedCollections, mode: 'vector', k: 3 });
    return res.data.map((h) => h.document.url);
  };
  /** Lexical hits as `url score` (BM25 scores to 6 digits): a waiting chunk must score as it will once written. */
  const lexicalSearch = async (query: string, allowedCollections: number[] | null = null) => {
    resetSearchStatistics(ctx.db);
    const res = await searchWith({ db: ctx.db, embedder, config }, { query, allowedCollections, mode: 'lexical', k: 3 });
    return res.data.map((h) => `${h.document.url} ${h.score.toFixed(6)}`);
  };
  let collectionId = 0;

  it('keeps crawled chunks searchable while their vectors and postings wait, and moves them into the index in batches', async () => {
    const c = await ctx.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('backlog') RETURNING id`);
    collectionId = Number(c.rows[0]!.id);
    expect(await write(ctx.db, collectionId, DOCS, 'backlog')).toEqual(['new', 'new', 'new']);
    expect(await counts(ctx.db)).toEqual({ pending: 3, indexed: 0, postingsPending: 3, postingsWritten: 0 });
    // the term counts hold the waiting chunks (from the backlog, migration 0300): IDF does not wait
    const df = await ctx.db.query<{ df: number }>(`SELECT df FROM search_term_df WHERE lexeme = (tsvector_to_array(to_tsvector('cite_french', 'préavis')))[1]`);
    expect(Number(df.rows[0]?.df)).toBe(1);
    expect(await termCountErrors(ctx.db)).toEqual([]);

    // the vector branch scores the backlog exactly: each document is the best match for its own words
    const before = await Promise.all(QUERIES.map((q) => vectorSearch(q)));
    expect(before.map((urls) => urls[0])).toEqual(DOCS.map((d) => d.url));
    // the lexical branch scores waiting chunks from their text vectors
    const lexicalBefore = await Promise.all(QUERIES.map((q) => lexicalSearch(q)));
    expect(lexicalBefore.map((hits) => hits[0]?.split(' ')[0])).toEqual(DOCS.map((d) => d.url));
    // under a filter too (the backlog joined to chunks and documents): a key limited to another
    // collection sees none of them
    expect((await vectorSearch('préavis de démission', [collectionId]))[0]).toBe(DOCS[1]!.url);
    expect((await lexicalSearch('préavis de démission', [collectionId]))[0]).toMatch(DOCS[1]!.url);
    const other = await ctx.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('backlog-other') RETURNING id`);
    expect(await vectorSearch('préavis de démission', [Number(other.rows[0]!.id)])).toEqual([]);
    expect(await lexicalSearch('préavis de démission', [Number(other.rows[0]!.id)])).toEqual([]);

    const backlog = new IndexBacklog(ctx.db, { maxVectors: 10, maxPostings: 10, batchSize: 2 });
    await backlog.refresh();
    expect(backlog.pending).toBe(true);
    expect((await vectorBacklogChunks.get()).values[0]!.value).toBe(3);
    // postings first (cheap, and every lexical search scans what waits), then vectors
    expect(await backlog.indexSome()).toBe(2);
    expect(await counts(ctx.db)).toEqual({ pending: 3, indexed: 0, postingsPending: 1, postingsWritten: 2 });
    // half moved: the same hits with the same scores, none twice
    expect(await Promise.all(QUERIES.map((q) => lexicalSearch(q)))).toEqual(lexicalBefore);
    expect(await backlog.indexSome()).toBe(1);
    expect(await backlog.indexSome()).toBe(2);
    expect(await counts(ctx.db)).toEqual({ pending: 1, indexed: 2, postingsPending: 0, postingsWritten: 3 });
    // half moved: still one answer per document, none twice
    const half = await vectorSearch('congés payés par mois');
    expect(half[0]).toBe(DOCS[0]!.url);
    expect(new Set(half).size).toBe(half.length);
    expect(await backlog.indexSome()).toBe(1);
    expect(await backlog.indexSome()).toBe(0);
    expect(backlog.pending).toBe(false);
    expect((await vectorBacklogChunks.get()).values[0]!.value).toBe(0);
    expect(await counts(ctx.db)).toEqual({ pending: 0, indexed: 3, postingsPending: 0, postingsWritten: 3 });
    expect(await termCountErrors(ctx.db)).toEqual([]);

    expect(await Promise.all(QUERIES.map((q) => vectorSearch(q)))).toEqual(before);
    expect(await Promise.all(QUERIES.map((q) => lexicalSearch(q)))).toEqual(lexicalBefore);
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

  it('writes into the index once a backlog is full, each bound on its own, and counts them again when asked', async () => {
    // the changed document above left 2 chunks waiting in each backlog
    const bounded = (maxVectors: number, maxPostings: number) => new IndexBacklog(ctx.db, { maxVectors, maxPostings, batchSize: 100 });
    const placements: string[] = [];
    for (const [v, p] of [[2, 100], [100, 2], [2, 2], [100, 100]] as const) {
      const backlog = bounded(v, p);
      expect(await backlog.refresh()).toEqual({ vectors: 2, postings: 2 });
      placements.push(backlog.placement());
    }
    expect(placements).toEqual(['postings-backlog', 'vector-backlog', 'index', 'backlog']);

    const backlog = bounded(2, 3);
    await backlog.refresh();
    while ((await backlog.indexSome()) > 0);
    expect(backlog.pending).toBe(false);
    expect(backlog.placement()).toBe('backlog');
    backlog.added(2, 'backlog');
    expect(backlog.placement()).toBe('postings-backlog');
    backlog.added(1, 'postings-backlog');
    expect(backlog.placement()).toBe('index');
    expect(await backlog.refresh()).toEqual({ vectors: 0, postings: 0 });
    expect(bounded(0, 0).placement()).toBe('index');
  });

  it('writes only the vectors or only the postings to their backlog when the other is full, and finds the chunks either way', async () => {
    const only = [
      doc('https://ex.fr/apprenti', 'Apprentissage', 'Le contrat d’apprentissage alterne formation théorique en centre et travail en entreprise.'),
      doc('https://ex.fr/teletravail', 'Télétravail', 'Le télétravail est mis en place par accord collectif ou par une charte de l’employeur.'),
    ];
    expect(await write(ctx.db, collectionId, [only[0]!], 'vector-backlog')).toEqual(['new']);
    expect(await write(ctx.db, collectionId, [only[1]!], 'postings-backlog')).toEqual(['new']);
    const { rows } = await ctx.db.query<{ url: string; vector_waits: boolean; indexed: boolean; postings_wait: boolean; postings: number }>(
      `SELECT d.url, EXISTS (SELECT 1 FROM vector_backlog b WHERE b.chunk_id = c.id) AS vector_waits, c.embedding IS NOT NULL AS indexed,
              EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = c.id) AS postings_wait,
              (SELECT count(*)::int FROM search_postings p WHERE p.chunk_id = c.id) AS postings
         FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = ANY($1) ORDER BY d.url`,
      [only.map((d) => d.url)],
    );
    expect(rows.map((r) => ({ ...r, postings: Number(r.postings) > 0 }))).toEqual([
      { url: only[0]!.url, vector_waits: true, indexed: false, postings_wait: false, postings: true },
      { url: only[1]!.url, vector_waits: false, indexed: true, postings_wait: true, postings: false },
    ]);
    expect((await lexicalSearch('contrat d’apprentissage'))[0]).toMatch(only[0]!.url);
    expect((await lexicalSearch('télétravail charte'))[0]).toMatch(only[1]!.url);
    expect((await vectorSearch('contrat d’apprentissage alterne formation'))[0]).toBe(only[0]!.url);
    expect((await vectorSearch('télétravail accord collectif charte'))[0]).toBe(only[1]!.url);
  });

  it('is emptied by cite reembed, whose chunks are all embedded again with the new model', async () => {
    await write(ctx.db, collectionId, [doc('https://ex.fr/retraite', 'Retraite', 'L’âge légal de départ à la retraite dépend de l’année de naissance.')], 'backlog');
    expect((await counts(ctx.db)).pending).toBeGreaterThan(0);
    const total = Number((await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')).rows[0]!.n);
    const summary = await reembed(ctx.db, new HashEmbedder(128));
    expect(summary.complete).toBe(true);
    expect(summary.chunks).toBe(total);
    expect(await counts(ctx.db)).toMatchObject({ pending: 0, indexed: total });
  });
});
