/**
 * Recent query vectors, kept: one answer embeds its question for the search's vector branch and again
 * for the relevance gate's similarity, and agents ask the same questions again. With a transformer
 * model each embedding is tens of milliseconds of CPU; a hit is a copy of 384–1024 floats.
 * Passages are not cached (each is embedded once, when indexed).
 */
import { LRUCache } from 'lru-cache';
import type { Embedder } from './embedder.js';

export const QUERY_CACHE_SIZE = 512;

export function withQueryCache(embedder: Embedder, max = QUERY_CACHE_SIZE): Embedder {
  // the promise is kept, so concurrent asks of one question share a single embedding
  const cache = new LRUCache<string, Promise<Float32Array>>({ max });
  const cached: Embedder = {
    get id() {
      return embedder.id;
    },
    get dimension() {
      return embedder.dimension;
    },
    embedDocuments: (texts) => embedder.embedDocuments(texts),
    countTokens: (text) => embedder.countTokens(text),
    async embedQuery(text) {
      let vector = cache.get(text);
      if (!vector) {
        vector = embedder.embedQuery(text);
        cache.set(text, vector);
        // a failed embedding is not remembered: the next ask tries again
        vector.catch(() => cache.delete(text));
      }
      // a copy: a caller that scales or edits its vector must not change the next caller's
      return (await vector).slice();
    },
  };
  if (embedder.close) cached.close = () => embedder.close!();
  return cached;
}
