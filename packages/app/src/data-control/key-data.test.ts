import { beforeAll, expect, it } from 'vitest';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import type { Queryable } from '@cite/core/db/database.js';
import { createKey } from '../keys/api-keys.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { eraseKeyData, EXPORT_FORMAT, exportKeyData } from './key-data.js';

// Unique strings that only the erased person's data contains: after erasure, no row of any table may hold them.
const MARK = 'zqx-marie-7731';

async function answer(db: Queryable, keyId: number, question: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO answers (api_key_id, question, answer, citations) VALUES ($1, $2, $3, $4) RETURNING id`,
    [keyId, question, `Réponse à « ${question} » [1]`, JSON.stringify([{ n: 1, url: 'https://example.fr/a' }])],
  );
  return rows[0]!.id;
}

/** Tables (of the public schema) where some row's text contains `needle`. */
async function tablesContaining(db: Queryable, needle: string): Promise<string[]> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const hits: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}" t WHERE t::text ILIKE $1`, [`%${needle}%`]);
    if (rows[0]!.n > 0) hits.push(table_name);
  }
  return hits;
}

describeEachDatabase('export and erasure per API key', (ctx) => {
  let marie = 0;
  let paul = 0;
  let evaluator = 0;
  let admin = 0;
  const marieAnswers: string[] = [];
  let paulAnswer = '';

  beforeAll(async () => {
    const db = ctx.db;
    marie = (await createKey(db, { name: 'Marie (agent)', role: 'agent' })).row.id;
    paul = (await createKey(db, { name: 'Paul (agent)', role: 'agent' })).row.id;
    evaluator = (await createKey(db, { name: 'Évaluatrice', role: 'evaluator' })).row.id;
    admin = (await createKey(db, { name: 'Admin', role: 'admin' })).row.id;

    marieAnswers.push(await answer(db, marie, `Congé parental ${MARK} : quelle durée ?`));
    marieAnswers.push(await answer(db, marie, `Mon employeur ${MARK} peut-il refuser ?`));
    paulAnswer = await answer(db, paul, 'Durée de la période d’essai ?');

    await db.query(`INSERT INTO feedback (answer_id, api_key_id, rating, comment) VALUES ($1, $2, 'down', $3)`, [marieAnswers[0], marie, `pas clair ${MARK}`]);
    await db.query(`INSERT INTO feedback (answer_id, api_key_id, rating, reasons) VALUES ($1, $2, 'up', '{exact}')`, [marieAnswers[1], evaluator]);
    await db.query(`INSERT INTO feedback (answer_id, api_key_id, rating, comment) VALUES ($1, $2, 'up', $3)`, [paulAnswer, marie, `utile ${MARK}`]);
    await db.query(`INSERT INTO feedback (answer_id, api_key_id, rating) VALUES ($1, $2, 'up')`, [paulAnswer, paul]);

    const set = await db.query<{ id: number }>(`INSERT INTO eval_sets (name, origin) VALUES ('revues', 'answers') RETURNING id`);
    const item = await db.query<{ id: number }>(
      `INSERT INTO eval_items (set_id, external_id, question, answer_id) VALUES ($1, 'm1', $2, $3) RETURNING id`,
      [set.rows[0]!.id, `Congé parental ${MARK} : quelle durée ?`, marieAnswers[0]],
    );
    await db.query(`INSERT INTO eval_items (set_id, external_id, question, answer_id) VALUES ($1, 'p1', 'Durée de la période d’essai ?', $2)`, [set.rows[0]!.id, paulAnswer]);
    const run = await db.query<{ id: number }>(`INSERT INTO eval_runs (set_id) VALUES ($1) RETURNING id`, [set.rows[0]!.id]);
    await db.query(`INSERT INTO eval_results (run_id, item_id, external_id, question) VALUES ($1, $2, 'm1', $3)`, [run.rows[0]!.id, item.rows[0]!.id, `Congé parental ${MARK} : quelle durée ?`]);

    // an evaluator's review of Marie's answer copied it into the audit log
    await recordAudit(db, { actorKeyId: evaluator, actorName: 'Évaluatrice', action: 'answer.review', targetType: 'answer', targetId: marieAnswers[0], before: { question: `Congé parental ${MARK}` }, after: { reviewed: true } });
    await recordAudit(db, { actorKeyId: marie, actorName: 'Marie (agent)', action: 'auth.refused.expired', targetType: 'route', targetId: 'POST /v1/answers', ip: '10.1.2.3' });

    // a table added by some later feature that records the asking key: found by its api_key_id column
    await db.exec(`CREATE TABLE search_log_test (id bigserial PRIMARY KEY, api_key_id bigint, query text)`);
    await db.query(`INSERT INTO search_log_test (api_key_id, query) VALUES ($1, $2), ($3, 'période d’essai')`, [marie, `congé ${MARK}`, paul]);
  });

  it('exports the questions, answers and feedback of one key, and nothing of others', async () => {
    const data = await exportKeyData(ctx.db, marie);
    expect(data.format).toBe(EXPORT_FORMAT);
    expect(data.api_key).toMatchObject({ id: marie, name: 'Marie (agent)', role: 'agent' });
    expect(data.answers.map((a) => a.id).sort()).toEqual([...marieAnswers].sort());
    expect(data.answers.map((a) => a.question)).toEqual([`Congé parental ${MARK} : quelle durée ?`, `Mon employeur ${MARK} peut-il refuser ?`]);
    expect(data.answers[0]).toMatchObject({ answer: expect.stringContaining('Réponse'), citations: [{ n: 1, url: 'https://example.fr/a' }] });
    // their own feedback, including on someone else's answer; not the evaluator's feedback on theirs
    expect(data.feedback.map((f) => f.comment).sort()).toEqual([`pas clair ${MARK}`, `utile ${MARK}`]);
    expect(data.eval_items.map((e) => e.question)).toEqual([`Congé parental ${MARK} : quelle durée ?`]);
    expect(data.activity).toEqual([expect.objectContaining({ action: 'auth.refused.expired', ip: '10.1.2.3' })]);
    expect(data.other.search_log_test?.map((r) => r.query)).toEqual([`congé ${MARK}`]);
    expect(JSON.stringify(data)).not.toContain('période d’essai');
    await expect(exportKeyData(ctx.db, 999_999)).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND', status: 404 });
  });

  it('erases every trace except a content-free audit line, and leaves other keys untouched', async () => {
    const db = ctx.db;
    expect((await tablesContaining(db, MARK)).sort()).toEqual(['answers', 'audit_log', 'eval_items', 'eval_results', 'feedback', 'search_log_test']);

    const counts = await eraseKeyData(db, marie, { keyId: admin, name: 'Admin', ip: '127.0.0.1', requestId: 'req-1' });
    expect(counts).toEqual({ answers: 2, feedback: 3, eval_items: 1, eval_results: 1, audit_entries_scrubbed: 1, other: { search_log_test: 1 } });

    expect(await tablesContaining(db, MARK)).toEqual([]);
    expect((await db.query(`SELECT 1 FROM answers WHERE api_key_id = $1`, [marie])).rows).toHaveLength(0);

    // Paul's answer, his feedback and his evaluation item are intact
    expect((await db.query(`SELECT id FROM answers`)).rows.map((r) => r.id)).toEqual([paulAnswer]);
    expect((await db.query(`SELECT api_key_id FROM feedback`)).rows.map((r) => Number(r.api_key_id))).toEqual([paul]);
    expect((await db.query(`SELECT external_id FROM eval_items`)).rows.map((r) => r.external_id)).toEqual(['p1']);
    expect((await db.query(`SELECT query FROM search_log_test`)).rows.map((r) => r.query)).toEqual(['période d’essai']);

    // the review line stays (who reviewed what, when) without its content; one erasure line with counts only
    const review = await db.query<{ before: unknown; after: unknown; target_id: string }>(`SELECT before, after, target_id FROM audit_log WHERE action = 'answer.review'`);
    expect(review.rows).toEqual([{ before: null, after: null, target_id: marieAnswers[0] }]);
    const erasure = await db.query<{ actor_key_id: string; target_type: string; target_id: string; after: unknown }>(
      `SELECT actor_key_id, target_type, target_id, after FROM audit_log WHERE action = 'data.erase'`,
    );
    expect(erasure.rows).toHaveLength(1);
    expect(erasure.rows[0]).toMatchObject({ target_type: 'api_key', target_id: String(marie), after: counts });
    expect(Number(erasure.rows[0]!.actor_key_id)).toBe(admin);

    // the key itself stays (revoking it is a separate decision) and a second erasure finds nothing
    const again = await eraseKeyData(db, marie, { name: 'cli' });
    expect(again).toEqual({ answers: 0, feedback: 0, eval_items: 0, eval_results: 0, audit_entries_scrubbed: 0, other: {} });
    await expect(eraseKeyData(db, 999_999, { name: 'cli' })).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
  });
});
