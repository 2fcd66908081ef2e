/** SQL of eval_sets and eval_items: sets, their questions, imports and items made from reviewed answers. */
import type { Database, Queryable } from '@cite/core/db/database.js';
import { CONFIG_DEFAULTS } from '@cite/core/config/config.js';
import { badRequest, CiteError, conflict, notFound } from '@cite/core/errors.js';
import type { EvalScope } from './eval-access.js';
import { countJsonlLines, parseEvalJsonl, type EvalItemInput, type GoldSource, type ImportLineError } from './eval-sets-import.js';

export interface EvalSetRow {
  id: number;
  name: string;
  description: string;
  origin: 'import' | 'manual' | 'answers';
  source_hash: string | null;
  created_by: number | null;
  /** The key that owns the set (its creator); null = no owner: only unrestricted keys see it, admins change it. */
  owner_id: number | null;
  created_at: string;
  updated_at: string;
  item_count: number;
  last_run_id: number | null;
}

export interface EvalItemRow {
  id: number;
  set_id: number;
  external_id: string;
  question: string;
  phrasings: string[];
  gold: GoldSource[];
  expected_answer: string | null;
  answer_id: string | null;
  position: number;
  created_at: string;
  updated_at: string;
}

/** Who may see what (eval-access.ts): the part of a scope the SQL filters on. */
type SqlScope = Pick<EvalScope, 'keyId' | 'collections'>;

/**
 * The set's columns; for a key limited to some collections, `last_run_id` is the last run it may see
 * (`collectionsParam`: the placeholder holding its collections).
 */
function setColumns(collectionsParam?: string): string {
  const runScope = collectionsParam ? ` AND r.collections IS NOT NULL AND r.collections <@ ${collectionsParam}::bigint[]` : '';
  return `s.*, (SELECT count(*)::int FROM eval_items i WHERE i.set_id = s.id) AS item_count,
  (SELECT max(r.id)::int FROM eval_runs r WHERE r.set_id = s.id${runScope}) AS last_run_id`;
}

/**
 * Condition keeping the sets a scope may see (alias `s`), its parameters pushed on `params`; null when
 * it sees every set. A key limited to some collections sees the sets it owns.
 */
export function setScopeSql(scope: SqlScope | undefined, params: unknown[], alias = 's'): string | null {
  if (!scope || scope.collections === null) return null;
  params.push(scope.keyId);
  return `${alias}.owner_id = $${params.length}`;
}

const num = (v: unknown) => (v === null || v === undefined ? v : Number(v));
function setRow(r: Record<string, unknown>): EvalSetRow {
  return { ...(r as unknown as EvalSetRow), id: Number(r.id), created_by: num(r.created_by) as number | null, owner_id: num(r.owner_id) as number | null };
}
function itemRow(r: Record<string, unknown>): EvalItemRow {
  return { ...(r as unknown as EvalItemRow), id: Number(r.id), set_id: Number(r.set_id) };
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === '23505';
}

/** The creating key owns the set; a set created without a key (the CLI) has no owner. */
export async function createSet(
  db: Queryable,
  input: { name: string; description?: string; origin?: EvalSetRow['origin']; sourceHash?: string | null; createdBy?: number | null },
): Promise<EvalSetRow> {
  try {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO eval_sets (name, description, origin, source_hash, created_by, owner_id) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
      [input.name, input.description ?? '', input.origin ?? 'manual', input.sourceHash ?? null, input.createdBy ?? null],
    );
    return (await getSet(db, Number(rows[0]!.id)))!;
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('EVAL_SET_NAME_TAKEN', `An evaluation set named "${input.name}" already exists`);
    throw e;
  }
}

/** One set, whoever may see it (eval-access.ts decides); `scope` only narrows its last_run_id. */
export async function getSet(db: Queryable, id: number, scope?: SqlScope): Promise<EvalSetRow | undefined> {
  const limited = scope && scope.collections !== null;
  const { rows } = await db.query(`SELECT ${setColumns(limited ? '$2' : undefined)} FROM eval_sets s WHERE s.id = $1`, limited ? [id, scope.collections] : [id]);
  return rows[0] ? setRow(rows[0]) : undefined;
}

