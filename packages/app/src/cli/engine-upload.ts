/**
 * `cite ingest` through a running engine (it holds the embedded database, or CITE_URL names it): the
 * files go to its upload API, which indexes them with the same pipeline as a direct ingest.
 * - files are streamed from disk (never whole in memory), as many per request as the engine takes
 *   (UPLOAD_MAX_FILES), each request counted in bytes sent;
 * - `?wait=progress`: the engine answers with NDJSON lines (accepted, progress…, done | error), so
 *   the CLI follows the indexing without polling and gets each request's summary;
 * - the summaries of several requests add up to one, as a direct ingest would print.
 * The document URLs are those of a direct ingest: each file's absolute path is its upload name.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { IndexSummary } from '@cite/ingestion/ingest/index-documents.js';
import { isUrl, unreadableInput } from '@cite/ingestion/ingest/ingest-inputs.js';
import { walkDir } from '@cite/ingestion/extractors/walk-folder.js';
import { UPLOAD_MAX_FILES } from '../admin/uploads-routes.js';
import { CiteError } from '@cite/core/errors.js';
import { causeOf, type RemoteEngine } from './cli-context.js';

export interface LocalFile {
  path: string;
  size: number;
}

/** What the CLI shows while it uploads: bytes sent of all files, then documents read so far. */
export interface EngineUploadProgress {
  bytesSent: number;
  bytesTotal: number;
  /** Documents read so far (indexed, unchanged, skipped or failed), over every request. */
  documents: number;
  failed: number;
  chunks: number;
}

/**
 * Files under the inputs (directories walked, sorted), for an upload, and the inputs and entries that are
 * not read, reported as a direct `cite ingest` reports them (a missing input, a link or a FIFO in a folder):
 * the run goes on with the others. URLs are the engine crawler's job.
 */
export async function localFilesOf(inputs: string[]): Promise<{ files: LocalFile[]; errors: IndexSummary['errors'] }> {
  const files: LocalFile[] = [];
  const errors: IndexSummary['errors'] = [];
  const add = async (file: string) => files.push({ path: file, size: (await fs.promises.stat(file)).size });
  for (const input of inputs) {
    if (isUrl(input)) {
      throw new CiteError('INGEST_URL_THROUGH_ENGINE', `${input}: while \`cite start\` runs, index web pages with \`cite crawl ${input}\` (or stop the engine first)`, { status: 400 });
    }
    const at = path.resolve(input);
    const unreadable = unreadableInput(at);
    if (unreadable) errors.push({ location: unreadable.location, code: unreadable.code, message: unreadable.message });
    else if (!(await fs.promises.stat(at)).isDirectory()) await add(at);
    else {
      for await (const entry of walkDir(at)) {
        if (typeof entry === 'string') await add(entry);
        else errors.push({ location: entry.location, code: entry.code, message: entry.message });
      }
    }
  }
  return { files, errors };
}

/** Requests of at most `max` files each, in the inputs' order. */
export function uploadBatches<T>(files: T[], max = UPLOAD_MAX_FILES): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < files.length; i += max) out.push(files.slice(i, i + max));
  return out;
}

const MAX_REPORTED_ERRORS = 100;

/**
 * One summary for several requests, field by field whatever fields the engine's version sends: counts
 * added, per-code counts merged, lists (errors, skips) kept up to the cap of one run's.
 */
export function addSummaries(a: IndexSummary, b: IndexSummary): IndexSummary {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b) as [string, unknown][]) {
    const prev = out[key];
    if (typeof value === 'number') out[key] = (typeof prev === 'number' ? prev : 0) + value;
    else if (Array.isArray(value)) out[key] = [...(Array.isArray(prev) ? prev : []), ...value].slice(0, MAX_REPORTED_ERRORS);
    else if (value && typeof value === 'object') {
      const counts: Record<string, number> = { ...(prev as Record<string, number> | undefined) };
      for (const [code, n] of Object.entries(value as Record<string, number>)) counts[code] = (counts[code] ?? 0) + n;
      out[key] = counts;
    }
  }
  return out as unknown as IndexSummary;
}

/** Documents a summary accounts for, deliberate skips included (engines that count them apart). */
export function documentsOf(s: IndexSummary): number {
  return s.new + s.changed + s.unchanged + s.failed + ((s as { skipped?: number }).skipped ?? 0);
}

export const emptySummary = (): IndexSummary => ({ new: 0, changed: 0, unchanged: 0, failed: 0, deleted: 0, chunks: 0, embedded: 0, ms: 0, errors: [], failedByCode: {} });

