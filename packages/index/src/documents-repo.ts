/**
 * SQL of the index's table family (documents, chunks, vector_backlog, postings_backlog; search_terms and
 * search_postings follow chunks through triggers). The index store is their one writer: ingestion, admin,
 * re-embedding, test fixtures and benches all write through this folder (index-boundary.test.ts fails
 * otherwise), so chunk_count, the BM25 statistics and the backlogs stay right whoever writes.
 */
import { namedStatement, type NamedStatement, type Queryable } from '@cite/core/db/database.js';
import { VectorArrayParam } from '@cite/core/db/vector-param.js';

/**
 * A chunk as the index stores it. The chunker (ingestion) produces these; the index store does not know
 * how text is cut, only what a chunk row holds.
 */
export interface IndexedChunk {
  ord: number;
  text: string;
  headingPath: string[];
  /** Document title + heading path: indexed and embedded with the text. */
  context: string;
  locator: object;
  tokenCount: number;
  /** Hash of context + text: an unchanged chunk keeps its vector. */
  hash: string;
  /**
   * Its tsvector (a literal) when the engine analysed it (`text-analysis/chunk-analysis.ts`); the database
   * analyses the chunks that come without one.
   */
  tsv?: string;
}

export interface ExistingDocument {
  id: number;
  contentHash: string;
  status: 'active' | 'deleted' | 'error';
}

export interface DocumentWrite {
  collectionId: number;
  sourceId: number | null;
  url: string;
  title: string;
  lang: string;
  description: string | null;
  format: string;
  contentHash: string;
  etag: string | null;
  lastModified: string | null;
  publishedAt: string | null;
  modifiedAt: string | null;
  metadata: Record<string, unknown>;
  /** The stored original of a document from a file (document_originals), null for fetched pages. */
  originalSha256?: string | null;
  /** When the content was fetched, if not now (loads that keep the fetch times of another index). */
  fetchedAt?: string | null;
  chunks: IndexedChunk[];
}

/**
 * Where a fresh chunk's vector and BM25 postings go: into the index in the writer's transaction (the
 * `embedding` column, and so the HNSW index; search_postings), or into a backlog table (vector_backlog,
 * postings_backlog), searched exactly until `indexBacklog` moves them. `index`: both into the index;
 * `backlog`: both wait; `vector-backlog`, `postings-backlog`: only that one waits. A waiting chunk's terms
 * are counted from its backlog row (search adds them to search_terms' df) until it leaves the backlog
 * (migration 0300): IDF is exact whatever the placement.
 */
const PLACEMENTS = ['index', 'backlog', 'vector-backlog', 'postings-backlog'] as const;
export type IndexPlacement = (typeof PLACEMENTS)[number];

export const vectorsWait = (p: IndexPlacement): boolean => p === 'backlog' || p === 'vector-backlog';
export const postingsWait = (p: IndexPlacement): boolean => p === 'backlog' || p === 'postings-backlog';

/** The placement where vectors wait when `vectors` says so, postings when `postings` does. */
export function placementOf(vectors: boolean, postings: boolean): IndexPlacement {
  if (vectors) return postings ? 'backlog' : 'vector-backlog';
  return postings ? 'postings-backlog' : 'index';
}

/** SQL predicate: the chunk row named `chunk` has a vector, indexed or waiting in the backlog. */
export function chunkHasVector(chunk: string): string {
  return `(${chunk}.embedding IS NOT NULL OR EXISTS (SELECT 1 FROM vector_backlog b WHERE b.chunk_id = ${chunk}.id))`;
}
const HAS_VECTOR = chunkHasVector('chunks');

export type WriteResult =
  | { outcome: 'new' | 'changed'; documentId: number; chunks: number; reused: number }
  | { outcome: 'unchanged'; documentId: number }
  /** Chunks whose vectors the caller must embed before trying again (another writer changed the document). */
  | { outcome: 'missing-vectors'; hashes: string[] };

