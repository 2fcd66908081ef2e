/**
 * The dashboard's figures, read in a handful of aggregate queries (no per-row work in JavaScript).
 * Shared by `GET /admin/api/stats` and anything else that wants the same overview.
 */
import type { Queryable } from '@cite/core/db/database.js';

export interface CollectionStats {
  id: number;
  name: string;
  documents: number;
  chunks: number;
  sources: number;
}

export interface RecentRun {
  id: number;
  source_id: number;
  source_name: string;
  status: string;
  discovered: number;
  fetched: number;
  indexed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface ActivityDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  answers: number;
  abstained: number;
  feedback_up: number;
  feedback_down: number;
}

export interface DashboardStats {
  totals: { documents: number; chunks: number; sources: number; collections: number };
  collections: CollectionStats[];
  /** Every status present, plus `disabled` counted separately (a disabled source keeps its status). */
  sources_by_status: { status: string; count: number }[];
  sources_disabled: number;
  recent_runs: RecentRun[];
  freshness: {
    /** Least recently fetched active document: the one most likely to be stale. */
    oldest: { id: number; title: string; url: string; fetched_at: string } | null;
    newest_fetched_at: string | null;
    /** Active documents not fetched for more than `staleDays`. */
    stale_documents: number;
    stale_days: number;
  };
  /** One entry per day of the window, oldest first, days without activity included as zeros. */
  activity: ActivityDay[];
  review: {
    /** Answers with feedback that no evaluator has reviewed yet: the evaluator's queue. */
    open: number;
    open_negative: number;
    reviewed_30d: number;
  };
}

export interface StatsOptions {
  /** Length of the activity window in days. */
  days?: number;
  /** How many recent crawl runs to list. */
  recentRuns?: number;
  /** Age in days after which a document counts as stale. */
  staleDays?: number;
  /** When set, only these collections are counted (keys restricted to some collections). */
  collections?: number[] | null;
}

const DEFAULTS = { days: 30, recentRuns: 8, staleDays: 30 } as const;

const iso = (v: unknown): string | null => (v == null ? null : v instanceof Date ? v.toISOString() : String(v));

