/**
 * SQL of eval_runs and eval_results. Runs are background work of the kind EVAL_RUNS (claim, heartbeat,
 * cancel, finish through background-work/work-runs.ts): a run whose runner died (stale heartbeat) goes
 * back to the queue and resumes after the questions already stored.
 */
import * as work from '@cite/core/background-work/work-runs.js';
import type { Database, Queryable } from '@cite/core/db/database.js';
import { conflict, notFound } from '@cite/core/errors.js';
import type { EvalScope } from './eval-access.js';
import type { QuestionResult, RunConfig, RunStatus } from './eval-runs-types.js';

export interface EvalRunRow {
  id: number;
  set_id: number;
  set_name?: string;
  /** The owner of the run's set (eval-access.ts). */
  set_owner_id: number | null;
  name: string;
  config: RunConfig;
  status: RunStatus;
  origin: 'api' | 'console' | 'cli';
  total: number;
  done: number;
  errors: number;
  aggregates: Record<string, number>;
  error: string | null;
  attempts: number;
  locked_by: string | null;
  heartbeat_at: string | null;
  created_by: number | null;
  /** Collections the run searches and answers within: those of the key that started it; null = all. */
  collections: number[] | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface EvalResultRow extends QuestionResult {
  id: number;
  run_id: number;
  created_at: string;
}

/** Evaluation runs as background work: any runner may resume one, so a stale one is requeued. */
export const EVAL_RUNS = work.workKind({ name: 'evaluation', table: 'eval_runs', rows: 'true', stale: { on: 'requeue' } });

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
function runRow(r: Record<string, unknown>): EvalRunRow {
  return {
    ...(r as unknown as EvalRunRow),
    id: Number(r.id),
    set_id: Number(r.set_id),
    set_owner_id: num(r.set_owner_id),
    created_by: num(r.created_by),
  };
}
function resultRow(r: Record<string, unknown>): EvalResultRow {
  return {
    ...(r as unknown as EvalResultRow),
    id: Number(r.id),
    run_id: Number(r.run_id),
    item_id: r.item_id === null ? null : Number(r.item_id),
  };
}

const RUN_SELECT = `SELECT r.*, s.name AS set_name, s.owner_id AS set_owner_id FROM eval_runs r JOIN eval_sets s ON s.id = r.set_id`;

/**
 * Condition keeping the runs a scope may see (run `r` of set `s`), its parameters pushed on `params`;
 * null when it sees every run. A key limited to some collections sees the runs of the sets it owns
 * that ran within its collections.
 */
function runScopeSql(scope: Pick<EvalScope, 'keyId' | 'collections'> | undefined, params: unknown[]): string | null {
  if (!scope || scope.collections === null) return null;
  params.push(scope.keyId, scope.collections);
  return `s.owner_id = $${params.length - 1} AND r.collections IS NOT NULL AND r.collections <@ $${params.length}::bigint[]`;
}

export async function createRun(
  db: Queryable,
  input: {
    setId: number;
    name?: string;
    config: RunConfig;
    origin?: EvalRunRow['origin'];
    createdBy?: number | null;
    /** The starting key's collections; null (default) = all. */
    collections?: number[] | null;
    total: number;
  },
): Promise<EvalRunRow> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO eval_runs (set_id, name, config, origin, created_by, collections, total) VALUES ($1, $2, $3, $4, $5, $6::bigint[], $7) RETURNING id`,
    [input.setId, input.name ?? '', JSON.stringify(input.config), input.origin ?? 'api', input.createdBy ?? null, input.collections ?? null, input.total],
  );
  return (await getRun(db, Number(rows[0]!.id)))!;
}

/**
 * Takes a queued run for this worker right away (the CLI executes the run it created itself instead
 * of waiting for a background runner). False when another runner was faster.
 */
export async function claimRunById(db: Queryable, runId: number, workerId: string): Promise<EvalRunRow | undefined> {
  return (await work.claimById(db, EVAL_RUNS, runId, workerId)) ? getRun(db, runId) : undefined;
}

export async function getRun(db: Queryable, id: number): Promise<EvalRunRow | undefined> {
  const { rows } = await db.query(`${RUN_SELECT} WHERE r.id = $1`, [id]);
  return rows[0] ? runRow(rows[0]) : undefined;
}

export async function requireRun(db: Queryable, id: number): Promise<EvalRunRow> {
  const run = await getRun(db, id);
  if (!run) throw notFound('EVAL_RUN_NOT_FOUND', `No evaluation run with id ${id}`);
  return run;
}

export const RUN_SORTS = ['id', 'created_at', 'finished_at', 'status', 'name'] as const;

export async function listRuns(
  db: Queryable,
  opts: { sort: string; order: 'ASC' | 'DESC'; limit: number; offset: number; setId?: number; status?: string; ids?: number[]; q?: string; scope?: EvalScope },
): Promise<{ rows: EvalRunRow[]; total: number }> {
  const conds: string[] = [];
  const params: unknown[] = [];
  const visible = runScopeSql(opts.scope, params);
  if (visible) conds.push(visible);
  if (opts.setId !== undefined) {
    params.push(opts.setId);
    conds.push(`r.set_id = $${params.length}`);
  }
  if (opts.status) {
    params.push(opts.status);
    conds.push(`r.status = $${params.length}`);
  }
  if (opts.ids) {
    params.push(opts.ids);
    conds.push(`r.id = ANY($${params.length}::bigint[])`);
  }
  if (opts.q) {
    params.push(`%${opts.q}%`);
    conds.push(`(r.name ILIKE $${params.length} OR s.name ILIKE $${params.length})`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const sort = (RUN_SORTS as readonly string[]).includes(opts.sort) ? opts.sort : 'id';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eval_runs r JOIN eval_sets s ON s.id = r.set_id ${where}`, params);
  const { rows } = await db.query(
    `${RUN_SELECT} ${where} ORDER BY r.${sort} ${opts.order === 'ASC' ? 'ASC' : 'DESC'} NULLS LAST, r.id DESC
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, opts.limit, opts.offset],
  );
  return { rows: rows.map(runRow), total: total.rows[0]!.n };
}

/** Cancelling keeps the results stored so far; the runner notices at its next question. */
export async function cancelRun(db: Queryable, id: number): Promise<EvalRunRow> {
  const run = await requireRun(db, id);
  if (run.status !== 'queued' && run.status !== 'running')
    throw conflict('EVAL_RUN_FINISHED', `Run ${id} is ${run.status}; only queued or running runs can be cancelled`);
  await work.requestCancel(db, EVAL_RUNS, id);
  return requireRun(db, id);
}

export async function deleteRun(db: Queryable, id: number): Promise<EvalRunRow> {
  const run = await requireRun(db, id);
  if (run.status === 'running') throw conflict('EVAL_RUN_RUNNING', `Run ${id} is running; cancel it before deleting it`);
  await db.query(`DELETE FROM eval_runs WHERE id = $1`, [id]);
  return run;
}

export interface ClaimOptions {
  workerId: string;
  /** A running run whose heartbeat is older than this is considered orphaned. */
  staleMs: number;
}

/**
 * Claims the oldest queued run, after putting back in the queue the running ones whose runner stopped
 * beating. Several runners (engine replicas, `cite worker`s) never take the same run.
 */
export async function claimRun(db: Database, opts: ClaimOptions): Promise<EvalRunRow | undefined> {
  await work.reclaimStale(db, EVAL_RUNS, opts.staleMs, opts.workerId);
  const id = await work.claim(db, EVAL_RUNS, opts.workerId);
  return id === null ? undefined : getRun(db, id);
}

/**
 * Beats for the run and returns whether this runner still owns it (false when it was cancelled,
 * deleted, or taken over by another runner after being declared stale).
 */
export async function heartbeat(db: Queryable, runId: number, workerId: string): Promise<boolean> {
  return work.heartbeat(db, EVAL_RUNS, runId, workerId);
}

/** Stores one question's result (once: a resumed run never stores a question twice) and counts it. */
export async function saveResult(db: Database, runId: number, workerId: string, r: QuestionResult): Promise<boolean> {
  return db.transaction(async (tx) => {
    const owned = await tx.query(`SELECT 1 FROM eval_runs WHERE id = $1 AND status = 'running' AND locked_by = $2 FOR UPDATE`, [runId, workerId]);
    if (!owned.rows.length) return false;
    const ins = await tx.query(
      `INSERT INTO eval_results (run_id, item_id, external_id, question, status, metrics, phrasings, answer, latency_ms, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (run_id, external_id) DO NOTHING`,
      [
        runId,
        r.item_id,
        r.external_id,
        r.question,
        r.status,
        JSON.stringify(r.metrics),
        JSON.stringify(r.phrasings),
        r.answer === null ? null : JSON.stringify(r.answer),
        r.latency_ms,
        r.error,
      ],
    );
    if (ins.rowCount > 0)
      await tx.query(
        `UPDATE eval_runs SET done = done + 1, errors = errors + $2, heartbeat_at = now() WHERE id = $1`,
        [runId, r.status === 'error' ? 1 : 0],
      );
    return true;
  });
}

export async function storedExternalIds(db: Queryable, runId: number): Promise<Set<string>> {
  const { rows } = await db.query<{ external_id: string }>(`SELECT external_id FROM eval_results WHERE run_id = $1`, [runId]);
  return new Set(rows.map((r) => r.external_id));
}

/**
 * A run's results in the set's order (not the order questions finished in), so aggregates are summed
 * in the same order as `cite eval` sums them and agree to the last bit.
 */
export async function allResults(db: Queryable, runId: number): Promise<EvalResultRow[]> {
  const { rows } = await db.query(
    `SELECT r.* FROM eval_results r LEFT JOIN eval_items i ON i.id = r.item_id WHERE r.run_id = $1 ORDER BY i.position NULLS LAST, i.id, r.id`,
    [runId],
  );
  return rows.map(resultRow);
}

export const RESULT_SORTS = ['id', 'external_id', 'status', 'latency_ms'] as const;

export async function listResults(
  db: Queryable,
  opts: { runId?: number; status?: string; q?: string; sort: string; order: 'ASC' | 'DESC'; limit: number; offset: number; ids?: number[]; scope?: EvalScope },
): Promise<{ rows: EvalResultRow[]; total: number }> {
  const conds: string[] = [];
  const params: unknown[] = [];
  const visible = runScopeSql(opts.scope, params);
  if (visible) conds.push(`run_id IN (SELECT r.id FROM eval_runs r JOIN eval_sets s ON s.id = r.set_id WHERE ${visible})`);
  if (opts.runId !== undefined) {
    params.push(opts.runId);
    conds.push(`run_id = $${params.length}`);
  }
  if (opts.status) {
    params.push(opts.status);
    conds.push(`status = $${params.length}`);
  }
  if (opts.q) {
    params.push(`%${opts.q}%`);
    conds.push(`(question ILIKE $${params.length} OR external_id ILIKE $${params.length})`);
  }
  if (opts.ids) {
    params.push(opts.ids);
    conds.push(`id = ANY($${params.length}::bigint[])`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const sort = (RESULT_SORTS as readonly string[]).includes(opts.sort) ? opts.sort : 'id';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eval_results ${where}`, params);
  const { rows } = await db.query(
    `SELECT * FROM eval_results ${where} ORDER BY ${sort} ${opts.order === 'DESC' ? 'DESC' : 'ASC'} NULLS LAST, id
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, opts.limit, opts.offset],
  );
  return { rows: rows.map(resultRow), total: total.rows[0]!.n };
}

export async function setAggregates(db: Queryable, runId: number, aggregates: Record<string, number>): Promise<void> {
  await db.query(`UPDATE eval_runs SET aggregates = $2 WHERE id = $1`, [runId, JSON.stringify(aggregates)]);
}

/**
 * Ends a run this runner owns, its final aggregates with it (one transaction: a finished run never shows
 * partial figures); returns false when it no longer owned it (cancelled meanwhile).
 */
export async function finishRun(
  db: Database,
  runId: number,
  workerId: string | null,
  outcome: { status: 'succeeded' | 'failed'; aggregates: Record<string, number>; error?: string | null },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const finished = await work.finish(tx, EVAL_RUNS, runId, workerId, { status: outcome.status, error: outcome.error ?? null });
    if (finished) await setAggregates(tx, runId, outcome.aggregates);
    return finished;
  });
}

/**
 * Hands a run back to the queue (engine shutting down): the next runner resumes it. A clean hand-back
 * is not a failed attempt, so deployments never use up a run's attempts.
 */
export async function releaseRun(db: Queryable, runId: number, workerId: string): Promise<void> {
  await work.release(db, EVAL_RUNS, runId, workerId);
}