/** Stored documents among `urls` of a collection. */
export async function findDocuments(db: Queryable, collectionId: number, urls: string[]): Promise<Map<string, ExistingDocument>> {
  const out = new Map<string, ExistingDocument>();
  if (urls.length === 0) return out;
  const { rows } = await db.query<{ id: number; url: string; content_hash: string; status: ExistingDocument['status'] }>(
    `SELECT id, url, content_hash, status FROM documents WHERE collection_id = $1 AND url = ANY($2::text[])`,
    [collectionId, urls],
  );
  for (const r of rows) out.set(r.url, { id: Number(r.id), contentHash: r.content_hash, status: r.status });
  return out;
}

/** Chunk hashes stored per document: their vectors can be reused. */
export async function chunkHashes(db: Queryable, documentIds: number[]): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>();
  if (documentIds.length === 0) return out;
  const { rows } = await db.query<{ document_id: number; hash: string }>(
    `SELECT DISTINCT document_id, hash FROM chunks WHERE document_id = ANY($1::bigint[]) AND ${HAS_VECTOR}`,
    [documentIds],
  );
  for (const r of rows) {
    const id = Number(r.document_id);
    let set = out.get(id);
    if (!set) out.set(id, (set = new Set()));
    set.add(r.hash);
  }
  return out;
}

const docColumns = `title = $3, lang = $4, description = $5, format = $6, content_hash = $7, etag = $8, last_modified = $9,
  published_at = $10, modified_at = $11, metadata = $12::jsonb, source_id = coalesce($13, source_id), chunk_count = $14,
  original_sha256 = $15, status = 'active', error = NULL, deleted_at = NULL, fetched_at = coalesce($16::timestamptz, now()), updated_at = now()`;

function docParams(w: DocumentWrite): unknown[] {
  return [
    w.collectionId,
    w.url,
    w.title,
    w.lang,
    w.description,
    w.format,
    w.contentHash,
    w.etag,
    w.lastModified,
    w.publishedAt,
    w.modifiedAt,
    JSON.stringify(w.metadata),
    w.sourceId,
    w.chunks.length,
    w.originalSha256 ?? null,
    w.fetchedAt ?? null,
  ];
}

/**
 * Writes one document and its chunks; must run inside the caller's transaction. Chunks whose hash is
 * already stored for this document keep their row (id, vector) and only move; the others are
 * inserted with the vectors `vectorOf` gives. Locks only this document's row: writers of different
 * documents never wait for each other, and no two locks are taken in opposite orders.
 */
