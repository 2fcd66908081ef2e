/**
 * Where a citation opens: the document's address plus the place of the quote in it. Pure.
 *
 * - A PDF (its locator has a page): `#page=N`, N the page the quote starts on (PDF open parameters, which
 *   browsers' PDF viewers follow).
 * - A web page: the nearest heading anchor recorded by the extractor, and a text fragment built from the
 *   quote (`#anchor:~:text=…`): browsers that know text fragments scroll to the quote and highlight it, the
 *   others go to the anchor (or ignore the directive).
 * - Anything else (a DOCX, the engine's copy of a page-less file): the address as it is.
 *
 * The address itself (an engine URL for documents from files) is chosen before, by whoever lists the
 * passage; this only adds the fragment.
 */
import { isOriginalLink } from '@cite/index/originals/document-links.js';
import { textDirective } from './text-fragment.js';

/** The page of the character at `offset` of a chunk's text, from the chunk locator's page fields. */
export function pageAt(locator: Record<string, unknown>, offset: number): number | undefined {
  const start = positive(locator.page_start) ?? positive(locator.page);
  if (start === undefined) return undefined;
  let page = start;
  const breaks = Array.isArray(locator.page_breaks) ? locator.page_breaks : [];
  for (const b of breaks as Array<{ offset?: unknown; page?: unknown }>) {
    const at = typeof b?.offset === 'number' ? b.offset : Number.NaN;
    const p = positive(b?.page);
    if (p !== undefined && at <= offset) page = p;
  }
  return page;
}

/**
 * A citation's locator: the chunk's locator, with `page` the page where the quote (starting at
 * `quoteOffset` in the chunk text) lies; the page breaks, used up here, are left out.
 */
export function citationLocator(chunkLocator: Record<string, unknown>, quoteOffset: number): Record<string, unknown> {
  const { page_breaks: _breaks, ...rest } = chunkLocator;
  const page = pageAt(chunkLocator, Math.max(0, quoteOffset));
  return page === undefined ? rest : { ...rest, page };
}

/** The link that opens `url` at the quote: `#page=N` for PDFs, `#anchor:~:text=…` for web pages. */
export function citationLink(url: string, locator: Record<string, unknown>, quote: string): string {
  const hash = url.indexOf('#');
  const bare = hash === -1 ? url : url.slice(0, hash);
  const ownFragment = hash === -1 ? '' : url.slice(hash + 1).split(':~:')[0]!;
  const page = positive(locator.page);
  if (page !== undefined) return `${bare}#page=${page}`;
  // a download (the engine's copy of a file, a DOCX, whose locator counts paragraphs): no page to scroll
  if (isOriginalLink(url) || !/^https?:\/\//i.test(url) || typeof locator.paragraph === 'number') return url;
  const anchor = typeof locator.anchor === 'string' && locator.anchor ? encodeURIComponent(locator.anchor.replace(/^#/, '')) : ownFragment;
  const directive = textDirective(quote);
  if (!directive) return anchor ? `${bare}#${anchor}` : bare;
  return `${bare}#${anchor}:~:${directive}`;
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}
