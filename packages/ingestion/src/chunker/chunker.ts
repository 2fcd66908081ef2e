/**
 * Structure-aware chunking: a normalised document becomes chunks that never cross a section
 * boundary and stay within a token budget measured with the embedding model's own tokenizer.
 *
 * Each section's blocks are joined into the section text ("\n\n" between blocks) and cut into atoms
 * that are never split when avoidable: a table row, a list item, a sentence (atoms.ts). Atoms are packed
 * greedily up to the budget, as they come; a new chunk starts with the last atoms of the previous one (up to the
 * overlap budget) so that a sentence cut from its context is found from both sides. A chunk's text is
 * exactly the section text between its first and last atom (locator.start/end is that span), except
 * that a table continued from the previous chunk repeats its header row so that the rows keep meaning.
 * Only an atom longer than the whole budget is cut (at sentence, then word boundaries, and a single
 * "word" over the budget, such as base64 or junk without a space, where the budget says).
 *
 * The work is written as steps (cpu-slices.ts) that pause every few hundred sections, atoms, words or
 * chunks: one 20 M-character paragraph without a sentence end takes ~2 s to chunk, and
 * chunkDocumentInSlices lets the engine's other work through meanwhile.
 */
import { chunkHash } from '@cite/index/embedding-text.js';
import { headOf } from '@cite/core/text/whole-characters.js';
import { runAtOnce, runInSlices, type Steps } from '../cpu-slices.js';
import type { Block, Locator, NormalisedDocument, PageBreak, Section } from '../document.js';
import { atomsOf, type Atom, type AtomSink } from './atoms.js';

export { sentenceSpans } from './atoms.js';

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


/**
 * Characters of context a chunk carries at most. The context is stored, counted and embedded with every
 * chunk: a hostile heading of 600,000 characters made a page of 636 kB need 2.5 GB. The bench corpus's
 * longest context has 553 characters.
 */
export const MAX_CONTEXT_CHARS = 1000;

