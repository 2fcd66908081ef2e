/**
 * Structure-aware chunking: a normalised document becomes chunks that never cross a section
 * boundary and stay within a token budget measured with the embedding model's own tokenizer.
 *
 * Each section's blocks are joined into the section text ("\n\n" between blocks) and cut into atoms
 * that are never split when avoidable: a table row, a list item, a sentence. Atoms are packed
 * greedily up to the budget; a new chunk starts with the last atoms of the previous one (up to the
 * overlap budget) so that a sentence cut from its context is found from both sides. A chunk's text is
 * exactly the section text between its first and last atom (locator.start/end is that span), except
 * that a table continued from the previous chunk repeats its header row so that the rows keep meaning.
 * Only an atom longer than the whole budget is cut (at sentence, then word boundaries, and a single
 * "word" over the budget, such as base64 or junk without a space, where the budget says).
 */
import { chunkHash } from '@cite/index/embedding-text.js';
import type { Block, Locator, NormalisedDocument, PageBreak, Section } from '../document.js';

export interface ChunkOptions {
  /** Budget of one chunk in model tokens, context (title + headings) included. */
  maxTokens: number;
  /** Tokens repeated from the end of the previous chunk of the same section. */
  overlapTokens: number;
  /** The embedding model's token count (Embedder.countTokens). */
  countTokens: (text: string) => number;
}

export interface Chunk {
  ord: number;
  /** What people read and what is cited. */
  text: string;
  headingPath: string[];
  /** Document title + heading path: indexed and embedded with the text. */
  context: string;
  locator: Locator;
  /** Tokens of context + text as the model counts them. */
  tokenCount: number;
  /** Hash of context + text: an unchanged chunk keeps its vector. */
  hash: string;
}

/** Bumped when the chunking rules change, so that stored documents are re-chunked (see content hash). */
export const CHUNKER_VERSION = 2; // 2: PDF chunks record the pages they span (page_start, page_end, page_breaks)

interface Atom {
  start: number;
  end: number;
  tokens: number;
  block: number;
  /** Header rows (with separator) of the table this row belongs to. */
  tableHeader?: string;
}

export function chunkContext(title: string, headingPath: readonly string[]): string {
  const parts = [title.trim(), ...headingPath.map((h) => h.trim())].filter(Boolean);
  // extractors often repeat the title as the first heading
  const deduped = parts.filter((p, i) => i === 0 || p !== parts[i - 1]);
  return deduped.join(' > ');
}

export function chunkDocument(doc: NormalisedDocument, options: ChunkOptions): Chunk[] {
  const base = options.countTokens('');
  const tokens = (s: string) => Math.max(0, options.countTokens(s) - base);
  const chunks: Chunk[] = [];
  for (const section of doc.sections) {
    for (const piece of chunkSection(doc.title, section, options, tokens)) chunks.push({ ...piece, ord: chunks.length });
  }
  if (chunks.length === 0 && doc.description?.trim()) {
    const section: Section = { headingPath: [], blocks: [{ kind: 'paragraph', text: doc.description.trim() }] };
    for (const piece of chunkSection(doc.title, section, options, tokens)) chunks.push({ ...piece, ord: chunks.length });
  }
  return chunks;
}

