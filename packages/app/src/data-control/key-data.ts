/**
 * Export and erasure of what one API key (the person behind it) left in Cité: questions, answers,
 * feedback, evaluation items made from their answers, and rows of any other table that records an
 * `api_key_id`. Erasure deletes them in one transaction and leaves one content-free audit line;
 * audit entries about the erased answers keep their line but lose their before/after content.
 */
import type { Database, Queryable } from '@cite/core/db/database.js';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { CiteError } from '@cite/core/errors.js';
import { findById, type ApiKeyRow } from '../keys/api-keys-repo.js';

export const EXPORT_FORMAT = 'cite.key-data-export.v1';

export interface KeyDataExport {
  format: typeof EXPORT_FORMAT;
  exported_at: string;
  api_key: Pick<ApiKeyRow, 'id' | 'name' | 'role' | 'prefix' | 'created_at' | 'expires_at' | 'revoked_at' | 'last_used_at'>;
  /** Questions asked with the key and the answers given. */
  answers: Array<Record<string, unknown>>;
  /** Feedback given with the key (on any answer). */
  feedback: Array<Record<string, unknown>>;
  /** Evaluation items made from the key's answers (they copy the question). */
  eval_items: Array<Record<string, unknown>>;
  /** What was done with the key (audit entries where it is the actor), without before/after content. */
  activity: Array<Record<string, unknown>>;
  /** Other tables holding rows with this api_key_id, by table name. */
  other: Record<string, Array<Record<string, unknown>>>;
}

export interface ErasureCounts {
  answers: number;
  feedback: number;
  eval_items: number;
  eval_results: number;
  audit_entries_scrubbed: number;
  other: Record<string, number>;
}

const KNOWN_TABLES = new Set(['answers', 'feedback']);

async function requireKey(db: Queryable, keyId: number): Promise<ApiKeyRow> {
  const key = await findById(db, keyId);
  if (!key) throw new CiteError('API_KEY_NOT_FOUND', `No API key with id ${keyId}`, { status: 404 });
  return key;
}

/** Tables other than answers/feedback with an `api_key_id` column (search logs, conversations… added later). */
async function otherKeyTables(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.column_name = 'api_key_id' AND c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name`,
  );
  return rows.map((r) => r.table_name).filter((t) => !KNOWN_TABLES.has(t) && /^[a-z_][a-z0-9_]*$/.test(t));
}

export async function exportKeyData(db: Queryable, keyId: number): Promise<KeyDataExport> {
  const key = await requireKey(db, keyId);
  const answers = await db.query(
    `SELECT id, created_at, question, conversation, answer, citations, unsupported, abstained, mode, model,
            status, error, collections, reviewed_at
     FROM answers WHERE api_key_id = $1 ORDER BY created_at, id`,
    [keyId],
  );
  const feedback = await db.query(
    `SELECT id, answer_id, rating, reasons, comment, citations, created_at, updated_at
     FROM feedback WHERE api_key_id = $1 ORDER BY created_at, id`,
    [keyId],
  );
  const evalItems = await db.query(
    `SELECT e.id, e.set_id, s.name AS set_name, e.answer_id, e.question, e.phrasings, e.expected_answer, e.created_at
     FROM eval_items e JOIN eval_sets s ON s.id = e.set_id JOIN answers a ON a.id = e.answer_id
     WHERE a.api_key_id = $1 ORDER BY e.id`,
    [keyId],
  );
  const activity = await db.query(
    `SELECT at, action, target_type, target_id, ip, request_id FROM audit_log WHERE actor_key_id = $1 ORDER BY at, id`,
    [keyId],
  );
  const other: KeyDataExport['other'] = {};
  for (const table of await otherKeyTables(db)) {
    const { rows } = await db.query(`SELECT * FROM ${table} WHERE api_key_id = $1`, [keyId]);
    if (rows.length) other[table] = rows;
  }
  return {
    format: EXPORT_FORMAT,
    exported_at: new Date().toISOString(),
    api_key: {
      id: key.id,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      created_at: key.created_at,
      expires_at: key.expires_at,
      revoked_at: key.revoked_at,
      last_used_at: key.last_used_at,
    },
    answers: answers.rows,
    feedback: feedback.rows,
    eval_items: evalItems.rows,
    activity: activity.rows,
    other,
  };
}

/** What an export holds, as counts (for the audit entry of an export). */
export function exportCounts(e: KeyDataExport): Record<string, number> {
  return {
    answers: e.answers.length,
    feedback: e.feedback.length,
    eval_items: e.eval_items.length,
    activity: e.activity.length,
    ...Object.fromEntries(Object.entries(e.other).map(([t, rows]) => [t, rows.length])),
  };
}

export interface Actor {
  keyId?: number | null;
  name: string;
  ip?: string;
  requestId?: string;
}

/**
 * Deletes everything the key's person left (see the module comment) in one transaction; the audit
 * line it writes holds the key id and counts, nothing of the content.
 */
export async function eraseKeyData(db: Database, keyId: number, actor: Actor): Promise<ErasureCounts> {
  await requireKey(db, keyId);
  return db.transaction(async (tx) => {
    const answerIds = (await tx.query<{ id: string }>(`SELECT id FROM answers WHERE api_key_id = $1`, [keyId])).rows.map((r) => r.id);
    const feedbackIds = (
      await tx.query<{ id: string }>(`SELECT id FROM feedback WHERE api_key_id = $1 OR answer_id = ANY($2::uuid[])`, [keyId, answerIds])
    ).rows.map((r) => String(r.id));
    const itemIds = (await tx.query<{ id: string }>(`SELECT id FROM eval_items WHERE answer_id = ANY($1::uuid[])`, [answerIds])).rows.map((r) =>
      String(r.id),
    );

    const counts: ErasureCounts = { answers: 0, feedback: 0, eval_items: 0, eval_results: 0, audit_entries_scrubbed: 0, other: {} };
    // Audit lines about these answers stay (who did what, when) but lose the content they copied.
    counts.audit_entries_scrubbed = (
      await tx.query(
        `UPDATE audit_log SET before = NULL, after = NULL
         WHERE (before IS NOT NULL OR after IS NOT NULL)
           AND (target_id = ANY($1::text[])
                OR (target_type ILIKE '%feedback%' AND target_id = ANY($2::text[]))
                OR (target_type ILIKE '%eval%item%' AND target_id = ANY($3::text[])))`,
        [answerIds, feedbackIds, itemIds],
      )
    ).rowCount;
    // Evaluation results copy the item's question; they go with the item.
    counts.eval_results = (await tx.query(`DELETE FROM eval_results WHERE item_id = ANY($1::bigint[])`, [itemIds])).rowCount;
    counts.eval_items = (await tx.query(`DELETE FROM eval_items WHERE id = ANY($1::bigint[])`, [itemIds])).rowCount;
    counts.feedback = (await tx.query(`DELETE FROM feedback WHERE id = ANY($1::bigint[])`, [feedbackIds])).rowCount;
    for (const table of await otherKeyTables(tx)) {
      const n = (await tx.query(`DELETE FROM ${table} WHERE api_key_id = $1`, [keyId])).rowCount;
      if (n) counts.other[table] = n;
    }
    counts.answers = (await tx.query(`DELETE FROM answers WHERE id = ANY($1::uuid[])`, [answerIds])).rowCount;

    await recordAudit(tx, {
      actorKeyId: actor.keyId ?? null,
      actorName: actor.name,
      action: 'data.erase',
      targetType: 'api_key',
      targetId: keyId,
      after: counts,
      ip: actor.ip,
      requestId: actor.requestId,
    });
    return counts;
  });
}
