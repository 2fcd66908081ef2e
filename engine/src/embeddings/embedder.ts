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
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    if (i) out += ',';
    out += Math.round(v[i]! * 1e6) / 1e6;
  }
  return out + ']';
}

/** Parses pgvector's text form. */
export function vectorFromSql(text: string): Float32Array {
  const body = text.trim().replace(/^\[|\]$/g, '');
  if (!body) return new Float32Array(0);
  return Float32Array.from(body.split(',').map(Number));
}

/**
 * Token count for providers whose tokenizer is not available locally: words and punctuation marks,
 * scaled by the ratio sub-word tokenizers show on French prose (about 1.3 tokens per word).
 */
export function approximateTokens(text: string): number {
  const m = text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu);
  return m ? Math.ceil(m.length * 1.3) : 0;
}
