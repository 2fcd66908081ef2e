/**
 * The one entry point from bytes to normalised documents, used by ingestion (files, directories,
 * zips, uploads) and by the crawler. A source may hold many documents (directory, zip, JSONL), so
 * the result is an async stream of outcomes: a bad document is one `{ok: false}` outcome and the
 * stream goes on with the others. Memory stays bounded: zips are read entry by entry, JSONL line
 * by line, and only the copies of service-public fiches waiting for their other audiences are held.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import yauzl from 'yauzl';
import { CiteError } from '@cite/core/errors.js';
import { configSchema, type Config } from '@cite/core/config/config.js';
import type { NormalisedDocument } from '../document.js';
import { readZip, sanitiseEntryName, type ArchiveLimits } from './archive.js';
import { decodeUtf16 } from './byte-order-mark.js';
import { walkDir } from './walk-folder.js';
import { decodeUtf8Lenient } from './lenient-utf8.js';
import { detectFormat, FORMAT_SNIFF_BYTES, type DocumentFormat } from './detect-format.js';
import { extractDocx } from './docx.js';
import type { HtmlLink } from './html.js';
import { readHtml } from './html-thread.js';
import { extractJsonl } from './jsonl.js';
import { extractPdf } from './pdf.js';
import { extractServicePublic, isUnpublishedFiche, mergeServicePublic, servicePublicKey } from './service-public.js';
import { readText } from './text-thread.js';

export type { ArchiveLimits } from './archive.js';

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

export interface ExtractOptions {
  /** Largest single document accepted (bytes); bigger ones give FILE_TOO_LARGE. Zips and JSONL are streamed and bounded by `archive` and `maxLineBytes` instead. */
  maxFileBytes: number;
  /** PDFs with more pages give PDF_TOO_MANY_PAGES. */
  maxPdfPages: number;
  /** PDFs whose compressed streams (images aside) inflate to more bytes give PDF_TOO_COMPLEX (decompression bombs). */
  maxPdfDecompressedBytes: number;
  /** DOCX files whose XML parts unpack to more bytes give DOCX_TOO_LARGE (decompression bombs). */
  maxDocxXmlBytes: number;
  /** Time budget for one document (ms); past it the document gives EXTRACT_TIMEOUT. */
  timeoutMs: number;
  /** Longest JSONL line (bytes). */
  maxLineBytes: number;
  archive: ArchiveLimits;
  /**
   * Base URL for documents that carry none (plain files on disk): `file://…` when absent.
   * JSONL lines and service-public fiches carry their own URL.
   */
  baseUrl?: string;
}

/** Where a document came from, for error reports: `path`, `path!entry.xml`, `file.jsonl:12`… */
export type ExtractOutcome =
  | {
      ok: true;
      location: string;
      document: NormalisedDocument;
      /** HTML pages only: the page's links and robots directives, for the crawler. */
      links?: HtmlLink[];
      robots?: { noindex: boolean; nofollow: boolean };
      /**
       * Documents from files (a `file:` URL: files, folders, zips, uploads, server files): the file's bytes and
       * content type, kept so that citations can open them (GET /v1/documents/:id/original, issue 19).
       */
      original?: { data: Buffer; contentType: string };
    }
  | { ok: false; location: string; code: string; message: string };

type ExtractConfig = Pick<Config, 'INGEST_MAX_FILE_BYTES' | 'INGEST_MAX_PDF_PAGES'> &
  Partial<Pick<Config, 'INGEST_PDF_MAX_DECOMPRESSED_BYTES' | 'INGEST_DOCX_MAX_XML_BYTES' | 'INGEST_EXTRACT_TIMEOUT_MS' | 'INGEST_ZIP_MAX_TOTAL_BYTES' | 'INGEST_ZIP_MAX_RATIO' | 'INGEST_ZIP_MAX_ENTRIES'>>;

/**
 * Defaults live in the engine configuration schema: read them from there, never restate them
 * (key by key, so a future required variable elsewhere in the schema cannot break extraction).
 */