export async function writeDocument(
  tx: Queryable,
  w: DocumentWrite,
  vectorOf: (hash: string) => Float32Array | undefined,
  options: {
    /** The caller saw no such document: try the INSERT first (one round trip less on bulk loads). */
    probablyNew?: boolean;
    placement?: IndexPlacement;
  } = {},
): Promise<WriteResult> {
  const probablyNew = options.probablyNew ?? false;
  let existing = probablyNew ? undefined : await lockDocument(tx, w.collectionId, w.url);
  let isNew = false;
  if (!existing) {
    const ins = await tx.query<{ id: number }>(
      `INSERT INTO documents (collection_id, url, title, lang, description, format, content_hash, etag, last_modified,
                              published_at, modified_at, metadata, source_id, chunk_count, original_sha256, fetched_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, coalesce($16::timestamptz, now()))
       ON CONFLICT (collection_id, url) DO NOTHING RETURNING id`,
      docParams(w),
    );
    if (ins.rows[0]) isNew = true;
    existing = isNew ? { id: Number(ins.rows[0]!.id), contentHash: w.contentHash, status: 'active' } : await lockDocument(tx, w.collectionId, w.url);
  }
  const documentId = existing!.id;
  if (!isNew && existing!.status === 'active' && existing!.contentHash === w.contentHash) {
    await tx.query(
      `UPDATE documents SET fetched_at = now(), etag = coalesce($2, etag), last_modified = coalesce($3, last_modified) WHERE id = $1`,
      [documentId, w.etag, w.lastModified],
    );
    return { outcome: 'unchanged', documentId };
  }

  const old = isNew
    ? []
    : (
        await tx.query<{ id: number; hash: string }>(
          `SELECT id, hash FROM chunks WHERE document_id = $1 AND ${HAS_VECTOR} ORDER BY ord`,
          [documentId],
        )
      ).rows;
  const pool = new Map<string, number[]>();
  for (const r of old) {
    const list = pool.get(r.hash) ?? [];
    list.push(Number(r.id));
    pool.set(r.hash, list);
  }
  const reused: { id: number; chunk: IndexedChunk }[] = [];
  const fresh: { chunk: IndexedChunk; vector: Float32Array }[] = [];
  const missing = new Set<string>();
  for (const chunk of w.chunks) {
    const id = pool.get(chunk.hash)?.shift();
    if (id !== undefined) {
      reused.push({ id, chunk });
      continue;
    }
    const vector = vectorOf(chunk.hash);
    if (vector) fresh.push({ chunk, vector });
    else missing.add(chunk.hash);
  }
  if (missing.size) return { outcome: 'missing-vectors', hashes: [...missing] };

  if (!isNew) {
    const keep = reused.map((r) => r.id);
    await tx.query('DELETE FROM chunks WHERE document_id = $1 AND NOT (id = ANY($2::bigint[]))', [documentId, keep]);
    if (keep.length) {
      // two steps: moving rows straight to their new positions could collide on (document_id, ord)
      await tx.query('UPDATE chunks SET ord = -1 - ord WHERE document_id = $1', [documentId]);
      await tx.query(
        `UPDATE chunks c SET ord = r.ord, locator = r.locator, token_count = r.token_count, heading_path = r.heading_path
           FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, ord int, locator jsonb, token_count int, heading_path text[])
          WHERE c.id = r.id`,
        [
          JSON.stringify(
            reused.map(({ id, chunk }) => ({
              id,
              ord: chunk.ord,
              locator: chunk.locator,
              token_count: chunk.tokenCount,
              heading_path: chunk.headingPath,
            })),
          ),
        ],
      );
    }
    await tx.query(`UPDATE documents SET ${docColumns} WHERE collection_id = $1 AND url = $2`, docParams(w));
  }
  await insertChunkRows(
    tx,
    fresh.map((r) => ({ documentId, ...r })),
    options.placement,
  );
  return { outcome: isNew ? 'new' : 'changed', documentId, chunks: w.chunks.length, reused: reused.length };
}

const CHUNK_COLUMNS = 'document_id, ord, text, heading_path, context, locator, token_count, hash, tsv';
const CHUNK_RECORD = 'r.document_id, r.ord, r.text, r.heading_path, r.context, r.locator, r.token_count, r.hash, r.tsv';
/**
 * Chunk rows of a JSON payload (`chunkRecord` plus `keys`: `n`, the row's position, and what names its
 * document) with the vector of the same position in a `vector[]` parameter; `alias` names the payload's rows.
 */
function chunkPayload(alias: string, keys: string, json: string, vectors: string): string {
  return `FROM jsonb_to_recordset(${json}::jsonb)
         AS ${alias}(${keys}, ord int, text text, heading_path text[], context text, locator jsonb, token_count int, hash text, tsv tsvector)
       JOIN unnest(${vectors}::vector[]) WITH ORDINALITY AS v(embedding, n) ON v.n = ${alias}.n`;
}

/**
 * The chunk rows of `rows` (a CTE with CHUNK_COLUMNS and `embedding`) inserted as `placement` says, as the
 * CTEs of one statement (the first named `ch`): a waiting vector goes to vector_backlog, matched to its
 * chunk on (document, position), waiting postings to postings_backlog as the chunk's lexemes and impacts
 * (the insert trigger then writes that chunk no postings).
 */