type EngineLine =
  | { event: 'accepted'; run_id: number }
  | { event: 'progress'; documents: number; failed: number; chunks: number }
  | { event: 'done'; run_id: number; summary: IndexSummary }
  | { event: 'error'; code?: string; message?: string; run_id?: number };

/**
 * Sends the files to the engine and waits for their indexing; `onProgress` follows both.
 * Returns the summary of all requests and the runs they made.
 */
export async function uploadToEngine(
  engine: RemoteEngine,
  files: LocalFile[],
  collection: string,
  onProgress: (p: EngineUploadProgress) => void = () => {},
): Promise<{ summary: IndexSummary; runIds: number[] }> {
  const progress: EngineUploadProgress = { bytesSent: 0, bytesTotal: files.reduce((n, f) => n + f.size, 0), documents: 0, failed: 0, chunks: 0 };
  const started = performance.now();
  let summary = emptySummary();
  const runIds: number[] = [];
  for (const batch of uploadBatches(files)) {
    // earlier requests' documents stay counted while this one's progress comes in
    const before = { documents: progress.documents, failed: progress.failed, chunks: progress.chunks };
    const done = await uploadBatch(engine, batch, collection, {
      sent: (bytes) => {
        progress.bytesSent = Math.min(progress.bytesTotal, progress.bytesSent + bytes);
        onProgress({ ...progress });
      },
      indexed: (p) => {
        progress.documents = before.documents + p.documents;
        progress.failed = before.failed + p.failed;
        progress.chunks = before.chunks + p.chunks;
        onProgress({ ...progress });
      },
    });
    runIds.push(done.runId);
    summary = addSummaries(summary, done.summary);
    const s = done.summary;
    Object.assign(progress, { documents: before.documents + documentsOf(s), failed: before.failed + s.failed, chunks: before.chunks + s.chunks });
    onProgress({ ...progress });
  }
  // what the user waited for: sending and indexing
  summary.ms = Math.round(performance.now() - started);
  return { summary, runIds };
}

async function uploadBatch(
  engine: RemoteEngine,
  batch: LocalFile[],
  collection: string,
  on: { sent: (bytes: number) => void; indexed: (p: { documents: number; failed: number; chunks: number }) => void },
): Promise<{ runId: number; summary: IndexSummary }> {
  const form = new FormData();
  form.append('collection', collection);
  // the absolute path as the file name: the documents get the URLs a direct `cite ingest` gives them;
  // a file-backed Blob is read from disk while the request goes out
  for (const f of batch) form.append('files', await fs.openAsBlob(f.path), f.path);
  const url = `${engine.url}/admin/api/uploads?wait=progress`;
  // the platform encodes the multipart body (its boundary is in the content type); counting its bytes
  // on the way out gives the progress of the sending
  const encoded = new Request(url, { method: 'POST', body: form });
  const counted = encoded.body!.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        on.sent(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${engine.key}`, 'content-type': encoded.headers.get('content-type')! },
      body: counted,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
  } catch (e) {
    throw new CiteError('ENGINE_UNREACHABLE', `Cannot send the files to the engine at ${engine.url}: ${causeOf(e)}`, { status: 502, cause: e });
  }
  if (!res.ok || !res.body) {
    const text = await res.text();
    let err: { code?: string; message?: string } = {};
    try {
      if (text.startsWith('{')) err = JSON.parse(text) as typeof err;
    } catch {
      // a proxy's page, not the engine's error body: its status says enough
    }
    throw new CiteError(err.code ?? 'ENGINE_ERROR', err.message ?? `Engine answered ${res.status}`, { status: res.status });
  }
  let runId: number | undefined;
  let cut: unknown;
  try {
    const lines = readline.createInterface({ input: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), crlfDelay: Infinity });
    for await (const text of lines) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as EngineLine;
      if (line.event === 'accepted') runId = line.run_id;
      else if (line.event === 'progress') on.indexed(line);
      else if (line.event === 'done') return { runId: line.run_id, summary: line.summary };
      else if (line.event === 'error') throw new CiteError(line.code ?? 'INGEST_FAILED', line.message ?? 'The engine could not index the upload', { status: 500 });
    }
  } catch (e) {
    if (e instanceof CiteError) throw e;
    cut = e; // the connection broke (engine stopped, network) or a line was not JSON
  }
  throw new CiteError(
    'ENGINE_UPLOAD_CUT',
    `The engine stopped answering before the upload was indexed${runId ? ` (its run ${runId} in the console tells how far it went)` : ''}; ` +
      'run the same `cite ingest` again: what is indexed stays, unchanged files are skipped',
    { status: 502, cause: cut },
  );
}
