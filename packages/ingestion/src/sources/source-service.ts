/** Source operations shared by the admin API and the CLI: validate, store, queue crawls, delete. */
import { fileURLToPath } from 'node:url';
import type { Database } from '@cite/core/db/database.js';
import { badRequest } from '@cite/core/errors.js';
import * as work from '@cite/core/background-work/work-runs.js';
import { createRun, CRAWL_RUNS, runStatus, type RunTrigger } from '../runs/run-repo.js';
import { seedUrl } from '../runs/run-lifecycle.js';
import { assertPathAllowed } from './files-roots.js';
import {
  findSource,
  getSource,
  insertSource,
  markSourceDeleted,
  resolveCollection,
  SourceBusyError,
  updateSourceRow,
} from './source-repo.js';
import { sourceCreateSchema, sourceUpdateSchema, type SourceCreate, type SourceKind, type SourceRecord } from './source-schema.js';

/** What a caller may register; from the admin API, server paths are confined to FILES_ROOTS. */
export interface SourceWriteOptions {
  /** Directories server paths must be under (FILES_ROOTS); undefined = not checked here (CLI, tests): workers confine every source when they read it. */
  filesRoots?: string[];
}

/** Start locations must suit the kind: web URLs for crawls, URLs or server paths for bundles. */
async function checkLocations(kind: SourceKind, locations: string[], options: SourceWriteOptions): Promise<void> {
  for (const loc of locations) {
    const web = /^https?:\/\//i.test(loc);
    if ((kind === 'website' || kind === 'sitemap') && !web) {
      throw badRequest('SOURCE_INVALID', `${kind} sources start from http(s) URLs; "${loc}" is not one`);
    }
    if (kind === 'dila' && web) {
      throw badRequest('SOURCE_INVALID', `dila sources read LEGI/KALI dumps from server paths (a mirror of echanges.dila.gouv.fr); "${loc}" is a URL`);
    }
    if (web) {
      try {
        new URL(loc);
      } catch {
        throw badRequest('SOURCE_INVALID', `"${loc}" is not a valid URL`);
      }
    }
    const seed = seedUrl(loc);
    if (!seed) throw badRequest('SOURCE_INVALID', `"${loc}" is neither an http(s) URL nor a server path`);
    if (seed.startsWith('file:') && options.filesRoots) {
      let p: string;
      try {
        p = fileURLToPath(seed);
      } catch {
        throw badRequest('SOURCE_INVALID', `"${loc}" is not a path on this server`);
      }
      await assertPathAllowed(p, options.filesRoots);
    }
  }
}

export async function createSource(db: Database, raw: unknown, options: SourceWriteOptions = {}): Promise<SourceRecord> {
  const parsed = sourceCreateSchema.safeParse(raw);
  if (!parsed.success) throw badRequest('SOURCE_INVALID', zodMessage(parsed.error), parsed.error.issues);
  const input: SourceCreate = parsed.data;
  await checkLocations(input.kind, input.start_urls, options);
  const id = await db.transaction(async (tx) => {
    const collectionId = await resolveCollection(tx, input.collection_id, input.collection);
    return insertSource(tx, input, collectionId);
  });
  return getSource(db, id);
}

export async function updateSource(db: Database, id: number, raw: unknown, options: SourceWriteOptions = {}): Promise<SourceRecord> {
  const parsed = sourceUpdateSchema.safeParse(raw);
  if (!parsed.success) throw badRequest('SOURCE_INVALID', zodMessage(parsed.error), parsed.error.issues);
  const patch = parsed.data;
  const current = await getSource(db, id);
  if (patch.start_urls) await checkLocations(current.kind, patch.start_urls, options);
  await db.transaction(async (tx) => {
    const collectionId =
      patch.collection_id !== undefined && patch.collection_id !== current.collection_id
        ? await resolveCollection(tx, patch.collection_id)
        : patch.collection !== undefined && patch.collection !== current.collection
          ? await resolveCollection(tx, undefined, patch.collection)
          : current.collection_id;
    await updateSourceRow(tx, id, current, patch, collectionId);
    // a disabled source stops crawling now
    if (patch.enabled === false) {
      await tx.query(
        `UPDATE crawl_runs SET status = 'cancelled', finished_at = now(), error = 'source disabled'
          WHERE source_id = $1 AND status IN ('queued', 'running')`,
        [id],
      );
      await tx.query(`UPDATE sources SET status = 'idle' WHERE id = $1 AND status IN ('queued', 'crawling')`, [id]);
    }
  });
  return getSource(db, id);
}

export async function deleteSource(db: Database, id: number): Promise<SourceRecord & { documents_removed: number }> {
  const before = await getSource(db, id);
  const { documents } = await db.transaction((tx) => markSourceDeleted(tx, id));
  return { ...before, status: 'deleted', enabled: false, documents_removed: documents };
}

/** Queues a crawl; refused for disabled sources and when one is already queued or running. */
export async function startCrawl(db: Database, id: number, trigger: RunTrigger, createdBy?: string): Promise<number> {
  const source = await getSource(db, id);
  if (!source.enabled) throw badRequest('SOURCE_DISABLED', `Source ${id} is disabled; enable it before crawling`);
  return createRun(db, id, trigger, createdBy);
}

/**
 * `cite crawl`'s start: queues a crawl, or resumes the source's crawl that no worker beat for in `staleMs`
 * (its `cite crawl` was killed -9): `workerId` takes it over and its frontier goes on, nothing fetched again
 * but the URLs the dead process held. A queued run (its process died before starting it) is followed as it
 * is. Refused (CRAWL_ALREADY_RUNNING) while a live worker beats for the run.
 */
export async function startOrResumeCrawl(
  db: Database,
  id: number,
  trigger: RunTrigger,
  createdBy: string,
  resume: { staleMs: number; workerId: string },
): Promise<{ runId: number; resumed: boolean }> {
  try {
    return { runId: await startCrawl(db, id, trigger, createdBy), resumed: false };
  } catch (e) {
    if (!(e instanceof SourceBusyError)) throw e;
    const runId = (e.details as { run_id: number }).run_id;
    if (await work.reclaimStaleRun(db, CRAWL_RUNS, runId, resume.staleMs, resume.workerId)) return { runId, resumed: true };
    if ((await runStatus(db, runId)) === 'queued') return { runId, resumed: true };
    throw e;
  }
}

export { findSource, getSource };

function zodMessage(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
}
