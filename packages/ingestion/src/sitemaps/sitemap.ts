/**
 * Sitemaps: XML url sets, sitemap indexes, plain-text lists, each possibly gzipped.
 * Parsed with a streaming-free scan of <loc> elements: sitemaps are flat, can hold 50,000 URLs,
 * and a DOM would cost far more memory than the URLs themselves. Entries past the protocol's 50,000 are
 * counted, not read: a 37 MB sitemap of 1,000,000 URLs took the CLI past 1 GB and held its run row for a minute.
 */
import zlib from 'node:zlib';
import { CiteError } from '@cite/core/errors.js';

export interface SitemapEntry {
  url: string;
  lastmod?: string;
}

export interface ParsedSitemap {
  kind: 'index' | 'urlset' | 'text';
  entries: SitemapEntry[];
  /** Entries past `maxUrls`, counted but not read (the run records them as skipped). */
  unread: number;
}

/** The sitemap protocol caps an uncompressed sitemap at 50 MB… */
export const MAX_SITEMAP_BYTES = 50 * 1024 * 1024;
/** …and at 50,000 URLs: the rest of a longer one are skipped ('sitemap_max_urls'). */
export const MAX_SITEMAP_URLS = 50_000;

export function isGzip(body: Buffer): boolean {
  return body.length > 2 && body[0] === 0x1f && body[1] === 0x8b;
}

export function parseSitemap(body: Buffer, url: string, maxBytes = MAX_SITEMAP_BYTES, maxUrls = MAX_SITEMAP_URLS): ParsedSitemap {
  let raw = body;
  if (isGzip(raw)) {
    try {
      raw = zlib.gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new CiteError('SITEMAP_INVALID', `Cannot gunzip sitemap ${url}: ${(e as Error).message}`, { cause: e });
    }
  }
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  const head = text.slice(0, 2000).trimStart();
  if (!head.startsWith('<')) {
    const entries: SitemapEntry[] = [];
    let unread = 0;
    const line = /^[ \t]*(https?:\/\/[^\r\n]*)$/gim;
    for (let m = line.exec(text); m; m = line.exec(text)) {
      if (entries.length < maxUrls) entries.push({ url: m[1]!.trim() });
      else unread++;
    }
    return { kind: 'text', entries, unread };
  }
  const isIndex = /<(\w+:)?sitemapindex[\s>]/i.test(text);
  const isUrlset = /<(\w+:)?urlset[\s>]/i.test(text);
  if (!isIndex && !isUrlset) {
    throw new CiteError('SITEMAP_INVALID', `${url} is neither a <urlset> nor a <sitemapindex>`);
  }
  const entries: SitemapEntry[] = [];
  let unread = 0;
  for (const inner of elements(text, isIndex ? 'sitemap' : 'url')) {
    // past the cap, an entry is only counted: no string is built for it
    if (entries.length >= maxUrls) {
      unread++;
      continue;
    }
    const loc = elements(inner, 'loc').next().value;
    if (!loc) continue;
    const lastmod = elements(inner, 'lastmod').next().value;
    const resolved = resolveLoc(decodeXmlText(loc), url);
    if (resolved) entries.push({ url: resolved, ...(lastmod ? { lastmod: decodeXmlText(lastmod) } : {}) });
  }
  return { kind: isIndex ? 'index' : 'urlset', entries, unread };
}

/**
 * The contents of each `<name>…</name>` (any namespace prefix), in order. Each element ends at the first
 * closing tag after it, and one left open ends the scan: a lazy regular expression tried from every
 * opening tag read the rest of the text from each, and 40,000 unclosed `<url>` took 1.3 s (a 50 MB
 * sitemap of them, hours).
 */
function* elements(text: string, name: string): Generator<string, undefined> {
  const open = new RegExp(`<(?:\\w+:)?${name}[\\s>]`, 'gi');
  const close = new RegExp(`</(?:\\w+:)?${name}>`, 'gi');
  for (let o = open.exec(text); o; o = open.exec(text)) {
    const start = o.index + o[0].length;
    close.lastIndex = start;
    const c = close.exec(text);
    if (!c) return undefined;
    yield text.slice(start, c.index);
    open.lastIndex = c.index + c[0].length;
  }
  return undefined;
}

function resolveLoc(loc: string, base: string): string | null {
  try {
    const u = new URL(loc, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function decodeXmlText(s: string): string {
  return s
    .replace(/^\s*<!\[CDATA\[/, '')
    .replace(/\]\]>\s*$/, '')
    .trim()
    .replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
      const lower = e.toLowerCase();
      if (lower === 'amp') return '&';
      if (lower === 'lt') return '<';
      if (lower === 'gt') return '>';
      if (lower === 'quot') return '"';
      if (lower === 'apos') return "'";
      const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
      // past U+10FFFF String.fromCodePoint throws: one such reference failed the whole sitemap (CRAWL_INTERNAL)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    });
}
