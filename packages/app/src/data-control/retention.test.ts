import { beforeAll, expect, it } from 'vitest';
import type { Queryable } from '@cite/core/db/database.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { lastPurge, purgeExpired, takePurgeLease, type RetentionPolicy } from './retention.js';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

async function insertAnswer(db: Queryable, question: string, ageDays: number): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO answers (question, answer, created_at) VALUES ($1, 'réponse', $2) RETURNING id`,
    [question, daysAgo(ageDays)],
  );
  return rows[0]!.id;
}
async function insertFeedback(db: Queryable, answerId: string, ageDays: number): Promise<void> {
  await db.query(`INSERT INTO feedback (answer_id, rating, created_at) VALUES ($1, 'up', $2)`, [answerId, daysAgo(ageDays)]);
}
async function ids(db: Queryable, sql: string): Promise<string[]> {
  return (await db.query<{ id: string }>(sql)).rows.map((r) => String(r.id)).sort();
}

describeEachDatabase('retention purge', (ctx) => {
  const keep: Record<string, string[]> = { answers: [], runs: [] };
  let evalAnswer = '';
  let expiredAnswers: string[] = [];

  beforeAll(async () => {
    const db = ctx.db;
    // answers: 7 expired (more than one batch), 2 recent, 1 expired but kept in an evaluation set
    expiredAnswers = [];
    for (let i = 0; i < 7; i++) expiredAnswers.push(await insertAnswer(db, `ancienne question ${i}`, 400 + i));
    keep.answers!.push(await insertAnswer(db, 'question récente', 10), await insertAnswer(db, 'question presque expirée', 364));
    evalAnswer = await insertAnswer(db, 'question gardée pour évaluation', 500);
    keep.answers!.push(evalAnswer);
    const set = await db.query<{ id: number }>(`INSERT INTO eval_sets (name, origin) VALUES ('jeu', 'answers') RETURNING id`);
    await db.query(`INSERT INTO eval_items (set_id, external_id, question, answer_id) VALUES ($1, 'a1', 'question gardée pour évaluation', $2)`, [set.rows[0]!.id, evalAnswer]);

    // feedback: on an expired answer (goes with it), old on a recent answer (expired by the feedback rule),
    // recent, and old on the evaluation answer (exempt)
    await insertFeedback(db, expiredAnswers[0]!, 400);
    await insertFeedback(db, keep.answers![0]!, 200);
    await insertFeedback(db, keep.answers![1]!, 5);
    await insertFeedback(db, evalAnswer, 450);

    // crawl logs: an old finished run (purged with its frontier and errors), the source's latest run (kept
    // although old), an old run still running (kept), a recent run (kept)
    const col = await db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('c') RETURNING id`);
    const src = await db.query<{ id: number }>(
      `INSERT INTO sources (collection_id, name, kind, config) VALUES ($1, 's', 'website', '{"start_urls":["https://example.fr/"]}') RETURNING id`,
      [col.rows[0]!.id],
    );
    const sourceId = src.rows[0]!.id;
    const run = async (status: string, ageDays: number) =>
      (
        await db.query<{ id: string }>(
          `INSERT INTO crawl_runs (source_id, status, created_at, finished_at) VALUES ($1, $2, $3, $4) RETURNING id`,
          [sourceId, status, daysAgo(ageDays + 1), status === 'running' ? null : daysAgo(ageDays)],
        )
      ).rows[0]!.id;
    const oldRun = await run('succeeded', 200);
    const oldFailed = await run('failed', 150);
    const latest = await run('failed', 120);
    const stillRunning = await run('running', 130);
    const recent = await run('succeeded', 3);
    keep.runs = [latest, stillRunning, recent].map(String);
    await db.query(`UPDATE sources SET last_run_id = $1 WHERE id = $2`, [latest, sourceId]);
    for (const r of [oldRun, oldFailed, latest, recent]) {
      for (let i = 0; i < 5; i++) await db.query(`INSERT INTO frontier (run_id, url, host) VALUES ($1, $2, 'example.fr')`, [r, `https://example.fr/${r}/${i}`]);
      await db.query(`INSERT INTO ingest_errors (source_id, run_id, location, code, message, created_at) VALUES ($1, $2, 'x', 'E', 'm', $3)`, [sourceId, r, daysAgo(150)]);
    }
    await db.query(`INSERT INTO ingest_errors (location, code, message, created_at) VALUES ('upload.pdf', 'E', 'old upload', $1), ('upload2.pdf', 'E', 'recent upload', $2)`, [daysAgo(100), daysAgo(1)]);

    // audit: two old entries, one recent
    await db.query(`INSERT INTO audit_log (action, at) VALUES ('old.1', $1), ('old.2', $1), ('recent', $2)`, [daysAgo(800), daysAgo(1)]);
  });

  it('does nothing when every period is 0', async () => {
    const none: RetentionPolicy = { answers: 0, feedback: 0, crawl_logs: 0, audit: 0 };
    const report = await purgeExpired(ctx.db, none);
    expect(Object.values(report.deleted).every((n) => n === 0)).toBe(true);
    expect((await ctx.db.query(`SELECT 1 FROM answers`)).rows).toHaveLength(10);
  });

  it('deletes expired rows, and only them, in batches, and records the counts without content', async () => {
    const db = ctx.db;
    const policy: RetentionPolicy = { answers: 365, feedback: 90, crawl_logs: 90, audit: 730 };
    const report = await purgeExpired(db, policy, { batchSize: 2 });

    expect(report.deleted).toEqual({ answers: 7, feedback: 2, crawl_runs: 2, frontier: 10, ingest_errors: 4, audit_log: 2, document_originals: 0 });
    expect(report.exempt).toEqual({ answers: 1, feedback: 1 });

    expect(await ids(db, `SELECT id FROM answers`)).toEqual([...keep.answers!].sort());
    const fb = await db.query<{ answer_id: string }>(`SELECT answer_id FROM feedback ORDER BY answer_id`);
    expect(fb.rows.map((r) => r.answer_id).sort()).toEqual([keep.answers![1]!, evalAnswer].sort());
    expect(await ids(db, `SELECT id FROM crawl_runs`)).toEqual([...keep.runs!].sort());
    const frontierRuns = await db.query<{ run_id: string }>(`SELECT DISTINCT run_id FROM frontier`);
    expect(frontierRuns.rows.map((r) => String(r.run_id)).sort()).toEqual(keep.runs!.filter((r) => r !== keep.runs![1]).sort());
    const errors = await db.query<{ message: string; run_id: string | null }>(`SELECT message, run_id FROM ingest_errors ORDER BY id`);
    // the latest run keeps its errors; the recent run's error is old but its run is kept: purged by age
    expect(errors.rows.map((e) => e.message)).toEqual(['m', 'recent upload']);
    expect(String(errors.rows[0]!.run_id)).toBe(keep.runs![0]);
    expect((await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action NOT LIKE 'retention.%'`)).rows.map((r) => r.action)).toEqual(['recent']);

    const audit = await db.query<{ action: string; actor_name: string; after: Record<string, unknown> }>(
      `SELECT action, actor_name, after FROM audit_log WHERE action = 'retention.purge'`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.actor_name).toBe('retention');
    expect(audit.rows[0]!.after.deleted).toEqual(report.deleted);
    expect(JSON.stringify(audit.rows[0]!.after)).not.toContain('question');

    expect((await lastPurge(db))?.deleted).toEqual(report.deleted);

    // a second run finds nothing more to delete and writes no audit entry
    const again = await purgeExpired(db, policy, { batchSize: 2 });
    expect(Object.values(again.deleted).every((n) => n === 0)).toBe(true);
    expect(again.exempt.answers).toBe(1);
    expect((await db.query(`SELECT 1 FROM audit_log WHERE action = 'retention.purge'`)).rows).toHaveLength(1);
  });

  it('lets one process at a time hold the purge lease', async () => {
    expect(await takePurgeLease(ctx.db, 'worker-a', 60)).toBe(true);
    expect(await takePurgeLease(ctx.db, 'worker-b', 60)).toBe(false);
    await ctx.db.query(`UPDATE settings SET updated_at = now() - interval '61 minutes' WHERE key = 'retention.lease'`);
    expect(await takePurgeLease(ctx.db, 'worker-b', 60)).toBe(true);
  });
});
