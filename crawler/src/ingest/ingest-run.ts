/**
 * Bookkeeping of a command-line or upload ingestion: the collection (created when missing), one
 * `files` source per collection that such ingestions belong to, and a crawl run whose counts and
 * ingest_errors show in the console like any crawl.
 */
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

export async function startIngestRun(db: Queryable, sourceId: number, trigger: 'cli' | 'upload', inputs: string[]): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO crawl_runs (source_id, trigger, status, started_at, heartbeat_at, config)
     VALUES ($1, $2, 'running', now(), now(), $3::jsonb) RETURNING id`,
    [sourceId, trigger, JSON.stringify({ inputs })],
  );
  const runId = Number(rows[0]!.id);
  await db.query(`UPDATE sources SET last_run_id = $2, status = 'crawling', updated_at = now() WHERE id = $1`, [sourceId, runId]);
  return runId;
}

export async function finishIngestRun(db: Queryable, runId: number, summary: IndexSummary | null, error?: string): Promise<void> {
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