export async function loadDashboardStats(db: Queryable, options: StatsOptions = {}): Promise<DashboardStats> {
  const days = options.days ?? DEFAULTS.days;
  const recentRuns = options.recentRuns ?? DEFAULTS.recentRuns;
  const staleDays = options.staleDays ?? DEFAULTS.staleDays;
  // NULL = no restriction; passed as a parameter so the same statement serves both cases.
  const scope = options.collections ?? null;

  const collections = await db.query<{ id: string; name: string; documents: number; chunks: number; sources: number }>(
    `SELECT c.id, c.name,
            COALESCE(d.documents, 0)::int AS documents,
            COALESCE(d.chunks, 0)::int AS chunks,
            (SELECT count(*) FROM sources s WHERE s.collection_id = c.id AND s.deleted_at IS NULL)::int AS sources
       FROM collections c
       LEFT JOIN (
         SELECT collection_id, count(*) AS documents, sum(chunk_count) AS chunks
           FROM documents WHERE status = 'active' GROUP BY collection_id
       ) d ON d.collection_id = c.id
      WHERE $1::bigint[] IS NULL OR c.id = ANY($1::bigint[])
      ORDER BY c.name`,
    [scope],
  );

  const byStatus = await db.query<{ status: string; count: number; disabled: number }>(
    `SELECT status, count(*)::int AS count, count(*) FILTER (WHERE NOT enabled)::int AS disabled
       FROM sources
      WHERE deleted_at IS NULL AND status <> 'deleted'
        AND ($1::bigint[] IS NULL OR collection_id = ANY($1::bigint[]))
      GROUP BY status ORDER BY status`,
    [scope],
  );

  const runs = await db.query<Record<string, unknown>>(
    `SELECT r.id, r.source_id, s.name AS source_name, r.status, r.discovered, r.fetched, r.indexed,
            r.unchanged, r.skipped, r.failed, r.created_at, r.started_at, r.finished_at
       FROM crawl_runs r JOIN sources s ON s.id = r.source_id
      WHERE $1::bigint[] IS NULL OR s.collection_id = ANY($1::bigint[])
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT $2`,
    [scope, recentRuns],
  );

  const oldest = await db.query<{ id: string; title: string; url: string; fetched_at: unknown }>(
    `SELECT id, title, url, COALESCE(fetched_at, updated_at) AS fetched_at
       FROM documents
      WHERE status = 'active' AND ($1::bigint[] IS NULL OR collection_id = ANY($1::bigint[]))
      ORDER BY COALESCE(fetched_at, updated_at) ASC, id ASC
      LIMIT 1`,
    [scope],
  );
  const fresh = await db.query<{ newest: unknown; stale: number }>(
    `SELECT max(COALESCE(fetched_at, updated_at)) AS newest,
            count(*) FILTER (WHERE COALESCE(fetched_at, updated_at) < now() - make_interval(days => $2::int))::int AS stale
       FROM documents
      WHERE status = 'active' AND ($1::bigint[] IS NULL OR collection_id = ANY($1::bigint[]))`,
    [scope, staleDays],
  );

  // Days are UTC calendar days; the window ends today and includes it.
  const activity = await db.query<ActivityDay>(
    `WITH days AS (
       SELECT generate_series(
                (now() AT TIME ZONE 'UTC')::date - ($1::int - 1),
                (now() AT TIME ZONE 'UTC')::date,
                interval '1 day')::date AS day
     ),
     a AS (
       SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS answers,
              count(*) FILTER (WHERE abstained) AS abstained
         FROM answers
        WHERE created_at >= (now() AT TIME ZONE 'UTC')::date - ($1::int - 1)
          AND ($2::bigint[] IS NULL OR collections IS NULL OR collections && $2::bigint[])
        GROUP BY 1
     ),
     f AS (
       SELECT (f.created_at AT TIME ZONE 'UTC')::date AS day,
              count(*) FILTER (WHERE f.rating = 'up') AS up,
              count(*) FILTER (WHERE f.rating = 'down') AS down
         FROM feedback f JOIN answers an ON an.id = f.answer_id
        WHERE f.created_at >= (now() AT TIME ZONE 'UTC')::date - ($1::int - 1)
          AND ($2::bigint[] IS NULL OR an.collections IS NULL OR an.collections && $2::bigint[])
        GROUP BY 1
     )
     SELECT to_char(days.day, 'YYYY-MM-DD') AS day,
            COALESCE(a.answers, 0)::int AS answers,
            COALESCE(a.abstained, 0)::int AS abstained,
            COALESCE(f.up, 0)::int AS feedback_up,
            COALESCE(f.down, 0)::int AS feedback_down
       FROM days LEFT JOIN a ON a.day = days.day LEFT JOIN f ON f.day = days.day
      ORDER BY days.day`,
    [days, scope],
  );

  const review = await db.query<{ open: number; open_negative: number; reviewed: number }>(
    `SELECT count(*) FILTER (WHERE a.reviewed_at IS NULL AND fb.n > 0)::int AS open,
            count(*) FILTER (WHERE a.reviewed_at IS NULL AND fb.down > 0)::int AS open_negative,
            count(*) FILTER (WHERE a.reviewed_at >= now() - make_interval(days => $1::int))::int AS reviewed
       FROM answers a
       LEFT JOIN (
         SELECT answer_id, count(*) AS n, count(*) FILTER (WHERE rating = 'down') AS down
           FROM feedback GROUP BY answer_id
       ) fb ON fb.answer_id = a.id
      WHERE $2::bigint[] IS NULL OR a.collections IS NULL OR a.collections && $2::bigint[]`,
    [days, scope],
  );

  const collectionRows: CollectionStats[] = collections.rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    documents: r.documents,
    chunks: r.chunks,
    sources: r.sources,
  }));
  const o = oldest.rows[0];
  const f = fresh.rows[0];
  const rv = review.rows[0];
  return {
    totals: {
      documents: collectionRows.reduce((n, c) => n + c.documents, 0),
      chunks: collectionRows.reduce((n, c) => n + c.chunks, 0),
      sources: byStatus.rows.reduce((n, s) => n + s.count, 0),
      collections: collectionRows.length,
    },
    collections: collectionRows,
    sources_by_status: byStatus.rows.map((r) => ({ status: r.status, count: r.count })),
    sources_disabled: byStatus.rows.reduce((n, s) => n + s.disabled, 0),
    recent_runs: runs.rows.map((r) => ({
      id: Number(r.id),
      source_id: Number(r.source_id),
      source_name: String(r.source_name),
      status: String(r.status),
      discovered: Number(r.discovered),
      fetched: Number(r.fetched),
      indexed: Number(r.indexed),
      unchanged: Number(r.unchanged),
      skipped: Number(r.skipped),
      failed: Number(r.failed),
      created_at: iso(r.created_at)!,
      started_at: iso(r.started_at),
      finished_at: iso(r.finished_at),
    })),
    freshness: {
      oldest: o ? { id: Number(o.id), title: o.title, url: o.url, fetched_at: iso(o.fetched_at)! } : null,
      newest_fetched_at: iso(f?.newest),
      stale_documents: f?.stale ?? 0,
      stale_days: staleDays,
    },
    activity: activity.rows.map((r) => ({ ...r })),
    review: { open: rv?.open ?? 0, open_negative: rv?.open_negative ?? 0, reviewed_30d: rv?.reviewed ?? 0 },
  };
}