const defaultOf = <K extends keyof Config>(key: K): Config[K] => configSchema.shape[key].parse(undefined) as Config[K];
const CONFIG_DEFAULTS = {
  INGEST_MAX_FILE_BYTES: defaultOf('INGEST_MAX_FILE_BYTES'),
  INGEST_MAX_PDF_PAGES: defaultOf('INGEST_MAX_PDF_PAGES'),
  INGEST_PDF_MAX_DECOMPRESSED_BYTES: defaultOf('INGEST_PDF_MAX_DECOMPRESSED_BYTES'),
  INGEST_DOCX_MAX_XML_BYTES: defaultOf('INGEST_DOCX_MAX_XML_BYTES'),
  INGEST_EXTRACT_TIMEOUT_MS: defaultOf('INGEST_EXTRACT_TIMEOUT_MS'),
  INGEST_ZIP_MAX_TOTAL_BYTES: defaultOf('INGEST_ZIP_MAX_TOTAL_BYTES'),
  INGEST_ZIP_MAX_RATIO: defaultOf('INGEST_ZIP_MAX_RATIO'),
  INGEST_ZIP_MAX_ENTRIES: defaultOf('INGEST_ZIP_MAX_ENTRIES'),
};

/** Options from the engine configuration (INGEST_* variables); what it does not set keeps its default. */
export function extractOptionsFromConfig(config: ExtractConfig): ExtractOptions {
  return {
    maxFileBytes: config.INGEST_MAX_FILE_BYTES,
    maxPdfPages: config.INGEST_MAX_PDF_PAGES,
    maxPdfDecompressedBytes: config.INGEST_PDF_MAX_DECOMPRESSED_BYTES ?? CONFIG_DEFAULTS.INGEST_PDF_MAX_DECOMPRESSED_BYTES,
    maxDocxXmlBytes: config.INGEST_DOCX_MAX_XML_BYTES ?? CONFIG_DEFAULTS.INGEST_DOCX_MAX_XML_BYTES,
    timeoutMs: config.INGEST_EXTRACT_TIMEOUT_MS ?? CONFIG_DEFAULTS.INGEST_EXTRACT_TIMEOUT_MS,
    // One line is one document: the same bound as a file.
    maxLineBytes: config.INGEST_MAX_FILE_BYTES,
    archive: {
      maxEntries: config.INGEST_ZIP_MAX_ENTRIES ?? CONFIG_DEFAULTS.INGEST_ZIP_MAX_ENTRIES,
      maxEntryBytes: config.INGEST_MAX_FILE_BYTES,
      maxTotalBytes: config.INGEST_ZIP_MAX_TOTAL_BYTES ?? CONFIG_DEFAULTS.INGEST_ZIP_MAX_TOTAL_BYTES,
      maxRatio: config.INGEST_ZIP_MAX_RATIO ?? CONFIG_DEFAULTS.INGEST_ZIP_MAX_RATIO,
      // A zip of zips is common (exports of exports); deeper is only seen in attacks.
      maxDepth: 1,
    },
  };
}

export const DEFAULT_EXTRACT_OPTIONS: ExtractOptions = extractOptionsFromConfig(CONFIG_DEFAULTS);

function resolveOptions(options: Partial<ExtractOptions> = {}): ExtractOptions {
  return { ...DEFAULT_EXTRACT_OPTIONS, ...options, archive: { ...DEFAULT_EXTRACT_OPTIONS.archive, ...options.archive } };
}

// ---------------------------------------------------------------------------------------------

interface Leaf {
  /** Bytes in memory, or a file to read. */
  data?: Buffer;
  file?: string;
  /** Name used for detection and titles (entry name, file name). */
  name?: string;
  url?: string;
  contentType?: string;
  location: string;
  depth: number;
  /** Audience implied by a "vosdroits-<audience>.zip" container. */
  audience?: string;
}

const failure = (location: string, e: unknown): ExtractOutcome => {
  if (e instanceof CiteError) return { ok: false, location, code: e.code, message: e.message };
  return { ok: false, location, code: 'EXTRACT_FAILED', message: (e as Error)?.message ?? String(e) };
};

function hasText(doc: NormalisedDocument): boolean {
  return doc.sections.some((s) => s.blocks.some((b) => /[\p{L}\p{N}]/u.test(b.text)));
}

function titleFromName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = path.basename(name).replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ').trim();
  return base || undefined;
}

