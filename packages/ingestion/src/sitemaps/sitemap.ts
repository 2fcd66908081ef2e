/**
 * Sitemaps: XML url sets, sitemap indexes, plain-text lists, each possibly gzipped.
 * Parsed with a streaming-free scan of <loc> elements: sitemaps are flat, can hold 50,000 URLs,
 * and a DOM would cost far more memory than the URLs themselves.
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
}

/** The sitemap protocol caps an uncompressed sitemap at 50 MB. */
export const MAX_SITEMAP_BYTES = 50 * 1024 * 1024;

export function isGzip(body: Buffer): boolean {
  return body.length > 2 && body[0] === 0x1f && body[1] === 0x8b;
}

export function parseSitemap(body: Buffer, url: string, maxBytes = MAX_SITEMAP_BYTES): ParsedSitemap {
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
    const entries = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => /^https?:\/\//i.test(l))
      .map((l) => ({ url: l }));
    return { kind: 'text', entries };
  }
  const isIndex = /<(\w+:)?sitemapindex[\s>]/i.test(text);
  const isUrlset = /<(\w+:)?urlset[\s>]/i.test(text);
  if (!isIndex && !isUrlset) {
    throw new CiteError('SITEMAP_INVALID', `${url} is neither a <urlset> nor a <sitemapindex>`);
  }
  const entries: SitemapEntry[] = [];
  const item = isIndex ? 'sitemap' : 'url';
  const itemRe = new RegExp(`<(?:\\w+:)?${item}[\\s>]([\\s\\S]*?)</(?:\\w+:)?${item}>`, 'gi');
  for (const m of text.matchAll(itemRe)) {
    const inner = m[1]!;
    const loc = /<(?:\w+:)?loc>([\s\S]*?)<\/(?:\w+:)?loc>/i.exec(inner)?.[1];
    if (!loc) continue;
    const lastmod = /<(?:\w+:)?lastmod>([\s\S]*?)<\/(?:\w+:)?lastmod>/i.exec(inner)?.[1];
    const resolved = resolveLoc(decodeXmlText(loc), url);
    if (resolved) entries.push({ url: resolved, ...(lastmod ? { lastmod: decodeXmlText(lastmod) } : {}) });
  }
  return { kind: isIndex ? 'index' : 'urlset', entries };
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
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      return String.fromCodePoint(parseInt(lower.slice(1), 10));
    });
}
