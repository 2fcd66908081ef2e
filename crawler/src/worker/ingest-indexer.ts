/** PageIndexer backed by the ingestion service (chunk → embed → store). */
import type { Database } from '@cite/engine/db/database.js';
import type { Embedder } from '@cite/engine/embeddings/embedder.js';
import {
  documentValidators,
  markDocumentDeleted,
  touchDocument,
} from '../ingest/documents-repo.js';
import { indexDocument, indexDocuments, type IndexingOptions } from '../ingest/index-documents.js';
import type { PageIndexer } from './page-indexer.js';

export function ingestIndexer(db: Database, embedder: Embedder, options: Partial<IndexingOptions> = {}): PageIndexer {
  return {
    validators: (collectionId, url) => documentValidators(db, collectionId, url),
    async index(doc, ctx) {
      const outcome = await indexDocument(
        db,
        embedder,
        {
          collectionId: ctx.collectionId,
          sourceId: ctx.sourceId,
          runId: ctx.runId,
          maskPersonalData: ctx.maskPersonalData,
          etag: ctx.etag ?? null,
          lastModified: ctx.lastModified ?? null,
        },
        doc,
        options,
      );
      return outcome === 'unchanged' ? 'unchanged' : 'indexed';
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
        total: s.new + s.changed + s.unchanged + s.failed,
        indexed: s.new + s.changed,
        unchanged: s.unchanged,
        failed: s.failed,
        deleted: s.deleted,
      };
    },
    markDeleted: (collectionId, url) => markDocumentDeleted(db, collectionId, url),
    touch: (collectionId, url) => touchDocument(db, collectionId, url),
  };
}