export async function requireSet(db: Queryable, id: number): Promise<EvalSetRow> {
  const set = await getSet(db, id);
  if (!set) throw notFound('EVAL_SET_NOT_FOUND', `No evaluation set with id ${id}`);
  return set;
}

/** The first set imported from the same file among those the scope may see. */
export async function findSetByHash(db: Queryable, hash: string, scope?: SqlScope): Promise<EvalSetRow | undefined> {
  const params: unknown[] = [hash];
  const visible = setScopeSql(scope, params);
  const { rows } = await db.query(`SELECT s.id FROM eval_sets s WHERE s.source_hash = $1${visible ? ` AND ${visible}` : ''} ORDER BY s.id LIMIT 1`, params);
  return rows[0] ? getSet(db, Number(rows[0].id), scope) : undefined;
}

export const SET_SORTS = ['id', 'name', 'created_at', 'updated_at'] as const;

export async function listSets(
  db: Queryable,
  opts: { sort: string; order: 'ASC' | 'DESC'; limit: number; offset: number; q?: string; ids?: number[]; scope?: SqlScope },
): Promise<{ rows: EvalSetRow[]; total: number }> {
  const conds: string[] = [];
  const params: unknown[] = [];
  const visible = setScopeSql(opts.scope, params);
  if (visible) conds.push(visible);
  if (opts.q) {
    params.push(`%${opts.q}%`);
    conds.push(`(s.name ILIKE $${params.length} OR s.description ILIKE $${params.length})`);
  }
  if (opts.ids) {
    params.push(opts.ids);
    conds.push(`s.id = ANY($${params.length}::bigint[])`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const sort = (SET_SORTS as readonly string[]).includes(opts.sort) ? opts.sort : 'id';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eval_sets s ${where}`, params);
  const limited = opts.scope && opts.scope.collections !== null;
  const columns = setColumns(limited ? `$${params.length + 3}` : undefined);
  const { rows } = await db.query(
    `SELECT ${columns} FROM eval_sets s ${where} ORDER BY s.${sort} ${opts.order === 'ASC' ? 'ASC' : 'DESC'}, s.id
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, opts.limit, opts.offset, ...(limited ? [opts.scope!.collections] : [])],
  );
  return { rows: rows.map(setRow), total: total.rows[0]!.n };
}

export async function updateSet(db: Queryable, id: number, patch: { name?: string; description?: string }): Promise<EvalSetRow> {
  await requireSet(db, id);
  try {
    await db.query(
      `UPDATE eval_sets SET name = COALESCE($2, name), description = COALESCE($3, description), updated_at = now() WHERE id = $1`,
      [id, patch.name ?? null, patch.description ?? null],
    );
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('EVAL_SET_NAME_TAKEN', `An evaluation set named "${patch.name}" already exists`);
    throw e;
  }
  return (await getSet(db, id))!;
}

