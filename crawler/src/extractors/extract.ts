/**
 * The one entry point from bytes to normalised documents, used by ingestion (files, directories,
 * zips, uploads) and by the crawler. A source may hold many documents (directory, zip, JSONL), so
 * the result is an async stream of outcomes: a bad document is one `{ok: false}` outcome and the
 * stream goes on with the others.
 */
import type { NormalisedDocument } from '../document.js';

/** Where the bytes come from. Give `path` (file or directory on disk) or `data` (bytes in memory). */
export interface ExtractSource {
  /** File, directory or zip on disk. */
  path?: string;
  /** Bytes already in memory (upload, fetched page). */
  data?: Buffer;
  /** File name (uploads) used for format detection when there is no path. */
  name?: string;
  /** URL the bytes were fetched from: base for relative links and default document URL. */
  url?: string;
  /** Content-Type header as received (charset and format hints). */
  contentType?: string;
}

export interface ArchiveLimits {
  /** Most entries read from one zip. */
  maxEntries: number;
  /** Largest uncompressed size of one entry (bytes). */
  maxEntryBytes: number;
  /** Largest sum of uncompressed sizes in one zip (bytes). */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio of an entry (zip bombs compress ~1000:1). */
  maxRatio: number;
  /** How deep zips inside zips are followed (0 = nested zips are refused). */
  maxDepth: number;
}

export interface ExtractOptions {
  /** Largest file accepted (bytes); bigger files give FILE_TOO_LARGE. */
  maxFileBytes: number;
  /** PDFs with more pages give PDF_TOO_MANY_PAGES. */
  maxPdfPages: number;
  /** Time budget for one document (ms); past it the document gives EXTRACT_TIMEOUT. */
  timeoutMs: number;
  archive: ArchiveLimits;
  /**
   * Base URL for documents that carry none (plain files on disk): `file://…` when absent.
   * JSONL lines and service-public fiches carry their own URL.
   */
  baseUrl?: string;
}

/** Where a document came from, for error reports: `path`, `path!entry.xml`, `file.jsonl:12`… */
export type ExtractOutcome =
  | { ok: true; location: string; document: NormalisedDocument }
  | { ok: false; location: string; code: string; message: string };

export const DEFAULT_EXTRACT_OPTIONS: ExtractOptions = {
  maxFileBytes: 100 * 1024 * 1024,
  maxPdfPages: 2000,
  timeoutMs: 60_000,
  archive: {
    maxEntries: 100_000,
    maxEntryBytes: 100 * 1024 * 1024,
    maxTotalBytes: 2 * 1024 * 1024 * 1024,
    maxRatio: 200,
    maxDepth: 1,
  },
};

/**
 * Extracts every document of one source.
 * Never throws for bad content: each failure is an `{ok: false}` outcome with a stable code
 * (FILE_TOO_LARGE, FORMAT_UNSUPPORTED, BINARY_AS_TEXT, PDF_ENCRYPTED, PDF_CORRUPT, PDF_NO_TEXT,
 * XML_INVALID, JSONL_LINE_INVALID, ZIP_BOMB, EMPTY_DOCUMENT, EXTRACT_TIMEOUT…).
 */
export declare function extract(
  source: ExtractSource,
  options?: Partial<ExtractOptions>,
): AsyncIterable<ExtractOutcome>;

/**
 * Extracts several sources as one batch. Service-public fiches found in several audience zips
 * come out once, carrying every audience (see mergeServicePublic in service-public.ts).
 */
export declare function extractSources(
  sources: ExtractSource[],
  options?: Partial<ExtractOptions>,
): AsyncIterable<ExtractOutcome>;
