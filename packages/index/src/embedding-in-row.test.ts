import { expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { seedDocuments } from './seed-documents.js';

// Migration 0350: search computes each HNSW candidate's distance from its row, so a chunk's vector must live in
// the row, not in the TOAST table, even when the row is long. A value stored as is in the row takes the size of
// the same value built afresh (its 4-byte header included); moved out of line, pg_column_size reports its
// external size, 4 bytes less. The short chunk's vector is in its row whatever the storage: the comparison holds
// for it.
describeEachDatabase('a chunk vector in its row', (ctx) => {
  it('stays in the row when the text makes the row longer than TOAST lets a row be', async () => {
    // 90 words of letters drawn at random (nothing for compression to find): the text (~630 bytes), its
    // tsvector and 384 floats (1,544 bytes) pass 2 KB, the vector being the longest of them, as a chunk of the
    // labour-law corpus (text 610 bytes, tsvector 700 on average: 99.5% of their vectors were out of line)
    let seed = 7;
    const letter = () => String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26));
    const words = Array.from({ length: 90 }, () => Array.from({ length: 6 }, letter).join(''));
    const collectionId = Number((await ctx.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('fiches') RETURNING id`)).rows[0]!.id);
    await seedDocuments(ctx.db, new HashEmbedder(), [
      { collectionId, url: 'https://ex.fr/long', title: 'Une fiche longue', chunks: [{ text: words.join(' ') }] },
      { collectionId, url: 'https://ex.fr/court', title: 'Une fiche courte', chunks: [{ text: 'Le préavis de démission.' }] },
    ]);
    const { rows } = await ctx.db.query<{ stored: number; built: number; row: number }>(
      `SELECT pg_column_size(embedding) AS stored, pg_column_size(embedding::text::vector) AS built,
              pg_column_size(text) + pg_column_size(tsv) + pg_column_size(embedding) AS row
         FROM chunks WHERE embedding IS NOT NULL ORDER BY length(text) DESC`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]!.row, 'the long chunk is longer than a row may be before TOAST moves parts of it').toBeGreaterThan(2100);
    for (const r of rows) expect(r.stored).toBe(r.built);
  });
});