function chunkSection(
  title: string,
  section: Section,
  options: ChunkOptions,
  tokens: (s: string) => number,
): Omit<Chunk, 'ord'>[] {
  const blocks = section.blocks.filter((b) => b.text.trim().length > 0);
  if (blocks.length === 0) return [];
  const context = chunkContext(title, section.headingPath);
  // the context is embedded with every chunk, so it takes its share of the budget (never all of it)
  // (special tokens the model adds to every input, e.g. [CLS]/[SEP], count too)
  const special = options.countTokens('');
  const budget = Math.max(Math.floor(options.maxTokens / 2), options.maxTokens - special - tokens(context) - 1);
  const overlap = Math.min(options.overlapTokens, Math.floor(budget / 3));

  let text = '';
  const starts: number[] = [];
  for (const b of blocks) {
    if (text) text += '\n\n';
    starts.push(text.length);
    text += b.text;
  }
  const atoms: Atom[] = [];
  // appended one by one: a spread argument list overflows the stack past ~120,000 (a page of 400,000 <br>)
  blocks.forEach((b, i) => {
    for (const a of atomsOf(b, starts[i]!, i, budget, tokens)) atoms.push(a);
  });

  const out: Omit<Chunk, 'ord'>[] = [];
  let first = 0;
  while (first < atoms.length) {
    let last = first;
    let used = atoms[first]!.tokens;
    while (last + 1 < atoms.length && used + atoms[last + 1]!.tokens + 1 <= budget) {
      last++;
      used += atoms[last]!.tokens + 1;
    }
    out.push(makeChunk(section, blocks, starts, text, atoms, first, last, context, options));
    if (last + 1 >= atoms.length) break;
    // overlap: step back over trailing atoms that fit the overlap budget, always moving forward
    let next = last + 1;
    let carried = 0;
    while (next - 1 > first && carried + atoms[next - 1]!.tokens <= overlap) {
      next--;
      carried += atoms[next]!.tokens;
    }
    first = next;
  }
  return out;
}

function makeChunk(
  section: Section,
  blocks: Block[],
  starts: number[],
  sectionText: string,
  atoms: Atom[],
  first: number,
  last: number,
  context: string,
  options: ChunkOptions,
): Omit<Chunk, 'ord'> {
  const a = atoms[first]!;
  const z = atoms[last]!;
  let text = sectionText.slice(a.start, z.end);
  let prefix = 0;
  // a table continued from the previous chunk: repeat its header so the rows keep their column names
  if (a.tableHeader && !sectionText.slice(a.start).startsWith(a.tableHeader)) {
    text = `${a.tableHeader}\n${text}`;
    prefix = a.tableHeader.length + 1;
  }
  const locator: Locator = {
    ...blocks[a.block]!.locator,
    ...pageSpan(blocks, starts, a.block, z.block, a.start - prefix),
    start: a.start,
    end: z.end,
  };
  return {
    text,
    headingPath: section.headingPath,
    context,
    locator,
    tokenCount: options.countTokens(context ? `${context}\n${text}` : text),
    hash: chunkHash(context, text),
  };
}

/**
 * The pages a chunk made of blocks first..last lies on (PDF blocks carry their page): its first and last
 * page, and where each later page begins in the chunk text (`origin` = section offset of the chunk text's
 * first character), so that a quote's offset in the chunk tells its page. Nothing for blocks without pages.
 */
function pageSpan(blocks: Block[], starts: number[], first: number, last: number, origin: number): Pick<Locator, 'page_start' | 'page_end' | 'page_breaks'> {
  const firstPage = blocks[first]!.locator?.page;
  if (firstPage === undefined) return {};
  let page = firstPage;
  const breaks: PageBreak[] = [];
  for (let i = first + 1; i <= last; i++) {
    const p = blocks[i]!.locator?.page;
    if (p === undefined || p === page) continue;
    page = p;
    breaks.push({ offset: starts[i]! - origin, page });
  }
  return { page_start: firstPage, page_end: page, ...(breaks.length ? { page_breaks: breaks } : {}) };
}

/** Cuts one block into atoms: table rows, a whole list item, sentences; over-budget atoms are split further. */
function atomsOf(block: Block, offset: number, index: number, budget: number, tokens: (s: string) => number): Atom[] {
  const t = block.text;
  let spans: [number, number][];
  let header: string | undefined;
  let headerEnd = 0;
  if (block.kind === 'table') {
    const lines = lineSpans(t);
    // Markdown table: header row + |---| separator row form one atom, every other row is an atom
    const sep = lines.findIndex(([s, e]) => /^\s*(?:\|\s*)?:?-{2,}/.test(t.slice(s, e)));
    if (sep > 0) {
      headerEnd = lines[sep]![1];
      header = t.slice(0, headerEnd);
      spans = [[0, headerEnd], ...lines.slice(sep + 1)];
    } else spans = lines;
  } else if (block.kind === 'list-item' || block.kind === 'code') {
    spans = [[0, t.length]];
  } else {
    spans = sentenceSpans(t);
  }
  const atoms: Atom[] = [];
  for (const [s, e] of spans) {
    for (const [ps, pe] of fitToBudget(t, s, e, budget, tokens)) {
      atoms.push({
        start: offset + ps,
        end: offset + pe,
        tokens: tokens(t.slice(ps, pe)),
        block: index,
        tableHeader: header && ps >= headerEnd ? header : undefined,
      });
    }
  }
  return atoms;
}