function chunkInserts(rows: string, placement: IndexPlacement): string {
  const vectors = vectorsWait(placement);
  const columns = vectors ? CHUNK_COLUMNS : `${CHUNK_COLUMNS}, embedding`;
  const returned = postingsWait(placement) ? 'id, document_id, ord, tsv' : 'id, document_id, ord';
  const ctes = [`ch AS (INSERT INTO chunks (${columns}) SELECT ${columns} FROM ${rows} RETURNING ${returned})`];
  if (vectors) {
    ctes.push(`vb AS (INSERT INTO vector_backlog (chunk_id, embedding)
        SELECT ch.id, ${rows}.embedding FROM ch JOIN ${rows} ON ${rows}.document_id = ch.document_id AND ${rows}.ord = ch.ord)`);
  }
  if (postingsWait(placement)) {
    // both arrays aggregated from the same rows: aligned whatever their order
    ctes.push(`pb AS (INSERT INTO postings_backlog (chunk_id, lexemes, impacts)
        SELECT ch.id, coalesce(p.lexemes, '{}'), coalesce(p.impacts, '{}') FROM ch,
          LATERAL (SELECT array_agg(x.lexeme) AS lexemes, array_agg(x.impact) AS impacts FROM cite_chunk_postings(ch.tsv) x) p)`);
  }
  return ctes.join(',\n   ');
}

/** One named statement per placement. */
function perPlacement(build: (placement: IndexPlacement) => NamedStatement): Record<IndexPlacement, NamedStatement> {
  return Object.fromEntries(PLACEMENTS.map((p) => [p, build(p)])) as Record<IndexPlacement, NamedStatement>;
}

const CHUNK_PAYLOAD = chunkPayload('r', 'n int, document_id bigint', '$1', '$2');
const INSERT_CHUNKS = perPlacement((placement) =>
  placement === 'index'
    ? namedStatement('chunks_insert', `INSERT INTO chunks (${CHUNK_COLUMNS}, embedding) SELECT ${CHUNK_RECORD}, v.embedding ${CHUNK_PAYLOAD}`)
    : namedStatement(
        `chunks_insert_${placement.replace('-', '_')}`,
        `WITH r AS (SELECT ${CHUNK_RECORD}, v.embedding ${CHUNK_PAYLOAD}),
   ${chunkInserts('r', placement)}
   SELECT count(*) FROM ch`,
      ),
);

/** A chunk's columns as the statements' JSON payloads spell them. */
function chunkRecord(chunk: IndexedChunk) {
  return {
    ord: chunk.ord,
    text: chunk.text,
    heading_path: chunk.headingPath,
    context: chunk.context,
    locator: chunk.locator,
    token_count: chunk.tokenCount,
    hash: chunk.hash,
    tsv: chunk.tsv ?? null,
  };
}

/** Chunks of any number of documents in one statement: the BM25 triggers run once for all of them. */
async function insertChunkRows(
  tx: Queryable,
  rows: { documentId: number; chunk: IndexedChunk; vector: Float32Array }[],
  placement: IndexPlacement = 'index',
): Promise<void> {
  if (rows.length === 0) return;
  const payload = rows.map(({ documentId, chunk }, i) => ({ n: i + 1, document_id: documentId, ...chunkRecord(chunk) }));
  const vectors = new VectorArrayParam(rows.map((r) => r.vector));
  await tx.query(INSERT_CHUNKS[placement], [JSON.stringify(payload), vectors]);
}

