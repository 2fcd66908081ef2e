import { CiteError } from '@cite/core/errors.js';
import type { ExtractThreadSpec } from './extract-thread.js';

/**
 * A document over its extraction time budget. Raised by the extraction front door and by the PDF thread
 * (which also stops the work), so built here once: same code, status and retry flag from both.
 */
export function extractTimeout(message: string): CiteError {
  return new CiteError('EXTRACT_TIMEOUT', message, { status: 422, retryable: true });
}

/**
 * A document refused because too many already wait for their reading thread (extract-thread.ts). Retryable:
 * the wait is the thread's, not the document's.
 */
export function extractBusy(kind: string): CiteError {
  return new CiteError('EXTRACT_BUSY', `Too many ${kind} documents are waiting to be read; try again later`, { status: 503, retryable: true });
}

/**
 * A PDF whose reading would take more memory than allowed: streams inflating past
 * INGEST_PDF_MAX_DECOMPRESSED_BYTES (decompression bomb), too much text, or the reading thread's heap.
 * Not retryable: the same file does the same again.
 */
export function pdfTooComplex(message: string, cause?: unknown): CiteError {
  return new CiteError('PDF_TOO_COMPLEX', message, { status: 422, cause });
}

/** A file that is not a readable Word document (from its zip or from mammoth). Not retryable. */
export function docxCorrupt(message: string, cause?: unknown): CiteError {
  return new CiteError('DOCX_CORRUPT', `DOCX cannot be read: ${message}`, { status: 422, cause });
}

/** A DOCX whose XML parts unpack past INGEST_DOCX_MAX_XML_BYTES or the zip guards (decompression bomb). */
export function docxTooLarge(message: string): CiteError {
  return new CiteError('DOCX_TOO_LARGE', message, { status: 413 });
}

/**
 * The errors of a reader that runs in its own thread and refuses documents with codes of its own (HTML,
 * Markdown and text): those codes kept, anything else `<PREFIX>_UNREADABLE`, past the heap
 * `<PREFIX>_TOO_COMPLEX`. `what` names the document in the time and memory messages ("HTML page").
 */
export function readerThreadErrors(prefix: string, what: string, heapMb: number): ExtractThreadSpec['errors'] {
  const unreadable = (message: string, cause?: unknown) => new CiteError(`${prefix}_UNREADABLE`, `${prefix} cannot be read: ${message}`, { status: 422, cause });
  return {
    fromWorker: (e) => (e.code ? new CiteError(e.code, e.message, { status: e.status ?? 422 }) : unreadable(e.message)),
    outOfMemory: (e) => new CiteError(`${prefix}_TOO_COMPLEX`, `${what} needs more than ${heapMb} MB to be read`, { status: 422, cause: e }),
    timeout: () => extractTimeout(`${what} took longer than the time limit`),
    busy: () => extractBusy(prefix),
    failed: (e) => unreadable(e.message, e),
  };
}
