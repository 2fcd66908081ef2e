/**
 * The frontier: one row per URL of a crawl run, shared by every worker through PostgreSQL.
 * Claims use FOR UPDATE SKIP LOCKED on the URL and on its host's politeness row, in one statement,
 * so two workers never take the same URL and a host never gets more than its concurrency.
 */
import { namedStatement, type Database, type Queryable } from '@cite/core/db/database.js';
import { hostKey, pathKey } from '../urls/normalize.js';

export type FrontierKind = 'page' | 'sitemap' | 'archive' | 'jsonl' | 'file' | 'revalidate';

export interface FrontierItem {
  id: number;
  run_id: number;
  url: string;
  host: string;
  depth: number;
  parent_url: string | null;
  kind: FrontierKind;
  attempts: number;
  /** Validators of the stored document (conditional request), read with the claim; null when none. */
  validators?: { etag: string | null; lastModified: string | null } | null;
}

export interface EnqueueItem {
  url: string;
  depth: number;
  kind: FrontierKind;
  parentUrl?: string | null;
  /** Recorded as skipped with this reason instead of queued (robots, trap guards…). */
  skipReason?: string;
  /**
   * Recorded as done with this outcome instead of queued: a sitemap read already under the URL that
   * redirected to it, so that an index naming it later has it read no second time.
   */
  doneAs?: string;
}

export interface EnqueueLimits {
  /** Pages (kind page) a run may queue; the rest are recorded as skipped 'max_pages' (only counted by enqueueListed). */
  maxPages: number;
  /** Distinct query strings on one path before further ones count as a trap ('query_variants'). */
  maxQueryVariants: number;
  /**
   * Sitemaps a run may queue; the rest are recorded as skipped 'max_sitemaps'. Sitemaps are not pages
   * (max_pages does not count them), and an index naming new indexes at each fetch kept a run going forever.
   */
  maxSitemaps?: number;
}

export const FRONTIER_DEFAULTS = { maxQueryVariants: 100, maxAttempts: 3, maxSitemaps: 1_000 };

/** Politeness key of a frontier URL: host[:port] for the web, 'local' for server files. */
export function frontierHost(url: string): string {
  return url.startsWith('file:') ? 'local' : hostKey(url);
}

/**
 * Adds URLs to a run. Serialised per run (row lock on the run) so the max-pages budget and the
 * trap counters hold with many workers. Returns how many new URLs were queued (pending).
 */
export async function enqueue(db: Database, runId: number, items: EnqueueItem[], limits: EnqueueLimits): Promise<number> {
  if (!items.length) return 0;
  return db.transaction((tx) => enqueueIn(tx, runId, items, limits));
}

/** The completions' rows (`c`) of a JSON parameter, as `completionPayload` writes them. */
const completionRows = (param: string) => `jsonb_to_recordset(${param}::jsonb) AS c(id bigint, status text, outcome text, error text,
            http_status int, content_type text, fetched boolean, etag text, last_modified text, counts jsonb)`;
const COMPLETE_SET = `status = c.status, outcome = c.outcome, error = c.error, http_status = c.http_status,
            content_type = c.content_type, fetched_at = CASE WHEN c.fetched THEN now() ELSE f.fetched_at END,
            etag = c.etag, last_modified = c.last_modified, counts = c.counts, finished_at = now()`;

// Named statements (see CLAIM_STATEMENT): they run at every group of pages a crawl writes, and their plans do
// not depend on their parameters. The read of the URLs already known stays unnamed: its generic plan walks
// all of the run's URLs instead of looking up the few it is given (seen in bench:crawl's profile).
//
// Hosts first (the claim joins on them), then the URLs, and the completions of a crawl's group (see
// EnqueueCompletions): one statement.
const ENQUEUE_INSERT = namedStatement(
  'frontier_enqueue_insert',
  `WITH hosts AS (
         INSERT INTO crawl_hosts (host) SELECT DISTINCT h FROM unnest($10::text[]) AS h ON CONFLICT (host) DO NOTHING
       ), bound AS (
         UPDATE crawl_runs SET pages_enqueued = coalesce($12, pages_enqueued) + $11 WHERE id = $1
       ), completed AS (
         UPDATE frontier f SET ${COMPLETE_SET}
           FROM ${completionRows('$13')}
          WHERE f.id = c.id AND f.status = 'claimed' AND f.claimed_by = $14
       )
       INSERT INTO frontier (run_id, url, host, depth, parent_url, kind, status, outcome, path_key, finished_at)
       SELECT $1, u.url, u.host, u.depth, u.parent, u.kind, u.status, u.outcome, u.pkey,
              CASE WHEN u.status <> 'pending' THEN now() END
         FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
              AS u(url, host, depth, parent, kind, status, outcome, pkey)
       ON CONFLICT (run_id, url) DO NOTHING`,
);
const COMPLETE_ITEMS = namedStatement(
  'frontier_complete',
  `UPDATE frontier f SET ${COMPLETE_SET}
       FROM ${completionRows('$2')}
      WHERE f.id = c.id AND f.status = 'claimed' AND f.claimed_by = $1`,
);

