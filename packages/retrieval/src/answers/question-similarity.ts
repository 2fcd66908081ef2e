/**
 * The vector evidence of the relevance gate: how similar each retrieved passage is to the question,
 * by the embedder that built the index. None (an empty record) when there is no embedder, when it is
 * not the indexed model (search then falls back to lexical results: its similarities would be
 * noise), when no similarity threshold applies to it, or when embedding fails: the gate then decides
 * on lexical evidence alone, it never fails an answer.
 */
import type { Logger } from 'pino';
import type { Database } from '@cite/core/db/database.js';
import { vectorToSql, type Embedder } from '@cite/core/embeddings/embedder.js';
import { getEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { chunkSimilarities } from '../search/term-evidence.js';
import { confirmingSimilarity } from './relevance-gate.js';

export interface QuestionSimilarity {
  /** The similarity confirming a passage for this embedder (null: no vector evidence). */
  minSimilarity: number | null;
  similarities: Record<string, number>;
}

export async function questionSimilarity(
  db: Database,
  embedder: (() => Promise<Embedder>) | undefined,
  configured: number | undefined,
  question: string,
  chunkIds: readonly (string | number)[],
  log?: Logger,
): Promise<QuestionSimilarity> {
  const none = (minSimilarity: number | null): QuestionSimilarity => ({ minSimilarity, similarities: {} });
  if (!embedder || chunkIds.length === 0) return none(confirmingSimilarity(configured, null));
  try {
    const e = await embedder();
    const minSimilarity = confirmingSimilarity(configured, e);
    if (minSimilarity === null) return none(null);
    const recorded = await getEmbeddingModel(db);
    if (!recorded || recorded.id !== e.id || recorded.dimension !== e.dimension) return none(null);
    const vector = vectorToSql(await e.embedQuery(question));
    return { minSimilarity, similarities: await chunkSimilarities(db, chunkIds, vector) };
  } catch (err) {
    log?.warn({ err }, 'relevance gate: no vector evidence, lexical evidence alone');
    return none(null);
  }
}
