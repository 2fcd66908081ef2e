/**
 * One model for background work: crawl runs, ingest runs and evaluation runs follow the same life,
 *
 *   queued ──claim──► running ──finish──► succeeded | failed
 *      ▲                 │  ╲──requestCancel──► cancelled   (the worker sees it at its next heartbeat)
 *      └──release/stale──┘   ╲──stale, policy 'fail'──► failed, with what it had done
 *
 * and every transition is one statement here, the same on both databases. A kind of work is a table with
 * the shared columns (status, error, attempts, locked_by, heartbeat_at, started_at, finished_at) and a
 * condition picking its rows; what the work produced (results, counters) stays in the kind's own columns,
 * written by its own repository, in the same transaction when it must agree with the status.
 *
 * Why one table per kind rather than one runs table: each kind's rows are what its API lists and its
 * console shows, with foreign keys from its results (frontier, ingest_errors, eval_results); the model is
 * the statements and the vocabulary, not a third place to look.
 */
import type { Database, Queryable } from '../db/database.js';

export const WORK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type WorkStatus = (typeof WORK_STATUSES)[number];

/**
 * What happens to a running run whose heartbeat stopped (its worker was killed, its machine lost):
 * - requeue: back in the queue, with its results and attempts kept; the next claim resumes it;
 * - adopt: the reclaiming worker becomes its keeper and it goes on running (work shared through another
 *   queue, as a crawl's frontier, needs nothing more);
 * - fail: failed with `error`, with what it had done kept (work only its own process could go on with).
 */
export type StalePolicy = { on: 'requeue' } | { on: 'adopt' } | { on: 'fail'; error: string };

export interface WorkKind {
  /** For logs and errors. */
  readonly name: string;
  /** The runs table (a plain identifier). */
  readonly table: string;
  /** SQL condition on the table's columns selecting this kind's rows; a constant, never user input. */
  readonly rows: string;
  readonly stale: StalePolicy;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Declares a kind of work; its table and progress columns are checked to be plain identifiers once, here. */
export function workKind(kind: WorkKind): WorkKind {
  if (!IDENTIFIER.test(kind.table)) throw new Error(`work kind ${kind.name}: table "${kind.table}" is not a plain identifier`);
  return Object.freeze({ ...kind });
}

const STALE = `heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $1::double precision / 1000)`;

/**
 * Takes the oldest queued run of a kind for `workerId`: two claimers never take the same run (SKIP LOCKED:
 * the second takes the next one, or nothing). Returns its id, or null when the queue is empty.
 */
export async function claim(db: Queryable, kind: WorkKind, workerId: string): Promise<number | null> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE ${kind.table} SET status = 'running', attempts = attempts + 1, locked_by = $1, heartbeat_at = now(),
            started_at = coalesce(started_at, now()), error = NULL
      WHERE id = (SELECT id FROM ${kind.table} WHERE status = 'queued' AND (${kind.rows}) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [workerId],
  );
  return rows[0] ? Number(rows[0].id) : null;
}

