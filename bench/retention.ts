/**
 * Retention purge throughput on a throw-away database (the PostgreSQL server of DATABASE_URL, else an
 * in-memory embedded one): N expired answers with feedback, one old crawl run with N frontier rows and
 * N audit entries, half of each recent; then one purge.
 *   npx tsx bench/retention.ts [--rows 100000] [--batch 1000]
 */
import { purgeExpired } from '@cite/app/data-control/retention.js';
import { openTestDatabase } from '@cite/core/testing/databases.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const rows = arg('rows', 100_000);
const batch = arg('batch', 1000);
const mode = process.env.DATABASE_URL ? 'server' : 'embedded';
const { db, dispose } = await openTestDatabase(mode);
try {
  let t = performance.now();
  await db.query(
    `INSERT INTO answers (question, answer, created_at)
     SELECT 'question ' || g, 'réponse ' || g, now() - make_interval(days => CASE WHEN g % 2 = 0 THEN 400 ELSE 10 END)
     FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await db.query(`INSERT INTO feedback (answer_id, rating, created_at) SELECT id, 'up', created_at FROM answers`);
  const c = await db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('bench') RETURNING id`);
  const s = await db.query<{ id: number }>(`INSERT INTO sources (collection_id, name, kind) VALUES ($1, 'b', 'website') RETURNING id`, [c.rows[0]!.id]);
  const r = await db.query<{ id: number }>(
    `INSERT INTO crawl_runs (source_id, status, created_at, finished_at) VALUES ($1, 'succeeded', now() - interval '200 days', now() - interval '200 days') RETURNING id`,
    [s.rows[0]!.id],
  );
  await db.query(`INSERT INTO frontier (run_id, url, host) SELECT $1, 'https://bench.example/' || g, 'bench.example' FROM generate_series(1, $2::int) g`, [r.rows[0]!.id, rows]);
  await db.query(
    `INSERT INTO audit_log (action, at) SELECT 'bench', now() - make_interval(days => CASE WHEN g % 2 = 0 THEN 800 ELSE 1 END) FROM generate_series(1, $1::int) g`,
    [rows],
  );
  const setupMs = performance.now() - t;
  t = performance.now();
  const report = await purgeExpired(db, { answers: 365, feedback: 365, crawl_logs: 90, audit: 730 }, { batchSize: batch });
  const ms = performance.now() - t;
  const deleted = Object.values(report.deleted).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${mode} database, batch ${batch}: setup ${(setupMs / 1000).toFixed(1)} s; purge deleted ${deleted} rows ${JSON.stringify(report.deleted)} ` +
      `in ${(ms / 1000).toFixed(1)} s (${Math.round(deleted / (ms / 1000))} rows/s)\n`,
  );
} finally {
  await dispose();
}
