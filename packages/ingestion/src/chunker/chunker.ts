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
 *
 * The work is written as steps (cpu-slices.ts), pausing every STEP atoms, words or chunks: one 20 M-character
 * paragraph without a sentence end takes ~2 s to chunk, and chunkDocumentInSlices lets the engine's other
 * work through meanwhile.
 */
import { chunkHash } from '@cite/index/embedding-text.js';
import { runAtOnce, runInSlices, type Steps } from '../cpu-slices.js';
import type { Block, Locator, NormalisedDocument, PageBreak, Section } from '../document.js';

export interface ChunkOptions {
  /** Budget of one chunk in model tokens, context (title + headings) included. */
  maxTokens: number;
  /** Tokens repeated from the end of the previous chunk of the same section. */
  overlapTokens: number;
  /** The embedding model's token count (Embedder.countTokens). */
  countTokens: (text: string) => number;
  /**
   * Stop once the document has made more chunks than this (a document past the limit is refused: the
   * rest of the work would be wasted). The result then holds limit + 1 chunks.
   */
  limit?: number;
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

/** Atoms, words or chunks made between two pauses (a pause costs a generator's resumption). */
const STEP = 256;

/** Chunks a document at once. */
export function chunkDocument(doc: NormalisedDocument, options: ChunkOptions): Chunk[] {
  return runAtOnce(chunkSteps(doc, options));
}

/** Chunks a document in slices of work, the event loop taking turns between them (cpu-slices.ts). */
export function chunkDocumentInSlices(doc: NormalisedDocument, options: ChunkOptions): Promise<Chunk[]> {
  return runInSlices(chunkSteps(doc, options));
}

function* chunkSteps(doc: NormalisedDocument, options: ChunkOptions): Steps<Chunk[]> {
  const base = options.countTokens('');
  const tokens = (s: string) => Math.max(0, options.countTokens(s) - base);
  const limit = options.limit ?? Infinity;
  const chunks: Chunk[] = [];
  for (const section of doc.sections) {
    yield; // pages of 100,000 one-line sections exist
    for (const piece of yield* chunkSection(doc.title, section, options, tokens, limit - chunks.length)) chunks.push({ ...piece, ord: chunks.length });
    if (chunks.length > limit) return chunks;
  }
  if (chunks.length === 0 && doc.description?.trim()) {
    const section: Section = { headingPath: [], blocks: [{ kind: 'paragraph', text: doc.description.trim() }] };
    for (const piece of yield* chunkSection(doc.title, section, options, tokens, limit)) chunks.push({ ...piece, ord: chunks.length });
  }
  return chunks;
}

/** The chunks of one section, stopping past `room` of them. */
function* chunkSection(
  title: string,
  section: Section,
  options: ChunkOptions,
  tokens: (s: string) => number,
  room: number,
): Steps<Omit<Chunk, 'ord'>[]> {
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
  for (let i = 0; i < blocks.length; i++) yield* atomsOf(blocks[i]!, starts[i]!, i, budget, tokens, atoms);

  const out: Omit<Chunk, 'ord'>[] = [];
  let first = 0;
  while (first < atoms.length && out.length <= room) {
    if (out.length % STEP === STEP - 1) yield;
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

/**
 * Cuts one block into atoms (table rows, a whole list item, sentences; over-budget atoms are split
 * further), appended to `atoms` one by one: a spread argument list overflows the stack past ~120,000.
 */
function* atomsOf(block: Block, offset: number, index: number, budget: number, tokens: (s: string) => number, atoms: Atom[]): Steps<void> {
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
    spans = yield* sentenceSpanSteps(t, 0, t.length);
  }
  const sentences = block.kind !== 'table' && block.kind !== 'list-item' && block.kind !== 'code';
  for (const [s, e] of spans) {
    for (const [ps, pe] of yield* fitToBudget(t, s, e, budget, tokens, sentences)) {
      if (atoms.length % STEP === STEP - 1) yield;
      atoms.push({
        start: offset + ps,
        end: offset + pe,
        tokens: tokens(t.slice(ps, pe)),
        block: index,
        tableHeader: header && ps >= headerEnd ? header : undefined,
      });
    }
  }
}

/**
 * Characters a span may hold and still be counted whole. Counting a span costs as much as its length
 * (a 20 M-character one, seconds with a model's tokenizer); past 100 characters a token it cannot fit
 * a budget of real text, and is split without being counted.
 */
const MAX_CHARS_PER_TOKEN = 100;

/**
 * Splits [s, e[ at sentence, then word boundaries (then inside an over-budget word) until every piece fits
 * the budget. `sentence`: [s, e[ is already one sentence (sentenceSpans found no end inside it).
 */
function* fitToBudget(t: string, s: number, e: number, budget: number, tokens: (x: string) => number, sentence = false): Steps<[number, number][]> {
  if (e - s <= budget * MAX_CHARS_PER_TOKEN && tokens(t.slice(s, e)) <= budget) return [[s, e]];
  const sentences = sentence ? [[s, e] as [number, number]] : yield* sentenceSpanSteps(t, s, e);
  if (sentences.length > 1) {
    const out: [number, number][] = [];
    for (const [a, b] of sentences) for (const piece of yield* fitToBudget(t, a, b, budget, tokens, true)) out.push(piece);
    return out;
  }
  // one over-long sentence: pack words (read one at a time: an array of a long sentence's matches was
  // most of its chunking time, in garbage collection)
  const out: [number, number][] = [];
  let start = -1;
  let end = -1;
  let used = 0;
  const word = /\S+/g;
  word.lastIndex = s;
  let words = 0;
  for (let m = word.exec(t); m && m.index < e; m = word.exec(t)) {
    if (++words % STEP === 0) yield;
    const a = m.index;
    const b = Math.min(e, a + m[0].length);
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
  return runAtOnce(sentenceSpanSteps(t, 0, t.length));
}

/** The sentence spans of t's [from, to[, as offsets in t. */
function* sentenceSpanSteps(t: string, from: number, to: number): Steps<[number, number][]> {
  const out: [number, number][] = [];
  const part = from === 0 && to === t.length ? t : t.slice(from, to);
  const re = /(?<=[.!?…:;])\s+(?=[\p{Lu}\d«"(\-–•])|\n+/gu;
  let s = 0;
  let ends = 0;
  for (let m = re.exec(part); m; m = re.exec(part)) {
    if (++ends % STEP === 0) yield;
    const end = m.index;
    if (part.slice(s, end).trim()) out.push(trimSpan(part, s, end, from));
    s = end + m[0].length;
  }
  if (part.slice(s).trim()) out.push(trimSpan(part, s, part.length, from));
  return out;
}

/** [s, e[ of t without its surrounding white space, shifted by `origin`. */
function trimSpan(t: string, s: number, e: number, origin = 0): [number, number] {
  while (s < e && /\s/.test(t[s]!)) s++;
  while (e > s && /\s/.test(t[e - 1]!)) e--;
  return [s + origin, e + origin];
}
