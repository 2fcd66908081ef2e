/**
 * A source of kind `dila`: its locations are server paths (under FILES_ROOTS) of DILA dumps, or of a
 * folder where they are mirrored (echanges.dila.gouv.fr/OPENDATA/LEGI and KALI, fetched by cron). Each run
 * applies the dumps not applied yet, in DILA's order: a scheduled source keeps up with the daily increments.
 * Web locations are refused: a full LEGI dump is several GB, read from disk as a stream.
 *
 * The source's filter is its selection now: a run first removes the articles an earlier, wider filter let in
 * (a `cite ingest` filter, given per command, removes nothing). Widening it takes effect with the next full
 * dump: the archives already applied are not read again.
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Database } from '@cite/core/db/database.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import { markDocumentsDeleted } from '@cite/index/documents-repo.js';
import { confinedFiles } from '../files-roots.js';
import type { SourceConfig } from '../source-schema.js';
import { importDilaDumps, NO_FILTER, type DilaArchiveResult, type DilaFilter, type DilaIndexer } from './dila-import.js';
import { documentsOutsideFilter } from './dila-repo.js';

export interface DilaSourceRun {
  runId: number;
  sourceId: number;
  collectionId: number;
  config: Pick<SourceConfig, 'start_urls' | 'mask_personal_data' | 'dila_filter'>;
}

/** A type, not an interface: the frontier stores it as its JSON counts (Record<string, unknown>). */
export type DilaSourceCounts = {
  total: number;
  indexed: number;
  unchanged: number;
  failed: number;
  skipped: number;
  deleted: number;
  archives: Array<Pick<DilaArchiveResult, 'archive' | 'status' | 'message'>>;
};

const DUMP_NAME = /\.(tar\.gz|tgz)$/i;

/** Applies the source's new dumps. Throws a CiteError when a location cannot be read at all. */
export async function runDilaSource(
  db: Database,
  indexer: DilaIndexer,
  run: DilaSourceRun,
  filesRoots: string[],
  log?: Logger,
): Promise<DilaSourceCounts> {
  const files: string[] = [];
  for (const location of run.config.start_urls) {
    if (/^https?:/i.test(location)) {
      throw new CiteError('SOURCE_INVALID', `${location}: DILA sources read dumps from server paths (a mirror of echanges.dila.gouv.fr), not from the web`, { status: 400 });
    }
    const file = location.startsWith('file:') ? fileURLToPath(location) : location;
    for await (const entry of confinedFiles(file, filesRoots)) {
      // a FIFO or socket beside the dumps is none of them and stays out, as files of other names do
      if (!entry.ok && entry.code === 'NOT_A_FILE' && !DUMP_NAME.test(entry.location)) continue;
      if (!entry.ok) throw new CiteError(entry.code, entry.message, { status: 400 });
      if (DUMP_NAME.test(entry.path)) files.push(entry.path);
    }
  }
  const filter = run.config.dila_filter ?? NO_FILTER;
  let results: DilaArchiveResult[];
  let narrowed: number;
  try {
    narrowed = await removeUnselected(db, run.sourceId, filter);
    results = await importDilaDumps(
      db,
      indexer,
      { collectionId: run.collectionId, sourceId: run.sourceId, runId: run.runId, maskPersonalData: run.config.mask_personal_data },
      files,
      { filter, ...(log ? { log } : {}) },
    );
  } catch (e) {
    if (isCiteError(e)) throw e;
    throw new CiteError('DILA_IMPORT_FAILED', (e as Error).message, { cause: e });
  }
  const sum = (k: 'indexed' | 'unchanged' | 'failed' | 'removed') => results.reduce((n, r) => n + r[k], 0);
  const counts = {
    indexed: sum('indexed'),
    unchanged: sum('unchanged'),
    failed: sum('failed') + results.filter((r) => r.status === 'refused').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    deleted: sum('removed') + narrowed,
  };
  return {
    total: counts.indexed + counts.unchanged + counts.failed + counts.skipped,
    ...counts,
    archives: results.map((r) => ({ archive: r.archive, status: r.status, ...(r.message ? { message: r.message } : {}) })),
  };
}

/** Takes out of search the source's articles its filter no longer selects, in batches. Returns how many. */
async function removeUnselected(db: Database, sourceId: number, filter: DilaFilter): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await documentsOutsideFilter(db, sourceId, filter, 1000);
    if (!ids.length) return removed;
    removed += await markDocumentsDeleted(db, ids);
  }
}
