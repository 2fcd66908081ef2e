/**
 * PDF → normalised document, text page by page (locator.page), with pdf-parse 2 (pdf.js, runs
 * on Node 20). Encrypted, corrupt and scanned-without-text files are refused with their own code;
 * page count and time are bounded.
 */
import { createRequire } from 'node:module';
import type { PDFParse as PdfParser } from 'pdf-parse';
import { CiteError } from '@cite/engine/errors.js';
import type { Block, NormalisedDocument } from '../document.js';

export interface PdfInput {
  data: Buffer;
  url: string;
  /** Title when the PDF has none in its metadata (file name). */
  fallbackTitle?: string;
}

export interface PdfOptions {
  maxPages: number;
  /** Whole-document budget (ms). */
  timeoutMs: number;
}

/** Fewer letters than this in the whole file: a scan with no text layer. */
const MIN_TEXT_CHARS = 10;

function mapError(e: unknown): CiteError {
  if (e instanceof CiteError) return e;
  const err = e as Error;
  const name = err?.name ?? '';
  if (name === 'PasswordException' || /password/i.test(err?.message ?? ''))
    return new CiteError('PDF_ENCRYPTED', 'PDF is password-protected: remove the password to index it', { status: 422, cause: e });
  return new CiteError('PDF_CORRUPT', `PDF cannot be read: ${err?.message ?? String(e)}`, { status: 422, cause: e });
}

function pdfDate(v: unknown): string | undefined {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString();
  if (typeof v !== 'string') return undefined;
  // PDF dates: D:YYYYMMDDHHmmSS
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?/.exec(v);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +(m[2] ?? 1) - 1, +(m[3] ?? 1), +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Page text → paragraphs: blank lines separate, hyphenated line ends are joined. */
function pageParagraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .replace(/(\p{L})-\n(\p{Ll})/gu, '$1$2')
        .replace(/[ \t]*\n[ \t]*/g, ' ')
        .replace(/[ \t\u00a0]+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}

async function withDeadline<T>(p: Promise<T>, deadline: number, onTimeout: () => void): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) {
    onTimeout();
    throw new CiteError('EXTRACT_TIMEOUT', 'PDF took longer than the time limit', { status: 422, retryable: true });
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          onTimeout();
          reject(new CiteError('EXTRACT_TIMEOUT', 'PDF took longer than the time limit', { status: 422, retryable: true }));
        }, left);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * pdf-parse (pdf.js) is loaded on the first PDF, which an ingestion without PDFs never pays for.
 * pdf.js ships multi-megabyte source maps, which Node parses and keeps for good when source maps are
 * on (tsx turns them on for our TypeScript): ~400 MB of RSS for stack traces into pdf.js that nobody
 * reads. Its modules (pdf.js, and the worker module it imports with the first document) are therefore
 * loaded with source maps off, and through require (pdf-parse's CommonJS bundle), which tsx's module
 * hooks do not copy: ~170 MB instead of ~430 MB.
 */
let pdfParse: Promise<typeof PdfParser> | undefined;
const loadPdfParse = () =>
  (pdfParse ??= (async () => {
    const proc = process as NodeJS.Process & { sourceMapsEnabled?: boolean };
    const enabled = proc.sourceMapsEnabled ?? false;
    proc.setSourceMapsEnabled(false);
    try {
      const { PDFParse } = createRequire(import.meta.url)('pdf-parse') as typeof import('pdf-parse');
      // a document that is not one: enough for pdf.js to load its worker module, in this window
      const warm = new PDFParse({ data: new Uint8Array(Buffer.from('%PDF-1.4\n%%EOF\n')), verbosity: 0, isEvalSupported: false } as never);
      await warm.getInfo().catch(() => undefined);
      await warm.destroy().catch(() => undefined);
      return PDFParse;
    } finally {
      proc.setSourceMapsEnabled(enabled);
    }
  })());

export async function extractPdf(input: PdfInput, options: PdfOptions): Promise<NormalisedDocument> {
  const deadline = Date.now() + options.timeoutMs;
  const PDFParse = await loadPdfParse();
  // pdf.js takes ownership of (detaches) the array it is given: hand it a copy.
  const parser = new PDFParse({ data: new Uint8Array(input.data), verbosity: 0, isEvalSupported: false } as never);
  const stop = () => void parser.destroy().catch(() => undefined);
  try {
    const info = await withDeadline(parser.getInfo(), deadline, stop).catch((e) => {
      throw mapError(e);
    });
    if (info.total > options.maxPages) {
      throw new CiteError('PDF_TOO_MANY_PAGES', `PDF has ${info.total} pages, more than the limit of ${options.maxPages}`, {
        status: 413,
      });
    }
    const blocks: Block[] = [];
    let letters = 0;
    for (let page = 1; page <= info.total; page++) {
      const result = await withDeadline(parser.getText({ partial: [page] }), deadline, stop).catch((e) => {
        throw mapError(e);
      });
      const text = result.pages[0]?.text ?? '';
      letters += (text.match(/\p{L}/gu) ?? []).length;
      for (const p of pageParagraphs(text)) blocks.push({ text: p, kind: 'paragraph', locator: { page } });
    }
    if (letters < MIN_TEXT_CHARS) {
      throw new CiteError('PDF_NO_TEXT', 'PDF has no text layer (scanned image?): run OCR on it before indexing', {
        status: 422,
      });
    }
    const meta = (info.info ?? {}) as Record<string, unknown>;
    const metaTitle = typeof meta.Title === 'string' ? meta.Title.trim() : '';
    const firstLine = blocks[0]?.text.slice(0, 150);
    const title = metaTitle || input.fallbackTitle || firstLine || input.url;
    const doc: NormalisedDocument = {
      url: input.url,
      title,
      lang: 'fr',
      sections: [{ headingPath: [title], blocks }],
      metadata: {
        pages: info.total,
        ...(typeof meta.Author === 'string' && meta.Author.trim() ? { author: meta.Author.trim() } : {}),
        ...(typeof meta.Subject === 'string' && meta.Subject.trim() ? { subject: meta.Subject.trim() } : {}),
      },
      format: 'pdf',
    };
    const created = pdfDate(meta.CreationDate);
    const modified = pdfDate(meta.ModDate);
    if (created) doc.publishedAt = created;
    if (modified) doc.modifiedAt = modified;
    return doc;
  } finally {
    stop();
  }
}
