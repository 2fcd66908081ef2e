/**
 * The seam between the crawler and indexing: what the pipeline needs from the ingestion service.
 * The implementation delegates to crawler/src/ingest (chunk, embed, store).
 */
import type { NormalisedDocument } from '../document.js';
import type { ExtractOutcome } from '../extractors/extract.js';

export interface BundleCounts {
  total: number;
  indexed: number;
  unchanged: number;
  failed: number;
  deleted: number;
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

export interface PageIndexer {
  /** Validators of the active document stored under this URL, for a conditional request. */
  validators(collectionId: number, url: string): Promise<Validators | null>;
  /** Indexes one document; 'unchanged' when its content is what is already stored. */
  index(doc: NormalisedDocument, ctx: IndexContext): Promise<'indexed' | 'unchanged'>;
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