// The documents (rows in (collection, url) order: concurrent writers take the unique-index locks in the same
// order) and the chunks of those inserted, in one statement: the payloads are built before it, and a crawl's
// group transaction does not wait between the two for a main thread busy parsing pages (measured in the
// embedded database: 4 ms on average between them, 0.8 s of a 2,000-page crawl with the database held).
// Chunk rows name their document by its index in the documents' payload (`d`); a document that was already
// stored (or came twice) inserts nothing, nor do its chunks.
const NEW_DOCUMENTS = `
   r AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(i int, collection_id bigint, url text, title text, lang text,
       description text, format text, content_hash text, etag text, last_modified text, published_at timestamptz,
       modified_at timestamptz, metadata jsonb, source_id bigint, chunk_count int, original_sha256 text, fetched_at timestamptz)
   ), ins AS (
     INSERT INTO documents (collection_id, url, title, lang, description, format, content_hash, etag, last_modified,
                            published_at, modified_at, metadata, source_id, chunk_count, original_sha256, fetched_at)
     SELECT DISTINCT ON (collection_id, url) collection_id, url, title, lang, description, format, content_hash, etag,
            last_modified, published_at, modified_at, metadata, source_id, chunk_count, original_sha256, coalesce(fetched_at, now())
       FROM r ORDER BY collection_id, url, i
     ON CONFLICT (collection_id, url) DO NOTHING
     RETURNING id, collection_id, url
   ), docs AS (
     SELECT ins.id, min(r.i) AS i FROM ins JOIN r ON r.collection_id = ins.collection_id AND r.url = ins.url GROUP BY ins.id
   ), c AS (
     SELECT docs.id AS document_id, x.ord, x.text, x.heading_path, x.context, x.locator, x.token_count, x.hash, x.tsv, v.embedding
       ${chunkPayload('x', 'n int, d int', '$2', '$3')}
       JOIN docs ON docs.i = x.d
   )`;
const INSERT_NEW_DOCUMENTS = perPlacement((placement) =>
  namedStatement(
    placement === 'index' ? 'documents_insert_new' : `documents_insert_new_${placement.replace('-', '_')}`,
    placement === 'index'
      ? `WITH ${NEW_DOCUMENTS},
   ch AS (INSERT INTO chunks (${CHUNK_COLUMNS}, embedding) SELECT ${CHUNK_COLUMNS}, embedding FROM c)
   SELECT id, i FROM docs`
      : `WITH ${NEW_DOCUMENTS},
   ${chunkInserts('c', placement)}
   SELECT id, i FROM docs`,
  ),
);

/**
 * Inserts the documents of `writes` that are not stored yet, with their chunks, in one statement whatever
 * their number (the BM25 triggers on chunks then run once for all of them); must run inside the caller's
 * transaction. Returns the index (in `writes`) → id of the documents inserted; the others already existed
 * (or came twice in `writes`) and are left to `writeDocument`.
 */
export async function insertNewDocuments(
  tx: Queryable,
  writes: DocumentWrite[],
  vectorOf: (hash: string) => Float32Array | undefined,
  placement: IndexPlacement = 'index',
): Promise<Map<number, number>> {
  const inserted = new Map<number, number>();
  // a document whose vectors are not all at hand goes through writeDocument (which reports them)
  const candidates = writes
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => w.chunks.every((c) => vectorOf(c.hash)));
  if (candidates.length === 0) return inserted;
  const documents = candidates.map(({ w, i }) => {
    const p = docParams(w);
    return {
      i,
      collection_id: p[0],
      url: p[1],
      title: p[2],
      lang: p[3],
      description: p[4],
      format: p[5],
      content_hash: p[6],
      etag: p[7],
      last_modified: p[8],
      published_at: p[9],
      modified_at: p[10],
      metadata: w.metadata,
      source_id: p[12],
      chunk_count: p[13],
      original_sha256: p[14],
      fetched_at: p[15],
    };
  });
  const chunks = candidates.flatMap(({ w, i }) => w.chunks.map((chunk) => ({ d: i, chunk, vector: vectorOf(chunk.hash)! })));
  const { rows } = await tx.query<{ id: number; i: number }>(
    INSERT_NEW_DOCUMENTS[placement],
    [
      JSON.stringify(documents),
      JSON.stringify(chunks.map(({ d, chunk }, k) => ({ n: k + 1, d, ...chunkRecord(chunk) }))),
      new VectorArrayParam(chunks.map((c) => c.vector)),
    ],
  );
  for (const r of rows) inserted.set(Number(r.i), Number(r.id));
  return inserted;
}

/**
 * Documents stored active with the same content hash: only their validators and fetch time change,
 * in one statement. Returns the indexes (in `writes`) of those so noted.
 */
