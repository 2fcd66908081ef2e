/**
 * `cite ingest <file|dir|zip|url>… [--collection NAME] [--json] [--sync]`: extracts, chunks, embeds
 * and indexes into a collection (created when missing). A progress bar on a terminal, plain progress
 * lines otherwise (stderr); a summary at the end (stdout; `--json` for machines). Failed documents
 * are listed with their reason and do not stop the run. Exit codes: 0 when every input was indexed (or
 * skipped on purpose: a withdrawn fiche, an unsupported type), INGEST_PARTIAL_EXIT_CODE when the run went
 * through but documents or dumps failed, 1 when the run itself could not go on, 2 for a usage error.
 */
import type { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { outcomesOf } from '@cite/ingestion/ingest/ingest-inputs.js';
import { collectionByName, filesSource, finishIngestRun, startIngestRun } from '@cite/ingestion/ingest/ingest-run.js';
import { indexDocuments, type IndexSummary } from '@cite/ingestion/ingest/index-documents.js';
import { dilaFilterOf, ingestDilaDumps, splitDilaDumps } from '@cite/ingestion/sources/dila/dila-ingest.js';
import type { Config } from '@cite/core/config/config.js';
import { createEmbedder } from '@cite/core/embeddings/create-embedder.js';
import { CiteError } from '@cite/core/errors.js';
import { cliConfig, remoteEngine, withDatabase, type RemoteEngine } from '../cli-context.js';
import { addSummaries, emptySummary, localFilesOf, uploadToEngine } from '../engine-upload.js';
import { engineUploadProgress, indexingProgress } from '../ingest-progress.js';
import { terminalLine } from '../terminal-text.js';

export interface IngestCommandOptions {
  collection: string;
  json?: boolean;
  sync?: boolean;
  /** DILA LEGI/KALI dumps: texts (LEGITEXT…, KALICONT…), natures (CODE…) and IDCCs to import, comma separated. */
  texts?: string;
  natures?: string;
  idcc?: string;
}

/**
 * CLI logs go to stderr: stdout carries the summary (JSON with --json). Bound to the command, not to a
 * component: the parts it runs bind their own `component` (a key bound twice is written twice per line).
 */
export function cliLogger(cfg: Pick<Config, 'LOG_LEVEL'>, command: string): Logger {
  const level = cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL;
  return pino({ level, base: { command } }, pino.destination(2));
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description('Index files, directories, zips (incl. service-public XML zips), JSONL and URLs into a collection; exits 3 when some of them failed')
    .argument('<inputs...>', 'files, directories, .zip, .jsonl(.gz), DILA LEGI/KALI dumps (.tar.gz) or http(s) URLs')
    .option('--collection <name>', 'collection to index into (created when missing)', 'default')
    .option('--json', 'print the summary as JSON')
    .option('--sync', 'also mark deleted the documents of earlier `cite ingest` runs of this collection that are not in these inputs')
    .option('--texts <ids>', 'DILA LEGI/KALI dumps: import only these texts (LEGITEXT…, KALICONT…), comma separated')
    .option('--natures <natures>', 'DILA LEGI dumps: import only texts of these natures (CODE for all codes, LOI, DECRET…)')
    .option('--idcc <numbers>', 'DILA KALI dumps: import only these collective agreements (IDCC), comma separated')
    .action(async (inputs: string[], opts: IngestCommandOptions) => {
      const summary = await runIngest(inputs, opts);
      printSummary(summary, opts);
      // a cron job or a script must be able to tell a run that lost documents from one that did not
      if (summary.failed > 0 || summary.errors.length > 0) process.exitCode = INGEST_PARTIAL_EXIT_CODE;
    });
}

/** `cite ingest` went through, but some documents (or DILA dumps) failed: listed in its summary. */
export const INGEST_PARTIAL_EXIT_CODE = 3;

export async function runIngest(inputs: string[], opts: IngestCommandOptions): Promise<IndexSummary & { collection: string }> {
  // DILA LEGI/KALI dumps (.tar.gz, recognised by their entries) are applied to the collection's dila source
  const { dumps, others } = await splitDilaDumps(inputs);
  if (dumps.length) {
    const dila = await runDilaIngest(dumps, opts);
    return others.length ? { ...addSummaries(dila, await runIngest(others, opts)), collection: opts.collection } : dila;
  }
  const cfg = cliConfig();
  const engine = !cfg.DATABASE_URL ? remoteEngine(cfg) : undefined;
  // the running engine holds the embedded database: hand the files to it through its upload API
  if (engine) return ingestThroughEngine(engine, inputs, opts);
  const log = cliLogger(cfg, 'ingest');
  const embedder = await createEmbedder(cfg, log);
  try {
    return await withDatabase(async (db) => {
      const collectionId = await collectionByName(db, opts.collection);
      const sourceId = await filesSource(db, collectionId);
      const runId = await startIngestRun(db, sourceId, 'cli', inputs, cfg.CRAWLER_HEARTBEAT_MS);
      const progress = indexingProgress(process.stderr, !opts.json || process.stderr.isTTY === true);
      try {
        const summary = await indexDocuments(db, embedder, { collectionId, sourceId, runId }, outcomesOf(inputs, cfg), progress.update, {
          chunkTokens: cfg.CHUNK_TOKENS,
          overlapTokens: cfg.CHUNK_OVERLAP_TOKENS,
          deleteMissing: !!opts.sync,
          // per-document failures are in the summary: no log line each on the terminal
        });
        progress.stop();
        await finishIngestRun(db, runId, summary);
        return { collection: opts.collection, ...summary };
      } catch (e) {
        progress.stop();
        await finishIngestRun(db, runId, null, (e as Error).message).catch(() => {});
        throw e;
      }
    }, { bulkWrites: true });
  } finally {
    await embedder.close?.();
  }
}

async function runDilaIngest(dumps: string[], opts: IngestCommandOptions): Promise<IndexSummary & { collection: string }> {
  const cfg = cliConfig();
  if (!cfg.DATABASE_URL && remoteEngine(cfg)) {
    throw new CiteError('INGEST_DILA_THROUGH_ENGINE', 'DILA dumps are applied with the database at hand: stop `cite start` first', { status: 400 });
  }
  const log = cliLogger(cfg, 'ingest');
  const embedder = await createEmbedder(cfg, log);
  try {
    return await withDatabase(async (db) => {
      const { results, summary } = await ingestDilaDumps(db, embedder, opts.collection, dumps, {
        filter: dilaFilterOf(opts),
        chunkTokens: cfg.CHUNK_TOKENS,
        overlapTokens: cfg.CHUNK_OVERLAP_TOKENS,
        log,
      });
      if (!opts.json) {
        for (const r of results) {
          process.stderr.write(
            `${terminalLine(r.archive)}: ${r.status}` +
              (r.status === 'applied' || r.status === 'partial' ? ` (${r.indexed} articles written, ${r.unchanged} unchanged, ${r.removed} removed, ${r.failed} failed)` : '') +
              (r.message ? ` — ${terminalLine(r.message)}` : '') +
              '\n',
          );
        }
      }
      return { collection: opts.collection, ...summary };
    }, { bulkWrites: true });
  } finally {
    await embedder.close?.();
  }
}

function printSummary(s: IndexSummary & { collection: string }, opts: IngestCommandOptions): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const skipped = s.skipped ?? 0;
  const lines = [
    `Collection "${terminalLine(s.collection)}": ${s.new} new, ${s.changed} changed, ${s.unchanged} unchanged, ${skipped} skipped, ${s.failed} failed` +
      (s.deleted ? `, ${s.deleted} deleted` : '') +
      ` documents; ${s.chunks} chunks (${s.embedded} embedded) in ${(s.ms / 1000).toFixed(1)} s`,
  ];
  if (skipped) {
    // left out on purpose (a withdrawn fiche, an unsupported type, no text): listed, not failures
    lines.push(`Skipped (${Object.entries(s.skippedByCode ?? {}).map(([code, n]) => `${code} ${n}`).join(', ')}):`);
    for (const e of s.skips ?? []) lines.push(`  ${terminalLine(e.location)}: ${e.code}: ${terminalLine(e.message)}`);
    if (skipped > (s.skips ?? []).length) lines.push(`  … and ${skipped - (s.skips ?? []).length} more (see the run in the console)`);
  }
  if (s.errors.length) {
    lines.push('Failed:');
    // locations are file names and URLs, messages may quote them: any byte but / may be in a file name
    for (const e of s.errors) lines.push(`  ${terminalLine(e.location)}: ${e.code}: ${terminalLine(e.message)}`);
    if (s.failed > s.errors.length) lines.push(`  … and ${s.failed - s.errors.length} more (see the run in the console)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function ingestThroughEngine(engine: RemoteEngine, inputs: string[], opts: IngestCommandOptions): Promise<IndexSummary & { collection: string }> {
  if (opts.sync) throw new CiteError('INGEST_SYNC_THROUGH_ENGINE', '--sync needs the database: stop `cite start` first', { status: 400 });
  const { files, errors } = await localFilesOf(inputs);
  // what could not be read is a failure of this run, as in a direct ingest; the rest goes on
  const unread: IndexSummary = { ...emptySummary(), failed: errors.length, errors, failedByCode: countByCode(errors) };
  if (!files.length) return { collection: opts.collection, ...unread };
  if (!opts.json) process.stderr.write(`cite ingest: sending the files to the running engine at ${engine.url}…\n`);
  const progress = engineUploadProgress(process.stderr, !opts.json || process.stderr.isTTY === true);
  try {
    const { summary } = await uploadToEngine(engine, files, opts.collection, (p) => progress.update(p));
    return { collection: opts.collection, ...addSummaries(unread, summary) };
  } finally {
    progress.stop();
  }
}

function countByCode(errors: IndexSummary['errors']): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of errors) counts[e.code] = (counts[e.code] ?? 0) + 1;
  return counts;
}