/** Deleting a set deletes its runs and their results; refused while one of its runs is in progress. */
export async function deleteSet(db: Queryable, id: number): Promise<EvalSetRow> {
  const set = await requireSet(db, id);
  const busy = await db.query(`SELECT 1 FROM eval_runs WHERE set_id = $1 AND status IN ('queued', 'running') LIMIT 1`, [id]);
  if (busy.rows.length) throw conflict('EVAL_SET_BUSY', `Evaluation set ${id} has a run in progress; cancel it first`);
  await db.query(`DELETE FROM eval_sets WHERE id = $1`, [id]);
  return set;
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * Items written per statement, and characters: a 60,000-line import was 60,000 statements (21 s embedded);
 * 20,000 one-line items (EVAL_IMPORT_MAX_ITEMS) are 10 statements.
 */
const UPSERT_BATCH_ITEMS = 2_000;
const UPSERT_BATCH_CHARS = 2_000_000;

/**
 * Adds or updates items by their external id (a re-import of a corrected file updates the questions
 * in place, keeping past results linked); one transaction, so a failed import changes nothing. New items
 * take the next positions in file order; items are written by batches (external ids are unique in a file).
 */
export function upsertItems(db: Database, setId: number, items: EvalItemInput[]): Promise<ImportSummary> {
  return db.transaction((tx) => writeItems(tx, setId, items));
}

/**
 * upsertItems in the caller's transaction. Each batch costs what its own items cost, however large the set
 * or the table: an item is matched to a known one by the unique index ON CONFLICT consults, never by a
 * lookup the planner may turn into a scan of the whole set (its statistics lag behind an import: a hashed
 * EXISTS read every item of the set at each batch, quadratic, 28 s for 200,000 items embedded, and a
 * per-item probe through (set_id, position) read them at each item). New items take their place in the
 * file after the set's last position; when known items were among them, one statement closes the gaps.
 */
async function writeItems(tx: Queryable, setId: number, items: EvalItemInput[]): Promise<ImportSummary> {
  await lockSetItems(tx, setId);
  const start = await tx.query<{ n: number }>(`SELECT COALESCE(max(position), -1)::int + 1 AS n FROM eval_items WHERE set_id = $1`, [setId]);
  const first = start.rows[0]!.n;
  const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0 };
  for (const batch of batches(items)) {
    const { rows: written } = await tx.query<{ inserted: boolean; changed: boolean }>(
      `INSERT INTO eval_items (set_id, external_id, question, phrasings, gold, expected_answer, position)
       SELECT $1, external_id, question, phrasings, gold, expected_answer, $3::int + ord
         FROM jsonb_to_recordset($2::jsonb) AS x(external_id text, question text, phrasings text[], gold jsonb, expected_answer text, ord int)
        ORDER BY ord
       ON CONFLICT (set_id, external_id) DO UPDATE SET
         question = EXCLUDED.question, phrasings = EXCLUDED.phrasings, gold = EXCLUDED.gold,
         expected_answer = EXCLUDED.expected_answer,
         updated_at = CASE WHEN (eval_items.question, eval_items.phrasings, eval_items.gold, eval_items.expected_answer)
                             IS DISTINCT FROM (EXCLUDED.question, EXCLUDED.phrasings, EXCLUDED.gold, EXCLUDED.expected_answer)
                           THEN now() ELSE eval_items.updated_at END
       RETURNING (xmax = 0) AS inserted, (updated_at = now()) AS changed`,
      [setId, JSON.stringify(batch), first],
    );
    for (const w of written) {
      if (w.inserted) summary.created++;
      else if (w.changed) summary.updated++;
      else summary.unchanged++;
    }
  }
  // the new items hold first + their place in the file: known ones among them left gaps
  if (summary.created > 0 && summary.created < items.length)
    await tx.query(
      `UPDATE eval_items e SET position = n.position
         FROM (SELECT id, $2::int + (row_number() OVER (ORDER BY position, id))::int - 1 AS position
                 FROM eval_items WHERE set_id = $1 AND position >= $2) n
        WHERE e.id = n.id AND e.position <> n.position`,
      [setId, first],
    );
  await tx.query(`UPDATE eval_sets SET updated_at = now() WHERE id = $1`, [setId]);
  return summary;
}

/**
 * Holds the set's row until the transaction ends, so that the writers of one set's items (imports, items
 * added one by one) take the next positions one after the other: two imports into a set at once on a
 * server both read the same last position and numbered their items alike. A statement of its own: the
 * next one then sees what the writer before committed (READ COMMITTED takes a snapshot per statement).
 */
async function lockSetItems(tx: Queryable, setId: number): Promise<void> {
  await tx.query(`SELECT 1 FROM eval_sets WHERE id = $1 FOR UPDATE`, [setId]);
}

