/**
 * The index's one re-embedding: every chunk (`cite reembed`) or one document's (the console's reindex).
 *
 * `cite reembed` re-embeds every chunk with the configured model, in batches, resumable.
 *
 * Start (one transaction, holding the settings row so no writer interleaves): the new model is
 * recorded with `reembedding: true`, the HNSW index dropped, and every vector cleared — by altering
 * the column to the new dimension when it changes, by setting it to NULL otherwise. Then chunks
 * without a vector are embedded in id order and updated batch by batch; an interrupted run resumes
 * where it stopped (the chunks still without a vector). The index is rebuilt at the end and the flag
 * cleared. Indexing with the new model may run meanwhile; indexing with the old one is refused.
 */
import type { Logger } from 'pino';
import type { Database, Queryable } from '@cite/core/db/database.js';
import { vectorToSql, type Embedder } from '@cite/core/embeddings/embedder.js';
import {
  createEmbeddingIndex,
  embeddingColumnDimension,
  HNSW_MAX_DIMENSION,
  type EmbeddingModelRecord,
} from '@cite/core/embeddings/embedding-model-record.js';
import { chunkHasVector } from './documents-repo.js';
import { embeddingText } from './embedding-text.js';

/** A chunk (`c`) still to embed: no vector, neither indexed nor waiting in the crawl backlog. */
const WITHOUT_VECTOR = `NOT ${chunkHasVector('c')}`;

export interface ReembedOptions {
  batchSize: number;
  onProgress?: (p: { done: number; total: number }) => void;
  log?: Logger;
  /** Stop after this many batches (tests simulate an interruption). */
  maxBatches?: number;
}

export interface ReembedSummary {
  from: EmbeddingModelRecord | null;
  to: EmbeddingModelRecord;
  /** Chunks embedded by this call. */
  chunks: number;
  resized: boolean;
  /** False when interrupted (maxBatches); run again to resume. */
  complete: boolean;
  ms: number;
}

export async function reembed(db: Database, embedder: Embedder, options: Partial<ReembedOptions> = {}): Promise<ReembedSummary> {
  const opts: ReembedOptions = { batchSize: 256, ...options };
  const started = performance.now();
  const to: EmbeddingModelRecord = { id: embedder.id, dimension: embedder.dimension };

  const { from, resized } = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [0x43495446]);
    const { rows } = await tx.query<{ value: EmbeddingModelRecord }>(`SELECT value FROM settings WHERE key = 'embedding' FOR UPDATE`);
    const current = rows[0]?.value ?? null;
    const same = current && current.id === to.id && current.dimension === to.dimension;
    if (same) return { from: current, resized: false }; // resume, or re-check for chunks without vectors
    const columnDim = await embeddingColumnDimension(tx);
    await tx.query('DROP INDEX IF EXISTS chunks_embedding_idx');
    const resize = columnDim !== to.dimension;
    if (resize) {
      await tx.query(`ALTER TABLE chunks ALTER COLUMN embedding TYPE vector(${Math.trunc(to.dimension)}) USING NULL`);
    } else {
      await tx.query('UPDATE chunks SET embedding = NULL WHERE embedding IS NOT NULL');
    }
    // vectors of the old model waiting in the crawl backlog go too: those chunks are re-embedded below
    await tx.query('DELETE FROM vector_backlog');
    await tx.query(
      `INSERT INTO settings (key, value) VALUES ('embedding', $1::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [JSON.stringify({ ...to, reembedding: true })],
    );
    return { from: current, resized: resize };
  });
  opts.log?.info({ from: from?.id ?? null, to: to.id, resized }, 'reembedding chunks');

  // chunks crawled meanwhile with the new model may have theirs in the backlog already
  const { rows: countRows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM chunks c WHERE ${WITHOUT_VECTOR}`,
  );
  const total = Number(countRows[0]?.n ?? 0);
  let done = 0;
  let lastId = 0;
  let batches = 0;
  let complete = true;
  for (;;) {
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) {
      complete = false;
      break;
    }
    const { rows } = await db.query<{ id: number; context: string; text: string }>(
      `SELECT c.id, c.context, c.text FROM chunks c
        WHERE ${WITHOUT_VECTOR} AND c.id > $1
        ORDER BY c.id LIMIT $2`,
      [lastId, opts.batchSize],
    );
    if (rows.length === 0) break;
    const vectors = await embedder.embedDocuments(rows.map((r) => embeddingText(r)));
    await db.query(
      `UPDATE chunks c SET embedding = r.embedding::vector
         FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, embedding text)
        WHERE c.id = r.id AND ${WITHOUT_VECTOR}`,
      [JSON.stringify(rows.map((r, i) => ({ id: Number(r.id), embedding: vectorToSql(vectors[i]!) })))],
    );
    lastId = Number(rows.at(-1)!.id);
    done += rows.length;
    batches++;
    opts.onProgress?.({ done, total });
  }

  if (complete) {
    await db.transaction(async (tx) => {
      await tx.query(`SELECT value FROM settings WHERE key = 'embedding' FOR UPDATE`);
      if (to.dimension <= HNSW_MAX_DIMENSION) await createEmbeddingIndex(tx);
      else opts.log?.warn({ dimension: to.dimension }, 'no HNSW index above 2000 dimensions: vector search scans');
      await tx.query(`UPDATE settings SET value = $1::jsonb, updated_at = now() WHERE key = 'embedding'`, [JSON.stringify(to)]);
    });
  }
  return { from, to, chunks: done, resized, complete, ms: Math.round(performance.now() - started) };
}

/**
 * Re-embeds one document's chunks with `embedder` (the console's reindex), in one transaction: vectors
 * replaced in one statement, any of its vectors still waiting in the backlog dropped (it would replace the
 * new one once indexed), the document marked updated. Returns the chunks re-embedded.
 */
export async function reembedDocument(db: Database, embedder: Pick<Embedder, 'embedDocuments'>, documentId: number): Promise<number> {
  // embedded outside the transaction: a provider may be slow, and no lock should wait for it
  const chunks = await documentChunkTexts(db, documentId);
  const vectors = chunks.length ? await embedder.embedDocuments(chunks.map(embeddingText)) : [];
  await db.transaction(async (tx) => {
    await tx.query(
      `UPDATE chunks c SET embedding = r.embedding::vector
         FROM jsonb_to_recordset($2::jsonb) AS r(id bigint, embedding text)
        WHERE c.id = r.id AND c.document_id = $1`,
      [documentId, JSON.stringify(chunks.map((c, i) => ({ id: Number(c.id), embedding: vectorToSql(vectors[i]!) })))],
    );
    await tx.query('DELETE FROM vector_backlog WHERE chunk_id IN (SELECT id FROM chunks WHERE document_id = $1)', [documentId]);
    await tx.query(`UPDATE documents SET updated_at = now() WHERE id = $1`, [documentId]);
  });
  return chunks.length;
}

async function documentChunkTexts(db: Queryable, documentId: number): Promise<Array<{ id: number; context: string; text: string }>> {
  const { rows } = await db.query<{ id: number; context: string; text: string }>(
    `SELECT id, context, text FROM chunks WHERE document_id = $1 ORDER BY ord`,
    [documentId],
  );
  return rows;
}