/**
 * Completions a crawl's group write records with the URLs its pages found: the statement that queues
 * them records these too, one round trip fewer in a transaction that holds the embedded database's one
 * connection (see completeMany).
 */
export interface EnqueueCompletions {
  workerId: string;
  items: Array<{ id: number; completion: Completion }>;
}

/**
 * `enqueue` inside a transaction the caller holds (seeding a run along with its status change); with
 * `completions`, records them too.
 */
export async function enqueueIn(
  tx: Queryable,
  runId: number,
  items: EnqueueItem[],
  limits: EnqueueLimits,
  completions?: EnqueueCompletions,
): Promise<number> {
  return (await enqueueRows(tx, runId, items, limits, completions, false)).queued;
}

/**
 * Items of a list (a sitemap's) queued per transaction by enqueueListed: each transaction holds the run's row
 * lock, which the run's heartbeat and every other enqueue of the run wait for, for one batch only.
 */
export const ENQUEUE_BATCH = 1_000;

/**
 * Queues a long list of URLs (a sitemap's, up to 50,000) in batches of ENQUEUE_BATCH, each its own
 * transaction; pages past the run's max_pages are counted, not stored as skipped rows (a sitemap may list
 * 50,000 URLs for a run of 100 pages). Safe to repeat (the sitemap fetched again after a kill): URLs already
 * in the frontier are left out. Returns how many URLs were queued and how many pages were over budget.
 */
export async function enqueueListed(
  db: Database,
  runId: number,
  items: EnqueueItem[],
  limits: EnqueueLimits,
): Promise<{ queued: number; overBudget: number }> {
  let queued = 0;
  let overBudget = 0;
  for (let i = 0; i < items.length; i += ENQUEUE_BATCH) {
    const batch = items.slice(i, i + ENQUEUE_BATCH);
    const r = await db.transaction((tx) => enqueueRows(tx, runId, batch, limits, undefined, true));
    queued += r.queued;
    overBudget += r.overBudget;
  }
  return { queued, overBudget };
}