/** Splits [s, e[ at sentence, then word boundaries (then inside an over-budget word) until every piece fits the budget. */
function fitToBudget(t: string, s: number, e: number, budget: number, tokens: (x: string) => number): [number, number][] {
  if (tokens(t.slice(s, e)) <= budget) return [[s, e]];
  const sentences = sentenceSpans(t.slice(s, e)).map(([a, b]) => [a + s, b + s] as [number, number]);
  if (sentences.length > 1) return sentences.flatMap(([a, b]) => fitToBudget(t, a, b, budget, tokens));
  // one over-long sentence: pack words
  const out: [number, number][] = [];
  const words = [...t.slice(s, e).matchAll(/\S+/g)].map((m) => [s + m.index!, s + m.index! + m[0].length] as const);
  let start = -1;
  let end = -1;
  let used = 0;
  for (const [a, b] of words) {
    const n = tokens(t.slice(a, b));
    if (n > budget) {
      // no chunk holds this "word" (a hash, base64, junk without a space): cut it where the budget says
      if (start !== -1) out.push([start, end]);
      start = -1;
      used = 0;
      for (const piece of cutRun(t, a, b, n, budget, tokens)) out.push(piece);
      continue;
    }
    if (start !== -1 && used + n > budget) {
      out.push([start, end]);
      start = -1;
      used = 0;
    }
    if (start === -1) start = a;
    end = b;
    used += n;
  }
  if (start !== -1) out.push([start, end]);
  return out;
}

/** Cuts [a, b[ (`n` tokens, over the budget) into pieces of at most `budget` tokens, never inside a surrogate pair. */
function cutRun(t: string, a: number, b: number, n: number, budget: number, tokens: (x: string) => number): [number, number][] {
  const out: [number, number][] = [];
  const step = Math.max(2, Math.floor(((b - a) * budget) / n));
  for (let s = a; s < b; ) {
    let e = Math.min(b, s + step);
    while (e - s > 2 && tokens(t.slice(s, e)) > budget) e = s + Math.floor((e - s) * 0.9);
    if (e < b && /[\ud800-\udbff]/.test(t[e - 1]!)) e--;
    out.push([s, e]);
    s = e;
  }
  return out;
}

function lineSpans(t: string): [number, number][] {
  const out: [number, number][] = [];
  let s = 0;
  for (let i = 0; i <= t.length; i++) {
    if (i === t.length || t[i] === '\n') {
      if (t.slice(s, i).trim()) out.push([s, i]);
      s = i + 1;
    }
  }
  return out;
}

/**
 * Sentence spans: ends at . ! ? … followed by space and an upper-case letter, digit or quote, or
 * at a line break. French abbreviations ("art. L. 1234", "M. Dupont") may split a sentence; the
 * pieces are then simply packed together again.
 */
export function sentenceSpans(t: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /(?<=[.!?…:;])\s+(?=[\p{Lu}\d«"(\-–•])|\n+/gu;
  let s = 0;
  for (const m of t.matchAll(re)) {
    const end = m.index!;
    if (t.slice(s, end).trim()) out.push(trimSpan(t, s, end));
    s = end + m[0].length;
  }
  if (t.slice(s).trim()) out.push(trimSpan(t, s, t.length));
  return out;
}

function trimSpan(t: string, s: number, e: number): [number, number] {
  while (s < e && /\s/.test(t[s]!)) s++;
  while (e > s && /\s/.test(t[e - 1]!)) e--;
  return [s, e];
}