export async function noteUnchangedDocuments(tx: Queryable, writes: DocumentWrite[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (writes.length === 0) return out;
  const payload = writes.map((w, i) => ({ i, collection_id: w.collectionId, url: w.url, content_hash: w.contentHash, etag: w.etag, last_modified: w.lastModified }));
  const { rows } = await tx.query<{ id: number; i: number }>(
    `WITH r AS (
       SELECT DISTINCT ON (collection_id, url) * FROM jsonb_to_recordset($1::jsonb)
         AS r(i int, collection_id bigint, url text, content_hash text, etag text, last_modified text)
        ORDER BY collection_id, url, i
     )
     UPDATE documents d SET fetched_at = now(), etag = coalesce(r.etag, d.etag), last_modified = coalesce(r.last_modified, d.last_modified)
       FROM r
      WHERE d.collection_id = r.collection_id AND d.url = r.url AND d.status = 'active' AND d.content_hash = r.content_hash
     RETURNING d.id, r.i`,
    [JSON.stringify(payload)],
  );
  for (const r of rows) out.set(Number(r.i), Number(r.id));
  return out;
}

async function lockDocument(tx: Queryable, collectionId: number, url: string): Promise<ExistingDocument | undefined> {
  const { rows } = await tx.query<{ id: number; content_hash: string; status: ExistingDocument['status'] }>(
    'SELECT id, content_hash, status FROM documents WHERE collection_id = $1 AND url = $2 FOR UPDATE',
    [collectionId, url],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), contentHash: r.content_hash, status: r.status } : undefined;
}

/** Chunks whose vector waits in vector_backlog, and those whose postings wait in postings_backlog. */
export async function backlogSizes(db: Queryable): Promise<{ vectors: number; postings: number }> {
  const { rows } = await db.query<{ vectors: number; postings: number }>(
    'SELECT (SELECT count(*) FROM vector_backlog)::int AS vectors, (SELECT count(*) FROM postings_backlog)::int AS postings',
  );
  return { vectors: Number(rows[0]?.vectors ?? 0), postings: Number(rows[0]?.postings ?? 0) };
}

/**
 * Moves up to `limit` backlog chunks into the index, oldest first, in one statement per backlog: their
 * postings into search_postings and their terms into search_terms' counts (a trigger on the backlog's
 * delete; ~0.5 ms a chunk of the Code du travail in PGlite, and each lexical search reads the postings
 * backlog), then, if there were none, their vectors into `chunks.embedding` and so the HNSW index
 * (~2 ms a vector in PGlite). SKIP LOCKED: workers emptying the backlog together take different rows, and none waits
 * for a crawl writing a document. Returns the chunks moved (0: both backlogs empty, or held by others).
 */
export async function indexBacklog(db: Queryable, limit: number): Promise<{ postings: number; vectors: number }> {
  const postings = await indexBacklogPostings(db, limit);
  if (postings > 0) return { postings, vectors: 0 };
  return { postings: 0, vectors: await indexBacklogVectors(db, limit) };
}

