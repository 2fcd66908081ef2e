/**
 * SQL of the answers and feedback tables. Every answer is written first as 'pending', then
 * completed as 'ok' or 'error', so a failure half-way still leaves the question on record.
 */
import type { Queryable } from '@cite/core/db/database.js';
import type { Citation, UnsupportedSentence } from './types.js';

export type AnswerStatus = 'pending' | 'ok' | 'error';
export type AnswerMode = 'extractive' | 'llm';

export interface RetrievedRef {
  n: number;
  chunk_id: number | string;
  document_id: number | string;
  url: string;
  score: number;
  /** The relevance gate's strength for this passage (0–1). */
  relevance: number;
  /** The share of the question's weighted terms the passage holds (0–1). */
  coverage?: number;
  rank: number;
}

export interface AnswerRow {
  id: string;
  api_key_id: number | null;
  question: string;
  conversation: Array<{ role: string; content: string }>;
  answer: string;
  citations: Citation[];
  unsupported: UnsupportedSentence[];
  abstained: boolean;
  retrieved: RetrievedRef[];
  mode: AnswerMode;
  model: string | null;
  settings: Record<string, unknown>;
  timings: Record<string, number>;
  status: AnswerStatus;
  error: string | null;
  collections: number[] | null;
  reviewed_at: string | null;
  reviewed_by: number | null;
  created_at: string;
}

export interface AnswerListRow extends AnswerRow {
  feedback_up: number;
  feedback_down: number;
  api_key_name: string | null;
}

const COLUMNS = `a.id, a.api_key_id, a.question, a.conversation, a.answer, a.citations, a.unsupported, a.abstained,
  a.retrieved, a.mode, a.model, a.settings, a.timings, a.status, a.error, a.collections, a.reviewed_at,
  a.reviewed_by, a.created_at`;

function normalise<T extends { api_key_id?: unknown; reviewed_by?: unknown }>(row: T): T {
  const r = row as T & { api_key_id: unknown; reviewed_by: unknown };
  if (r.api_key_id !== null && r.api_key_id !== undefined) r.api_key_id = Number(r.api_key_id);
  if (r.reviewed_by !== null && r.reviewed_by !== undefined) r.reviewed_by = Number(r.reviewed_by);
  return row;
}