function audienceOf(zipName: string): string | undefined {
  const m = /vosdroits-(particuliers|professionnels|associations)/i.exec(path.basename(zipName));
  if (!m) return undefined;
  return m[1][0].toUpperCase() + m[1].slice(1).toLowerCase();
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(FORMAT_SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, FORMAT_SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

class Extractor {
  constructor(readonly options: ExtractOptions) {}

  private urlFor(leaf: Leaf): string {
    if (leaf.url) return leaf.url;
    if (this.options.baseUrl && leaf.name) return new URL(leaf.name.replace(/^\/+/, ''), this.options.baseUrl).href;
    // bytes with a name (uploads): the client's path, sanitised (see ingest/upload-sources.ts)
    return leaf.file ? pathToFileURL(path.resolve(leaf.file)).href : pathToFileURL(`/${sanitiseEntryName(leaf.name ?? '') || 'upload'}`).href;
  }

  /** A single document's bytes → document (format already known). */
  private async one(leaf: Leaf, data: Buffer, format: DocumentFormat): Promise<ExtractOutcome> {
    const url = this.urlFor(leaf);
    const fallbackTitle = titleFromName(leaf.name ?? leaf.file);
    let links: HtmlLink[] | undefined;
    let robots: { noindex: boolean; nofollow: boolean } | undefined;
    let doc: NormalisedDocument;
    switch (format) {
      case 'html': {
        const r = await readHtml({ body: data, url, contentType: leaf.contentType }, {}, Date.now() + this.options.timeoutMs);
        ({ links, robots } = r);
        doc = r.document;
        if (!doc.title || doc.title === url) doc.title = fallbackTitle ?? doc.title;
        break;
      }
      case 'pdf':
        doc = await extractPdf(
          { data, url, fallbackTitle },
          { maxPages: this.options.maxPdfPages, maxDecompressedBytes: this.options.maxPdfDecompressedBytes, timeoutMs: this.options.timeoutMs },
        );
        break;
      case 'docx':
        doc = await extractDocx(
          { data, url, fallbackTitle },
          { maxXmlBytes: this.options.maxDocxXmlBytes, zip: this.options.archive, timeoutMs: this.options.timeoutMs },
        );
        break;
      case 'service-public':
        doc = extractServicePublic({ body: data, location: leaf.location, defaultAudience: leaf.audience });
        break;
      case 'markdown':
      case 'text':
        doc = await readText(format, { text: decodeText(data, leaf.contentType), url, fallbackTitle }, Date.now() + this.options.timeoutMs);
        break;
      default:
        throw new CiteError('FORMAT_UNSUPPORTED', `${format} is not a single-document format`, { status: 415 });
    }
    if (!hasText(doc)) {
      return { ok: false, location: leaf.location, code: 'EMPTY_DOCUMENT', message: 'no text found in the document' };
    }
    // fetched pages are opened where they were fetched; files have no such place: their bytes are kept
    const original = /^file:/i.test(doc.url) ? { data, contentType: ORIGINAL_CONTENT_TYPES[format] ?? 'application/octet-stream' } : undefined;
    return { ok: true, location: leaf.location, document: doc, ...(links ? { links, robots } : {}), ...(original ? { original } : {}) };
  }

  /** Any leaf (file or bytes): detect, then one document or a stream of them. */
  async *leaf(leaf: Leaf): AsyncGenerator<ExtractOutcome> {
    let format: DocumentFormat;
    let size: number;
    try {
      size = leaf.data ? leaf.data.length : (await fs.promises.stat(leaf.file as string)).size;
      const head = leaf.data ? leaf.data.subarray(0, FORMAT_SNIFF_BYTES) : await readHead(leaf.file as string);
      if (size === 0) throw new CiteError('EMPTY_DOCUMENT', 'file is empty', { status: 422 });
      format = await detectFormat({ head, name: leaf.name ?? leaf.file ?? leaf.url, contentType: leaf.contentType });
    } catch (e) {
      yield failure(leaf.location, e);
      return;
    }
    if (format === 'zip') {
      yield* this.zip(leaf);
      return;
    }
    if (format === 'jsonl' || format === 'jsonl-gz') {
      for await (const o of extractJsonl(
        { path: leaf.data ? undefined : leaf.file, data: leaf.data, gzip: format === 'jsonl-gz' },
        { maxLineBytes: this.options.maxLineBytes, gzip: { maxTotalBytes: this.options.archive.maxTotalBytes, maxRatio: this.options.archive.maxRatio } },
      )) {
        const location = `${leaf.location}:${o.line}`;
        yield o.ok ? { ok: true, location, document: o.document } : { ok: false, location, code: o.code, message: o.message };
      }
      return;
    }
    if (size > this.options.maxFileBytes) {
      yield {
        ok: false,
        location: leaf.location,
        code: 'FILE_TOO_LARGE',
        message: `${size} bytes, more than the limit of ${this.options.maxFileBytes} (INGEST_MAX_FILE_BYTES)`,
      };
      return;
    }
    try {
      const data = leaf.data ?? (await fs.promises.readFile(leaf.file as string));
      yield await this.one(leaf, data, format);
    } catch (e) {
      yield failure(leaf.location, e);
    }
  }

  private async *zip(leaf: Leaf): AsyncGenerator<ExtractOutcome> {
    const audience = audienceOf(leaf.name ?? leaf.file ?? '') ?? leaf.audience;
    for await (const item of readZip({ path: leaf.data ? undefined : leaf.file, data: leaf.data }, this.options.archive)) {
      const location = item.name ? `${leaf.location}!${item.name}` : leaf.location;
      if (!item.ok) {
        yield { ok: false, location, code: item.code, message: item.message };
        continue;
      }
      if (item.data.length >= 4 && item.data.readUInt32BE(0) === 0x504b0304 && !/\.docx$/i.test(item.name)) {
        if (leaf.depth + 1 > this.options.archive.maxDepth) {
          yield { ok: false, location, code: 'ZIP_NESTED', message: `zips nested deeper than ${this.options.archive.maxDepth} level(s) are refused` };
          continue;
        }
      }
      yield* this.leaf({
        data: item.data,
        name: item.name,
        location,
        depth: leaf.depth + 1,
        audience,
        // a fetched zip's entries resolve against its URL; a local or uploaded one's are paths inside it
        url:
          leaf.url && !/^file:/i.test(leaf.url)
            ? new URL(item.name, leaf.url).href
            : this.options.baseUrl
              ? undefined
              : `${this.urlFor(leaf)}!/${item.name}`,
      });
    }
  }
}

function decodeText(data: Buffer, contentType: string | undefined): string {
  const utf16 = decodeUtf16(data, contentType);
  if (utf16 !== undefined) return utf16;
  // Old French text files are Windows-1252; some mix it into UTF-8.
  return decodeUtf8Lenient(data);
}


/** Leaves of a source: a directory's files, or the source itself. */
async function* leavesOf(source: ExtractSource): AsyncGenerator<Leaf | ExtractOutcome> {
  if (source.data) {
    yield { data: source.data, name: source.name, url: source.url, contentType: source.contentType, location: source.url ?? source.name ?? 'upload', depth: 0 };
    return;
  }
  if (!source.path) {
    yield { ok: false, location: source.url ?? 'source', code: 'SOURCE_INVALID', message: 'a source needs a path or data' };
    return;
  }
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(source.path);
  } catch (e) {
    yield { ok: false, location: source.path, code: 'FILE_NOT_FOUND', message: `cannot read ${source.path}: ${(e as Error).message}` };
    return;
  }
  if (stat.isDirectory()) {
    for await (const file of walkDir(source.path)) yield typeof file === 'string' ? { file, name: file, location: file, depth: 0 } : file;
  } else {
    // a named file (an upload streamed to a temporary file) is reported under its name
    yield { file: source.path, name: source.name ?? source.path, url: source.url, contentType: source.contentType, location: source.name ?? source.path, depth: 0 };
  }
}

/** The content type an original is stored (and served) with, by detected format. */
const ORIGINAL_CONTENT_TYPES: Partial<Record<DocumentFormat, string>> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
  'service-public': 'application/xml',
};