/** The items by batches, each item with its place in the whole list (`ord`). */
function* batches(items: EvalItemInput[]): Generator<Array<EvalItemInput & { ord: number }>> {
  let batch: Array<EvalItemInput & { ord: number }> = [];
  let chars = 0;
  for (const [ord, item] of items.entries()) {
    const size = item.question.length + item.phrasings.reduce((n, p) => n + p.length, 0) + (item.expected_answer?.length ?? 0) + item.gold.length * 100;
    if (batch.length && (batch.length >= UPSERT_BATCH_ITEMS || chars + size > UPSERT_BATCH_CHARS)) {
      yield batch;
      batch = [];
      chars = 0;
    }
    batch.push({ ...item, ord });
    chars += size;
  }
  if (batch.length) yield batch;
}

export const ITEM_SORTS = ['position', 'id', 'external_id', 'question', 'updated_at'] as const;

export async function listItems(
  db: Queryable,
  opts: { setId?: number; sort: string; order: 'ASC' | 'DESC'; limit: number; offset: number; q?: string; ids?: number[]; scope?: SqlScope },
): Promise<{ rows: EvalItemRow[]; total: number }> {
  const conds: string[] = [];
  const params: unknown[] = [];
  const visible = setScopeSql(opts.scope, params);
  if (visible) conds.push(`set_id IN (SELECT s.id FROM eval_sets s WHERE ${visible})`);
  if (opts.setId !== undefined) {
    params.push(opts.setId);
    conds.push(`set_id = $${params.length}`);
  }
  if (opts.q) {
    params.push(`%${opts.q}%`);
    conds.push(`(question ILIKE $${params.length} OR external_id ILIKE $${params.length} OR array_to_string(phrasings, ' ') ILIKE $${params.length})`);
  }
  if (opts.ids) {
    params.push(opts.ids);
    conds.push(`id = ANY($${params.length}::bigint[])`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const sort = (ITEM_SORTS as readonly string[]).includes(opts.sort) ? opts.sort : 'position';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eval_items ${where}`, params);
  const { rows } = await db.query(
    `SELECT * FROM eval_items ${where} ORDER BY ${sort} ${opts.order === 'DESC' ? 'DESC' : 'ASC'}, id
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, opts.limit, opts.offset],
  );
  return { rows: rows.map(itemRow), total: total.rows[0]!.n };
}

/** Every item of a set in evaluation order. */
export async function allItems(db: Queryable, setId: number): Promise<EvalItemRow[]> {
  const { rows } = await db.query(`SELECT * FROM eval_items WHERE set_id = $1 ORDER BY position, id`, [setId]);
  return rows.map(itemRow);
}

export async function getItem(db: Queryable, id: number): Promise<EvalItemRow | undefined> {
  const { rows } = await db.query(`SELECT * FROM eval_items WHERE id = $1`, [id]);
  return rows[0] ? itemRow(rows[0]) : undefined;
}

export async function requireItem(db: Queryable, id: number): Promise<EvalItemRow> {
  const item = await getItem(db, id);
  if (!item) throw notFound('EVAL_ITEM_NOT_FOUND', `No evaluation question with id ${id}`);
  return item;
}

