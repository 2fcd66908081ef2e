/**
 * Bookkeeping of a command-line or upload ingestion: the collection (created when missing), one
 * `files` source per collection that such ingestions belong to, and a crawl run whose counts and
 * ingest_errors show in the console like any crawl.
 */
import { CONFIG_DEFAULTS } from '@cite/engine/config/config.js';
import type { Queryable } from '@cite/engine/db/database.js';
import type { IndexSummary } from './index-documents.js';
import { SKIP_CODES } from './skip-codes.js';

export const CLI_SOURCE_NAME = 'cite ingest';

export async function collectionByName(db: Queryable, name: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [name],
  );
  return Number(rows[0]!.id);
}

/** The `files` source of a collection named `name`, created when missing. */
export async function filesSource(db: Queryable, collectionId: number, name = CLI_SOURCE_NAME): Promise<number> {
  const found = await db.query<{ id: number }>(
    `SELECT id FROM sources WHERE collection_id = $1 AND name = $2 AND kind = 'files' AND deleted_at IS NULL ORDER BY id LIMIT 1`,
    [collectionId, name],
  );
  if (found.rows[0]) return Number(found.rows[0].id);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sources (collection_id, name, kind, config) VALUES ($1, $2, 'files', '{}') RETURNING id`,
    [collectionId, name],
  );
  return Number(rows[0]!.id);
}

/**
 * This process's running ingestions and their heartbeats. A command-line or upload ingestion is not
 * claimed from a queue like a crawl: the process that started it runs it, and beats while it does, so
 * that a run whose process died (a restart during an upload, a killed `cite ingest`) is told apart from
 * a slow one and failed by any worker's maintenance (`failInterruptedIngestRuns`).
 */
const beats = new Map<number, NodeJS.Timeout>();

export async function startIngestRun(
  db: Queryable,
  sourceId: number,
  trigger: 'cli' | 'upload',
  inputs: string[],
  heartbeatMs: number = CONFIG_DEFAULTS.CRAWLER_HEARTBEAT_MS,
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO crawl_runs (source_id, trigger, status, started_at, heartbeat_at, config)
     VALUES ($1, $2, 'running', now(), now(), $3::jsonb) RETURNING id`,
    [sourceId, trigger, JSON.stringify({ inputs })],
  );
  const runId = Number(rows[0]!.id);
  await db.query(`UPDATE sources SET last_run_id = $2, status = 'crawling', updated_at = now() WHERE id = $1`, [sourceId, runId]);
  const beat = setInterval(() => {
    // a missed beat is no harm: the next one, or the run's end, sets it
    db.query(`UPDATE crawl_runs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`, [runId]).catch(() => {});
  }, heartbeatMs);
  beat.unref();
  beats.set(runId, beat);
  return runId;
}

/** Why an interrupted ingestion failed, as the console and `cite runs` show it. */
export const INGEST_INTERRUPTED =
  'INGEST_INTERRUPTED: the process running this ingestion stopped before it finished (restart, crash or kill); ' +
  'the documents it had written are kept: ingest the same inputs again to finish (unchanged documents are not re-indexed)';

/**
 * Fails the command-line and upload ingestions whose process stopped beating for `staleMs`, with what
 * they had done: documents of their source written since the run started, per-document errors and
 * deliberate skips from ingest_errors. Their source goes back to failed. Returns the runs failed.
 */
export async function failInterruptedIngestRuns(db: Queryable, staleMs: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number; source_id: number }>(
    `WITH stale AS (
       SELECT id, source_id, started_at FROM crawl_runs
        WHERE status = 'running' AND trigger IN ('cli', 'upload') AND heartbeat_at < now() - $1 * interval '1 millisecond'
        FOR UPDATE SKIP LOCKED
     )
     UPDATE crawl_runs r
        SET status = 'failed', finished_at = now(), error = $2,
            indexed = (SELECT count(*) FROM documents d WHERE d.source_id = s.source_id AND d.status = 'active' AND d.updated_at >= s.started_at),
            failed = (SELECT count(*) FROM ingest_errors e WHERE e.run_id = r.id AND NOT e.code = ANY($3::text[])),
            skipped = (SELECT count(*) FROM ingest_errors e WHERE e.run_id = r.id AND e.code = ANY($3::text[]))
       FROM stale s
      WHERE r.id = s.id
      RETURNING r.id, r.source_id`,
    [staleMs, INGEST_INTERRUPTED, SKIP_CODES],
  );
  for (const r of rows) {
    await db.query(`UPDATE sources SET status = 'failed', updated_at = now() WHERE id = $1 AND last_run_id = $2 AND status = 'crawling'`, [
      r.source_id,
      r.id,
    ]);
  }
  return rows.map((r) => Number(r.id));
}

export async function finishIngestRun(db: Queryable, runId: number, summary: IndexSummary | null, error?: string): Promise<void> {
  clearInterval(beats.get(runId));
  beats.delete(runId);
  const { rows } = await db.query<{ source_id: number }>(
    `UPDATE crawl_runs SET status = $2, finished_at = now(), heartbeat_at = now(),
            discovered = $3, indexed = $4, unchanged = $5, failed = $6, deleted = $7, error = $8, skipped = $9,
            fail_reasons = coalesce((SELECT jsonb_object_agg(code, n) FROM (SELECT code, count(*)::int AS n FROM ingest_errors
                                      WHERE run_id = $1 AND NOT code = ANY($10::text[]) GROUP BY code) e), '{}'),
            skip_reasons = coalesce((SELECT jsonb_object_agg(code, n) FROM (SELECT code, count(*)::int AS n FROM ingest_errors
                                      WHERE run_id = $1 AND code = ANY($10::text[]) GROUP BY code) e), '{}')
      WHERE id = $1 RETURNING source_id`,
    [
      runId,
      error ? 'failed' : 'succeeded',
      summary ? summary.new + summary.changed + summary.unchanged + summary.failed + (summary.skipped ?? 0) : 0,
      summary ? summary.new + summary.changed : 0,
      summary?.unchanged ?? 0,
      summary?.failed ?? 0,
      summary?.deleted ?? 0,
      error ?? null,
      summary?.skipped ?? 0,
      SKIP_CODES,
    ],
  );
  if (rows[0]) {
    await db.query(`UPDATE sources SET status = $2, updated_at = now() WHERE id = $1`, [rows[0].source_id, error ? 'failed' : 'idle']);
  }
}

/**
 * The version of the content a files source holds (a bundled corpus's hash), recorded once an
 * ingestion of it succeeded; null while none has, or while a new one runs (cleared at its start, so
 * that an interrupted load is never taken for a complete one).
 */
export async function filesSourceVersion(db: Queryable, sourceId: number): Promise<string | null> {
  const { rows } = await db.query<{ version: string | null }>(`SELECT config->>'version' AS version FROM sources WHERE id = $1`, [sourceId]);
  return rows[0]?.version ?? null;
}

export async function setFilesSourceVersion(db: Queryable, sourceId: number, version: string | null): Promise<void> {
  await db.query(
    `UPDATE sources SET config = CASE WHEN $2::text IS NULL THEN config - 'version' ELSE jsonb_set(config, '{version}', to_jsonb($2::text)) END,
            updated_at = now()
      WHERE id = $1`,
    [sourceId, version],
  );
}