const FICHE_NAME = /(?:^|\/)([FNR]\d+)\.xml$/i;

/** Names of the DILA fiches of a zip, read from its central directory only (no inflating). */
function ficheIdsOfZip(leaf: Leaf): Promise<string[]> {
  return new Promise((resolve) => {
    const ids: string[] = [];
    const onZip = (err: Error | null, zip?: yauzl.ZipFile) => {
      if (err || !zip) return resolve(ids);
      zip.on('entry', (e: yauzl.Entry) => {
        const m = FICHE_NAME.exec(String(e.fileName));
        if (m) ids.push(m[1].toUpperCase());
      });
      zip.on('end', () => resolve(ids));
      zip.on('error', () => resolve(ids));
    };
    const opts = { lazyEntries: false, autoClose: true };
    if (leaf.data) yauzl.fromBuffer(leaf.data, opts, onZip);
    else yauzl.open(leaf.file as string, opts, onZip);
  });
}

/**
 * Counts, over a batch, how many copies of each service-public fiche exist (zip central
 * directories and loose F*.xml files), so copies can be merged as soon as the last one is read.
 */
async function expectedCopies(leaves: Leaf[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const leaf of leaves) {
    const name = leaf.name ?? leaf.file ?? '';
    let ids: string[] = [];
    if (/\.zip$/i.test(name)) ids = await ficheIdsOfZip(leaf);
    else {
      const m = FICHE_NAME.exec(name.replace(/\\/g, '/'));
      if (m) ids = [m[1].toUpperCase()];
    }
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const [id, n] of counts) if (n < 2) counts.delete(id);
  return counts;
}

