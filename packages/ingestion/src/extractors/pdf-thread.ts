/**
 * pdf.js reads PDFs in a worker thread of its own (pdf-worker.mjs), one document at a time.
 *
 * Why a thread:
 * - Memory. Under tsx's module hooks, loading pdf.js into the process cost ~250 MB of RSS for good (the
 *   crawl benchmark peaked at 440 MB for one PDF, 223 MB with none); the plain-JavaScript thread loads
 *   it for ~35 MB.
 * - Hostile files. A PDF that makes pdf.js loop or allocate without end is stopped by terminating the
 *   thread, at the deadline or at its heap limit; on the main thread a timer cannot interrupt a
 *   synchronous loop, and an allocation bomb would take the whole process down.
 * - Decompression bombs. The heap limit does not cover the ArrayBuffers pdf.js inflates streams into,
 *   and an ArrayBuffer that cannot be allocated near the heap limit ends the process, not the thread:
 *   the thread measures what the file's streams inflate to before reading it, bounds the text and its
 *   own memory while reading, and refuses past them (PDF_TOO_COMPLEX; see pdf-worker.mjs).
 * - The crawl's event loop stays free while a long PDF is read.
 * The thread is started on the first PDF and does not keep the process alive when idle.
 */
import { extractBusy, extractTimeout, pdfTooComplex } from './extract-errors.js';
import { ExtractThread, transferableCopy } from './extract-thread.js';

export type PdfThreadResult =
  | { total: number; info: Record<string, unknown>; pages: string[]; tooMany?: undefined }
  | { total: number; tooMany: true };

/** An error pdf.js raised while reading, with its class name (PasswordException, InvalidPDFException…). */
export class PdfReadError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Old-generation heap of the reading thread: a PDF needing more is refused, not the process killed. */
export const PDF_THREAD_HEAP_MB = 512;

/**
 * Characters of text read from one PDF, at most: ~16,000 dense pages (INGEST_MAX_PDF_PAGES allows 2,000
 * by default), and what the main thread can take in its turn without trouble.
 */
export const PDF_MAX_TEXT_CHARS = 32 * 1024 * 1024;

export interface PdfReadLimits {
  maxPages: number;
  /** Bytes the file's compressed streams (images aside) may inflate to in all. */
  maxDecompressedBytes: number;
  /** Characters of text in all (default PDF_MAX_TEXT_CHARS). */
  maxTextChars?: number;
}

const thread = new ExtractThread<PdfThreadResult>({
  url: new URL('./pdf-worker.mjs', import.meta.url),
  heapMb: PDF_THREAD_HEAP_MB,
  errors: {
    fromWorker: (e) => (e.tooComplex ? pdfTooComplex(e.message) : new PdfReadError(e.name, e.message)),
    outOfMemory: (e) => pdfTooComplex(`PDF needs more than ${PDF_THREAD_HEAP_MB} MB to be read`, e),
    timeout: () => extractTimeout('PDF took longer than the time limit'),
    busy: () => extractBusy('PDF'),
    failed: (e) => new PdfReadError(e.name, e.message),
  },
});

/**
 * Reads a PDF's metadata and the text of each page (or only its page count, past maxPages). A file past
 * its memory limits is refused with PDF_TOO_COMPLEX.
 */
export function readPdf(data: Buffer, limits: PdfReadLimits, deadline: number): Promise<PdfThreadResult> {
  const copy = transferableCopy(data);
  return thread.run({ data: copy, maxTextChars: PDF_MAX_TEXT_CHARS, ...limits }, [copy], deadline);
}
