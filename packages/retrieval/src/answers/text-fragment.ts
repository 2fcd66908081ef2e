/**
 * A quote → the text directive of a URL fragment (`text=…`, https://wicg.github.io/scroll-to-text-fragment/),
 * which Chromium browsers scroll to and highlight. Pure.
 *
 * The browser matches each term inside one block of the rendered page (a term never spans two paragraphs,
 * list items or table cells), on word boundaries, whitespace collapsed. A quote comes from the indexed
 * text, where blocks are joined by line breaks, list items start with "- " and tables are Markdown rows,
 * so it is cut into the pieces the page shows as separate blocks first. A short quote within one block is
 * matched whole (`text=quote`); anything else by its first and last words (`text=start,end`), which also
 * keeps links short and survives small differences inside the span.
 */

/** Words of each end of a `textStart,textEnd` directive. */
const EDGE_WORDS = 6;
/** A one-block quote up to this many words is matched whole. */
const MAX_EXACT_WORDS = 12;

/** What personal-data masking put in the indexed text: not on the page, so never part of a term. */
const MASKED = /\[[^\]\n]{1,40} masqué\]/gu;

/** The pieces of a quote that the page renders as separate blocks, Markdown syntax removed. */
export function quoteBlocks(quote: string): string[] {
  const out: string[] = [];
  for (const raw of quote.split(/\n+/)) {
    const line = raw.trim();
    if (!line) continue;
    // table separator row (| --- | --- |)
    if (/^\|?\s*:?-{2,}/.test(line) && /^[\s|:-]+$/.test(line)) continue;
    const cells = line.startsWith('|') ? line.replace(/^\||\|$/g, '').split(/(?<!\\)\|/) : [line];
    for (const cell of cells) {
      const text = cell
        .replace(/\\\|/g, '|')
        .replace(/^\s*(?:[-*•]|\d{1,3}[.)])\s+/u, '') // list marker
        .replace(/^#{1,6}\s+/, '') // Markdown heading
        .replace(/\[([^\]\n]*)\]\([^)\s]*\)/g, '$1') // Markdown link: its label is what shows
        .replace(/(\*\*|__)(?=\S)([^*_]*?\S)\1/g, '$2');
      for (const piece of text.split(MASKED)) {
        const clean = piece.replace(/\s+/gu, ' ').trim();
        if (/[\p{L}\p{N}]/u.test(clean)) out.push(clean);
      }
    }
  }
  return out;
}

/** Percent-encodes a term: `-`, `&` and `,` are the directive's own syntax and must be encoded too. */
export function encodeTextTerm(term: string): string {
  return encodeURIComponent(term).replace(/-/g, '%2D');
}

/** The `text=…` directive (without `:~:`) that finds `quote` on its page, or undefined when it has no words. */
export function textDirective(quote: string): string | undefined {
  const blocks = quoteBlocks(quote);
  if (blocks.length === 0) return undefined;
  const first = blocks[0]!.split(' ');
  if (blocks.length === 1 && first.length <= MAX_EXACT_WORDS) return `text=${encodeTextTerm(blocks[0]!)}`;
  const last = blocks.at(-1)!.split(' ');
  const start = first.slice(0, EDGE_WORDS).join(' ');
  // one long block: the end words must come after the start words
  const end = (blocks.length === 1 ? last.slice(Math.max(EDGE_WORDS, last.length - EDGE_WORDS)) : last.slice(-EDGE_WORDS)).join(' ');
  return `text=${encodeTextTerm(start)},${encodeTextTerm(end)}`;
}