/**
 * Extracts every document of one source (file, directory, zip, bytes).
 * Never throws for bad content: each failure is an `{ok: false}` outcome with a stable code
 * (FILE_TOO_LARGE, FORMAT_UNSUPPORTED, BINARY_AS_TEXT, PDF_ENCRYPTED, PDF_CORRUPT, PDF_NO_TEXT, PDF_TOO_COMPLEX,
 * XML_INVALID, JSONL_LINE_INVALID, ZIP_BOMB, EMPTY_DOCUMENT, EXTRACT_TIMEOUT…).
 */
export function extract(source: ExtractSource, options?: Partial<ExtractOptions>): AsyncIterable<ExtractOutcome> {
  return extractSources([source], options);
}

/**
 * Extracts several sources as one batch. Service-public fiches found in several audience zips
 * come out once, carrying every audience (mergeServicePublic).
 *
 * A fiche without Publication@spUrl in a batch whose other fiches have one is a leftover of an
 * older export, withdrawn from service-public.fr (see mergeServicePublic): it is reported as
 * SP_NOT_PUBLISHED, not indexed under a URL that the site does not serve. Alone (a single file,
 * or an export from before spUrl existed) it is indexed under a URL built from its id. Until the
 * batch has shown a fiche with a spUrl, such fiches are held to tell the two cases apart.
 */
export async function* extractSources(
  sources: ExtractSource[],
  options?: Partial<ExtractOptions>,
): AsyncGenerator<ExtractOutcome> {
  const extractor = new Extractor(resolveOptions(options));
  // Leaves are listed first (paths only, no content) so fiche copies can be counted up front.
  const leaves: Leaf[] = [];
  for (const source of sources) {
    for await (const l of leavesOf(source)) {
      if ('ok' in l) yield l;
      else leaves.push(l);
    }
  }
  const expected = await expectedCopies(leaves);
  const pending = new Map<string, { location: string; copies: NormalisedDocument[] }>();
  const unpublished: { location: string; document: NormalisedDocument }[] = [];
  let published = false;
  const notPublished = (location: string, document: NormalisedDocument): ExtractOutcome => ({
    ok: false,
    location,
    code: 'SP_NOT_PUBLISHED',
    message:
      `${servicePublicKey(document)} has no Publication@spUrl while the other fiches of this export have one: a fiche left ` +
      'from an older export (schema 3.0), no longer published on service-public.fr; not indexed',
  });
  /** A merged fiche: out now; without spUrl, refused once the batch has shown spUrls, held until then. */
  function* fiche(location: string, document: NormalisedDocument): Generator<ExtractOutcome> {
    if (!isUnpublishedFiche(document)) {
      published = true;
      yield { ok: true, location, document };
    } else if (published) yield notPublished(location, document);
    else unpublished.push({ location, document });
  }
  for (const leaf of leaves) {
    for await (const outcome of extractor.leaf(leaf)) {
      const key = outcome.ok ? servicePublicKey(outcome.document) : undefined;
      if (!outcome.ok || !key) {
        yield outcome;
        continue;
      }
      const want = expected.get(key);
      if (!want) {
        yield* fiche(outcome.location, outcome.document);
        continue;
      }
      const entry = pending.get(key) ?? { location: outcome.location, copies: [] };
      entry.copies.push(outcome.document);
      if (entry.copies.length >= want) {
        pending.delete(key);
        yield* fiche(entry.location, mergeServicePublic(entry.copies));
      } else pending.set(key, entry);
    }
  }
  // Copies whose twin failed or was missing: still one document each key.
  for (const { location, copies } of pending.values()) yield* fiche(location, mergeServicePublic(copies));
  for (const { location, document } of unpublished) yield published ? notPublished(location, document) : { ok: true, location, document };
}