async function indexBacklogPostings(db: Queryable, limit: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH batch AS (
       DELETE FROM postings_backlog WHERE chunk_id IN (
         SELECT chunk_id FROM postings_backlog ORDER BY chunk_id LIMIT $1 FOR UPDATE SKIP LOCKED
       ) RETURNING chunk_id, lexemes, impacts
     ), ins AS (
       INSERT INTO search_postings (lexeme, impact, chunk_id, collection_id)
       SELECT p.lexeme, p.impact, batch.chunk_id, d.collection_id
       FROM batch JOIN chunks c ON c.id = batch.chunk_id JOIN documents d ON d.id = c.document_id,
            unnest(batch.lexemes, batch.impacts) AS p(lexeme, impact)
     )
     SELECT count(*)::int AS n FROM batch`,
    [limit],
  );
  return Number(rows[0]?.n ?? 0);
}

async function indexBacklogVectors(db: Queryable, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `WITH batch AS (
       DELETE FROM vector_backlog WHERE chunk_id IN (
         SELECT chunk_id FROM vector_backlog ORDER BY chunk_id LIMIT $1 FOR UPDATE SKIP LOCKED
       ) RETURNING chunk_id, embedding
     )
     UPDATE chunks c SET embedding = batch.embedding FROM batch WHERE c.id = batch.chunk_id`,
    [limit],
  );
  return rowCount;
}

/**
 * The one delete of the index: documents marked deleted (the rows stay for history, their chunk_count
 * 0), their chunks removed (vectors and backlog rows go with them). `where` is one of the fixed
 * conditions below, never text from a request. Returns the ids deleted.
 */
async function deleteDocumentsWhere(db: Queryable, where: string, params: unknown[]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `UPDATE documents SET status = 'deleted', deleted_at = now(), updated_at = now(), chunk_count = 0
      WHERE ${where} AND status <> 'deleted' RETURNING id`,
    params,
  );
  const ids = rows.map((r) => Number(r.id));
  if (ids.length) await db.query('DELETE FROM chunks WHERE document_id = ANY($1::bigint[])', [ids]);
  return ids;
}

/** Takes a document out of search at once. False when none is active under this URL. */
export async function markDocumentDeleted(db: Queryable, collectionId: number, url: string): Promise<boolean> {
  return (await deleteDocumentsWhere(db, 'collection_id = $1 AND url = $2', [collectionId, url])).length > 0;
}

/** Every document of a source out of search (the source is being deleted). Returns how many. */
export async function markSourceDocumentsDeleted(db: Queryable, sourceId: number): Promise<number> {
  return (await deleteDocumentsWhere(db, 'source_id = $1', [sourceId])).length;
}

/**
 * Active documents of a source whose metadata holds `fields` (a DILA text's articles all carry its id:
 * `{ text_id: 'LEGITEXT…' }`), out of search, except those at `keepUrls` (written by the same import).
 * Containment, so the metadata's GIN index finds them. Returns how many.
 */
export async function markDocumentsDeletedByMetadata(
  db: Queryable,
  sourceId: number,
  fields: Record<string, string>,
  keepUrls: string[] = [],
): Promise<number> {
  return (
    await deleteDocumentsWhere(db, 'source_id = $1 AND metadata @> $2::jsonb AND NOT (url = ANY($3::text[]))', [
      sourceId,
      JSON.stringify(fields),
      keepUrls,
    ])
  ).length;
}

/** Documents found unchanged before writing: only remember that they were seen now. */
export async function touchDocuments(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length) await db.query('UPDATE documents SET fetched_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/** Active documents of a source, for finding those that disappeared from it. */
export async function activeDocumentUrls(db: Queryable, sourceId: number): Promise<{ id: number; url: string }[]> {
  const { rows } = await db.query<{ id: number; url: string }>(
    `SELECT id, url FROM documents WHERE source_id = $1 AND status = 'active' ORDER BY id`,
    [sourceId],
  );
  return rows.map((r) => ({ id: Number(r.id), url: r.url }));
}

/** These documents out of search (admin deletes, a sync finding them gone). Returns how many were active. */
export async function markDocumentsDeleted(db: Queryable, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  return (await deleteDocumentsWhere(db, 'id = ANY($1::bigint[])', [ids])).length;
}

export async function documentValidators(
  db: Queryable,
  collectionId: number,
  url: string,
): Promise<{ etag: string | null; lastModified: string | null } | null> {
  const { rows } = await db.query<{ etag: string | null; last_modified: string | null }>(
    `SELECT etag, last_modified FROM documents WHERE collection_id = $1 AND url = $2 AND status = 'active'`,
    [collectionId, url],
  );
  return rows[0] ? { etag: rows[0].etag, lastModified: rows[0].last_modified } : null;
}

export async function touchDocument(db: Queryable, collectionId: number, url: string): Promise<void> {
  await db.query(`UPDATE documents SET fetched_at = now() WHERE collection_id = $1 AND url = $2`, [collectionId, url]);
}
