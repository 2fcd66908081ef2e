/**
 * The embedding model in use is recorded in settings('embedding') = {id, dimension}. Vectors of two
 * models are never mixed: indexing with another model is refused until `cite reembed` has run, and
 * the chunks.embedding column always has the recorded dimension.
 */
import { namedStatement, type Database, type Queryable } from '../db/database.js';
import { CiteError } from '../errors.js';
import type { Embedder } from './embedder.js';

export interface EmbeddingModelRecord {
  id: string;
  dimension: number;
  /** Set while `cite reembed` is re-embedding chunks (some have no vector yet). */
  reembedding?: boolean;
}

/** pgvector's HNSW index accepts vectors up to 2000 dimensions. */
export const HNSW_MAX_DIMENSION = 2000;

/**
 * The vector index's graph: 12 neighbours a node (pgvector's default is 16), 48 candidates while building.
 * Inserting a vector updates the lists of its neighbours, whose cost grows with their square: a crawled
 * chunk went into the index 40% cheaper (1.5 → 0.94 ms at 6,000 vectors; m = 8 would be 0.48 ms), for the
 * same search quality on the bench (cdtn-dev, 65,817 chunks: hybrid nDCG@10 0.368 against 0.370, vector
 * 0.323 against 0.326; m = 8 lost 0.01) and the same search speed. Migration 0130 gives existing indexes
 * the same options.
 */
export const HNSW_INDEX_OPTIONS = 'm = 12, ef_construction = 48';
const LOCK_KEY = 0x43495446; // serialises model changes across processes

export async function getEmbeddingModel(db: Queryable): Promise<EmbeddingModelRecord | undefined> {
  const { rows } = await db.query<{ value: EmbeddingModelRecord }>(`SELECT value FROM settings WHERE key = 'embedding'`);
  return rows[0]?.value;
}

export function mismatchError(recorded: EmbeddingModelRecord, embedder: Pick<Embedder, 'id' | 'dimension'>): CiteError {
  return new CiteError(
    'EMBEDDING_MODEL_MISMATCH',
    `The index holds vectors of "${recorded.id}" (${recorded.dimension} dimensions) but the configured embedder is ` +
      `"${embedder.id}" (${embedder.dimension} dimensions). Mixing them would make search meaningless. ` +
      'Either set EMBEDDINGS back to the recorded model (check that it loads: a model that fails to load falls back to "hash"), ' +
      'or run `cite reembed` to re-embed every chunk with the configured model.',
    { status: 409 },
  );
}

/** Dimension of chunks.embedding as declared (vector(n)), or undefined when unconstrained. */
export async function embeddingColumnDimension(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query<{ dim: number }>(
    `SELECT atttypmod AS dim FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'`,
  );
  const dim = Number(rows[0]?.dim ?? -1);
  return dim > 0 ? dim : undefined;
}

/** Changes the column to vector(dimension), emptying it, and rebuilds the HNSW index when possible. */
export async function resizeEmbeddingColumn(tx: Queryable, dimension: number): Promise<void> {
  await tx.query('DROP INDEX IF EXISTS chunks_embedding_idx');
  await tx.query(`ALTER TABLE chunks ALTER COLUMN embedding TYPE vector(${Math.trunc(dimension)}) USING NULL`);
  if (dimension <= HNSW_MAX_DIMENSION) await createEmbeddingIndex(tx);
}

export async function createEmbeddingIndex(tx: Queryable): Promise<void> {
  await tx.query(`CREATE INDEX IF NOT EXISTS chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops) WITH (${HNSW_INDEX_OPTIONS})`);
}

/**
 * Called before indexing: records the embedder when nothing is recorded yet (resizing the empty
 * column to its dimension), accepts it when it is the recorded one, refuses it otherwise.
 */
export async function ensureEmbeddingModel(db: Database, embedder: Pick<Embedder, 'id' | 'dimension'>): Promise<EmbeddingModelRecord> {
  const recorded = await getEmbeddingModel(db);
  if (recorded) {
    if (recorded.id !== embedder.id || recorded.dimension !== embedder.dimension) throw mismatchError(recorded, embedder);
    return recorded;
  }
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const again = await getEmbeddingModel(tx);
    if (again) {
      if (again.id !== embedder.id || again.dimension !== embedder.dimension) throw mismatchError(again, embedder);
      return again;
    }
    const columnDim = await embeddingColumnDimension(tx);
    if (columnDim !== embedder.dimension) {
      const { rows } = await tx.query<{ n: number }>('SELECT (SELECT count(*) FROM chunks WHERE embedding IS NOT NULL) + (SELECT count(*) FROM vector_backlog) AS n');
      if (Number(rows[0]?.n) > 0) {
        throw mismatchError({ id: 'unrecorded model', dimension: columnDim ?? 0 }, embedder);
      }
      await resizeEmbeddingColumn(tx, embedder.dimension);
    }
    const record: EmbeddingModelRecord = { id: embedder.id, dimension: embedder.dimension };
    await tx.query(
      `INSERT INTO settings (key, value) VALUES ('embedding', $1::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [JSON.stringify(record)],
    );
    return record;
  });
}

// named: every write transaction of a crawl runs it
const MODEL_IN_TRANSACTION = namedStatement('settings_embedding_key_share', `SELECT value FROM settings WHERE key = 'embedding' FOR KEY SHARE`);

/**
 * Inside a document's write transaction: the model must still be the recorded one. KEY SHARE lets
 * any number of writers through together while `cite reembed` (which takes the row FOR UPDATE) waits
 * for them, and them for it.
 */
export async function assertEmbeddingModelInTransaction(tx: Queryable, embedder: Pick<Embedder, 'id' | 'dimension'>): Promise<void> {
  const { rows } = await tx.query<{ value: EmbeddingModelRecord }>(MODEL_IN_TRANSACTION);
  const recorded = rows[0]?.value;
  if (!recorded) {
    throw new CiteError('EMBEDDING_MODEL_UNRECORDED', 'No embedding model is recorded in settings; indexing must start with ensureEmbeddingModel');
  }
  if (recorded.id !== embedder.id || recorded.dimension !== embedder.dimension) throw mismatchError(recorded, embedder);
}
