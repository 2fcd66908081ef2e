/**
 * Documents and chunks as the console reads them (react-admin lists and details). Parameterised SQL
 * only; sort columns come from a whitelist, never from the request as-is.
 */
import type { Queryable } from '@cite/core/db/database.js';
import { markDocumentsDeleted } from '@cite/index/documents-repo.js';

export const DOCUMENT_SORTABLE = ['id', 'title', 'url', 'fetched_at', 'updated_at', 'chunk_count', 'status'] as const;
export const CHUNK_SORTABLE = ['ord', 'id', 'token_count'] as const;

export interface DocumentFilter {
  id?: number | number[];
  q?: string;
  source_id?: number;
  collection_id?: number;
  status?: 'active' | 'deleted' | 'error';
  format?: string;
}

export interface DocumentRecord {
  id: number;
  collection_id: number;
  collection: string;
  source_id: number | null;
  source_name: string | null;
  url: string;
  title: string;
  lang: string;
  description: string | null;
  format: string;
  status: string;
  error: string | null;
  chunk_count: number;
  metadata: Record<string, unknown>;
  published_at: string | null;
  modified_at: string | null;
  fetched_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ChunkRecord {
  id: number;
  document_id: number;
  ord: number;
  text: string;
  heading_path: string[];
  locator: Record<string, unknown>;
  token_count: number;
}

const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string).toISOString());

const DOC_SELECT = `
  SELECT d.id, d.collection_id, c.name AS collection, d.source_id, s.name AS source_name, d.url, d.title, d.lang,
         d.description, d.format, d.status, d.error, d.chunk_count, d.metadata, d.published_at, d.modified_at,
         d.fetched_at, d.created_at, d.updated_at, d.deleted_at
    FROM documents d
    JOIN collections c ON c.id = d.collection_id
    LEFT JOIN sources s ON s.id = d.source_id`;

function toDocument(r: Record<string, unknown>): DocumentRecord {
  return {
    id: Number(r.id),
    collection_id: Number(r.collection_id),
    collection: String(r.collection),
    source_id: r.source_id == null ? null : Number(r.source_id),
    source_name: (r.source_name as string | null) ?? null,
    url: String(r.url),
    title: String(r.title ?? ''),
    lang: String(r.lang ?? ''),
    description: (r.description as string | null) ?? null,
    format: String(r.format),
    status: String(r.status),
    error: (r.error as string | null) ?? null,
    chunk_count: Number(r.chunk_count),
    metadata: (r.metadata as Record<string, unknown>) ?? {},
    published_at: iso(r.published_at),
    modified_at: iso(r.modified_at),
    fetched_at: iso(r.fetched_at),
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    deleted_at: iso(r.deleted_at),
  };
}

export async function listDocuments(
  db: Queryable,
  args: { filter: DocumentFilter; sort: string; order: 'ASC' | 'DESC'; offset: number; limit: number; collections: number[] | null },
): Promise<{ rows: DocumentRecord[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const f = args.filter;
  if (f.id !== undefined) where.push(`d.id = ANY(${p(([] as number[]).concat(f.id))}::bigint[])`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(`(d.title ILIKE ${p(like)} OR d.url ILIKE ${p(like)})`);
  }
  if (f.source_id !== undefined) where.push(`d.source_id = ${p(f.source_id)}`);
  if (f.collection_id !== undefined) where.push(`d.collection_id = ${p(f.collection_id)}`);
  if (f.status) where.push(`d.status = ${p(f.status)}`);
  if (f.format) where.push(`d.format = ${p(f.format)}`);
  if (args.collections) where.push(`d.collection_id = ANY(${p(args.collections)}::bigint[])`);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const sort = (DOCUMENT_SORTABLE as readonly string[]).includes(args.sort) ? args.sort : 'id';
  const { rows: count } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents d ${whereSql}`, params);
  const { rows } = await db.query(
    `${DOC_SELECT} ${whereSql} ORDER BY d.${sort} ${args.order === 'ASC' ? 'ASC' : 'DESC'} NULLS LAST, d.id DESC
      LIMIT ${p(args.limit)} OFFSET ${p(args.offset)}`,
    params,
  );
  return { rows: rows.map(toDocument), total: count[0]?.n ?? 0 };
}

export async function getDocument(db: Queryable, id: number, collections: number[] | null): Promise<DocumentRecord | null> {
  const { rows } = await db.query(`${DOC_SELECT} WHERE d.id = $1 AND ($2::bigint[] IS NULL OR d.collection_id = ANY($2::bigint[]))`, [
    id,
    collections,
  ]);
  return rows[0] ? toDocument(rows[0]) : null;
}

/** Takes the document out of search at once: marked deleted, its chunks removed (the row stays for history). */
export async function deleteDocument(db: Queryable, id: number): Promise<void> {
  await markDocumentsDeleted(db, [id]);
}

export async function listChunks(
  db: Queryable,
  args: {
    filter: { document_id?: number; id?: number | number[] };
    sort: string;
    order: 'ASC' | 'DESC';
    offset: number;
    limit: number;
    collections: number[] | null;
  },
): Promise<{ rows: ChunkRecord[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (args.filter.document_id !== undefined) where.push(`k.document_id = ${p(args.filter.document_id)}`);
  if (args.filter.id !== undefined) where.push(`k.id = ANY(${p(([] as number[]).concat(args.filter.id))}::bigint[])`);
  if (args.collections) where.push(`d.collection_id = ANY(${p(args.collections)}::bigint[])`);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const sort = (CHUNK_SORTABLE as readonly string[]).includes(args.sort) ? args.sort : 'ord';
  const from = `FROM chunks k JOIN documents d ON d.id = k.document_id ${whereSql}`;
  const { rows: count } = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, params);
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT k.id, k.document_id, k.ord, k.text, k.heading_path, k.locator, k.token_count ${from}
      ORDER BY k.${sort} ${args.order === 'DESC' ? 'DESC' : 'ASC'}, k.id LIMIT ${p(args.limit)} OFFSET ${p(args.offset)}`,
    params,
  );
  return {
    rows: rows.map((r) => ({
      id: Number(r.id),
      document_id: Number(r.document_id),
      ord: Number(r.ord),
      text: String(r.text),
      heading_path: (r.heading_path as string[]) ?? [],
      locator: (r.locator as Record<string, unknown>) ?? {},
      token_count: Number(r.token_count),
    })),
    total: count[0]?.n ?? 0,
  };
}