/** enqueueIn; with `countOverBudget`, pages past max_pages are counted rather than stored. */
async function enqueueRows(
  tx: Queryable,
  runId: number,
  items: EnqueueItem[],
  limits: EnqueueLimits,
  completions: EnqueueCompletions | undefined,
  countOverBudget: boolean,
): Promise<{ queued: number; overBudget: number }> {
  const unique = new Map<string, EnqueueItem>();
  for (const it of items) if (!unique.has(it.url)) unique.set(it.url, it);
  // lock the run (serialises enqueues of one run), read its page bound and which URLs it already has:
  // one round trip
  const locked = await tx.query<{ bound: number; known: string[] | null }>(
    `SELECT r.pages_enqueued AS bound,
            (SELECT array_agg(url) FROM frontier WHERE run_id = $1 AND url = ANY($2::text[])) AS known
       FROM crawl_runs r WHERE r.id = $1 FOR UPDATE`,
    [runId, [...unique.keys()]],
  );
  for (const url of locked.rows[0]?.known ?? []) unique.delete(url);
  if (!unique.size) {
    if (completions) await completeMany(tx, completions.workerId, completions.items);
    return { queued: 0, overBudget: 0 };
  }
  const fresh = [...unique.values()];
  const pageItems = fresh.filter((i) => i.kind === 'page' && !i.skipReason && !i.doneAs);
  const withQuery = pageItems.filter((i) => i.url.includes('?'));
  const variantCounts = new Map<string, number>();
  if (withQuery.length) {
    const keys = [...new Set(withQuery.map((i) => pathKey(i.url)))];
    const { rows } = await tx.query<{ path_key: string; n: number }>(
      `SELECT path_key, count(*)::int AS n FROM frontier WHERE run_id = $1 AND path_key = ANY($2::text[]) GROUP BY path_key`,
      [runId, keys],
    );
    for (const r of rows) variantCounts.set(r.path_key, Number(r.n));
  }
  // Pages not skipped count against max_pages. The bound (pages queued as pending) is never below their
  // number, so they are counted only when the bound says they might not fit, and the count then becomes
  // the bound: a run whose budget fills counts at each write from then on, a run far from it never does.
  let pagesQueued = Number(locked.rows[0]?.bound ?? 0);
  let counted: number | null = null;
  if (pagesQueued + pageItems.length > limits.maxPages) {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM frontier WHERE run_id = $1 AND kind = 'page' AND status <> 'skipped'`,
      [runId],
    );
    pagesQueued = counted = Number(rows[0]?.n ?? 0);
  }
  let budget = limits.maxPages - pagesQueued;
  // sitemaps not skipped count against their own budget, read only when some come (rare next to pages)
  let sitemapBudget = Infinity;
  if (fresh.some((i) => i.kind === 'sitemap' && !i.skipReason && !i.doneAs)) {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM frontier WHERE run_id = $1 AND kind = 'sitemap' AND status <> 'skipped'`,
      [runId],
    );
    sitemapBudget = (limits.maxSitemaps ?? FRONTIER_DEFAULTS.maxSitemaps) - Number(rows[0]?.n ?? 0);
  }

  const cols = { url: [] as string[], host: [] as string[], depth: [] as number[], parent: [] as (string | null)[], kind: [] as string[], status: [] as string[], outcome: [] as (string | null)[], pkey: [] as (string | null)[] };
  const pushRow = (it: EnqueueItem, status: 'pending' | 'skipped' | 'done', outcome: string | null, pk: string | null) => {
    cols.url.push(it.url);
    cols.host.push(frontierHost(it.url));
    cols.depth.push(it.depth);
    cols.parent.push(it.parentUrl ?? null);
    cols.kind.push(it.kind);
    cols.status.push(status);
    cols.outcome.push(outcome);
    cols.pkey.push(pk);
  };
  let queued = 0;
  let overBudget = 0;
  for (const it of fresh) {
    if (it.doneAs) {
      // a record, not a fetch: outside the budgets (a sitemap's counts against the sitemap budget once stored)
      pushRow(it, 'done', it.doneAs, null);
      continue;
    }
    let skip = it.skipReason ?? null;
    const pk = it.kind === 'page' ? pathKey(it.url) : null;
    if (!skip && it.kind === 'page') {
      if (it.url.includes('?')) {
        const n = variantCounts.get(pk!) ?? 0;
        if (n >= limits.maxQueryVariants) skip = 'query_variants';
        variantCounts.set(pk!, n + 1);
      }
      if (!skip) {
        if (budget <= 0) skip = 'max_pages';
        else budget--;
      }
    }
    if (!skip && it.kind === 'sitemap') {
      if (sitemapBudget <= 0) skip = 'max_sitemaps';
      else sitemapBudget--;
    }
    if (!skip) queued++;
    if (skip === 'max_pages' && countOverBudget) {
      overBudget++;
      continue;
    }
    pushRow(it, skip ? 'skipped' : 'pending', skip, pk);
  }
  await tx.query(
    ENQUEUE_INSERT,
    [
      runId,
      cols.url,
      cols.host,
      cols.depth,
      cols.parent,
      cols.kind,
      cols.status,
      cols.outcome,
      cols.pkey,
      [...new Set(cols.host)],
      cols.kind.filter((k, i) => k === 'page' && cols.status[i] === 'pending').length,
      counted,
      JSON.stringify(completionPayload(completions?.items ?? [])),
      completions?.workerId ?? null,
    ],
  );
  return { queued, overBudget };
}

