/**
 * What the index embeds for a chunk (its context, title + headings, then its text) and the hash that
 * names that text. One definition, for the chunks ingestion writes and for those re-embedded later, so a
 * re-embedded vector equals the one indexing would have written and an unchanged chunk keeps its vector.
 */
import crypto from 'node:crypto';

export function embeddingText(chunk: { context: string; text: string }): string {
  return chunk.context ? `${chunk.context}\n${chunk.text}` : chunk.text;
}

export function chunkHash(context: string, text: string): string {
  return crypto.createHash('sha256').update(context).update('\u0000').update(text).digest('hex').slice(0, 32);
}
