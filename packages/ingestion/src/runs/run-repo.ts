/** SQL for crawl runs: creation, counts (computed from the frontier), listing and detail. */
import * as work from '@cite/core/background-work/work-runs.js';
import type { Database, Queryable } from '@cite/core/db/database.js';
import { badRequest, notFound } from '@cite/core/errors.js';
import { INGEST_RUNS } from '../ingest/ingest-run.js';
import { SKIP_CODES } from '../ingest/skip-codes.js';
import { SourceBusyError } from '../sources/source-repo.js';
import type { SourceConfig, SourceKind } from '../sources/source-schema.js';

/**
 * Crawl runs as background work (crawl_runs rows of work 'crawl'): claimed from the queue by whichever
 * worker starts them, then worked on by every worker through the frontier, and beaten for by the live
 * counts any of them refreshes. A crawl whose workers all died is adopted by the next worker (its URLs'
 * claims being requeued by the frontier), never failed: the frontier holds everything needed to go on.
 */
export const CRAWL_RUNS = work.workKind({ name: 'crawl', table: 'crawl_runs', rows: `work = 'crawl'`, stale: { on: 'adopt' } });

export const RUN_TRIGGERS = ['manual', 'schedule', 'cli', 'upload'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunCounts {
  discovered: number;
  fetched: number;
  indexed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  deleted: number;
  skip_reasons: Record<string, number>;
  fail_reasons: Record<string, number>;
}

export interface CrawlRunRecord extends RunCounts {
  id: number;
  source_id: number;
  source_name?: string;
  status: RunStatus;
  trigger: RunTrigger;
  phase: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface RunErrorGroup {
  reason: string;
  count: number;
  /** A few URLs (or locations) for each reason, to open and check. */
  examples: Array<{ url: string; message: string | null; http_status: number | null }>;
}

export interface CrawlRunDetail extends CrawlRunRecord {
  errors: RunErrorGroup[];
  failed_urls: Array<{ url: string; reason: string; message: string | null; http_status: number | null; attempts: number }>;
  in_progress: number;
  pending: number;
}

export interface RunRow {
  id: number;
  source_id: number;
  status: RunStatus;
  phase: 'crawl' | 'revalidate';
  config: SourceConfig & { kind: SourceKind; collection_id: number };
  started_at: Date | null;
}

const iso = (d: unknown): string | null => (d == null ? null : new Date(d as string).toISOString());

/** Queues a crawl of a source; refuses when one is already queued or running. */
export async function createRun(db: Database, sourceId: number, trigger: RunTrigger, createdBy?: string): Promise<number> {
  return db.transaction(async (tx) => {
    const src = await tx.query<{ id: number; deleted_at: Date | null }>(
      'SELECT id, deleted_at FROM sources WHERE id = $1 FOR UPDATE',
      [sourceId],
    );
    if (!src.rows[0] || src.rows[0].deleted_at) throw notFound('SOURCE_NOT_FOUND', `Source ${sourceId} does not exist`);
    const active = await tx.query<{ id: number }>(
      `SELECT id FROM crawl_runs WHERE source_id = $1 AND status IN ('queued', 'running') ORDER BY id LIMIT 1`,
      [sourceId],
    );
    if (active.rows[0]) throw new SourceBusyError(sourceId, Number(active.rows[0].id));
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO crawl_runs (source_id, trigger, created_by) VALUES ($1, $2, $3) RETURNING id`,
      [sourceId, trigger, createdBy ?? null],
    );
    await tx.query(`UPDATE sources SET status = 'queued', last_run_id = $2, updated_at = now() WHERE id = $1`, [
      sourceId,
      rows[0]!.id,
    ]);
    return Number(rows[0]!.id);
  });
}

/** Counts of a run, computed from its frontier rows and per-document ingestion errors. */
export async function computeCounts(db: Queryable, runId: number): Promise<RunCounts> {
  const { rows } = await db.query<Record<string, number>>(
    `SELECT count(*) FILTER (WHERE kind IN ('page', 'revalidate'))
              + coalesce(sum((counts->>'total')::int), 0) AS discovered,
            count(*) FILTER (WHERE fetched_at IS NOT NULL) AS fetched,
            count(*) FILTER (WHERE status = 'done' AND outcome = 'indexed') + coalesce(sum((counts->>'indexed')::int), 0) AS indexed,
            count(*) FILTER (WHERE status = 'done' AND outcome = 'unchanged') + coalesce(sum((counts->>'unchanged')::int), 0) AS unchanged,
            count(*) FILTER (WHERE status = 'done' AND outcome = 'deleted') + coalesce(sum((counts->>'deleted')::int), 0) AS deleted,
            count(*) FILTER (WHERE status = 'skipped') + coalesce(sum((counts->>'skipped')::int), 0) AS skipped,
            count(*) FILTER (WHERE status = 'failed') + coalesce(sum((counts->>'failed')::int), 0) AS failed
       FROM frontier WHERE run_id = $1`,
    [runId],
  );
  // a bundle's documents left out on purpose are in ingest_errors under a skip code (ingest/skip-codes.ts); URLs
  // skipped without a row of their own (a sitemap's past its 50,000 or past max_pages) in their row's counts
  const reasons = await db.query<{ status: string; reason: string; n: number }>(
    `SELECT status, outcome AS reason, count(*)::int AS n FROM frontier
      WHERE run_id = $1 AND status IN ('skipped', 'failed') GROUP BY status, outcome
     UNION ALL
     SELECT 'skipped', s.key, sum(s.value::int)::int
       FROM frontier f CROSS JOIN LATERAL jsonb_each_text(f.counts->'skip_reasons') s
      WHERE f.run_id = $1 AND f.counts ? 'skip_reasons' GROUP BY s.key
     UNION ALL
     SELECT CASE WHEN code = ANY($2::text[]) THEN 'skipped' ELSE 'failed' END, code, count(*)::int
       FROM ingest_errors WHERE run_id = $1 GROUP BY code`,
    [runId, SKIP_CODES],
  );
  const skip: Record<string, number> = {};
  const fail: Record<string, number> = {};
  for (const r of reasons.rows) {
    const bucket = r.status === 'skipped' ? skip : fail;
    bucket[r.reason ?? 'unknown'] = (bucket[r.reason ?? 'unknown'] ?? 0) + Number(r.n);
  }
  const c = rows[0] ?? {};
  const n = (k: string) => Number(c[k] ?? 0);
  return {
    discovered: n('discovered'),
    fetched: n('fetched'),
    indexed: n('indexed'),
    unchanged: n('unchanged'),
    skipped: n('skipped'),
    failed: n('failed'),
    deleted: n('deleted'),
    skip_reasons: skip,
    fail_reasons: fail,
  };
}

/** The live counts of a running crawl, written as its heartbeat; false when it is no longer running. */
export async function beatRun(db: Queryable, runId: number): Promise<boolean> {
  const c = await computeCounts(db, runId);
  return work.heartbeat(db, CRAWL_RUNS, runId, null, {
    discovered: c.discovered,
    fetched: c.fetched,
    indexed: c.indexed,
    unchanged: c.unchanged,
    skipped: c.skipped,
    failed: c.failed,
    deleted: c.deleted,
    skip_reasons: JSON.stringify(c.skip_reasons),
    fail_reasons: JSON.stringify(c.fail_reasons),
  });
}

/** Stores the live counts on the run row (lists read them from there) and refreshes the heartbeat. */
export async function refreshRunCounts(db: Queryable, runId: number): Promise<RunCounts> {
  const c = await computeCounts(db, runId);
  await db.query(
    `UPDATE crawl_runs SET discovered = $2, fetched = $3, indexed = $4, unchanged = $5, skipped = $6, failed = $7,
            deleted = $8, skip_reasons = $9, fail_reasons = $10, heartbeat_at = now()
      WHERE id = $1`,
    [runId, c.discovered, c.fetched, c.indexed, c.unchanged, c.skipped, c.failed, c.deleted,
      JSON.stringify(c.skip_reasons), JSON.stringify(c.fail_reasons)],
  );
  return c;
}

const RUN_SELECT = `
  SELECT r.id, r.source_id, s.name AS source_name, r.status, r.trigger, r.phase, r.error, r.discovered, r.fetched,
         r.indexed, r.unchanged, r.skipped, r.failed, r.deleted, r.skip_reasons, r.fail_reasons,
         r.created_at, r.started_at, r.finished_at, (r.config ? 'kind') AS crawled
    FROM crawl_runs r JOIN sources s ON s.id = r.source_id`;

function toRunRecord(r: Record<string, unknown>): CrawlRunRecord {
  const started = r.started_at ? new Date(r.started_at as string).getTime() : null;
  const finished = r.finished_at ? new Date(r.finished_at as string).getTime() : null;
  return {
    id: Number(r.id),
    source_id: Number(r.source_id),
    source_name: r.source_name as string,
    status: r.status as RunStatus,
    trigger: r.trigger as RunTrigger,
    phase: r.phase as string,
    error: (r.error as string) ?? null,
    discovered: Number(r.discovered),
    fetched: Number(r.fetched),
    indexed: Number(r.indexed),
    unchanged: Number(r.unchanged),
    skipped: Number(r.skipped),
    failed: Number(r.failed),
    deleted: Number(r.deleted),
    skip_reasons: (r.skip_reasons as Record<string, number>) ?? {},
    fail_reasons: (r.fail_reasons as Record<string, number>) ?? {},
    created_at: iso(r.created_at)!,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    duration_ms: started == null ? null : (finished ?? Date.now()) - started,
  };
}

export const RUN_SORTABLE = ['id', 'created_at', 'started_at', 'finished_at', 'status', 'source_id'] as const;

export interface RunFilter {
  id?: number | number[];
  source_id?: number;
  status?: RunStatus;
  trigger?: RunTrigger;
}

export async function listRuns(
  db: Queryable,
  /** collections: only runs of these collections' sources (a limited admin's view); null/undefined = all. */
  args: { sort: string; order: 'ASC' | 'DESC'; offset: number; limit: number; filter: RunFilter; collections?: number[] | null },
): Promise<{ rows: CrawlRunRecord[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  const f = args.filter;
  if (f.id !== undefined) add('r.id = ANY(?::bigint[])', Array.isArray(f.id) ? f.id : [f.id]);
  if (f.source_id !== undefined) add('r.source_id = ?', f.source_id);
  if (f.status) add('r.status = ?', f.status);
  if (f.trigger) add('r.trigger = ?', f.trigger);
  if (args.collections) add('r.source_id IN (SELECT id FROM sources WHERE collection_id = ANY(?::bigint[]))', args.collections);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const sort = (RUN_SORTABLE as readonly string[]).includes(args.sort) ? args.sort : 'id';
  const order = args.order === 'ASC' ? 'ASC' : 'DESC';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM crawl_runs r ${whereSql}`, params);
  const { rows } = await db.query<Record<string, unknown>>(
    `${RUN_SELECT} ${whereSql} ORDER BY r.${sort} ${order} NULLS LAST, r.id ${order} LIMIT ${Number(args.limit)} OFFSET ${Number(args.offset)}`,
    params,
  );
  return { rows: rows.map(toRunRecord), total: Number(total.rows[0]?.n ?? 0) };
}

/** A run's status (queued, running, succeeded…), undefined when there is no such run. */
export async function runStatus(db: Queryable, runId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM crawl_runs WHERE id = $1', [runId]);
  return rows[0]?.status;
}

/** The collection of a run's source; undefined when there is no such run. */
export async function runCollection(db: Queryable, runId: number): Promise<number | undefined> {
  const { rows } = await db.query<{ collection_id: number }>(
    'SELECT s.collection_id FROM crawl_runs r JOIN sources s ON s.id = r.source_id WHERE r.id = $1',
    [runId],
  );
  return rows[0] ? Number(rows[0].collection_id) : undefined;
}

/** One run with live counts (while running), errors grouped by reason and the failed URLs. */
export async function getRunDetail(db: Queryable, runId: number, failedLimit = 200): Promise<CrawlRunDetail> {
  if (!Number.isSafeInteger(runId) || runId <= 0) throw badRequest('INVALID_ID', 'Run id must be a positive integer');
  const { rows } = await db.query<Record<string, unknown>>(`${RUN_SELECT} WHERE r.id = $1`, [runId]);
  if (!rows[0]) throw notFound('CRAWL_RUN_NOT_FOUND', `Crawl run ${runId} does not exist`);
  const rec = toRunRecord(rows[0]);
  if ((rec.status === 'running' || rec.status === 'queued') && rows[0].crawled) Object.assign(rec, await computeCounts(db, runId));
  const groups = await db.query<{ reason: string; n: number; examples: RunErrorGroup['examples'] }>(
    `SELECT reason, count(*)::int AS n,
            (array_agg(json_build_object('url', url, 'message', message, 'http_status', http_status) ORDER BY id))[1:5] AS examples
       FROM (SELECT id, outcome AS reason, url, error AS message, http_status FROM frontier WHERE run_id = $1 AND status = 'failed'
             UNION ALL
             SELECT id, code, location, message, NULL FROM ingest_errors WHERE run_id = $1 AND NOT code = ANY($2::text[])) e
      GROUP BY reason ORDER BY n DESC, reason`,
    [runId, SKIP_CODES],
  );
  const failed = await db.query<{ url: string; reason: string; message: string | null; http_status: number | null; attempts: number }>(
    `SELECT url, outcome AS reason, error AS message, http_status, attempts FROM frontier
      WHERE run_id = $1 AND status = 'failed' ORDER BY id LIMIT $2`,
    [runId, failedLimit],
  );
  const live = await db.query<{ claimed: number; pending: number }>(
    `SELECT count(*) FILTER (WHERE status = 'claimed')::int AS claimed, count(*) FILTER (WHERE status = 'pending')::int AS pending
       FROM frontier WHERE run_id = $1`,
    [runId],
  );
  return {
    ...rec,
    errors: groups.rows.map((g) => ({ reason: g.reason, count: Number(g.n), examples: g.examples ?? [] })),
    failed_urls: failed.rows.map((f) => ({ ...f, attempts: Number(f.attempts) })),
    in_progress: Number(live.rows[0]?.claimed ?? 0),
    pending: Number(live.rows[0]?.pending ?? 0),
  };
}

/**
 * Cancels a queued or running run, a crawl (its pending URLs are left unfetched: claims need a running
 * run) or an ingestion (its process stops beating for it and records its counts at its end).
 */
export async function cancelRun(db: Queryable, runId: number): Promise<boolean> {
  const cancelled = (await work.requestCancel(db, CRAWL_RUNS, runId, 'cancelled')) || (await work.requestCancel(db, INGEST_RUNS, runId, 'cancelled'));
  if (cancelled) {
    await refreshRunCounts(db, runId);
    await db.query(`UPDATE sources SET status = 'idle' WHERE id = (SELECT source_id FROM crawl_runs WHERE id = $1) AND status IN ('queued', 'crawling')`, [runId]);
  }
  return cancelled;
}
