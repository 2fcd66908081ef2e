/**
 * PDF → normalised document, text page by page (locator.page), with pdf-parse 2 (pdf.js, runs
 * on Node 20) in its own thread (pdf-thread.ts). Encrypted, corrupt and scanned-without-text files are
 * refused with their own code; page count, time, what the file's streams inflate to (decompression bombs)
 * and the reader's memory are bounded (PDF_TOO_MANY_PAGES, EXTRACT_TIMEOUT, PDF_TOO_COMPLEX).
 */
import { CiteError } from '@cite/core/errors.js';
import type { Block, NormalisedDocument } from '../document.js';
import { readPdf } from './pdf-thread.js';

export interface PdfInput {
  data: Buffer;
  url: string;
  /** Title when the PDF has none in its metadata (file name). */
  fallbackTitle?: string;
}

export interface PdfOptions {
  maxPages: number;
  /** Bytes the file's compressed streams (images aside) may inflate to in all (INGEST_PDF_MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes: number;
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
export function pageParagraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .replace(/(\p{L})-\n(\p{Ll})/gu, '$1$2')
        .replace(/(?<![ \t])[ \t]*\n[ \t]*/g, ' ')
        .replace(/[ \t\u00a0]+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}

export async function extractPdf(input: PdfInput, options: PdfOptions): Promise<NormalisedDocument> {
  const deadline = Date.now() + options.timeoutMs;
  const limits = { maxPages: options.maxPages, maxDecompressedBytes: options.maxDecompressedBytes };
  const read = await readPdf(input.data, limits, deadline).catch((e) => {
    throw mapError(e);
  });
  if (read.tooMany) {
    throw new CiteError('PDF_TOO_MANY_PAGES', `PDF has ${read.total} pages, more than the limit of ${options.maxPages}`, {
      status: 413,
    });
  }
  const blocks: Block[] = [];
  let letters = 0;
  read.pages.forEach((text, i) => {
    letters += (text.match(/\p{L}/gu) ?? []).length;
    for (const p of pageParagraphs(text)) blocks.push({ text: p, kind: 'paragraph', locator: { page: i + 1 } });
  });
  if (letters < MIN_TEXT_CHARS) {
    throw new CiteError('PDF_NO_TEXT', 'PDF has no text layer (scanned image?): run OCR on it before indexing', {
      status: 422,
    });
  }
  const meta = read.info;
  const metaTitle = typeof meta.Title === 'string' ? meta.Title.trim() : '';
  const firstLine = blocks[0]?.text.slice(0, 150);
  const title = metaTitle || input.fallbackTitle || firstLine || input.url;
  const doc: NormalisedDocument = {
    url: input.url,
    title,
    lang: 'fr',
    sections: [{ headingPath: [title], blocks }],
    metadata: {
      pages: read.total,
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
}