export async function createItem(db: Database, setId: number, item: EvalItemInput, answerId: string | null = null): Promise<EvalItemRow> {
  await requireSet(db, setId);
  try {
    return await db.transaction(async (tx) => {
      await lockSetItems(tx, setId);
      const { rows } = await tx.query(
        `INSERT INTO eval_items (set_id, external_id, question, phrasings, gold, expected_answer, answer_id, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT COALESCE(max(position), -1) + 1 FROM eval_items WHERE set_id = $1))
         RETURNING *`,
        [setId, item.external_id, item.question, item.phrasings, JSON.stringify(item.gold), item.expected_answer, answerId],
      );
      await tx.query(`UPDATE eval_sets SET updated_at = now() WHERE id = $1`, [setId]);
      return itemRow(rows[0]!);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('EVAL_ITEM_ID_TAKEN', `Set ${setId} already has a question with id "${item.external_id}"`);
    throw e;
  }
}

export async function updateItem(db: Queryable, id: number, patch: Partial<Omit<EvalItemInput, 'external_id'>> & { external_id?: string }): Promise<EvalItemRow> {
  const before = await requireItem(db, id);
  const next = { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as EvalItemRow;
  if (!next.gold.length && !next.expected_answer)
    throw badRequest('EVAL_ITEM_EMPTY', 'A question needs gold sources or an expected answer, otherwise nothing can be measured');
  try {
    const { rows } = await db.query(
      `UPDATE eval_items SET external_id = $2, question = $3, phrasings = $4, gold = $5, expected_answer = $6, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, next.external_id, next.question, next.phrasings, JSON.stringify(next.gold), next.expected_answer],
    );
    await db.query(`UPDATE eval_sets SET updated_at = now() WHERE id = $1`, [before.set_id]);
    return itemRow(rows[0]!);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('EVAL_ITEM_ID_TAKEN', `Set ${before.set_id} already has a question with id "${next.external_id}"`);
    throw e;
  }
}

export async function deleteItem(db: Queryable, id: number): Promise<EvalItemRow> {
  const item = await requireItem(db, id);
  await db.query(`DELETE FROM eval_items WHERE id = $1`, [id]);
  return item;
}

interface StoredCitation {
  n?: number;
  url?: string;
}

/**
 * Turns a stored answer into an evaluation question. Gold sources, unless given: the cited documents
 * that reviewers said support the answer (grade 2), else, for an answer rated up, every cited
 * document (grade 1). The expected answer defaults to the answer text without its markers.
 */
export async function itemFromAnswer(
  db: Queryable,
  answerId: string,
  overrides: { gold?: GoldSource[]; expected_answer?: string | null; phrasings?: string[]; external_id?: string } = {},
): Promise<EvalItemInput & { answer_id: string }> {
  if (!/^[0-9a-f-]{36}$/i.test(answerId)) throw badRequest('INVALID_ANSWER_ID', 'answer_id must be a UUID');
  const { rows } = await db.query<{ id: string; question: string; answer: string; citations: StoredCitation[]; abstained: boolean }>(
    `SELECT id, question, answer, citations, abstained FROM answers WHERE id = $1`,
    [answerId],
  );
  const answer = rows[0];
  if (!answer) throw notFound('ANSWER_NOT_FOUND', `No answer with id ${answerId}`);
  let gold = overrides.gold;
  if (!gold) {
    const fb = await db.query<{ rating: string; citations: Array<{ n: number; verdict: string }> }>(
      `SELECT rating, citations FROM feedback WHERE answer_id = $1`,
      [answerId],
    );
    const byN = new Map((answer.citations ?? []).filter((c) => c.url).map((c) => [c.n, c.url!]));
    const supported = new Set<string>();
    const refused = new Set<string>();
    for (const f of fb.rows)
      for (const v of f.citations ?? []) {
        const url = byN.get(v.n);
        if (!url) continue;
        if (v.verdict === 'supports') supported.add(url);
        else refused.add(url);
      }
    if (supported.size) gold = [...supported].map((url) => ({ url, grade: 2 }));
    else if (fb.rows.some((f) => f.rating === 'up')) gold = [...new Set(byN.values())].filter((u) => !refused.has(u)).map((url) => ({ url, grade: 1 }));
    else gold = [];
  }
  const expected = overrides.expected_answer !== undefined ? overrides.expected_answer : answer.abstained ? null : answer.answer.replace(/\s*\[\d+(?:\s*,\s*\d+)*\]/g, '').trim() || null;
  if (!gold.length && !expected)
    throw badRequest('EVAL_NO_GOLD', 'This answer has no reviewed supporting citation: give the gold sources explicitly');
  return {
    external_id: overrides.external_id ?? `answer-${answer.id}`,
    question: answer.question,
    phrasings: overrides.phrasings ?? [],
    gold,
    expected_answer: expected,
    answer_id: answer.id,
  };
}

export interface ImportResult extends ImportSummary {
  set: EvalSetRow;
  rejected: number;
  errors: ImportLineError[];
  /** The same file had been imported before: its set is returned unchanged. */
  reused?: boolean;
}

/**
 * Imports a JSONL text into a new set (`name`) or an existing one (`setId`). A file with invalid
 * lines is refused whole (every error reported) unless `skipInvalid`; `reuse` returns the set of an
 * identical file imported earlier (the CLI runs the same file again and again) among the sets `scope`
 * may see. Whether the caller may change `setId` is checked before (eval-access.ts). A file of more than
 * `maxItems` questions (EVAL_IMPORT_MAX_ITEMS) is refused before it is read any further.
 *
 * The set and its items are written in one transaction, all or nothing: a failed import leaves neither a
 * new set nor part of the file behind. The transaction holds its connection until it ends (the embedded
 * database's only one, whatever the lane: admission.ts admits a transaction once, as one statement), so
 * its length is bounded by `maxItems` and by batches that cost what their items cost (writeItems), not by
 * committing between batches, which would leave half a file behind a failure.
 */
export async function importJsonl(
  db: Database,
  input: {
    content: string;
    name?: string;
    setId?: number;
    description?: string;
    skipInvalid?: boolean;
    reuse?: boolean;
    createdBy?: number | null;
    scope?: SqlScope;
    /** Questions (non-blank lines) a file may hold; default EVAL_IMPORT_MAX_ITEMS's. */
    maxItems?: number;
  },
): Promise<ImportResult> {
  const maxItems = input.maxItems ?? CONFIG_DEFAULTS.EVAL_IMPORT_MAX_ITEMS;
  const lines = countJsonlLines(input.content);
  if (lines > maxItems)
    throw new CiteError(
      'EVAL_IMPORT_TOO_MANY_ITEMS',
      `The file holds ${lines} questions; an import takes at most ${maxItems} (EVAL_IMPORT_MAX_ITEMS). Nothing was imported: import the file in parts of at most ${maxItems} lines into the same set (set_id), or raise EVAL_IMPORT_MAX_ITEMS.`,
      { status: 413, details: { lines, max: maxItems } },
    );
  const parsed = await parseEvalJsonl(input.content);
  if (parsed.lines === 0) throw badRequest('IMPORT_EMPTY', 'The file holds no question');
  const errors = parsed.errors.slice(0, 1000);
  if (parsed.errors.length && (!input.skipInvalid || parsed.items.length === 0))
    throw badRequest(
      'EVAL_IMPORT_INVALID',
      `${parsed.errors.length} of ${parsed.lines} line(s) are invalid; nothing was imported. First: line ${parsed.errors[0]!.line}: ${parsed.errors[0]!.message}`,
      errors,
    );
  if (input.reuse && !input.setId) {
    const same = await findSetByHash(db, parsed.hash, input.scope);
    if (same) return { set: same, created: 0, updated: 0, unchanged: same.item_count, rejected: parsed.errors.length, errors, reused: true };
  }
  if (!input.setId && !input.name) throw badRequest('EVAL_SET_NAME_REQUIRED', 'Give a name for the new set, or the id of an existing set');
  // one transaction: an import that fails leaves no new, empty set behind
  const { set, summary } = await db.transaction(async (tx) => {
    const set = input.setId
      ? await requireSet(tx, input.setId)
      : await createSet(tx, { name: input.name!, description: input.description, origin: 'import', sourceHash: parsed.hash, createdBy: input.createdBy });
    return { set, summary: await writeItems(tx, set.id, parsed.items) };
  });
  return { set: (await getSet(db, set.id, input.scope))!, ...summary, rejected: parsed.errors.length, errors };
}
