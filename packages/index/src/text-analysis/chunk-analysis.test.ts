/**
 * Chunks written with the engine's tsvector (migration 0340), on both databases: the embedded database's
 * chunks are analysed by the engine, a server's by itself; either way every stored tsvector is the one
 * `cite_french` gives, for the texts the engine analyses and for those it leaves to the database, and a
 * changed text is analysed again by the database.
 */
import { expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import type { IndexedChunk } from '../documents-repo.js';
import { seedDocuments } from '../seed-documents.js';
import { analyseChunks, chunkAnalyserFor } from './chunk-analysis.js';

const TEXTS = [
  "Le salarié démissionnaire doit respecter un préavis, sauf dispense accordée par l'employeur.",
  'Les règles sont publiées sur https://www.service-public.fr/particuliers/vosdroits (mise à jour 2024.1).',
  "L'indemnité de rupture conventionnelle n'est pas inférieure à l'indemnité légale (article L. 1237-13).",
];

/** Chunks whose stored tsvector is not the database's own analysis of their context and text. */
const DIFFERING = `
  SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id
   WHERE d.collection_id = $1
     AND c.tsv IS DISTINCT FROM setweight(to_tsvector('cite_french', c.context), 'A') || setweight(to_tsvector('cite_french', c.text), 'B')`;

describeEachDatabase('chunks analysed by the engine', (ctx) => {
  const embedder = new HashEmbedder();
  const collection = async (name: string) =>
    Number((await ctx.db.query<{ id: string }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [name])).rows[0]!.id);

  it('analyses the embedded database’s chunks in the engine, and no server’s', async () => {
    const analyser = await chunkAnalyserFor(ctx.db);
    expect(analyser !== undefined).toBe(ctx.mode === 'embedded');
    const chunks: IndexedChunk[] = TEXTS.map((text, ord) => ({ ord, text, headingPath: [], context: 'Fiche > Démission', locator: {}, tokenCount: 20, hash: `h${ord}` }));
    const [write] = await analyseChunks(ctx.db, [{ chunks }]);
    // the text with a URL and a decimal is left to the database wherever the engine analyses
    expect(write!.chunks.map((c) => typeof c.tsv)).toEqual(
      ctx.mode === 'embedded' ? ['string', 'undefined', 'string'] : ['undefined', 'undefined', 'undefined'],
    );
  });

  it('stores for every chunk the tsvector the database gives, and analyses a changed text again', async () => {
    const collectionId = await collection('analysed');
    await seedDocuments(ctx.db, embedder, [
      { collectionId, url: 'https://ex.fr/demission', title: 'Démission', chunks: TEXTS.map((text) => ({ text })) },
      {
        collectionId,
        url: 'https://ex.fr/vide',
        title: 'Œuvres sociales — CSE',
        chunks: [{ text: 'à' }, { text: 'Chèques-vacances : 1er janvier.' }],
      },
    ]);
    expect((await ctx.db.query<{ n: number }>(DIFFERING, [collectionId])).rows[0]!.n).toBe(0);
    const stored = await ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.collection_id = $1',
      [collectionId],
    );
    expect(stored.rows[0]!.n).toBe(5);

    const first = `ord = 0 AND document_id = (SELECT id FROM documents WHERE url = 'https://ex.fr/demission')`;
    await ctx.db.query(`UPDATE chunks SET text = 'Le congé parental.' WHERE ${first}`);
    expect((await ctx.db.query<{ n: number }>(DIFFERING, [collectionId])).rows[0]!.n).toBe(0);
    const { rows } = await ctx.db.query<{ lexemes: string[] }>(`SELECT tsvector_to_array(tsv) AS lexemes FROM chunks WHERE ${first}`);
    expect(rows[0]!.lexemes).toEqual(expect.arrayContaining(['cong', 'parental']));
  });
});
