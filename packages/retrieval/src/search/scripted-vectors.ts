/**
 * For tests that need to know both branches' ranks exactly: vectors chosen per text (an embedder scripted
 * by the test) and one-passage pages written through the index store, in the test's own collection.
 */
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { seedDocuments, type SeedDocument } from '@cite/index/seed-documents.js';

export const SCRIPTED_DIMENSION = 384;

/** A unit vector with these first coordinates (before normalising), zero elsewhere. */
export function axis(...weights: number[]): Float32Array {
  const v = new Float32Array(SCRIPTED_DIMENSION);
  weights.forEach((w, i) => (v[i] = w));
  const norm = Math.hypot(...weights);
  return v.map((x) => x / norm);
}

/** An embedder whose passages' vectors `vectorOf` picks from their text, and whose queries are all `query`. */
export function scriptedEmbedder(id: string, query: Float32Array, vectorOf: (text: string) => Float32Array): Embedder {
  return {
    id,
    dimension: SCRIPTED_DIMENSION,
    embedDocuments: async (texts) => texts.map(vectorOf),
    embedQuery: async () => query,
    countTokens: (t) => t.split(/\s+/).length,
  };
}

/**
 * A new collection `name` and a writer of one-passage pages into it; each call to the writer is one batch
 * (a batch is written in its own order).
 */
export async function onePassagePages(
  db: Database,
  embedder: Embedder,
  name: string,
): Promise<(pages: Array<{ url: string; title: string; text: string }>) => Promise<void>> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [name]);
  const collectionId = Number(rows[0]!.id);
  return async (pages) => {
    const docs: SeedDocument[] = pages.map(({ url, title, text }) => ({
      collectionId,
      url,
      title,
      metadata: {},
      modifiedAt: null,
      chunks: [{ text, headingPath: [], tokenCount: text.split(/\s+/).length }],
    }));
    await seedDocuments(db, embedder, docs);
  };
}
