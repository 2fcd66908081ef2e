/**
 * Headers for serving a stored file from the engine's origin, where the console and its keys live: a
 * file must never run there. PDFs and raster images open inline (a PDF link's #page=N then works); all
 * else is an attachment. HTML, XHTML, SVG and XML, which a browser would render with scripts, are never
 * sent as what they are: application/octet-stream. nosniff stops the browser from guessing otherwise,
 * and the CSP sandbox makes even an inline rendering an opaque origin without scripts.
 */
import path from 'node:path';
import { headOf } from '@cite/core/text/whole-characters.js';

const INLINE = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const ACTIVE = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|[a-z]+\/[a-z0-9.+-]*\+xml)\b/i;

/** The file name a download gets: the last part of the document's file path (an entry's, inside a zip). */
export function fileNameOf(documentUrl: string): string {
  let p = documentUrl.replace(/[?#].*$/, '');
  const bang = p.lastIndexOf('!/');
  if (bang !== -1) p = p.slice(bang + 2);
  let name: string;
  try {
    name = decodeURIComponent(path.posix.basename(p));
  } catch {
    name = path.posix.basename(p);
  }
  // control characters and quotes have no place in a header's file name
  return headOf(name.replace(/[\u0000-\u001f\u007f"\\/]/g, '_'), 200) || 'document';
}

export interface ServingPlan {
  /** Headers besides Content-Disposition. */
  headers: Record<string, string>;
  inline: boolean;
  fileName: string;
}

export function servingPlan(storedType: string, documentUrl: string): ServingPlan {
  const base = storedType.split(';')[0]!.trim().toLowerCase();
  const inline = INLINE.has(base);
  return {
    inline,
    fileName: fileNameOf(documentUrl),
    headers: {
      'Content-Type': ACTIVE.test(base) ? 'application/octet-stream' : storedType,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
      // Chromium's PDF viewer does not open a sandboxed document; a PDF runs no script on the engine's origin anyway
      'Content-Security-Policy': base === 'application/pdf' ? "default-src 'none'; frame-ancestors 'self'" : "sandbox; default-src 'none'",
    },
  };
}
