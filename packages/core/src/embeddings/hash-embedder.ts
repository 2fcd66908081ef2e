import type { Embedder } from './embedder.js';
import { approximateTokens, normalise } from './embedder.js';
import { fold } from '../text/fold.js';

/**
 * Character n-gram hashing embedder: no model, no download, deterministic, fast (it embeds the whole
 * benchmark corpus in seconds). Text is lowercased and accents are folded, so "État", "etat" and
 * "ÉTAT" meet; French stop words are dropped (they were most of every vector, so every passage looked
 * alike); plurals and feminines are folded ("congés", "congé"); word 3- and 4-grams (with boundary marks)
 * keep typos and other inflections close, and whole words weigh more than their fragments. In passages,
 * the first line — the title and heading path the indexer puts before the chunk text — weighs
 * CONTEXT_WEIGHT times the body, as a title field does in BM25. Each feature is hashed (FNV-1a) to a
 * dimension and a sign (the "hashing trick"), counts are damped (sqrt) and the vector is L2-normalised.
 *
 * Measured on the bench (cdtn-dev, nDCG@10 of the vector branch alone, exact cosine): 0.25 for the first
 * version (all words, no context weight), 0.27 with stop words and folding, 0.31 / 0.32 / 0.325 with the
 * first line weighted ×3 / ×5 / ×8 (×12 no better), 0.336 with question words dropped too (issue 5).
 * Changing what it computes changes its id: an index embedded by an older version is refused until
 * `cite reembed`.
 */
export const HASH_DIMENSION = 384;
export const HASH_EMBEDDER_VERSION = 'hash-v2';

const WORD_WEIGHT = 2;
/** Weight of a passage's first line (title > headings) against its body. */
export const CONTEXT_WEIGHT = 8;

/**
 * French function words, accent-folded: articles, pronouns, prepositions, conjunctions, the auxiliaries,
 * and the words questions are asked with ("comment", "quel", "combien", "peut", "faut"...), which users
 * type and passages do not answer with. Content words that are merely frequent ("travail", "salarie")
 * stay: they still tell passages apart.
 */
const STOP_WORDS = new Set(
  (
    'a au aux avec ce ces cet cette c d dans de des du elle elles en est et etre eux il ils j je l la le les leur leurs lui ' +
    'm ma mais me meme mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes toi ton tu ' +
    'un une vos votre vous y sont ont ete avoir fait etc ni si sans sous vers chez donc car dont cela ceci ca lors ainsi ' +
    'comment quel quelle quels quelles quoi combien pourquoi quand peut peuvent faut faire doit dois veux voudrais puis ai as avez suis svp'
  ).split(' '),
);
const STOP_WORD_MAX_LENGTH = Math.max(...[...STOP_WORDS].map((w) => w.length));
const STOP_SEED = 0x5f3759df;

export class HashEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  /** Longer "words" (base64 blobs, URLs without separators) are truncated to this many characters. */
  private readonly buffer = new Uint16Array(66);

  constructor(dimension = HASH_DIMENSION) {
    this.dimension = dimension;
    this.id = dimension === HASH_DIMENSION ? HASH_EMBEDDER_VERSION : `${HASH_EMBEDDER_VERSION}-${dimension}`;
  }

  async embedDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embed(t, CONTEXT_WEIGHT));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embed(text);
  }

  countTokens(text: string): number {
    return approximateTokens(text);
  }

  /**
   * Synchronous core, exported for benchmarks and tests. `firstLineWeight` scales the features of the
   * text before the first line break (passages: the indexer's title > headings context).
   */
  embed(text: string, firstLineWeight = 1): Float32Array {
    const dim = this.dimension;
    const counts = new Float32Array(dim);
    const folded = fold(text);
    const firstBreak = firstLineWeight === 1 ? -1 : folded.indexOf('\n');
    let weight = firstBreak > 0 ? firstLineWeight : 1;
    // one pass over char codes, no substrings: this runs on every chunk of every document.
    // buf holds "<word>" as codes; word characters go from index 1.
    const buf = this.buffer;
    let n = 1;
    buf[0] = BOUNDARY_START;
    for (let i = 0; i <= folded.length; i++) {
      const c = i < folded.length ? folded.charCodeAt(i) : 0x20;
      if (isWordChar(c)) {
        if (n < buf.length - 1) buf[n++] = c;
        continue;
      }
      // the word the break ends is still the first line's
      const w = weight;
      if (i === firstBreak) weight = 1;
      if (n === 1) continue;
      if (n - 1 <= STOP_WORD_MAX_LENGTH && isStopWord(buf, n)) {
        n = 1;
        continue;
      }
      n = foldInflection(buf, n);
      addFeature(counts, dim, hashCodes(buf, 1, n, 0x9e3779b1), WORD_WEIGHT * w);
      // n-grams over "<word>" so that prefixes and suffixes are their own features
      buf[n++] = BOUNDARY_END;
      for (let j = 0; j + 3 <= n; j++) addFeature(counts, dim, hashCodes(buf, j, j + 3, 3), w);
      for (let j = 0; j + 4 <= n; j++) addFeature(counts, dim, hashCodes(buf, j, j + 4, 4), w);
      n = 1;
    }
    // sqrt damping: a word repeated ten times should not drown the rest of the passage
    for (let i = 0; i < dim; i++) {
      const c = counts[i]!;
      counts[i] = c > 0 ? Math.sqrt(c) : c < 0 ? -Math.sqrt(-c) : 0;
    }
    return normalise(counts);
  }
}

/** Stop words by hash of their codes (no string built per word: this runs on every word of the corpus). */
const STOP_BY_HASH = new Map<number, string>();
for (const w of STOP_WORDS) {
  const codes = Uint16Array.from(w, (ch) => ch.charCodeAt(0));
  STOP_BY_HASH.set(hashCodes(codes, 0, codes.length, STOP_SEED), w);
}

function isStopWord(buf: Uint16Array, n: number): boolean {
  const w = STOP_BY_HASH.get(hashCodes(buf, 1, n, STOP_SEED));
  if (w === undefined || w.length !== n - 1) return false;
  for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) !== buf[i + 1]) return false;
  return true;
}

/**
 * Light French inflection folding on buf[1, n[ (a word of n − 1 letters): final -s/-x (plural), then
 * final -e (feminine, twice for participles: "salariée" → "salari"), on words of more than four letters —
 * "salariées" and "salarié" meet, "taxe" and "base" stay. Returns the new end.
 */
function foldInflection(buf: Uint16Array, n: number): number {
  const S = 0x73;
  const X = 0x78;
  const E = 0x65;
  if (n - 1 > 4 && (buf[n - 1] === S || buf[n - 1] === X)) n--;
  if (n - 1 > 4 && buf[n - 1] === E) n--;
  if (n - 1 > 4 && buf[n - 1] === E) n--;
  return n;
}

const BOUNDARY_START = 0x3c; // '<'
const BOUNDARY_END = 0x3e; // '>'
const LETTER = /[\p{L}\p{N}]/u;

function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
  return LETTER.test(String.fromCharCode(c));
}

function addFeature(v: Float32Array, dim: number, h: number, weight: number): void {
  const index = h % dim;
  // one independent bit of the hash decides the sign, so collisions cancel out on average
  v[index]! += (h & 0x80000000) !== 0 ? -weight : weight;
}

/** FNV-1a over codes[start, end[ with a seed, unsigned 32 bits. */
function hashCodes(codes: Uint16Array, start: number, end: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = start; i < end; i++) {
    h ^= codes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  // final avalanche so that the low bits (used for the index) depend on every character
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
