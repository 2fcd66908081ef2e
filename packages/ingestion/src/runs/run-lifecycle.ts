/**
 * Life of a crawl run, driven by whichever worker gets there first (row locks decide):
 * queued → running (seeded in the same transaction) → drained → revalidation of known documents
 * no longer reached (websites) → succeeded/failed. Also: scheduled sources become queued runs.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as work from '@cite/core/background-work/work-runs.js';
import type { Database } from '@cite/core/db/database.js';
import { enqueueIn, FRONTIER_DEFAULTS, type EnqueueItem, type FrontierKind } from '../frontier/frontier.js';
import { nextCronRun, type SourceConfig, type SourceKind } from '../sources/source-schema.js';
import { normalizeUrl } from '../urls/normalize.js';
import { CRAWL_RUNS, refreshRunCounts, type RunRow } from './run-repo.js';

const SEED_KIND: Record<SourceKind, FrontierKind> = {
  website: 'page',
  sitemap: 'sitemap',
  'service-public': 'archive',
  jsonl: 'jsonl',
  files: 'file',
  dila: 'archive',
};

/** A start location as a frontier URL: http(s) normalised, server paths as file:// URLs. */
export function seedUrl(location: string): string | null {
  if (/^https?:\/\//i.test(location)) return normalizeUrl(location);
  if (/^file:\/\//i.test(location)) return location;
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location)) return null;
  return pathToFileURL(path.resolve(location)).href;
}

/**
 * Claims the oldest queued run (or only run `only`, when it is queued) for `workerId`, snapshots its source's
 * config and seeds its frontier, in one transaction (a run is never seen running without its seeds).
 */
export async function startQueuedRun(db: Database, workerId = 'crawler', only?: number): Promise<number | null> {
  return db.transaction(async (tx) => {
    const runId = only === undefined
      ? await work.claim(tx, CRAWL_RUNS, workerId)
      : (await work.claimById(tx, CRAWL_RUNS, only, workerId)) ? only : null;
    if (runId === null) return null;
    const run = (await tx.query<{ source_id: number }>('SELECT source_id FROM crawl_runs WHERE id = $1', [runId])).rows[0]!;
    const src = await tx.query<{ kind: SourceKind; config: SourceConfig; collection_id: number; enabled: boolean; deleted_at: Date | null }>(
      'SELECT kind, config, collection_id, enabled, deleted_at FROM sources WHERE id = $1',
      [run.source_id],
    );
    const source = src.rows[0];
    if (!source || source.deleted_at) {
      await work.requestCancel(tx, CRAWL_RUNS, runId, 'source deleted');
      return runId;
    }
    const snapshot = { ...source.config, kind: source.kind, collection_id: Number(source.collection_id) };
    const items: EnqueueItem[] = [];
    const bad: string[] = [];
    for (const loc of source.config.start_urls ?? []) {
      const url = seedUrl(loc);
      if (url) items.push({ url, depth: 0, kind: SEED_KIND[source.kind] });
      else bad.push(loc);
    }
    // A bundle (archives, JSONL, files) is read as a whole by one entry: the first location stands for all.
    if (SEED_KIND[source.kind] !== 'page' && SEED_KIND[source.kind] !== 'sitemap') items.splice(1);
    await tx.query(`UPDATE crawl_runs SET config = $2, error = $3 WHERE id = $1`, [
      runId,
      JSON.stringify(snapshot),
      bad.length ? `unusable start locations: ${bad.join(', ')}` : null,
    ]);
    await tx.query(`UPDATE sources SET status = 'crawling', last_run_id = $2 WHERE id = $1`, [run.source_id, runId]);
    await enqueueIn(tx, runId, items, { maxPages: Math.max(source.config.max_pages ?? 1, items.length), maxQueryVariants: FRONTIER_DEFAULTS.maxQueryVariants });
    return runId;
  });
}

export interface FinishedRun {
  runId: number;
  sourceId: number;
  status: 'succeeded' | 'failed';
}

/**
 * Only runs the crawler seeded are touched (their config snapshot carries the source kind), and only run
 * `only` when given (a worker on one run): upload and
 * `cite ingest` runs are written by the ingestion service in its own process and left to it.
 * Runs with nothing pending or claimed move on: websites revalidate the known documents this crawl
 * did not reach (a page gone → 404 → deleted), then every run finishes with its final counts.
 */
