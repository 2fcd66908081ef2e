/**
 * Documents written to the index in batches: loads (fixtures, benches, imports) that hand over documents
 * already chunked and embedded. Vectors are computed before (outside any transaction: a provider may be
 * slow); each batch is one transaction under the index's retry policy, new documents in one statement
 * whatever their number, the others (already stored) one by one so their unchanged chunks keep their vectors.
 */
import type { Database, Queryable } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { assertEmbeddingModelInTransaction, ensureEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { CiteError } from '@cite/core/errors.js';
import { insertNewDocuments, writeDocument, type DocumentWrite, type IndexPlacement } from './documents-repo.js';
import { analyseChunks } from './text-analysis/chunk-analysis.js';
import { inWriteTransaction } from './write-retry.js';

export interface WriteDocumentsOptions {
  /** Documents per transaction. */
  batchSize: number;
  placement: IndexPlacement;
  /**
   * `deferred`: the BM25 statistics triggers are off during the load and the statistics rebuilt once at
   * the end, several times faster for a bulk load into an index that nobody searches meanwhile (benches,
   * a fresh import). `maintained` (default) keeps them right statement by statement.
   */
  statistics: 'maintained' | 'deferred';
}

const DEFAULTS: WriteDocumentsOptions = { batchSize: 200, placement: 'index', statistics: 'maintained' };

/** Writes `writes` with the vectors `vectorOf` gives for their chunk hashes; returns the document ids, in order. */
export async function writeDocuments(
  db: Database,
  embedder: Pick<Embedder, 'id' | 'dimension'>,
  writes: DocumentWrite[],
  vectorOf: (hash: string) => Float32Array | undefined,
  options: Partial<WriteDocumentsOptions> = {},
): Promise<number[]> {
  const opts = { ...DEFAULTS, ...options };
  const write = async () => {
    await ensureEmbeddingModel(db, embedder);
    const analysed = await analyseChunks(db, writes);
    const ids: number[] = [];
    for (let first = 0; first < analysed.length; first += opts.batchSize) {
      const batch = analysed.slice(first, first + opts.batchSize);
      ids.push(...(await inWriteTransaction(db, (tx) => writeBatch(tx, embedder, batch, vectorOf, opts.placement))));
    }
    return ids;
  };
  return opts.statistics === 'deferred' ? withDeferredStatistics(db, write) : write();
}

/**
 * Runs a bulk load with the BM25 statistics triggers off, then rebuilds the statistics once. Only for
 * loads nobody searches meanwhile: the statistics are wrong until it returns.
 */
export async function withDeferredStatistics<T>(db: Database, load: () => Promise<T>): Promise<T> {
  await db.exec('ALTER TABLE chunks DISABLE TRIGGER search_postings_insert');
  let result: T;
  try {
    result = await load();
  } finally {
    await db.exec('ALTER TABLE chunks ENABLE TRIGGER search_postings_insert');
  }
  await db.query('SELECT search_rebuild_postings()');
  return result;
}

async function writeBatch(
  tx: Queryable,
  embedder: Pick<Embedder, 'id' | 'dimension'>,
  batch: DocumentWrite[],
  vectorOf: (hash: string) => Float32Array | undefined,
  placement: IndexPlacement,
): Promise<number[]> {
  await assertEmbeddingModelInTransaction(tx, embedder);
  const inserted = await insertNewDocuments(tx, batch, vectorOf, placement);
  const ids: number[] = [];
  for (const [i, w] of batch.entries()) {
    const id = inserted.get(i);
    if (id !== undefined) {
      ids.push(id);
      continue;
    }
    const result = await writeDocument(tx, w, vectorOf, { placement });
    if (result.outcome === 'missing-vectors') {
      throw new CiteError('INDEX_VECTORS_MISSING', `${w.url}: no vector given for ${result.hashes.length} of its chunks`);
    }
    ids.push(result.documentId);
  }
  return ids;
}
