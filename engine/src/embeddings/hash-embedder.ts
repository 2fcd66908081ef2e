import type { Embedder } from './embedder.js';
import { approximateTokens, normalise } from './embedder.js';

/**
 * Character n-gram hashing embedder: no model, no download, deterministic, fast (it embeds the whole
 * benchmark corpus in seconds). Text is lowercased and accents are folded, so "État", "etat" and
 * "ÉTAT" meet; word 3- and 4-grams (with boundary marks) make "congé" and "congés" close, and whole
 * words weigh more than their fragments. Each feature is hashed (FNV-1a) to a dimension and a sign
 * (the "hashing trick"), counts are damped (sqrt) and the vector is L2-normalised.
 */
export const HASH_DIMENSION = 384;

const WORD_WEIGHT = 2;

/** Lowercase and fold accents and ligatures (œ → oe), keeping letters and digits only as word chars. */
export function foldFrench(text: string): string {
  // pure ASCII needs no Unicode normalisation (most of the cost on long texts)
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  return text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

export class HashEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  /** Longer "words" (base64 blobs, URLs without separators) are truncated to this many characters. */
  private readonly buffer = new Uint16Array(66);

  constructor(dimension = HASH_DIMENSION) {
    this.dimension = dimension;
    this.id = dimension === HASH_DIMENSION ? 'hash' : `hash-${dimension}`;
  }

  async embedDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embed(t));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embed(text);
  }

  countTokens(text: string): number {
    return approximateTokens(text);
  }

  /** Synchronous core, exported for benchmarks and tests. */
  embed(text: string): Float32Array {
    const dim = this.dimension;
    const counts = new Float32Array(dim);
    const folded = foldFrench(text);
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
      if (n === 1) continue;
      addFeature(counts, dim, hashCodes(buf, 1, n, 0x9e3779b1), WORD_WEIGHT);
      // n-grams over "<word>" so that prefixes and suffixes are their own features
      buf[n++] = BOUNDARY_END;
      for (let j = 0; j + 3 <= n; j++) addFeature(counts, dim, hashCodes(buf, j, j + 3, 3), 1);
      for (let j = 0; j + 4 <= n; j++) addFeature(counts, dim, hashCodes(buf, j, j + 4, 4), 1);
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