/** Takes one queued run (its creator runs it at once); false when another claimer was faster. */
export async function claimById(db: Queryable, kind: WorkKind, runId: number, workerId: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE ${kind.table} SET status = 'running', attempts = attempts + 1, locked_by = $2, heartbeat_at = now(),
            started_at = coalesce(started_at, now()), error = NULL
      WHERE id = $1 AND status = 'queued' AND (${kind.rows})`,
    [runId, workerId],
  );
  return r.rowCount > 0;
}

/** Progress written with a heartbeat: column → value, columns being the kind's own (plain identifiers). */
export type Progress = Readonly<Record<string, unknown>>;

/**
 * Beats for a running run, with its progress if given. `workerId` null: any live worker keeps the run
 * (a crawl, worked on by all). Returns whether the run is still this worker's to run: false once it was
 * cancelled, finished, deleted or taken over, and the worker should stop.
 */
export async function heartbeat(db: Queryable, kind: WorkKind, runId: number, workerId: string | null, progress: Progress = {}): Promise<boolean> {
  const columns = Object.keys(progress);
  for (const c of columns) if (!IDENTIFIER.test(c)) throw new Error(`work kind ${kind.name}: progress column "${c}" is not a plain identifier`);
  const sets = columns.map((c, i) => `, ${c} = $${i + 3}`).join('');
  const r = await db.query(
    `UPDATE ${kind.table} SET heartbeat_at = now()${sets}
      WHERE id = $1 AND status = 'running' AND ($2::text IS NULL OR locked_by = $2) AND (${kind.rows})`,
    [runId, workerId, ...columns.map((c) => progress[c])],
  );
  return r.rowCount > 0;
}

/**
 * Runs of a kind whose heartbeat is older than `staleMs`, handled by the kind's policy (see StalePolicy);
 * `workerId` is the reclaiming worker (the new keeper under 'adopt'). `keep` runs in the same transaction
 * with the ids reclaimed, to record what they had done. Returns those ids.
 */
export async function reclaimStale(
  db: Database,
  kind: WorkKind,
  staleMs: number,
  workerId: string,
  keep?: (tx: Queryable, runIds: number[]) => Promise<void>,
): Promise<number[]> {
  const reclaim = async (q: Queryable) => {
    const ids = await reclaimStaleRows(q, kind, staleMs, workerId, null);
    if (ids.length && keep) await keep(q, ids);
    return ids;
  };
  if (!keep) return reclaim(db);
  // run at every maintenance pass of every worker, and almost always idle: one round trip, not a transaction's three
  const any = await db.query(`SELECT 1 FROM ${kind.table} WHERE status = 'running' AND (${kind.rows}) AND (${STALE}) LIMIT 1`, [staleMs]);
  return any.rows.length ? db.transaction(reclaim) : [];
}

/**
 * reclaimStale for one run (a `cite crawl` resuming its source's crawl, whose process was killed): whether
 * it was stale and is now handled by its kind's policy. False when it is not running or not stale: its
 * worker is alive.
 */
export async function reclaimStaleRun(db: Queryable, kind: WorkKind, runId: number, staleMs: number, workerId: string): Promise<boolean> {
  return (await reclaimStaleRows(db, kind, staleMs, workerId, runId)).length > 0;
}

/** The statement of reclaimStale: the stale running runs of a kind (or only `runId`) under its policy. */
async function reclaimStaleRows(q: Queryable, kind: WorkKind, staleMs: number, workerId: string, runId: number | null): Promise<number[]> {
  const policy = kind.stale;
  const [set, params]: [string, unknown[]] =
    policy.on === 'requeue'
      ? [`status = 'queued', locked_by = NULL, heartbeat_at = NULL`, []]
      : policy.on === 'adopt'
        ? [`locked_by = $3, attempts = attempts + 1, heartbeat_at = now()`, [workerId]]
        : // locked_by stays: the owner, should it turn out alive after all, may still finish it (see finish)
          [`status = 'failed', finished_at = now(), error = $3`, [policy.error]];
  const { rows } = await q.query<{ id: string }>(
    `UPDATE ${kind.table} SET ${set}
      WHERE id IN (SELECT id FROM ${kind.table} WHERE status = 'running' AND (${kind.rows}) AND (${STALE})
                      AND ($2::bigint IS NULL OR id = $2) FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [staleMs, runId, ...params],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * Cancels a queued or running run; its worker learns it at its next heartbeat (false) and stops, and its
 * results so far are kept. `reason` becomes the run's error unless it has one. False when the run was
 * not queued or running (or not of this kind).
 */
export async function requestCancel(db: Queryable, kind: WorkKind, runId: number, reason: string | null = null): Promise<boolean> {
  const r = await db.query(
    `UPDATE ${kind.table} SET status = 'cancelled', finished_at = now(), locked_by = NULL, error = coalesce(error, $2)
      WHERE id = $1 AND status IN ('queued', 'running') AND (${kind.rows})`,
    [runId, reason],
  );
  return r.rowCount > 0;
}

/** Whether a run should stop because it was cancelled (or deleted). */
export async function isCancelRequested(db: Queryable, kind: WorkKind, runId: number): Promise<boolean> {
  const { rows } = await db.query<{ status: WorkStatus }>(`SELECT status FROM ${kind.table} WHERE id = $1 AND (${kind.rows})`, [runId]);
  return !rows[0] || rows[0].status === 'cancelled';
}

export interface WorkOutcome {
  status: 'succeeded' | 'failed';
  /** Why it failed; an error recorded earlier (a warning at start) is kept over it. */
  error?: string | null;
}

/**
 * Ends a running run with its outcome; `workerId` null: whichever worker gets there (a crawl). Also
 * ends a run of a 'fail' kind that was failed as stale while its owner was in fact alive (a long stall):
 * the owner's outcome is the truth. False when the run was no longer this worker's (cancelled, taken over).
 */
export async function finish(db: Queryable, kind: WorkKind, runId: number, workerId: string | null, outcome: WorkOutcome): Promise<boolean> {
  const staleError = kind.stale.on === 'fail' ? kind.stale.error : null;
  const r = await db.query(
    `UPDATE ${kind.table}
        SET status = $3, error = CASE WHEN status = 'failed' THEN $4 ELSE coalesce(error, $4) END,
            finished_at = now(), locked_by = NULL, heartbeat_at = now()
      WHERE id = $1 AND ($2::text IS NULL OR locked_by = $2) AND (${kind.rows})
        AND (status = 'running' OR ($5::text IS NOT NULL AND $2::text IS NOT NULL AND status = 'failed' AND error = $5))`,
    [runId, workerId, outcome.status, outcome.error ?? null, staleError],
  );
  return r.rowCount > 0;
}

/**
 * Hands a running run back to the queue (its worker is stopping): the next claim resumes it. A clean
 * hand-back is not an interrupted attempt, so deployments never use up a run's attempts.
 */
export async function release(db: Queryable, kind: WorkKind, runId: number, workerId: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE ${kind.table} SET status = 'queued', locked_by = NULL, heartbeat_at = NULL, attempts = greatest(attempts - 1, 0)
      WHERE id = $1 AND status = 'running' AND locked_by = $2 AND (${kind.rows})`,
    [runId, workerId],
  );
  return r.rowCount > 0;
}
