/**
 * The seam between the crawler and indexing: what the pipeline needs from the ingestion service.
 * The implementation delegates to packages/ingestion/src/ingest (chunk, embed, store).
 */
import type { Queryable } from '@cite/core/db/database.js';
import type { NormalisedDocument } from '../document.js';
import type { ExtractOutcome } from '../extractors/extract.js';
import type { DocumentWrite, IndexPlacement } from '@cite/index/documents-repo.js';

export interface BundleCounts {
  total: number;
  indexed: number;
  unchanged: number;
  failed: number;
  /** Documents left out on purpose (ingest/skip-codes.ts), not failures. */
  skipped: number;
  deleted: number;
  /** The first failures, and every failure by its code, where the indexer keeps them (files, DILA dumps). */
  errors?: Array<{ location: string; code: string; message: string }>;
  failedByCode?: Record<string, number>;
}

export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

export interface IndexContext {
  collectionId: number;
  sourceId: number;
  runId: number;
  etag?: string | null;
  lastModified?: string | null;
  maskPersonalData: boolean;
}

/** A crawled document cleaned, chunked and hashed, waiting for its group's write. */
export type PreparedPage = DocumentWrite;

export interface PageIndexer {
  /** Validators of the active document stored under this URL, for a conditional request. */
  validators(collectionId: number, url: string): Promise<Validators | null>;
  /**
   * Readies a crawled document for writing (CPU only, no query). Throws a CiteError when it cannot be
   * indexed (no text…): that page fails alone.
   */
  prepare(doc: NormalisedDocument, ctx: IndexContext): Promise<PreparedPage>;
  /** Embeds what a group of prepared pages will need (outside any transaction: a provider may be slow). */
  embed(pages: PreparedPage[]): Promise<Map<string, Float32Array>>;
  /**
   * Writes a group of prepared pages in the caller's transaction (which also completes their frontier
   * entries). Outcomes in the order of `pages`: 'unchanged' when the content is what is already stored.
   * `placement` may leave fresh vectors and postings in their backlogs (default: into their indexes).
   */
  write(
    tx: Queryable,
    pages: PreparedPage[],
    vectors: Map<string, Float32Array>,
    placement?: IndexPlacement,
  ): Promise<Array<'indexed' | 'unchanged'>>;
  /**
   * Every document of a bundle (archives, JSONL, server files); failures are recorded in ingest_errors.
   * With `deleteMissing`, active documents of the source absent from the bundle are deleted.
   */
  indexStream(outcomes: AsyncIterable<ExtractOutcome>, ctx: IndexContext, deleteMissing: boolean): Promise<BundleCounts>;
  /** Takes a document out of search (404/410); false when none was stored under this URL. */
  markDeleted(collectionId: number, url: string): Promise<boolean>;
  /** The document is still there and unchanged (304): remember when it was checked. */
  touch?(collectionId: number, url: string): Promise<void>;
  close?(): Promise<void>;
}