export async function finalizeDrainedRuns(db: Database, only?: number): Promise<FinishedRun[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT r.id FROM crawl_runs r
      WHERE r.status = 'running' AND r.config ? 'kind' AND ($1::bigint IS NULL OR r.id = $1)
        AND NOT EXISTS (SELECT 1 FROM frontier f WHERE f.run_id = r.id AND f.status IN ('pending', 'claimed'))`,
    [only ?? null],
  );
  const finished: FinishedRun[] = [];
  for (const { id } of rows) {
    const result = await db.transaction(async (tx) => {
      const locked = await tx.query<RunRow>(
        `SELECT id, source_id, status, phase, config FROM crawl_runs WHERE id = $1 AND status = 'running' AND config ? 'kind' FOR UPDATE SKIP LOCKED`,
        [id],
      );
      const run = locked.rows[0];
      if (!run) return null;
      const busy = await tx.query(`SELECT 1 FROM frontier WHERE run_id = $1 AND status IN ('pending', 'claimed') LIMIT 1`, [id]);
      if (busy.rows.length) return null;
      if (run.phase === 'crawl' && (run.config.kind === 'website' || run.config.kind === 'sitemap')) {
        await tx.query(
          `INSERT INTO crawl_hosts (host)
           SELECT DISTINCT lower(substring(d.url from '^https?://([^/?#]+)')) FROM documents d
            WHERE d.source_id = $1 AND d.status = 'active' AND d.url ~ '^https?://'
           ON CONFLICT (host) DO NOTHING`,
          [run.source_id],
        );
        const added = await tx.query(
          `INSERT INTO frontier (run_id, url, host, depth, kind)
           SELECT $1, d.url, lower(substring(d.url from '^https?://([^/?#]+)')), $3, 'revalidate'
             FROM documents d
            WHERE d.source_id = $2 AND d.status = 'active' AND d.url ~ '^https?://'
              AND NOT EXISTS (SELECT 1 FROM frontier f WHERE f.run_id = $1 AND f.url = d.url)
           ON CONFLICT (run_id, url) DO NOTHING`,
          [id, run.source_id, run.config.max_depth ?? 0],
        );
        await tx.query(`UPDATE crawl_runs SET phase = 'revalidate' WHERE id = $1`, [id]);
        if (added.rowCount > 0) return null;
      }
      const counts = await refreshRunCounts(tx, Number(id));
      const failedAll = counts.fetched === 0 && counts.failed > 0 && counts.indexed === 0 && counts.unchanged === 0;
      const status = failedAll ? 'failed' : 'succeeded';
      const error = failedAll ? `every URL failed: ${Object.entries(counts.fail_reasons).map(([k, v]) => `${k} ×${v}`).join(', ')}` : null;
      await work.finish(tx, CRAWL_RUNS, Number(id), null, { status, error });
      await tx.query(
        `UPDATE sources SET status = $2, updated_at = now() WHERE id = $1 AND status IN ('crawling', 'queued')`,
        [run.source_id, failedAll ? 'failed' : 'idle'],
      );
      return { runId: Number(id), sourceId: Number(run.source_id), status } as FinishedRun;
    });
    if (result) finished.push(result);
  }
  return finished;
}

/** Sources whose cron time has come get a queued run (unless one is already active). */
export async function scheduleDueSources(db: Database, now = new Date()): Promise<number[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; schedule: string }>(
      `SELECT id, schedule FROM sources
        WHERE schedule IS NOT NULL AND enabled AND deleted_at IS NULL AND next_run_at <= $1
        ORDER BY next_run_at LIMIT 50 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    const queued: number[] = [];
    for (const s of rows) {
      let next: Date | null;
      try {
        next = nextCronRun(s.schedule, now);
      } catch {
        next = null;
      }
      await tx.query('UPDATE sources SET next_run_at = $2 WHERE id = $1', [s.id, next]);
      const active = await tx.query(`SELECT 1 FROM crawl_runs WHERE source_id = $1 AND status IN ('queued', 'running')`, [s.id]);
      if (active.rows.length) continue;
      const run = await tx.query<{ id: number }>(
        `INSERT INTO crawl_runs (source_id, trigger, created_by) VALUES ($1, 'schedule', 'scheduler') RETURNING id`,
        [s.id],
      );
      await tx.query(`UPDATE sources SET status = 'queued', last_run_id = $2 WHERE id = $1`, [s.id, run.rows[0]!.id]);
      queued.push(Number(run.rows[0]!.id));
    }
    return queued;
  });
}
