import { beforeAll, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { indexBacklog, markDocumentsDeleted } from './documents-repo.js';
import { seedDocuments } from './seed-documents.js';
import { postingCollectionErrors, termCountErrors } from './testing/term-counts.js';

// Migration 0320: a limited key's lexical branch reads postings through their collection, so every way a
// posting is written must file it under its chunk's.
describeEachDatabase('postings filed under their collection', (ctx) => {
  const embedder = new HashEmbedder();
  let a: number;
  let b: number;
  const doc = (collectionId: number, slug: string, text: string) => ({ collectionId, url: `https://ex.fr/${slug}`, title: 'Fiche', chunks: [{ text }] });
  const postings = async () =>
    (
      await ctx.db.query<{ collection_id: string; n: number }>(
        `SELECT collection_id, count(*)::int AS n FROM search_postings WHERE lexeme = 'preav' GROUP BY 1 ORDER BY 1`,
      )
    ).rows.map((r) => [Number(r.collection_id), r.n]);

  beforeAll(async () => {
    const collection = async (name: string) => Number((await ctx.db.query<{ id: string }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [name])).rows[0]!.id);
    [a, b] = [await collection('a'), await collection('b')];
  });

  it('whichever way they are written: insert, backlog, bulk rebuild, update of the text', async () => {
    const [written] = await seedDocuments(ctx.db, embedder, [doc(a, 'written', 'Le préavis de démission.')]);
    await seedDocuments(ctx.db, embedder, [doc(b, 'waiting', 'Le préavis attend.')], { placement: 'postings-backlog' });
    expect(await postings()).toEqual([[a, 1]]);
    while ((await indexBacklog(ctx.db, 1)).postings > 0);
    expect(await postings()).toEqual([[a, 1], [b, 1]]);
    // deferred statistics rebuild every posting at the end of the load
    await seedDocuments(ctx.db, embedder, [doc(b, 'bulk', 'Un préavis en bloc.')], { statistics: 'deferred' });
    expect(await postings()).toEqual([[a, 1], [b, 2]]);
    // a chunk whose text changes gets its postings again (the update trigger)
    await ctx.db.query(`UPDATE chunks SET text = 'Le préavis est modifié.' WHERE document_id = $1`, [written]);
    expect(await postings()).toEqual([[a, 1], [b, 2]]);
    expect(await postingCollectionErrors(ctx.db)).toEqual([]);
    await markDocumentsDeleted(ctx.db, [written!]);
    expect(await postings()).toEqual([[b, 2]]);
    expect(await termCountErrors(ctx.db)).toEqual([]);
  });

  it('the check itself sees a posting filed under another collection', async () => {
    await ctx.db.query(`UPDATE search_postings SET collection_id = $1 WHERE collection_id = $2 AND lexeme = 'preav'`, [a, b]);
    expect((await postingCollectionErrors(ctx.db)).length).toBe(2);
    await ctx.db.query(`UPDATE search_postings SET collection_id = $1 WHERE lexeme = 'preav'`, [b]);
    expect(await postingCollectionErrors(ctx.db)).toEqual([]);
  });
});