/** Whether a run has this URL as a sitemap, whatever its state (pending, read, skipped). */
export async function hasSitemap(db: Queryable, runId: number, url: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM frontier WHERE run_id = $1 AND url = $2 AND kind = 'sitemap'`, [runId, url]);
  return rows.length > 0;
}

/** Below this delay between two requests to a host (ms), one claim may take several of its URLs at once. */
export const BURST_DELAY_MS = 50;

/** Takes the next URL a worker may fetch now (see claimMany). */
export async function claim(db: Queryable, workerId: string, perHostConcurrency: number): Promise<FrontierItem | null> {
  return (await claimMany(db, workerId, perHostConcurrency, 1)).items[0] ?? null;
}

export interface Claim {
  items: FrontierItem[];
  /**
   * When nothing was claimed: milliseconds until the earliest paced host may be fetched again (null when no
   * host is paced), so that a worker sleeps until then rather than a whole poll interval. Read by the claim
   * itself, at the instant its host checks used: a separate query, a moment later on the clock, found no
   * host paced when the claim had just missed a slot by a fraction of a millisecond (a timer fires up to a
   * millisecond early), and the worker then slept a whole poll.
   */
  nextSlotMs: number | null;
}

/**
 * Takes up to `limit` URLs a worker may fetch now, in one round trip: run running, URL due, host due
 * (politeness) and under its concurrency. The host's next slot is pushed by the delay (robots
 * Crawl-delay or the source's rate, whichever is longer) in the same statement. A host paced slower
 * than BURST_DELAY_MS gives one URL per claim; a faster one up to its free concurrency, its next slot
 * pushed by that many delays, so its rate holds over time.
 *
 * A host's concurrency counts the URLs being fetched: a claimed URL whose response is in hand and waits
 * for its group's write (see worker/group-commit) is marked `fetched_at` and no longer counts. `fetched`
 * names this worker's URLs that reached that point since its last claim; they are marked by the same
 * statement (and left out of its counts, which see the rows as they were before it).
 */
export async function claimMany(
  db: Queryable,
  workerId: string,
  perHostConcurrency: number,
  limit: number,
  fetched: readonly number[] = [],
  /** Claim URLs of this run only (a worker on one run); default: of every running run. */
  onlyRun?: number,
): Promise<Claim> {
  if (limit <= 0 && !fetched.length) return { items: [], nextSlotMs: null };
  const { rows } = await db.query<FrontierItem & { next_slot_ms: number | null }>(
    CLAIM_STATEMENT,
    [workerId, perHostConcurrency, Math.max(0, limit), fetched, onlyRun ?? null],
  );
  // an empty claim is one row with no URL, carrying the wait until the next slot
  const slot = rows.length === 1 && rows[0]!.id === null ? rows.pop()!.next_slot_ms : null;
  const items = rows
    .map(({ next_slot_ms: _, ...r }) => ({ ...r, id: Number(r.id), run_id: Number(r.run_id) }))
    .sort((a, b) => a.depth - b.depth || a.id - b.id);
  return { items, nextSlotMs: slot === null ? null : Number(slot) };
}

/**
 * Candidates are found by walking the pending index in (depth, id) order and stopping at the first URLs
 * whose run is running, whose host is due and under its concurrency: no sort of the whole frontier. The
 * walk is gated on some host being open: when every host is paced or full (a one-site crawl between two
 * requests), it would otherwise read the whole pending frontier to find nothing. open_hosts reads every
 * known host once per claim, which stays cheap for curated sources (hundreds of hosts); hosts of past
 * crawls count as open, so with them the gate passes and the walk's per-row checks are lookups in the
 * materialised CTEs rather than a count of claimed rows per candidate.
 *
 * Named (prepared once per connection): planning it took 0.57 ms per claim, as long as running it. Its
 * generic plan runs ~0.3 ms slower (bench:crawl, pg_stat_statements), so the saving is small but real.
 */
const CLAIM_STATEMENT = namedStatement(
  'frontier_claim',
  `WITH busy AS MATERIALIZED (
       SELECT c.host, count(*) AS n FROM frontier c
        WHERE c.status = 'claimed' AND c.fetched_at IS NULL AND c.id <> ALL($4::bigint[])
        GROUP BY c.host
     ), open_hosts AS MATERIALIZED (
       SELECT h.host FROM crawl_hosts h LEFT JOIN busy b ON b.host = h.host
        WHERE h.next_fetch_at <= now() AND coalesce(b.n, 0) < $2
     ), cand AS (
       SELECT f.id, f.host, f.run_id, f.depth FROM frontier f
        WHERE f.status = 'pending' AND f.not_before <= now()
          AND EXISTS (SELECT 1 FROM open_hosts)
          AND ($5::bigint IS NULL OR f.run_id = $5)
          AND EXISTS (SELECT 1 FROM crawl_runs r WHERE r.id = f.run_id AND r.status = 'running')
          AND EXISTS (SELECT 1 FROM open_hosts o WHERE o.host = f.host)
        ORDER BY f.depth, f.id
        LIMIT $3
        FOR UPDATE OF f SKIP LOCKED
     ), host AS (
       -- the host rows are locked too: claims on one host are serialised, a busy host is skipped
       SELECT h.host,
              (SELECT max(greatest(coalesce(h.crawl_delay_ms, 0),
                                   coalesce(1000.0 / nullif((r.config->>'rate_per_host')::float8, 0), 0)))
                 FROM crawl_runs r WHERE r.id IN (SELECT run_id FROM cand WHERE cand.host = h.host)) AS delay_ms,
              $2 - coalesce((SELECT b.n FROM busy b WHERE b.host = h.host), 0) AS free
         FROM crawl_hosts h
        WHERE h.host IN (SELECT host FROM cand) AND h.next_fetch_at <= now()
        FOR UPDATE OF h SKIP LOCKED
     ), picked AS (
       SELECT c.id, c.host, c.run_id FROM (
         SELECT cand.*, row_number() OVER (PARTITION BY cand.host ORDER BY cand.depth, cand.id) AS k FROM cand
       ) c JOIN host ON host.host = c.host
        WHERE c.k <= CASE WHEN host.delay_ms < ${BURST_DELAY_MS} THEN host.free ELSE 1 END
     ), pace AS (
       UPDATE crawl_hosts h SET next_fetch_at = clock_timestamp() + make_interval(secs => host.delay_ms * n.n / 1000.0)
         FROM host JOIN (SELECT picked.host, count(*) AS n FROM picked GROUP BY picked.host) n ON n.host = host.host
        WHERE h.host = host.host AND host.host <> 'local'
     ), marked AS (
       UPDATE frontier f SET fetched_at = clock_timestamp()
        WHERE f.id = ANY($4::bigint[]) AND f.status = 'claimed' AND f.claimed_by = $1
     ), claimed AS (
       UPDATE frontier f SET status = 'claimed', claimed_by = $1, claimed_at = now(), attempts = f.attempts + 1, fetched_at = NULL
         FROM picked
        WHERE f.id = picked.id
       RETURNING f.id, f.run_id, f.url, f.host, f.depth, f.parent_url, f.kind, f.attempts,
         -- read here so that the request follows the claim at once (politeness is paced at claim time)
         (SELECT json_build_object('etag', d.etag, 'lastModified', d.last_modified) FROM documents d
           WHERE d.collection_id = (SELECT (r.config->>'collection_id')::bigint FROM crawl_runs r WHERE r.id = f.run_id)
             AND d.url = f.url AND d.status = 'active') AS validators
     )
     SELECT claimed.*, NULL::int AS next_slot_ms FROM claimed
     UNION ALL
     -- nothing claimed: when the next paced host opens, against the same now() as the checks above
     SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            (SELECT ceil(extract(epoch FROM min(h.next_fetch_at) - now()) * 1000)::int
               FROM crawl_hosts h WHERE h.next_fetch_at > now())
      WHERE NOT EXISTS (SELECT 1 FROM claimed)`,
);

export interface Completion {
  status: 'done' | 'failed' | 'skipped';
  /** done: indexed | unchanged | deleted | sitemap | processed; skipped/failed: the reason code. */
  outcome: string;
  error?: string | null;
  httpStatus?: number | null;
  contentType?: string | null;
  fetched?: boolean;
  etag?: string | null;
  lastModified?: string | null;
  counts?: Record<string, unknown> | null;
}

/**
 * `c` also counting `n` URLs skipped for `reason` that have no frontier row of their own (a sitemap's entries
 * past its 50,000 or past the run's max_pages): the run's counts add them up (computeCounts).
 */
export function countUnlisted(c: Completion, reason: string, n: number): Completion {
  if (n <= 0) return c;
  const counts = (c.counts ?? {}) as { total?: number; skipped?: number; skip_reasons?: Record<string, number> };
  const reasons = counts.skip_reasons ?? {};
  return {
    ...c,
    counts: {
      ...counts,
      total: (counts.total ?? 0) + n,
      skipped: (counts.skipped ?? 0) + n,
      skip_reasons: { ...reasons, [reason]: (reasons[reason] ?? 0) + n },
    },
  };
}

/** Records what happened to a claimed URL (only while this worker still holds the claim). */
export async function complete(db: Queryable, id: number, workerId: string, c: Completion): Promise<boolean> {
  const r = await db.query(
    `UPDATE frontier SET status = $3, outcome = $4, error = $5, http_status = $6, content_type = $7,
            fetched_at = CASE WHEN $8 THEN now() ELSE fetched_at END, etag = $9, last_modified = $10,
            counts = $11, finished_at = now()
      WHERE id = $1 AND status = 'claimed' AND claimed_by = $2`,
    [id, workerId, c.status, c.outcome, c.error ?? null, c.httpStatus ?? null, c.contentType ?? null, c.fetched ?? false,
      c.etag ?? null, c.lastModified ?? null, c.counts ? JSON.stringify(c.counts) : null],
  );
  return r.rowCount > 0;
}

/**
 * Records what happened to several claimed URLs in one statement (only those this worker still holds).
 * Returns how many were recorded.
 */
export async function completeMany(db: Queryable, workerId: string, items: EnqueueCompletions['items']): Promise<number> {
  if (items.length === 0) return 0;
  if (items.length === 1) return (await complete(db, items[0]!.id, workerId, items[0]!.completion)) ? 1 : 0;
  const r = await db.query(COMPLETE_ITEMS, [workerId, JSON.stringify(completionPayload(items))]);
  return r.rowCount;
}

/** The rows of completionRows. */
function completionPayload(items: EnqueueCompletions['items']) {
  return items.map(({ id, completion: c }) => ({
    id,
    status: c.status,
    outcome: c.outcome,
    error: c.error ?? null,
    http_status: c.httpStatus ?? null,
    content_type: c.contentType ?? null,
    fetched: c.fetched ?? false,
    etag: c.etag ?? null,
    last_modified: c.lastModified ?? null,
    counts: c.counts ?? null,
  }));
}

/** Puts a claimed URL back for a later attempt (429/503, timeouts). */
export async function retryLater(db: Queryable, id: number, workerId: string, delayMs: number, error: string): Promise<void> {
  await db.query(
    `UPDATE frontier SET status = 'pending', claimed_by = NULL, claimed_at = NULL, fetched_at = NULL, error = $3,
            not_before = now() + make_interval(secs => $4::double precision / 1000)
      WHERE id = $1 AND status = 'claimed' AND claimed_by = $2`,
    [id, workerId, error, delayMs],
  );
}

/** Keeps every worker off a host for a while (Retry-After, repeated errors). */
export async function deferHost(db: Queryable, host: string, delayMs: number): Promise<void> {
  await db.query(
    `UPDATE crawl_hosts SET next_fetch_at = greatest(next_fetch_at, now() + make_interval(secs => $2::double precision / 1000))
      WHERE host = $1`,
    [host, delayMs],
  );
}

/** Outcome of a URL given up after `maxAttempts` claims, its worker having stopped at the last one. */
export const ATTEMPTS_EXHAUSTED = 'CRAWL_ATTEMPTS_EXHAUSTED';

/**
 * Claims held by workers that stopped heartbeating go back to pending (kill -9, lost machine);
 * see requeueLostClaims.
 */
export async function requeueStaleClaims(db: Queryable, staleMs: number, maxAttempts: number): Promise<number> {
  return requeueLostClaims(db, maxAttempts, staleMs);
}

/**
 * Claims of workers that stopped go back to pending: those of workers silent for `staleMs`, or every
 * claim when `staleMs` is null (embedded mode at start: they belong to a previous process, now dead).
 * A URL that already cost `maxAttempts` claims is failed instead (ATTEMPTS_EXHAUSTED, with the reason in
 * its error): a document that kills its worker (a PDF bomb did, before PDF_TOO_COMPLEX) would otherwise
 * be taken again by the restarted engine and kill it again, for ever. One statement, so that a claim is
 * never both requeued and failed. Returns how many claims were taken back.
 */
export async function requeueLostClaims(db: Queryable, maxAttempts: number, staleMs: number | null): Promise<number> {
  const r = await db.query(
    `UPDATE frontier SET
            status = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END,
            outcome = CASE WHEN attempts >= $2 THEN '${ATTEMPTS_EXHAUSTED}' ELSE outcome END,
            error = CASE WHEN attempts >= $2
                         THEN 'claimed ' || attempts || ' times without finishing: the worker processing it stopped'
                              || coalesce(' (last error: ' || error || ')', '')
                         ELSE error END,
            finished_at = CASE WHEN attempts >= $2 THEN now() ELSE finished_at END,
            claimed_by = NULL, claimed_at = NULL, fetched_at = NULL, not_before = now()
      WHERE status = 'claimed'
        AND ($1::double precision IS NULL OR claimed_by IS NULL OR claimed_by NOT IN (
              SELECT id FROM crawl_workers WHERE heartbeat_at > now() - make_interval(secs => $1::double precision / 1000)))`,
    [staleMs, maxAttempts],
  );
  return r.rowCount;
}