export async function insertPendingAnswer(
  db: Queryable,
  a: {
    apiKeyId: number | null;
    question: string;
    conversation: Array<{ role: string; content: string }>;
    mode: AnswerMode;
    model: string | null;
    settings: Record<string, unknown>;
    collections: number[] | null;
  },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO answers (api_key_id, question, conversation, mode, model, settings, status, collections)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, 'pending', $7::bigint[]) RETURNING id`,
    [a.apiKeyId, a.question, JSON.stringify(a.conversation), a.mode, a.model, JSON.stringify(a.settings), a.collections],
  );
  return rows[0]!.id;
}

export async function completeAnswer(
  db: Queryable,
  id: string,
  a: Pick<AnswerRow, 'answer' | 'citations' | 'unsupported' | 'abstained' | 'retrieved' | 'mode' | 'model' | 'timings' | 'settings'> & {
    status: Exclude<AnswerStatus, 'pending'>;
    error?: string | null;
  },
): Promise<void> {
  await db.query(
    `UPDATE answers SET status = $2, answer = $3, citations = $4::jsonb, unsupported = $5::jsonb, abstained = $6,
       retrieved = $7::jsonb, mode = $8, model = $9, timings = $10::jsonb, settings = $11::jsonb, error = $12
     WHERE id = $1`,
    [
      id,
      a.status,
      a.answer,
      JSON.stringify(a.citations),
      JSON.stringify(a.unsupported),
      a.abstained,
      JSON.stringify(a.retrieved),
      a.mode,
      a.model,
      JSON.stringify(a.timings),
      JSON.stringify(a.settings),
      a.error ?? null,
    ],
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getAnswer(db: Queryable, id: string): Promise<AnswerRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await db.query<AnswerRow>(`SELECT ${COLUMNS} FROM answers a WHERE a.id = $1`, [id]);
  return rows[0] ? normalise(rows[0]) : undefined;
}

/**
 * Whether a key restricted to some collections may see an answer: only answers asked within
 * those collections, so reviewing never widens what a key can read.
 */
export function visibleWithin(answer: Pick<AnswerRow, 'collections'>, keyCollections: number[] | null): boolean {
  if (keyCollections === null) return true;
  if (answer.collections === null) return false;
  return answer.collections.every((c) => keyCollections.includes(Number(c)));
}

export interface AnswerFilter {
  id?: string | string[];
  q?: string;
  status?: AnswerStatus;
  mode?: AnswerMode;
  abstained?: boolean;
  reviewed?: boolean;
  rating?: 'up' | 'down' | 'none';
  api_key_id?: number;
  has_unsupported?: boolean;
  created_at_gte?: string;
  created_at_lte?: string;
}

export async function listAnswers(
  db: Queryable,
  opts: { sort: string; order: 'ASC' | 'DESC'; offset: number; limit: number; filter: AnswerFilter; visibleCollections: number[] | null },
): Promise<{ rows: AnswerListRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const f = opts.filter;
  if (f.id !== undefined) {
    const ids = ([] as string[]).concat(f.id).filter((x) => UUID.test(x));
    where.push(`a.id = ANY(${p(ids)}::uuid[])`);
  }
  if (f.q) where.push(`(a.question ILIKE ${p(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} OR a.answer ILIKE $${params.length})`);
  if (f.status) where.push(`a.status = ${p(f.status)}`);
  if (f.mode) where.push(`a.mode = ${p(f.mode)}`);
  if (f.abstained !== undefined) where.push(`a.abstained = ${p(f.abstained)}`);
  if (f.reviewed !== undefined) where.push(f.reviewed ? `a.reviewed_at IS NOT NULL` : `a.reviewed_at IS NULL`);
  if (f.rating === 'none') where.push(`NOT EXISTS (SELECT 1 FROM feedback fb WHERE fb.answer_id = a.id)`);
  else if (f.rating) where.push(`EXISTS (SELECT 1 FROM feedback fb WHERE fb.answer_id = a.id AND fb.rating = ${p(f.rating)})`);
  if (f.api_key_id !== undefined) where.push(`a.api_key_id = ${p(f.api_key_id)}`);
  if (f.has_unsupported !== undefined) where.push(f.has_unsupported ? `jsonb_array_length(a.unsupported) > 0` : `jsonb_array_length(a.unsupported) = 0`);
  if (f.created_at_gte) where.push(`a.created_at >= ${p(f.created_at_gte)}::timestamptz`);
  // A bare date as upper bound means the whole of that day.
  if (f.created_at_lte)
    where.push(/^\d{4}-\d{2}-\d{2}$/.test(f.created_at_lte) ? `a.created_at < ${p(f.created_at_lte)}::date + 1` : `a.created_at <= ${p(f.created_at_lte)}::timestamptz`);
  if (opts.visibleCollections !== null) where.push(`a.collections IS NOT NULL AND a.collections <@ ${p(opts.visibleCollections)}::bigint[]`);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';

  const { rows: count } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM answers a ${whereSql}`, params);
  // Sort columns come from the route's whitelist, never from the request as-is.
  const { rows } = await db.query<AnswerListRow>(
    `SELECT ${COLUMNS}, k.name AS api_key_name,
       (SELECT count(*)::int FROM feedback fb WHERE fb.answer_id = a.id AND fb.rating = 'up') AS feedback_up,
       (SELECT count(*)::int FROM feedback fb WHERE fb.answer_id = a.id AND fb.rating = 'down') AS feedback_down
     FROM answers a LEFT JOIN api_keys k ON k.id = a.api_key_id
     ${whereSql}
     ORDER BY a.${opts.sort} ${opts.order}, a.id
     LIMIT ${p(opts.limit)} OFFSET ${p(opts.offset)}`,
    params,
  );
  return { rows: rows.map(normalise), total: count[0]!.n };
}

export async function setReviewed(db: Queryable, id: string, reviewerKeyId: number | null): Promise<AnswerRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const { rows } = await db.query<AnswerRow>(
    `UPDATE answers a SET reviewed_at = CASE WHEN $2::bigint IS NULL THEN NULL ELSE coalesce(a.reviewed_at, now()) END,
       reviewed_by = $2::bigint
     WHERE a.id = $1 RETURNING ${COLUMNS}`,
    [id, reviewerKeyId],
  );
  return rows[0] ? normalise(rows[0]) : undefined;
}

/** The passages an answer cites, as they are now (a re-crawl may have changed or removed them). */
export async function citedPassages(
  db: Queryable,
  chunkIds: Array<number | string>,
): Promise<Array<{ chunk_id: number; text: string; heading_path: string[]; locator: Record<string, unknown>; document_id: number; url: string; title: string }>> {
  const ids = chunkIds.map(Number).filter((n) => Number.isSafeInteger(n));
  if (ids.length === 0) return [];
  const { rows } = await db.query<{
    chunk_id: number;
    text: string;
    heading_path: string[];
    locator: Record<string, unknown>;
    document_id: number;
    url: string;
    title: string;
  }>(
    `SELECT c.id AS chunk_id, c.text, c.heading_path, c.locator, d.id AS document_id, d.url, d.title
     FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1::bigint[])`,
    [ids],
  );
  return rows.map((r) => ({ ...r, chunk_id: Number(r.chunk_id), document_id: Number(r.document_id) }));
}

// ---------------------------------------------------------------------------------------------
// feedback

export const FEEDBACK_REASONS = ['incorrect', 'incomplete', 'outdated_source', 'wrong_citation', 'not_useful', 'other'] as const;
export const CITATION_VERDICTS = ['supports', 'does_not_support', 'irrelevant'] as const;

