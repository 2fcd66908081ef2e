/**
 * Bookkeeping of a command-line or upload ingestion: the collection (created when missing), one
 * `files` source per collection that such ingestions belong to, and a crawl run whose counts and
 * ingest_errors show in the console like any crawl.
 */
import os from 'node:os';
import * as work from '@cite/core/background-work/work-runs.js';
import { CONFIG_DEFAULTS } from '@cite/core/config/config.js';
import type { Database, Queryable } from '@cite/core/db/database.js';
import type { IndexSummary } from './index-documents.js';
import { SKIP_CODES } from './skip-codes.js';
import { refuseWebCollection } from '@cite/index/collections/web-collection.js';

export const CLI_SOURCE_NAME = 'cite ingest';

/** The collection an ingestion writes into, created when missing (never the web collection). */
export async function collectionByName(db: Queryable, name: string): Promise<number> {
  refuseWebCollection(name);
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

/** Why an interrupted ingestion failed, as the console and `cite runs` show it. */
export const INGEST_INTERRUPTED =
  'INGEST_INTERRUPTED: the process running this ingestion stopped before it finished (restart, crash or kill); ' +
  'the documents it had written are kept: ingest the same inputs again to finish (unchanged documents are not re-indexed)';

/**
 * Ingest runs as background work (crawl_runs rows of work 'ingest'). A command-line or upload ingestion
 * is not claimed from a queue like a crawl: the process that started it runs it, from files only it
 * holds, and beats while it does; a run whose process died (a restart during an upload, a killed
 * `cite ingest`) cannot be taken over, so any worker's maintenance fails it with what it had done
 * (`failInterruptedIngestRuns`).
 */
export const INGEST_RUNS = work.workKind({ name: 'ingest', table: 'crawl_runs', rows: `work = 'ingest'`, stale: { on: 'fail', error: INGEST_INTERRUPTED } });

/** This process, as the keeper of the ingestions it starts. */
const INGEST_WORKER = `${os.hostname()}:${process.pid}:ingest`;

/** This process's running ingestions and their heartbeats. */
const beats = new Map<number, NodeJS.Timeout>();

/** Stops every heartbeat without a word to the database, as a killed process would (tests of crash recovery). */
export function haltIngestBeats(): void {
  for (const beat of beats.values()) clearInterval(beat);
  beats.clear();
}

export async function startIngestRun(
  db: Queryable,
  sourceId: number,
  trigger: 'cli' | 'upload',
  inputs: string[],
  heartbeatMs: number = CONFIG_DEFAULTS.CRAWLER_HEARTBEAT_MS,
): Promise<number> {
  // created claimed by this process (never queued: no other process could run it)
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO crawl_runs (source_id, trigger, work, status, started_at, heartbeat_at, locked_by, attempts, config)
     VALUES ($1, $2, 'ingest', 'running', now(), now(), $3, 1, $4::jsonb) RETURNING id`,
    [sourceId, trigger, INGEST_WORKER, JSON.stringify({ inputs })],
  );
  const runId = Number(rows[0]!.id);
  await db.query(`UPDATE sources SET last_run_id = $2, status = 'crawling', updated_at = now() WHERE id = $1`, [sourceId, runId]);
  const beat = setInterval(() => {
    // a missed beat is no harm: the next one, or the run's end, sets it. A run no longer ours (cancelled,
    // failed as interrupted during a long stall) needs no more beats; its end still records what it did.
    work.heartbeat(db, INGEST_RUNS, runId, INGEST_WORKER).then(
      (ours) => {
        if (!ours) clearInterval(beat);
      },
      () => {},
    );
  }, heartbeatMs);
  beat.unref();
  beats.set(runId, beat);
  return runId;
}

/**
 * Fails the command-line and upload ingestions whose process stopped beating for `staleMs`, with what
 * they had done: documents of their source written since the run started, per-document errors and
 * deliberate skips from ingest_errors. Their source goes back to failed. Returns the runs failed.
 */
export async function failInterruptedIngestRuns(db: Database, staleMs: number, workerId = 'maintenance'): Promise<number[]> {
  return work.reclaimStale(db, INGEST_RUNS, staleMs, workerId, async (tx, runIds) => {
    await tx.query(
      `UPDATE crawl_runs r
          SET indexed = (SELECT count(*) FROM documents d WHERE d.source_id = r.source_id AND d.status = 'active' AND d.updated_at >= r.started_at),
              failed = (SELECT count(*) FROM ingest_errors e WHERE e.run_id = r.id AND NOT e.code = ANY($2::text[])),
              skipped = (SELECT count(*) FROM ingest_errors e WHERE e.run_id = r.id AND e.code = ANY($2::text[]))
        WHERE r.id = ANY($1::bigint[])`,
      [runIds, SKIP_CODES],
    );
    await tx.query(
      `UPDATE sources s SET status = 'failed', updated_at = now()
         FROM crawl_runs r WHERE r.id = ANY($1::bigint[]) AND s.id = r.source_id AND s.last_run_id = r.id AND s.status = 'crawling'`,
      [runIds],
    );
  });
}

/**
 * Ends an ingestion this process ran: its outcome (unless it was cancelled meanwhile: it stays cancelled)
 * and, in any case, its counts, in one transaction.
 */
export async function finishIngestRun(db: Database, runId: number, summary: IndexSummary | null, error?: string): Promise<void> {
  clearInterval(beats.get(runId));
  beats.delete(runId);
  await db.transaction(async (tx) => {
    const finished = await work.finish(tx, INGEST_RUNS, runId, INGEST_WORKER, { status: error ? 'failed' : 'succeeded', error: error ?? null });
    const { rows } = await tx.query<{ source_id: number }>(
      `UPDATE crawl_runs SET discovered = $2, indexed = $3, unchanged = $4, failed = $5, deleted = $6, skipped = $7,
              fail_reasons = coalesce((SELECT jsonb_object_agg(code, n) FROM (SELECT code, count(*)::int AS n FROM ingest_errors
                                        WHERE run_id = $1 AND NOT code = ANY($8::text[]) GROUP BY code) e), '{}'),
              skip_reasons = coalesce((SELECT jsonb_object_agg(code, n) FROM (SELECT code, count(*)::int AS n FROM ingest_errors
                                        WHERE run_id = $1 AND code = ANY($8::text[]) GROUP BY code) e), '{}')
        WHERE id = $1 RETURNING source_id`,
      [
        runId,
        summary ? summary.new + summary.changed + summary.unchanged + summary.failed + (summary.skipped ?? 0) : 0,
        summary ? summary.new + summary.changed : 0,
        summary?.unchanged ?? 0,
        summary?.failed ?? 0,
        summary?.deleted ?? 0,
        summary?.skipped ?? 0,
        SKIP_CODES,
      ],
    );
    if (finished && rows[0]) {
      await tx.query(`UPDATE sources SET status = $2, updated_at = now() WHERE id = $1`, [rows[0].source_id, error ? 'failed' : 'idle']);
    }
  });
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
