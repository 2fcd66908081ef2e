/**
 * Documents given as plain text (title, chunk texts) written through the index's real write path: test
 * fixtures and the search bench seed with it, so what they search was written as ingestion writes it
 * (chunk rows, vectors, chunk_count, BM25 statistics, recorded embedding model). The chunks are taken as
 * given: cutting text is ingestion's business, not the index's.
 */
import crypto from 'node:crypto';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import type { DocumentWrite, IndexedChunk } from './documents-repo.js';
import { chunkHash, embeddingText } from './embedding-text.js';
import { withDeferredStatistics, writeDocuments, type WriteDocumentsOptions } from './write-documents.js';

export interface SeedChunk {
  text: string;
  headingPath?: string[];
  /** Default: title > heading path. */
  context?: string;
  locator?: object;
  /** Default: the embedder's count for the embedded text. */
  tokenCount?: number;
}

export interface SeedDocument {
  collectionId: number;
  url: string;
  title: string;
  chunks: SeedChunk[];
  sourceId?: number | null;
  format?: string;
  lang?: string;
  description?: string | null;
  metadata?: Record<string, unknown>;
  publishedAt?: string | null;
  modifiedAt?: string | null;
  fetchedAt?: string | null;
  /** Default: a hash of the title and the chunk texts. */
  contentHash?: string;
}

/**
 * Embeds (one call per batch) and writes `docs`, which may be a generator (a bulk load need not hold
 * every text at once); returns their ids, in order. With `statistics: 'deferred'`, the BM25 statistics
 * are rebuilt once after the last batch.
 */
export async function seedDocuments(
  db: Database,
  embedder: Embedder,
  docs: Iterable<SeedDocument>,
  options: Partial<WriteDocumentsOptions> & { onProgress?: (documents: number) => void } = {},
): Promise<number[]> {
  const { onProgress, statistics, ...writeOptions } = options;
  const batchSize = writeOptions.batchSize ?? 200;
  const load = async () => {
    const ids: number[] = [];
    const flush = async (batch: SeedDocument[]) => {
      const writes = batch.map(toWrite(embedder));
      const byHash = new Map<string, IndexedChunk>();
      for (const w of writes) for (const c of w.chunks) byHash.set(c.hash, c);
      const chunks = [...byHash.values()];
      const vectors = chunks.length ? await embedder.embedDocuments(chunks.map(embeddingText)) : [];
      const vectorOf = new Map(chunks.map((c, i) => [c.hash, vectors[i]!]));
      ids.push(...(await writeDocuments(db, embedder, writes, (h) => vectorOf.get(h), { ...writeOptions, batchSize })));
      onProgress?.(ids.length);
    };
    let batch: SeedDocument[] = [];
    for (const d of docs) {
      batch.push(d);
      if (batch.length === batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length) await flush(batch);
    return ids;
  };
  return statistics === 'deferred' ? withDeferredStatistics(db, load) : load();
}

const toWrite =
  (embedder: Embedder) =>
  (d: SeedDocument): DocumentWrite => {
    const chunks = d.chunks.map((c, ord): IndexedChunk => {
      const headingPath = c.headingPath ?? [];
      const context = c.context ?? [d.title, ...headingPath].filter(Boolean).join(' > ');
      return {
        ord,
        text: c.text,
        headingPath,
        context,
        locator: c.locator ?? {},
        tokenCount: c.tokenCount ?? embedder.countTokens(embeddingText({ context, text: c.text })),
        hash: chunkHash(context, c.text),
      };
    });
    const contentHash =
      d.contentHash ?? crypto.createHash('sha256').update(d.title).update(chunks.map((c) => c.hash).join()).digest('hex').slice(0, 32);
    return {
      collectionId: d.collectionId,
      sourceId: d.sourceId ?? null,
      url: d.url,
      title: d.title,
      lang: d.lang ?? 'fr',
      description: d.description ?? null,
      format: d.format ?? 'text',
      contentHash,
      etag: null,
      lastModified: null,
      publishedAt: d.publishedAt ?? null,
      modifiedAt: d.modifiedAt ?? null,
      metadata: d.metadata ?? {},
      fetchedAt: d.fetchedAt ?? null,
      chunks,
    };
  };
