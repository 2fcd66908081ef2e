/**
 * Retention: rows older than their configured period are deleted in batches (short statements, so
 * a large purge never holds long locks), and each purge that deleted anything leaves a content-free
 * `retention.purge` audit entry with its counts. The rules below are also what the security dossier
 * publishes, so the documentation cannot drift from what the purge does.
 */
import { CONFIG_DEFAULTS, type Config } from '@cite/core/config/config.js';
import type { Queryable } from '@cite/core/db/database.js';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { markDocumentsDeleted } from '@cite/index/documents-repo.js';
import { sweepUnreferencedOriginals } from '@cite/index/originals/originals-repo.js';

export type RetentionRuleName = 'answers' | 'feedback' | 'crawl_logs' | 'audit' | 'web';

export interface RetentionRule {
  name: RetentionRuleName;
  variable: 'RETENTION_ANSWERS_DAYS' | 'RETENTION_FEEDBACK_DAYS' | 'RETENTION_CRAWL_LOGS_DAYS' | 'RETENTION_AUDIT_DAYS' | 'RETENTION_WEB_DAYS';
  tables: string[];
  /** Which date counts (French: published in the security dossier). */
  age: string;
  /** What the purge keeps whatever its age, and why. */
  exempt?: string;
}

export const RETENTION_RULES: readonly RetentionRule[] = [
  {
    name: 'answers',
    variable: 'RETENTION_ANSWERS_DAYS',
    tables: ['answers', 'feedback'],
    age: 'answers.created_at (les avis portant sur une réponse purgée sont supprimés avec elle)',
    exempt: "réponses retenues dans un jeu d'évaluation (référencées par eval_items.answer_id), et leurs avis",
  },
  {
    name: 'feedback',
    variable: 'RETENTION_FEEDBACK_DAYS',
    tables: ['feedback'],
    age: 'feedback.created_at',
    exempt: "avis portant sur des réponses retenues dans un jeu d'évaluation",
  },
  {
    name: 'crawl_logs',
    variable: 'RETENTION_CRAWL_LOGS_DAYS',
    tables: ['crawl_runs', 'frontier', 'ingest_errors'],
    age: 'crawl_runs.finished_at (created_at pour les exécutions jamais terminées ; ingest_errors.created_at)',
    exempt: 'exécutions en attente ou en cours, et dernière exécution de chaque source (affichée dans la console)',
  },
  {
    name: 'audit',
    variable: 'RETENTION_AUDIT_DAYS',
    tables: ['audit_log'],
    age: 'audit_log.at',
  },
  {
    name: 'web',
    variable: 'RETENTION_WEB_DAYS',
    tables: ['documents', 'chunks'],
    age: 'documents.fetched_at des pages lues par la recherche internet (collection web) ; leurs passages sont supprimés',
  },
];

/** Days per rule; `web` absent = pages of internet search kept (policies written before issue 22). */
export type RetentionPolicy = Record<Exclude<RetentionRuleName, 'web'>, number> & { web?: number };

export function retentionPolicy(cfg: Config): RetentionPolicy {
  return {
    answers: cfg.RETENTION_ANSWERS_DAYS,
    feedback: cfg.RETENTION_FEEDBACK_DAYS,
    crawl_logs: cfg.RETENTION_CRAWL_LOGS_DAYS,
    audit: cfg.RETENTION_AUDIT_DAYS,
    web: cfg.RETENTION_WEB_DAYS,
  };
}

export const isPolicyActive = (p: RetentionPolicy) => Object.values(p).some((days) => (days ?? 0) > 0);

export interface PurgeReport {
  started_at: string;
  duration_ms: number;
  /** Retention period in days per rule (0 = kept forever, rule not applied). */
  policy: RetentionPolicy;
  /** Rows older than these instants were eligible. */
  cutoffs: Partial<Record<RetentionRuleName, string>>;
  deleted: { answers: number; feedback: number; crawl_runs: number; frontier: number; ingest_errors: number; audit_log: number; document_originals: number; web_documents?: number };
  /** Expired rows kept on purpose (evaluation sets). */
  exempt: { answers: number; feedback: number };
}

export interface PurgeOptions {
  batchSize?: number;
  signal?: AbortSignal;
  /** Who triggered it, for the audit entry (default: the scheduler). */
  actor?: { keyId?: number | null; name: string };
}

