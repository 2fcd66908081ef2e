/** SQL of the synonym lists (table synonym_lists, migration 0240): the one writer of the table. */
import type { Queryable } from '@cite/core/db/database.js';
import { QUERY_ANALYSER } from '../query-analyser.js';

export interface SynonymListRow {
  id: number;
  name: string;
  /** Null: the global list, applied to every search. */
  collection_id: number | null;
  collection: string | null;
  content: string;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `s.id::int AS id, s.name, s.collection_id::int AS collection_id, c.name AS collection, s.content, s.enabled,
  s.created_at, s.updated_at`;
const FROM = 'synonym_lists s LEFT JOIN collections c ON c.id = s.collection_id';

const toRow = (r: SynonymListRow): SynonymListRow => ({
  ...r,
  created_at: new Date(r.created_at).toISOString(),
  updated_at: new Date(r.updated_at).toISOString(),
});

/** `within`: a limited key's collections (it sees the global lists and its collections' lists); null = all. */
function scopeSql(within: readonly number[] | null, params: unknown[]): string {
  if (within === null) return 'true';
  params.push(within);
  return `(s.collection_id IS NULL OR s.collection_id = ANY($${params.length}::bigint[]))`;
}

export const SYNONYM_SORTS = ['id', 'name', 'collection_id', 'updated_at'] as const;

export async function listSynonymLists(
  db: Queryable,
  q: { sort: string; order: 'ASC' | 'DESC'; offset: number; limit: number; within: readonly number[] | null; ids?: number[] },
): Promise<{ rows: SynonymListRow[]; total: number }> {
  // the route's schema whitelists sort columns; checked again here since it goes into ORDER BY
  const sort = (SYNONYM_SORTS as readonly string[]).includes(q.sort) ? q.sort : 'id';
  const params: unknown[] = [];
  const where = [scopeSql(q.within, params)];
  if (q.ids) {
    params.push(q.ids);
    where.push(`s.id = ANY($${params.length}::bigint[])`);
  }
  const { rows } = await db.query<SynonymListRow & { total: string }>(
    `SELECT ${COLUMNS}, count(*) OVER () AS total FROM ${FROM} WHERE ${where.join(' AND ')}
     ORDER BY s.${sort} ${q.order === 'DESC' ? 'DESC' : 'ASC'} NULLS FIRST, s.id LIMIT ${q.limit} OFFSET ${q.offset}`,
    params,
  );
  return { rows: rows.map(({ total: _t, ...r }) => toRow(r)), total: Number(rows[0]?.total ?? 0) };
}

export async function getSynonymList(db: Queryable, id: number): Promise<SynonymListRow | undefined> {
  const { rows } = await db.query<SynonymListRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE s.id = $1`, [id]);
  return rows[0] && toRow(rows[0]);
}

export async function insertSynonymList(
  db: Queryable,
  list: { name: string; collection_id: number | null; content: string; enabled: boolean },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO synonym_lists (name, collection_id, content, enabled) VALUES ($1, $2, $3, $4) RETURNING id::int AS id`,
    [list.name, list.collection_id, list.content, list.enabled],
  );
  return rows[0]!.id;
}

export async function updateSynonymList(
  db: Queryable,
  id: number,
  patch: { name?: string; collection_id?: number | null; content?: string; enabled?: boolean },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE synonym_lists SET name = coalesce($2, name),
       collection_id = CASE WHEN $3::boolean THEN $4::bigint ELSE collection_id END,
       content = coalesce($5, content), enabled = coalesce($6, enabled), updated_at = clock_timestamp()
     WHERE id = $1`,
    [id, patch.name ?? null, patch.collection_id !== undefined, patch.collection_id ?? null, patch.content ?? null, patch.enabled ?? null],
  );
  return rowCount > 0;
}

export async function deleteSynonymList(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM synonym_lists WHERE id = $1', [id]);
  return rowCount > 0;
}

/** What tells an engine its cached lists are stale: any insert, update or delete moves one of the two. */
export async function synonymListsStamp(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ stamp: string }>(
    `SELECT count(*)::text || '@' || coalesce(max(updated_at)::text, '') AS stamp FROM synonym_lists`,
  );
  return rows[0]!.stamp;
}

export async function enabledSynonymLists(db: Queryable): Promise<Array<{ id: number; collection_id: number | null; content: string }>> {
  const { rows } = await db.query<{ id: number; collection_id: number | null; content: string }>(
    'SELECT id::int AS id, collection_id::int AS collection_id, content FROM synonym_lists WHERE enabled ORDER BY id',
  );
  return rows;
}

/** Each text as a query is analysed (query-analyser.ts): its lexemes in order, stop words dropped. One round trip. */
export async function analyseTexts(db: Queryable, texts: readonly string[]): Promise<string[][]> {
  if (texts.length === 0) return [];
  const { rows } = await db.query<{ i: string; lexemes: string[] }>(
    `SELECT x.i, coalesce((SELECT array_agg(u.lexeme ORDER BY p) FROM unnest(to_tsvector('${QUERY_ANALYSER}', x.t)) u, unnest(u.positions) p),
       '{}'::text[]) AS lexemes
     FROM unnest($1::text[]) WITH ORDINALITY AS x(t, i)`,
    [texts],
  );
  const out: string[][] = texts.map(() => []);
  for (const r of rows) out[Number(r.i) - 1] = r.lexemes ?? [];
  return out;
}

/** BM25 impact of each lexeme in each of the chunks that hold it (as term-evidence.ts reads them), by lexeme then chunk id. */
export async function lexemeImpacts(db: Queryable, lexemes: readonly string[], chunkIds: readonly (string | number)[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (lexemes.length === 0 || chunkIds.length === 0) return out;
  const { rows } = await db.query<{ id: string; lexeme: string; impact: number }>(
    `SELECT c.id::text AS id, x.lexeme, x.impact FROM chunks c, cite_chunk_postings(c.tsv) x
     WHERE c.id = ANY($2::bigint[]) AND x.lexeme COLLATE "C" = ANY($1::text[])`,
    [lexemes, chunkIds.map(String)],
  );
  for (const r of rows) {
    const byChunk = out.get(r.lexeme) ?? {};
    byChunk[r.id] = Number(r.impact);
    out.set(r.lexeme, byChunk);
  }
  return out;
}
