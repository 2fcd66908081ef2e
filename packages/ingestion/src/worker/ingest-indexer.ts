/** PageIndexer backed by the ingestion service (chunk → embed → store). */
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import {
  documentValidators,
  markDocumentDeleted,
  touchDocument,
} from '@cite/index/documents-repo.js';
import { ensureEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { analyseChunks } from '@cite/index/text-analysis/chunk-analysis.js';
import {
  embedForWrite,
  INDEXING_DEFAULTS,
  indexDocuments,
  prepareDocument,
  writeDocumentsIn,
  type IndexingOptions,
} from '../ingest/index-documents.js';
import type { PageIndexer } from './page-indexer.js';

export function ingestIndexer(db: Database, embedder: Embedder, options: Partial<IndexingOptions> = {}): PageIndexer {
  let modelChecked: Promise<unknown> | undefined;
  return {
    validators: (collectionId, url) => documentValidators(db, collectionId, url),
    async prepare(doc, ctx) {
      const write = await prepareDocument(
        doc,
        embedder,
        { collectionId: ctx.collectionId, sourceId: ctx.sourceId, runId: ctx.runId, maskPersonalData: ctx.maskPersonalData },
        { ...INDEXING_DEFAULTS, ...options },
        { etag: ctx.etag ?? null, lastModified: ctx.lastModified ?? null },
      );
      // here, before the write transaction, while the database writes other pages
      const [analysed] = await analyseChunks(db, [write]);
      return analysed!;
    },
    async embed(pages) {
      // the model is recorded once per worker; each write transaction checks it again (cite reembed)
      modelChecked ??= ensureEmbeddingModel(db, embedder).catch((e) => {
        modelChecked = undefined;
        throw e;
      });
      await modelChecked;
      return embedForWrite(db, embedder, pages);
    },
    async write(tx, pages, vectors, placement) {
      const outcomes = await writeDocumentsIn(tx, embedder, pages, vectors, placement);
      return outcomes.map((o) => (o === 'unchanged' ? 'unchanged' : 'indexed'));
    },
    async indexStream(outcomes, ctx, deleteMissing) {
      const s = await indexDocuments(
        db,
        embedder,
        { collectionId: ctx.collectionId, sourceId: ctx.sourceId, runId: ctx.runId, maskPersonalData: ctx.maskPersonalData },
        outcomes,
        undefined,
        { ...options, deleteMissing },
      );
      return {
        total: s.new + s.changed + s.unchanged + s.failed + (s.skipped ?? 0),
        indexed: s.new + s.changed,
        unchanged: s.unchanged,
        failed: s.failed,
        skipped: s.skipped ?? 0,
        deleted: s.deleted,
        errors: s.errors,
        failedByCode: s.failedByCode,
      };
    },
    markDeleted: (collectionId, url) => markDocumentDeleted(db, collectionId, url),
    touch: (collectionId, url) => touchDocument(db, collectionId, url),
  };
}
