/**
 * The embedding provider interface. Every provider (hash, local ONNX through transformers.js,
 * OpenAI-compatible server) implements it; the indexer, the chunker (token budget) and search only
 * ever see this shape.
 */
export interface Embedder {
  /** Stable identity recorded in settings('embedding'): mixing vectors of two ids is refused. */
  readonly id: string;
  readonly dimension: number;
  /** Embeds passages (chunks). Output i is the L2-normalised vector of texts[i]. */
  embedDocuments(texts: readonly string[]): Promise<Float32Array[]>;
  /** Embeds a search query (e5 models want a different prefix for queries and passages). */
  embedQuery(text: string): Promise<Float32Array>;
  /** Tokens of `text` as the model counts them: the chunker's budget unit. */
  countTokens(text: string): number;
  /** Frees native resources (ONNX sessions, sockets). */
  close?(): Promise<void>;
}

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/**
 * pgvector text form, rounded to 6 decimals: unit vectors lose nothing that matters for cosine
 * ranking, and the SQL sent for 100k chunks shrinks by half.
 */
export function vectorToSql(v: Float32Array | readonly number[]): string {
  const parts = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) parts[i] = sixDecimals(v[i]!);
  return `[${parts.join(',')}]`;
}

/**
 * `x` rounded to 6 decimals, written as `String(Math.round(x * 1e6) / 1e6)` writes it, but from integers: V8
 * writes a fraction ~10 times slower than an integer. A query's vector took 80–100 µs of each search's CPU
 * in the engine, ~9 µs now (hash embedder, cdtn-dev queries); a dense vector of 384 floats 96 → 47–51 µs.
 */
function sixDecimals(x: number): string {
  const n = Math.round(x * 1e6);
  if (n === 0) return '0';
  const m = Math.abs(n);
  // NaN, infinities, and magnitudes past exact integers: as before (pgvector refuses the first two)
  if (!Number.isSafeInteger(m)) return String(n / 1e6);
  const whole = Math.floor(m / 1e6);
  const fraction = String(m - whole * 1e6).padStart(6, '0');
  let end = 6;
  while (end > 0 && fraction.charCodeAt(end - 1) === 48 /* 0 */) end--;
  const sign = n < 0 ? '-' : '';
  return end ? `${sign}${whole}.${fraction.slice(0, end)}` : `${sign}${whole}`;
}

/** Parses pgvector's text form. */
export function vectorFromSql(text: string): Float32Array {
  const body = text.trim().replace(/^\[|\]$/g, '');
  if (!body) return new Float32Array(0);
  return Float32Array.from(body.split(',').map(Number));
}

/**
 * Token count for providers whose tokenizer is not available locally: words and punctuation marks,
 * scaled by the ratio sub-word tokenizers show on French prose (about 1.3 tokens per word). A run of
 * letters and digits longer than any French word (a hash, base64, a page of junk without a space) is
 * no word: tokenizers cut it every few characters, and counted as one word it made one chunk of a
 * 3 MB run that the chunker could not see was over budget.
 */
export function approximateTokens(text: string): number {
  return Math.ceil(countUnits(text, LONG_RUN) * 1.3);
}

/** Letters and digits in a run beyond which approximateTokens counts a word every RUN_CHARS_PER_WORD. */
export const LONG_RUN = 32;
const RUN_CHARS_PER_WORD = 4;

const SPACE = 0;
const WORD = 1;
const MARK = 2;
type CharClass = typeof SPACE | typeof WORD | typeof MARK;
const IS_WORD = /^[\p{L}\p{N}]$/u;
const IS_SPACE = /^\s$/u;
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => classifyCodePoint(c));
const nonAscii = new Map<number, CharClass>();

function classifyCodePoint(c: number): CharClass {
  const ch = String.fromCodePoint(c);
  return IS_WORD.test(ch) ? WORD : IS_SPACE.test(ch) ? SPACE : MARK;
}

/**
 * The matches of /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu, counted without building them: runs of letters and
 * digits, plus every other character that is not a space. The chunker counts the tokens of every block
 * and sentence, which made the regex's match array a tenth of a crawl's main-thread time.
 */
export function countWordsAndMarks(text: string): number {
  return countUnits(text, Infinity);
}

/** countWordsAndMarks, a run of more than `longRun` code units counting one word per RUN_CHARS_PER_WORD. */
function countUnits(text: string, longRun: number): number {
  let n = 0;
  let inWord = false;
  let runStart = 0;
  const endRun = (at: number) => {
    const length = at - runStart;
    if (length > longRun) n += Math.ceil(length / RUN_CHARS_PER_WORD) - 1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i)!;
    let cls: CharClass;
    if (c < 128) cls = ASCII_CLASS[c] as CharClass;
    else {
      if (c > 0xffff) i++; // the second half of a surrogate pair
      let known = nonAscii.get(c);
      if (known === undefined) {
        known = classifyCodePoint(c);
        if (nonAscii.size < 4096) nonAscii.set(c, known);
      }
      cls = known;
    }
    if (cls === WORD) {
      if (!inWord) {
        n++;
        runStart = c > 0xffff ? i - 1 : i;
      }
      inWord = true;
    } else {
      if (inWord) endRun(c > 0xffff ? i - 1 : i);
      if (cls === MARK) n++;
      inWord = false;
    }
  }
  if (inWord) endRun(text.length);
  return n;
}