// An answer is in an evaluation set when an eval item was made from it.
const inEvalSet = (answerId: string) => `EXISTS (SELECT 1 FROM eval_items e WHERE e.answer_id = ${answerId})`;
// Each source's latest run stays: the console shows it.
const isLatestRun = (runId: string) => `EXISTS (SELECT 1 FROM sources s WHERE s.last_run_id = ${runId})`;

/** Runs one batch (a DELETE of at most `batch` rows returning how many went) until a batch comes back short. */
async function inBatches(batch: number, signal: AbortSignal | undefined, run: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    signal?.throwIfAborted();
    const n = await run();
    total += n;
    if (n < batch) return total;
  }
}

async function cutoff(db: Queryable, days: number): Promise<string> {
  const { rows } = await db.query<{ t: string }>(`SELECT (now() - make_interval(days => $1::int))::text AS t`, [days]);
  return rows[0]!.t;
}

async function purgeAnswers(db: Queryable, before: string, batch: number, r: PurgeReport, signal?: AbortSignal): Promise<void> {
  await inBatches(batch, signal, async () => {
    // Feedback is deleted in the same statement (rather than by the cascade) so that it is counted.
    const { rows } = await db.query<{ answers: number; feedback: number }>(
      `WITH victims AS (
         SELECT a.id FROM answers a
         WHERE a.created_at < $1::timestamptz AND NOT ${inEvalSet('a.id')}
         ORDER BY a.created_at LIMIT $2),
       fb AS (DELETE FROM feedback f USING victims v WHERE f.answer_id = v.id RETURNING 1),
       del AS (DELETE FROM answers a USING victims v WHERE a.id = v.id RETURNING 1)
       SELECT (SELECT count(*) FROM del)::int AS answers, (SELECT count(*) FROM fb)::int AS feedback`,
      [before, batch],
    );
    r.deleted.answers += rows[0]!.answers;
    r.deleted.feedback += rows[0]!.feedback;
    return rows[0]!.answers;
  });
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM answers a WHERE a.created_at < $1::timestamptz AND ${inEvalSet('a.id')}`,
    [before],
  );
  r.exempt.answers = rows[0]!.n;
}

async function purgeFeedback(db: Queryable, before: string, batch: number, r: PurgeReport, signal?: AbortSignal): Promise<void> {
  r.deleted.feedback += await inBatches(batch, signal, async () => {
    const res = await db.query(
      `DELETE FROM feedback WHERE id IN (
         SELECT f.id FROM feedback f
         WHERE f.created_at < $1::timestamptz AND NOT ${inEvalSet('f.answer_id')}
         ORDER BY f.created_at LIMIT $2)`,
      [before, batch],
    );
    return res.rowCount;
  });
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM feedback f WHERE f.created_at < $1::timestamptz AND ${inEvalSet('f.answer_id')}`,
    [before],
  );
  r.exempt.feedback = rows[0]!.n;
}

async function purgeCrawlLogs(db: Queryable, before: string, batch: number, r: PurgeReport, signal?: AbortSignal): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    // A few runs at a time: each may own hundreds of thousands of frontier rows.
    const { rows: runs } = await db.query<{ id: string }>(
      `SELECT r.id FROM crawl_runs r
       WHERE r.status IN ('succeeded', 'failed', 'cancelled')
         AND coalesce(r.finished_at, r.created_at) < $1::timestamptz
         AND NOT ${isLatestRun('r.id')}
       ORDER BY r.id LIMIT 20`,
      [before],
    );
    if (!runs.length) break;
    const ids = runs.map((x) => x.id);
    r.deleted.frontier += await inBatches(batch, signal, async () =>
      (await db.query(`DELETE FROM frontier WHERE id IN (SELECT id FROM frontier WHERE run_id = ANY($1::bigint[]) LIMIT $2)`, [ids, batch])).rowCount,
    );
    r.deleted.ingest_errors += await inBatches(batch, signal, async () =>
      (await db.query(`DELETE FROM ingest_errors WHERE id IN (SELECT id FROM ingest_errors WHERE run_id = ANY($1::bigint[]) LIMIT $2)`, [ids, batch])).rowCount,
    );
    r.deleted.crawl_runs += (await db.query(`DELETE FROM crawl_runs WHERE id = ANY($1::bigint[])`, [ids])).rowCount;
  }
  // Errors outside runs (uploads) or of runs still kept, once old enough; the latest run keeps its own.
  r.deleted.ingest_errors += await inBatches(batch, signal, async () =>
    (
      await db.query(
        `DELETE FROM ingest_errors WHERE id IN (
           SELECT ie.id FROM ingest_errors ie
           WHERE ie.created_at < $1::timestamptz
             AND (ie.run_id IS NULL OR NOT ${isLatestRun('ie.run_id')})
             AND NOT EXISTS (SELECT 1 FROM crawl_runs cr WHERE cr.id = ie.run_id AND cr.status IN ('queued', 'running'))
           LIMIT $2)`,
        [before, batch],
      )
    ).rowCount,
  );
}

