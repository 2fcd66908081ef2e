/**
 * `cite ingest` of DILA dumps: the `.tar.gz` inputs recognised as LEGI / KALI dumps by their entries are
 * applied to the collection's `dila` source (which records the increments applied), in a run of their
 * own that shows in the console like any ingestion.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import type { IndexSummary } from '../../ingest/index-documents.js';
import { collectionByName, finishIngestRun, startIngestRun } from '../../ingest/ingest-run.js';
import { ingestIndexer } from '../../worker/ingest-indexer.js';
import { isDilaDump } from './dila-archive.js';
import { importDilaDumps, type DilaArchiveResult, type DilaFilter } from './dila-import.js';
import { cliDilaSource } from './dila-repo.js';

/** The inputs that are DILA dumps (files only: a folder is read by the other extractors), and the others. */
export async function splitDilaDumps(inputs: string[]): Promise<{ dumps: string[]; others: string[] }> {
  const dumps: string[] = [];
  const others: string[] = [];
  for (const input of inputs) {
    const file = path.resolve(input);
    const isFile = fs.existsSync(file) && fs.statSync(file).isFile();
    if (isFile && (await isDilaDump(file))) dumps.push(file);
    else others.push(input);
  }
  return { dumps, others };
}

/** Comma-separated CLI values → a filter (empty = every text). */
export function dilaFilterOf(o: { texts?: string; natures?: string; idcc?: string }): DilaFilter {
  const list = (s?: string) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  return { texts: list(o.texts).map((t) => t.toUpperCase()), natures: list(o.natures).map((n) => n.toUpperCase()), idcc: list(o.idcc) };
}

export interface DilaIngestOptions {
  filter: DilaFilter;
  chunkTokens?: number;
  overlapTokens?: number;
  now?: Date;
  log?: Logger;
}

/** The run's summary, in the shape of any ingestion's (new = versions written, deleted = documents removed). */
export function dilaSummary(results: DilaArchiveResult[], ms: number): IndexSummary {
  const sum = (k: 'indexed' | 'unchanged' | 'failed' | 'removed') => results.reduce((n, r) => n + r[k], 0);
  const refused = results.filter((r) => r.status === 'refused' || r.status === 'partial');
  return {
    new: sum('indexed'),
    changed: 0,
    unchanged: sum('unchanged'),
    failed: sum('failed') + results.filter((r) => r.status === 'refused').length,
    deleted: sum('removed'),
    chunks: 0,
    embedded: 0,
    ms,
    // the archives refused or left partial, then the articles that failed in them (the first of each archive)
    errors: [
      ...refused.map((r) => ({ location: r.archive, code: r.code ?? (r.status === 'partial' ? 'DILA_ARCHIVE_TRUNCATED' : 'DILA_DUMP_REFUSED'), message: r.message ?? '' })),
      ...results.flatMap((r) => (r.errors ?? []).filter((e) => e.location.includes('!'))), // archive!entry: a partial archive's own is above
    ],
    failedByCode: failedByCode(results),
  };
}

/** Every failure by its code: the articles' (each archive's), and one for each archive refused outright. */
function failedByCode(results: DilaArchiveResult[]): Record<string, number> {
  const byCode: Record<string, number> = {};
  const add = (code: string, n: number) => (byCode[code] = (byCode[code] ?? 0) + n);
  for (const r of results) {
    for (const [code, n] of Object.entries(r.failedByCode ?? {})) add(code, n);
    if (r.status === 'refused') add(r.code ?? 'DILA_DUMP_REFUSED', 1);
  }
  return byCode;
}

export async function ingestDilaDumps(
  db: Database,
  embedder: Embedder,
  collection: string,
  dumps: string[],
  options: DilaIngestOptions,
): Promise<{ results: DilaArchiveResult[]; summary: IndexSummary }> {
  const started = performance.now();
  const collectionId = await collectionByName(db, collection);
  const sourceId = await cliDilaSource(db, collectionId);
  const runId = await startIngestRun(db, sourceId, 'cli', dumps);
  const indexer = ingestIndexer(db, embedder, {
    ...(options.chunkTokens ? { chunkTokens: options.chunkTokens } : {}),
    ...(options.overlapTokens ? { overlapTokens: options.overlapTokens } : {}),
  });
  try {
    const results = await importDilaDumps(db, indexer, { collectionId, sourceId, runId }, dumps, options);
    const summary = dilaSummary(results, Math.round(performance.now() - started));
    await finishIngestRun(db, runId, summary);
    return { results, summary };
  } catch (e) {
    await finishIngestRun(db, runId, null, (e as Error).message).catch(() => {});
    throw e;
  }
}
