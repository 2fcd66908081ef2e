/**
 * JSONL bulk import (`.jsonl`, `.jsonl.gz`): one document per line,
 * `{"url", "title", "text" | "markdown" | "html", "metadata"?, "lang"?, "updated_at"?, "published_at"?, "description"?}`.
 * Read as a stream, line by line, so a file of any size runs in bounded memory; a bad line is one
 * failed outcome and the next lines go on.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Readable, Transform } from 'node:stream';
import type { NormalisedDocument, Section } from '../document.js';
import { isWebUrl } from '../urls/document-url.js';
import { extractHtml } from './html.js';
import { extractMarkdown, extractText } from './text.js';
import { decodeUtf8Lenient } from './lenient-utf8.js';

export interface JsonlSource {
  path?: string;
  data?: Buffer;
  gzip: boolean;
}

export interface JsonlOptions {
  /** Longest line accepted (bytes); longer lines give JSONL_LINE_TOO_LARGE. */
  maxLineBytes: number;
  /**
   * A gzip file's bounds, the zips' own (INGEST_ZIP_MAX_TOTAL_BYTES, INGEST_ZIP_MAX_RATIO): past either,
   * reading stops with GZIP_BOMB, the lines read so far kept. Without them, 1.3 MB inflating to 400 MB
   * of copies of one line ran for a minute, and a file at the size limit would run for hours.
   */
  gzip?: { maxTotalBytes: number; maxRatio: number };
}

/** Inflated sizes under this are never refused for their ratio: small text compresses very well too. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

class GzipBomb extends Error {}

/** Counts what gunzip gives, and fails the stream past the total or the ratio to the compressed size. */
function inflationGuard(compressedBytes: number, limits: NonNullable<JsonlOptions['gzip']>): Transform {
  const most = Math.min(limits.maxTotalBytes, Math.max(RATIO_FLOOR_BYTES, compressedBytes * limits.maxRatio));
  let inflated = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      inflated += chunk.length;
      if (inflated > most) {
        const why = most === limits.maxTotalBytes ? `past ${limits.maxTotalBytes} bytes` : `more than ${limits.maxRatio} times its ${compressedBytes} compressed bytes`;
        return done(new GzipBomb(`the gzip stream inflates ${why}`));
      }
      done(null, chunk);
    },
  });
}

export type JsonlOutcome =
  | { ok: true; line: number; document: NormalisedDocument }
  | { ok: false; line: number; code: string; message: string };

/** Splits a byte stream into lines without ever holding more than one line (plus a chunk). */
async function* lines(stream: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<Buffer | { tooLarge: number }> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  for await (const chunk of stream) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (!skipping) {
        size += piece.length;
        if (size > maxLineBytes) {
          skipping = true;
          parts = [];
        } else parts.push(piece);
      }
      if (nl === -1) break;
      if (skipping) yield { tooLarge: size };
      else yield parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
  }
  if (skipping) yield { tooLarge: size };
  else if (size > 0) yield Buffer.concat(parts, size);
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function isoDate(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  // French sources write dates day first (25/09/2025), which Date would misread or refuse.
  const fr = typeof v === 'string' ? /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v.trim()) : null;
  const d = fr ? new Date(Date.UTC(+fr[3], +fr[2] - 1, +fr[1])) : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Heading paths start with the record's title (the body may have used its own first heading). */
function retitle(sections: Section[], oldTitle: string, title: string): Section[] {
  for (const s of sections) {
    if (s.headingPath[0] === oldTitle) s.headingPath = [title, ...s.headingPath.slice(1)];
    else if (s.headingPath[0] !== title) s.headingPath = [title, ...s.headingPath];
  }
  return sections;
}

class LineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One JSONL record → document. Throws LineError with a stable code. */
export function recordToDocument(record: unknown): NormalisedDocument {
  if (!isObject(record)) throw new LineError('JSONL_LINE_INVALID', 'line is not a JSON object');
  const { url, title, text, markdown, html, metadata, lang } = record;
  if (typeof url === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(url.trim()) && !isWebUrl(url)) {
    throw new LineError('DOCUMENT_URL_SCHEME', `"url" must be an http(s) URL, not ${url.trim().slice(0, 40)}`);
  }
  if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(url)) {
    throw new LineError('JSONL_LINE_INVALID', '"url" must be an absolute http(s) URL');
  }
  try {
    new URL(url);
  } catch {
    throw new LineError('JSONL_LINE_INVALID', `"url" is not a valid URL: ${url.slice(0, 200)}`);
  }
  if (title !== undefined && typeof title !== 'string') throw new LineError('JSONL_LINE_INVALID', '"title" must be a string');
  if (metadata !== undefined && metadata !== null && !isObject(metadata))
    throw new LineError('JSONL_LINE_INVALID', '"metadata" must be an object');
  const bodies = [text, markdown, html].filter((b) => b !== undefined && b !== null);
  if (bodies.length === 0) throw new LineError('JSONL_LINE_INVALID', 'one of "text", "markdown" or "html" is required');
  if (bodies.some((b) => typeof b !== 'string')) throw new LineError('JSONL_LINE_INVALID', '"text", "markdown" and "html" must be strings');
  const language = typeof lang === 'string' && /^[a-z]{2,3}\b/i.test(lang) ? lang.slice(0, 2).toLowerCase() : undefined;
  const fallbackTitle = typeof title === 'string' && title.trim() ? title.trim() : undefined;

  let doc: NormalisedDocument;
  if (typeof html === 'string') {
    const { document } = extractHtml({ body: html, url }, { fragment: !/<(html|body)[\s>]/i.test(html), format: 'jsonl' });
    doc = document;
    doc.url = url; // the record's URL is the identity, not a canonical link inside the HTML
    if (language) doc.lang = language;
  } else if (typeof markdown === 'string') {
    doc = extractMarkdown({ text: markdown, url, fallbackTitle, lang: language });
  } else {
    doc = extractText({ text: text as string, url, fallbackTitle, lang: language });
  }
  if (fallbackTitle) {
    doc.sections = retitle(doc.sections, doc.title, fallbackTitle);
    doc.title = fallbackTitle;
  }
  doc.format = 'jsonl';
  doc.metadata = { ...doc.metadata, ...(isObject(metadata) ? metadata : {}) };
  const modified = isoDate(record.updated_at ?? record.modified_at);
  const published = isoDate(record.published_at ?? (isObject(metadata) ? metadata.published : undefined));
  if (modified) doc.modifiedAt = modified;
  if (published) doc.publishedAt = published;
  if (typeof record.description === 'string' && record.description.trim()) doc.description = record.description.trim();
  return doc;
}

/** Streams the documents of a JSONL file (1-based line numbers in outcomes; blank lines skipped). */
export async function* extractJsonl(source: JsonlSource, options: JsonlOptions): AsyncGenerator<JsonlOutcome> {
  let stream: Readable = source.data ? Readable.from([source.data]) : fs.createReadStream(source.path as string);
  if (source.gzip) {
    const gunzip = zlib.createGunzip();
    stream.on('error', (e) => gunzip.destroy(e));
    stream = stream.pipe(gunzip);
    if (options.gzip) {
      const compressed = source.data ? source.data.length : (await fs.promises.stat(source.path as string)).size;
      const guard = inflationGuard(compressed, options.gzip);
      stream.on('error', (e) => guard.destroy(e));
      stream = stream.pipe(guard);
    }
  }
  let n = 0;
  try {
    for await (const line of lines(stream, options.maxLineBytes)) {
      n++;
      if (!Buffer.isBuffer(line)) {
        yield { ok: false, line: n, code: 'JSONL_LINE_TOO_LARGE', message: `line of ${line.tooLarge}+ bytes is over the limit of ${options.maxLineBytes}` };
        continue;
      }
      const text = decodeUtf8Lenient(line).trim();
      if (!text) continue;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (e) {
        yield { ok: false, line: n, code: 'JSONL_LINE_INVALID', message: `not JSON: ${(e as Error).message}` };
        continue;
      }
      try {
        yield { ok: true, line: n, document: recordToDocument(record) };
      } catch (e) {
        const code = e instanceof LineError ? e.code : 'EXTRACT_FAILED';
        yield { ok: false, line: n, code, message: (e as Error).message };
      }
    }
  } catch (e) {
    // A truncated or corrupt gzip stream: what was read so far stays extracted.
    const err = e as NodeJS.ErrnoException;
    if (e instanceof GzipBomb) {
      yield { ok: false, line: n + 1, code: 'GZIP_BOMB', message: `stopped reading after line ${n}: ${err.message}` };
      return;
    }
    const code = source.gzip && /Z_|zlib|unexpected end|incorrect header/i.test(`${err.code} ${err.message}`) ? 'GZIP_CORRUPT' : 'READ_FAILED';
    yield { ok: false, line: n + 1, code, message: `stopped reading after line ${n}: ${err.message}` };
  }
}