async function purgeAudit(db: Queryable, before: string, batch: number, r: PurgeReport, signal?: AbortSignal): Promise<void> {
  r.deleted.audit_log += await inBatches(batch, signal, async () =>
    (await db.query(`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1::timestamptz ORDER BY at LIMIT $2)`, [before, batch])).rowCount,
  );
}

/** Pages internet search read (the `web` collection) fetched before the cutoff: deleted through the index store. */
async function purgeWeb(db: Queryable, before: string, batch: number, r: PurgeReport, signal?: AbortSignal): Promise<void> {
  r.deleted.web_documents = (r.deleted.web_documents ?? 0) + (await inBatches(batch, signal, async () => {
    const { rows } = await db.query<{ id: string }>(
      `SELECT d.id FROM documents d JOIN collections c ON c.id = d.collection_id
       WHERE c.name = 'web' AND d.status = 'active' AND d.fetched_at < $1::timestamptz
       ORDER BY d.fetched_at LIMIT $2`,
      [before, batch],
    );
    if (rows.length) await markDocumentsDeleted(db, rows.map((x) => Number(x.id)));
    return rows.length;
  }));
}

/** Deletes every row past its retention period, in batches; returns (and records) what was deleted. */
export async function purgeExpired(db: Queryable, policy: RetentionPolicy, opts: PurgeOptions = {}): Promise<PurgeReport> {
  const batch = opts.batchSize ?? CONFIG_DEFAULTS.RETENTION_PURGE_BATCH_SIZE;
  const started = Date.now();
  const report: PurgeReport = {
    started_at: new Date(started).toISOString(),
    duration_ms: 0,
    policy,
    cutoffs: {},
    deleted: { answers: 0, feedback: 0, crawl_runs: 0, frontier: 0, ingest_errors: 0, audit_log: 0, document_originals: 0 },
    exempt: { answers: 0, feedback: 0 },
  };
  const stages: Array<[RetentionRuleName, typeof purgeAnswers]> = [
    ['answers', purgeAnswers],
    ['feedback', purgeFeedback],
    ['crawl_logs', purgeCrawlLogs],
    ['audit', purgeAudit],
    ['web', purgeWeb],
  ];
  for (const [name, stage] of stages) {
    const days = policy[name] ?? 0;
    if (days <= 0) continue;
    const before = await cutoff(db, days);
    report.cutoffs[name] = before;
    await stage(db, before, batch, report, opts.signal);
  }
  // whatever the periods: originals no document holds any more (the triggers of migration 0180 drop the
  // others with their last document; these are left by failed writes and concurrent deletions)
  report.deleted.document_originals = await sweepUnreferencedOriginals(db);
  report.duration_ms = Date.now() - started;
  if (Object.values(report.deleted).some((n) => (n ?? 0) > 0)) {
    // Counts only: the audit entry says what kind of rows went, never what they contained.
    await recordAudit(db, {
      actorKeyId: opts.actor?.keyId ?? null,
      actorName: opts.actor?.name ?? 'retention',
      action: 'retention.purge',
      targetType: 'retention',
      after: { deleted: report.deleted, exempt: report.exempt, cutoffs: report.cutoffs, policy },
    });
  }
  await db.query(
    `INSERT INTO settings (key, value, updated_at) VALUES ('retention.last_purge', $1::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [JSON.stringify(report)],
  );
  return report;
}

export async function lastPurge(db: Queryable): Promise<PurgeReport | null> {
  const { rows } = await db.query<{ value: PurgeReport }>(`SELECT value FROM settings WHERE key = 'retention.last_purge'`);
  return rows[0]?.value ?? null;
}

/**
 * Takes the purge lease for `minutes` when it is free: with several workers on one PostgreSQL, only
 * one of them purges per period (10 s of slack so a timer firing a little early still gets it).
 * Returns false when another process holds it.
 */
export async function takePurgeLease(db: Queryable, holder: string, minutes: number): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO settings (key, value, updated_at) VALUES ('retention.lease', $1::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
     WHERE settings.updated_at < now() - make_interval(mins => $2::int) + interval '10 seconds'
     RETURNING key`,
    [JSON.stringify({ holder }), minutes],
  );
  return rows.length > 0;
}