/** `text` cut to `max` characters, ending with "…" when cut (never inside a surrogate pair). */
export function cutToLength(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${headOf(text, Math.max(0, max - 1))}…`;
}

export function chunkContext(title: string, headingPath: readonly string[]): string {
  const parts = [title.trim(), ...headingPath.map((h) => h.trim())].filter(Boolean);
  // extractors often repeat the title as the first heading
  const deduped = parts.filter((p, i) => i === 0 || p !== parts[i - 1]);
  return deduped.join(' > ');
}


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
  const context = cutToLength(chunkContext(title, section.headingPath), MAX_CONTEXT_CHARS);
  // the context is embedded with every chunk, so it takes its share of the budget (never all of it)
  // (special tokens the model adds to every input, e.g. [CLS]/[SEP], count too)
  const special = options.countTokens('');
  const budget = Math.max(Math.floor(options.maxTokens / 2), options.maxTokens - special - tokens(context) - 1);
  const overlap = Math.min(options.overlapTokens, Math.floor(budget / 3));

  // where each block starts in the section's text (its blocks joined by blank lines), which is never built
  const starts: number[] = [];
  for (let at = 0, i = 0; i < blocks.length; i++) {
    starts.push(at);
    at += blocks[i]!.text.length + 2;
  }
  const packer = new ChunkPacker(budget, overlap, room, (a, z) => makeChunk(section, blocks, starts, a, z, context, options));
  for (let i = 0; i < blocks.length && !packer.full; i++) yield* atomsOf(blocks[i]!, starts[i]!, i, budget, tokens, packer);
  packer.finish();
  return packer.out;
}

/**
 * Atoms, or characters of atoms, a packer gathers before it packs those it can (a pack looks again at the
 * chunk still open). By characters too: 115 atoms of 250,000 characters each took 0.23 s to pack at once.
 */
const PACK_EVERY = 1024;
const PACK_EVERY_CHARS = 256 * 1024;

/**
 * Packs a section's atoms into chunks as they come, keeping only the atoms the chunk still open may need:
 * greedily up to the budget, each chunk after the first starting with the last atoms of the one before
 * that fit the overlap. Stops past `room` chunks.
 */
class ChunkPacker implements AtomSink {
  readonly out: Omit<Chunk, 'ord'>[] = [];
  private atoms: Atom[] = [];
  /** The first atom of the chunk still open. */
  private first = 0;
  /** Atoms held when the next pack is due. */
  private packAt = PACK_EVERY;
  /** Characters of the atoms added since the last pack. */
  private unpacked = 0;

  constructor(
    private readonly budget: number,
    private readonly overlap: number,
    private readonly room: number,
    private readonly make: (first: Atom, last: Atom) => Omit<Chunk, 'ord'>,
  ) {}

  get full(): boolean {
    return this.out.length > this.room;
  }

  add(atom: Atom): void {
    if (this.full) return;
    this.atoms.push(atom);
    this.unpacked += atom.end - atom.start;
    if (this.atoms.length >= this.packAt || this.unpacked >= PACK_EVERY_CHARS) {
      this.pack(false);
      this.packAt = this.atoms.length + PACK_EVERY;
      this.unpacked = 0;
    }
  }

  finish(): void {
    this.pack(true);
  }

  /** The chunks the atoms so far decide (all of them once `final`). */
  private pack(final: boolean): void {
    const atoms = this.atoms;
    while (this.first < atoms.length && !this.full) {
      const first = this.first;
      let last = first;
      let used = atoms[first]!.tokens;
      while (last + 1 < atoms.length && used + atoms[last + 1]!.tokens + 1 <= this.budget) {
        last++;
        used += atoms[last]!.tokens + 1;
      }
      // the next atom may still fit this chunk
      if (last + 1 >= atoms.length && !final) break;
      this.out.push(this.make(atoms[first]!, atoms[last]!));
      if (last + 1 >= atoms.length) {
        this.first = atoms.length;
        break;
      }
      // overlap: step back over trailing atoms that fit the overlap budget, always moving forward
      let next = last + 1;
      let carried = 0;
      while (next - 1 > first && carried + atoms[next - 1]!.tokens <= this.overlap) {
        next--;
        carried += atoms[next]!.tokens;
      }
      this.first = next;
    }
    if (this.first >= PACK_EVERY) {
      this.atoms = atoms.slice(this.first);
      this.first = 0;
    }
  }
}

function makeChunk(
  section: Section,
  blocks: Block[],
  starts: number[],
  a: Atom,
  z: Atom,
  context: string,
  options: ChunkOptions,
): Omit<Chunk, 'ord'> {
  let text = sectionSlice(blocks, starts, a.start, z.end);
  let prefix = 0;
  // a table continued from the previous chunk: repeat its header so the rows keep their column names
  if (a.tableHeader && sectionSlice(blocks, starts, a.start, a.start + a.tableHeader.length) !== a.tableHeader) {
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
 * [from, to[ of the section's text, the blocks joined by blank lines, read from the blocks: joined whole,
 * a section of large blocks was copied into one string in one go (27 M characters: 80-150 ms).
 */
function sectionSlice(blocks: Block[], starts: number[], from: number, to: number): string {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= from) lo = mid;
    else hi = mid - 1;
  }
  let out = '';
  for (let i = lo; i < blocks.length && starts[i]! < to; i++) {
    const start = starts[i]!;
    const text = blocks[i]!.text;
    // sliced on its own: a block joined to its blank line first would be copied whole to slice it
    out += text.slice(Math.max(0, from - start), Math.min(text.length, to - start));
    if (i + 1 < blocks.length) {
      const blank = start + text.length;
      const a = Math.max(from, blank);
      const z = Math.min(to, blank + 2);
      if (z > a) out += '\n\n'.slice(a - blank, z - blank);
    }
  }
  return out;
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
