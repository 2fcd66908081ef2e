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
import { Worker } from 'node:worker_threads';
import { extractTimeout, pdfTooComplex } from './extract-errors.js';

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

interface Job {
  data: ArrayBuffer;
  limits: Required<PdfReadLimits>;
  deadline: number;
  resolve: (r: PdfThreadResult) => void;
  reject: (e: Error) => void;
}

const timeout = () => extractTimeout('PDF took longer than the time limit');

class PdfThread {
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private running: Job | null = null;
  private timer: NodeJS.Timeout | undefined;

  read(data: Buffer, limits: PdfReadLimits, deadline: number): Promise<PdfThreadResult> {
    // a copy, transferred to the thread: the caller's buffer stays whole
    const copy = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    const all = { maxTextChars: PDF_MAX_TEXT_CHARS, ...limits };
    return new Promise((resolve, reject) => {
      this.queue.push({ data: copy, limits: all, deadline, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (!this.running && this.queue.length) {
      const job = this.queue.shift()!;
      const left = job.deadline - Date.now();
      if (left <= 0) {
        job.reject(timeout());
        continue;
      }
      let worker: Worker;
      try {
        worker = this.start();
      } catch (e) {
        job.reject(e as Error);
        continue;
      }
      this.running = job;
      worker.ref();
      this.timer = setTimeout(() => this.finish(timeout(), true), left);
      worker.postMessage({ data: job.data, ...job.limits }, [job.data]);
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // execArgv [] keeps tsx's hooks out of the thread (the file is plain JavaScript)
    const worker = new Worker(new URL('./pdf-worker.mjs', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: PDF_THREAD_HEAP_MB },
    });
    worker.on('message', (m: PdfThreadResult | { error: { name: string; message: string; tooComplex?: true } }) => {
      if (!('error' in m)) this.finish(m, false);
      else if (m.error.tooComplex) this.finish(pdfTooComplex(m.error.message), false);
      else this.finish(new PdfReadError(m.error.name, m.error.message), false);
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (this.worker === worker) this.worker = null;
      this.finish(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? pdfTooComplex(`PDF needs more than ${PDF_THREAD_HEAP_MB} MB to be read`, e)
          : new PdfReadError(e.name, e.message),
        false,
      );
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.finish(new PdfReadError('Error', 'the PDF reading thread stopped'), false);
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Settles the running job; `terminate` discards its thread (stuck past the deadline). */
  private finish(outcome: PdfThreadResult | Error, terminate: boolean): void {
    clearTimeout(this.timer);
    const job = this.running;
    this.running = null;
    if (terminate && this.worker) {
      const stuck = this.worker;
      this.worker = null;
      void stuck.terminate();
    }
    this.worker?.unref();
    if (job) {
      if (outcome instanceof Error) job.reject(outcome);
      else job.resolve(outcome);
    }
    this.next();
  }
}

const thread = new PdfThread();

/**
 * Reads a PDF's metadata and the text of each page (or only its page count, past maxPages). A file past
 * its memory limits is refused with PDF_TOO_COMPLEX.
 */
export function readPdf(data: Buffer, limits: PdfReadLimits, deadline: number): Promise<PdfThreadResult> {
  return thread.read(data, limits, deadline);
}
