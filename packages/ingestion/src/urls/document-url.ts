/**
 * What may name a document: an http(s) URL, whatever a source's content says (crawled links, sitemap
 * entries, JSONL `url` fields, service-public spUrl, canonical links). `file:` URLs are the engine's own
 * identity of server files and uploads (file:///<path>), made by the extractors, never taken from content.
 * Anything else (javascript:, data:, vbscript:, blob:…) is refused per document with DOCUMENT_URL_SCHEME.
 */
import { CiteError } from '@cite/core/errors.js';

const WEB = new Set(['http:', 'https:']);

/** The scheme of a URL (lower case, with its colon), or undefined when it is not an absolute URL. */
function schemeOf(url: string): string | undefined {
  try {
    return new URL(url.trim()).protocol.toLowerCase();
  } catch {
    return undefined;
  }
}

export const documentUrlError = (url: string, allowed: string) =>
  new CiteError('DOCUMENT_URL_SCHEME', `Document URL "${url.slice(0, 200)}" refused: only ${allowed} URLs name documents`, {
    status: 422,
  });

/** Throws DOCUMENT_URL_SCHEME unless `url` is an absolute http(s) URL (or file:, with `allowFile`). */
export function assertDocumentUrl(url: string, options: { allowFile?: boolean } = {}): void {
  const scheme = schemeOf(url);
  if (scheme && (WEB.has(scheme) || (options.allowFile && scheme === 'file:'))) return;
  throw documentUrlError(url, options.allowFile ? 'http(s) and file' : 'http(s)');
}

/** True for an absolute http(s) URL. */
export function isWebUrl(url: string): boolean {
  const scheme = schemeOf(url);
  return !!scheme && WEB.has(scheme);
}