export interface FeedbackRow {
  id: number;
  answer_id: string;
  api_key_id: number | null;
  api_key_name?: string | null;
  rating: 'up' | 'down';
  reasons: string[];
  comment: string | null;
  citations: Array<{ n: number; verdict: (typeof CITATION_VERDICTS)[number] }>;
  created_at: string;
  updated_at: string;
}

const FEEDBACK_COLUMNS = `f.id, f.answer_id, f.api_key_id, f.rating, f.reasons, f.comment, f.citations, f.created_at, f.updated_at`;

function normaliseFeedback(r: FeedbackRow): FeedbackRow {
  return { ...r, id: Number(r.id), api_key_id: r.api_key_id === null ? null : Number(r.api_key_id) };
}

/** One feedback per answer per key: a second one from the same key replaces the first. */
export async function upsertFeedback(
  db: Queryable,
  f: { answerId: string; apiKeyId: number; rating: 'up' | 'down'; reasons: string[]; comment: string | null; citations: FeedbackRow['citations'] },
): Promise<{ row: FeedbackRow; created: boolean }> {
  const { rows } = await db.query<FeedbackRow & { inserted: boolean }>(
    `INSERT INTO feedback AS f (answer_id, api_key_id, rating, reasons, comment, citations)
     VALUES ($1, $2, $3, $4::text[], $5, $6::jsonb)
     ON CONFLICT (answer_id, api_key_id) DO UPDATE SET rating = EXCLUDED.rating, reasons = EXCLUDED.reasons,
       comment = EXCLUDED.comment, citations = EXCLUDED.citations, updated_at = now()
     RETURNING ${FEEDBACK_COLUMNS}, (xmax = 0) AS inserted`,
    [f.answerId, f.apiKeyId, f.rating, f.reasons, f.comment, JSON.stringify(f.citations)],
  );
  const { inserted, ...row } = rows[0]!;
  return { row: normaliseFeedback(row as FeedbackRow), created: inserted };
}

export async function feedbackForAnswer(db: Queryable, answerId: string, apiKeyId?: number): Promise<FeedbackRow[]> {
  const params: unknown[] = [answerId];
  let extra = '';
  if (apiKeyId !== undefined) {
    params.push(apiKeyId);
    extra = ' AND f.api_key_id = $2';
  }
  const { rows } = await db.query<FeedbackRow>(
    `SELECT ${FEEDBACK_COLUMNS}, k.name AS api_key_name FROM feedback f LEFT JOIN api_keys k ON k.id = f.api_key_id
     WHERE f.answer_id = $1${extra} ORDER BY f.updated_at DESC`,
    params,
  );
  return rows.map(normaliseFeedback);
}

export interface FeedbackFilter {
  id?: number | number[];
  answer_id?: string;
  rating?: 'up' | 'down';
  reason?: (typeof FEEDBACK_REASONS)[number];
  api_key_id?: number;
  q?: string;
}

export async function listFeedback(
  db: Queryable,
  opts: { sort: string; order: 'ASC' | 'DESC'; offset: number; limit: number; filter: FeedbackFilter; visibleCollections: number[] | null },
): Promise<{ rows: Array<FeedbackRow & { question: string }>; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const f = opts.filter;
  if (f.id !== undefined) where.push(`f.id = ANY(${p(([] as number[]).concat(f.id))}::bigint[])`);
  if (f.answer_id !== undefined) where.push(UUID.test(f.answer_id) ? `f.answer_id = ${p(f.answer_id)}::uuid` : 'false');
  if (f.rating) where.push(`f.rating = ${p(f.rating)}`);
  if (f.reason) where.push(`${p(f.reason)} = ANY(f.reasons)`);
  if (f.api_key_id !== undefined) where.push(`f.api_key_id = ${p(f.api_key_id)}`);
  if (f.q) where.push(`(f.comment ILIKE ${p(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} OR a.question ILIKE $${params.length})`);
  if (opts.visibleCollections !== null) where.push(`a.collections IS NOT NULL AND a.collections <@ ${p(opts.visibleCollections)}::bigint[]`);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const from = `FROM feedback f JOIN answers a ON a.id = f.answer_id LEFT JOIN api_keys k ON k.id = f.api_key_id`;
  const { rows: count } = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${from} ${whereSql}`, params);
  const { rows } = await db.query<FeedbackRow & { question: string }>(
    `SELECT ${FEEDBACK_COLUMNS}, k.name AS api_key_name, a.question ${from} ${whereSql}
     ORDER BY f.${opts.sort} ${opts.order}, f.id LIMIT ${p(opts.limit)} OFFSET ${p(opts.offset)}`,
    params,
  );
  return { rows: rows.map((r) => ({ ...normaliseFeedback(r), question: r.question })), total: count[0]!.n };
}
