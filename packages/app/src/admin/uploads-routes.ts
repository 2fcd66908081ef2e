/**
 * Uploads from the console (and any HTTP client): `POST /admin/api/uploads`, multipart/form-data with a
 * `collection` field and one or more `files`, streamed to a temporary folder (uploadTempRoot). The files go through the same extraction and indexing
 * as `cite ingest`, under the collection's "console uploads" source; the answer (202) names the run,
 * whose counts and per-document errors the crawl-runs screen shows while it proceeds.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { extractOptionsFromConfig, extractSources, type ExtractSource } from '@cite/ingestion/extractors/extract.js';
import { collectionByName, filesSource, finishIngestRun, startIngestRun } from '@cite/ingestion/ingest/ingest-run.js';
import { indexDocuments, type IndexProgress, type IndexSummary } from '@cite/ingestion/ingest/index-documents.js';
import { uploadSources, type UploadedFile } from '@cite/ingestion/ingest/upload-sources.js';
import type { Config } from '@cite/core/config/config.js';
import { headOf } from '@cite/core/text/whole-characters.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import { CiteError, badRequest } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { ndjsonWriter } from '@cite/core/http/ndjson-stream.js';
import { defineRoute } from '@cite/core/http/route.js';
import { requireWritableByName } from '@cite/core/http/collection-scope.js';

export const UPLOAD_SOURCE_NAME = 'console uploads';
/** Files per upload request: a client with more sends several uploads (`cite ingest` does). */
export const UPLOAD_MAX_FILES = 100;
const MAX_FILES = UPLOAD_MAX_FILES;
/** `?wait=progress`: a progress line at most this often, so a fast ingest does not write one per document. */
const PROGRESS_EVERY_MS = 250;
/** Uploads wait for indexing in a folder of their own, `<DATA_DIR>/uploads-tmp/cite-upload-XXXXXX/`. */
const UPLOADS_TMP = 'uploads-tmp';
export const UPLOAD_TEMP_PREFIX = 'cite-upload-';

/** Where uploads are written while they wait: under DATA_DIR, or the system's temporary folder when DATA_DIR is not a folder (memory://). */
export function uploadTempRoot(config: Pick<Config, 'DATA_DIR'>): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(config.DATA_DIR) ? os.tmpdir() : path.join(config.DATA_DIR, UPLOADS_TMP);
}

interface ParsedUpload {
  collection: string;
  files: UploadedFile[];
  /** The temporary folder holding the files: removed once indexed, or when the upload fails. */
  dir: string;
}

async function removeTemp(dir: string): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true });
}

/**
 * Streams the multipart body to a temporary folder (never whole files in memory), each file bounded by
 * INGEST_MAX_FILE_BYTES while it arrives (413 FILE_TOO_LARGE) and hashed on the way. File names are read
 * as UTF-8 (browsers and curl send them so, without saying). On any failure, or when the client goes
 * away, the folder is removed before the promise settles.
 */
async function readUpload(req: Request, maxFileBytes: number, root: string): Promise<ParsedUpload> {
  await fs.promises.mkdir(root, { recursive: true });
  const dir = await fs.promises.mkdtemp(path.join(root, UPLOAD_TEMP_PREFIX));
  try {
    return await receive(req, maxFileBytes, dir);
  } catch (e) {
    await removeTemp(dir);
    throw e;
  }
}

function receive(req: Request, maxFileBytes: number, dir: string): Promise<ParsedUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // preservePath: a folder's files keep their path, which tells same-named files apart (upload-sources.ts)
      parser = busboy({
        headers: req.headers,
        preservePath: true,
        defParamCharset: 'utf8',
        limits: { fileSize: maxFileBytes, files: MAX_FILES, fields: 10, fieldSize: 1000 },
      });
    } catch {
      reject(badRequest('UPLOAD_NOT_MULTIPART', 'Send the files as multipart/form-data with a "files" field'));
      return;
    }
    const out: ParsedUpload = { collection: 'default', files: [], dir };
    const writes: Promise<void>[] = [];
    let failure: CiteError | undefined;
    let settled = false;
    // settles once every file stream is closed, so the folder can be removed
    const finish = (error?: CiteError) => {
      if (settled) return;
      settled = true;
      void Promise.allSettled(writes).then((results) => {
        const written = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        const e = error ?? failure ?? (written ? new CiteError('UPLOAD_WRITE_FAILED', 'The upload could not be stored', { status: 500, cause: written.reason }) : undefined);
        if (e) reject(e);
        else resolve(out);
      });
    };
    parser.on('field', (name, value) => {
      if (name === 'collection') out.collection = value.trim();
    });
    parser.on('file', (_name, stream, info) => {
      const file: UploadedFile = {
        path: path.join(dir, String(out.files.length)),
        name: headOf(info.filename || 'upload', 1000), // the run's file list is jsonb
        contentType: info.mimeType,
      };
      out.files.push(file);
      const hash = crypto.createHash('sha256');
      stream.on('limit', () => {
        failure ??= new CiteError('FILE_TOO_LARGE', `${file.name} is larger than ${maxFileBytes} bytes (INGEST_MAX_FILE_BYTES)`, { status: 413 });
      });
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      writes.push(
        pipeline(stream, hashing, fs.createWriteStream(file.path!)).then(() => {
          file.sha256 = hash.digest('hex');
        }),
      );
    });
    parser.on('filesLimit', () => {
      failure ??= badRequest('TOO_MANY_FILES', `At most ${MAX_FILES} files per upload`);
    });
    parser.on('error', (e) => finish(badRequest('UPLOAD_MALFORMED', `The multipart body could not be read: ${(e as Error).message}`)));
    parser.on('close', () => finish());
    req.on('close', () => {
      if (!req.complete) {
        parser.destroy(new Error('the client went away'));
        finish(badRequest('UPLOAD_ABORTED', 'The upload was interrupted'));
      }
    });
    req.pipe(parser);
  });
}

/** Indexes the uploaded files; the run records the outcome. Never throws: a failure marks the run failed. */
async function ingestUpload(
  app: AppContext,
  collectionId: number,
  sourceId: number,
  runId: number,
  files: ExtractSource[],
  tempDir: string,
  onProgress?: (p: IndexProgress) => void,
): Promise<IndexSummary | { error: string }> {
  const log = app.log.child({ component: 'uploads', runId });
  try {
    const embedder = await appEmbedder(app);
    const summary = await indexDocuments(app.db, embedder, { collectionId, sourceId, runId }, extractSources(files, extractOptionsFromConfig(app.config)), onProgress, {
      chunkTokens: app.config.CHUNK_TOKENS,
      overlapTokens: app.config.CHUNK_OVERLAP_TOKENS,
    });
    await finishIngestRun(app.db, runId, summary);
    log.info({ new: summary.new, changed: summary.changed, failed: summary.failed }, 'upload indexed');
    return summary;
  } catch (e) {
    log.error({ err: e }, 'upload indexing failed');
    await finishIngestRun(app.db, runId, null, (e as Error).message).catch(() => {});
    return { error: (e as Error).message };
  } finally {
    await removeTemp(tempDir).catch((e) => log.warn({ err: e, dir: tempDir }, 'temporary upload folder not removed'));
  }
}

/**
 * `?wait=progress`: the accepted upload, the indexing progress (throttled) and its outcome as NDJSON
 * lines. A client that goes away stops reading; the indexing goes on and its run records the outcome.
 */
async function streamIndexing(
  res: Response,
  accepted: { run_id: number; collection: string; files: string[] },
  start: (onProgress: (p: IndexProgress) => void) => Promise<IndexSummary | { error: string }>,
): Promise<void> {
  const out = ndjsonWriter(res);
  out.line({ event: 'accepted', ...accepted });
  let last = 0;
  const outcome = await start((p) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    out.line({ event: 'progress', documents: p.documents, failed: p.failed, chunks: p.chunks });
  });
  if ('error' in outcome) out.line({ event: 'error', code: 'INGEST_FAILED', message: outcome.error, run_id: accepted.run_id });
  else out.line({ event: 'done', ...accepted, summary: outcome });
  out.end();
}

export const uploadsRoutes = [
  defineRoute({
    method: 'post',
    path: '/admin/api/uploads',
    access: 'admin',
    summary: 'Upload files (PDF, DOCX, HTML, text, Markdown, JSONL, zips incl. service-public) into a collection',
    tags: ['admin'],
    body: z.object({ collection: z.string().optional(), files: z.array(z.string()).optional() }).optional(),
    bodyContentType: 'multipart/form-data',
    // ?wait=true answers when indexing ends, with the summary; ?wait=progress streams NDJSON lines while
    // it runs (`accepted`, `progress`…, then `done` with the summary or `error`: what `cite ingest` reads);
    // otherwise 202 at once
    query: z.object({ wait: z.enum(['true', 'false', 'progress']).optional() }).strict(),
    longRunning: true,
    response: z.object({ run_id: z.number(), collection: z.string(), files: z.array(z.string()), summary: z.unknown().optional() }),
    handler: async ({ app, req, res, query, caller, audit }) => {
      const upload = await readUpload(req, app.config.INGEST_MAX_FILE_BYTES, uploadTempRoot(app.config));
      let indexing: Promise<IndexSummary | { error: string }> | undefined;
      try {
        if (!upload.files.length) throw badRequest('NO_FILES', 'The upload holds no file (field "files")');
        if (!/^[\p{L}\p{N} ._-]{1,100}$/u.test(upload.collection)) {
          throw badRequest('INVALID_COLLECTION', 'collection: 1 to 100 letters, digits, spaces, dots, dashes or underscores');
        }
        // a key limited to some collections uploads only into one of them, and creates none (collection-scope.ts)
        const collectionId = (await requireWritableByName(app.db, caller!, upload.collection)) ?? (await collectionByName(app.db, upload.collection));
        const sourceId = await filesSource(app.db, collectionId, UPLOAD_SOURCE_NAME);
        const sources = uploadSources(upload.files);
        const names = sources.map((f) => f.name!);
        const runId = await startIngestRun(app.db, sourceId, 'upload', names, app.config.CRAWLER_HEARTBEAT_MS);
        await audit({
          action: 'documents.upload',
          targetType: 'collection',
          targetId: collectionId,
          after: { files: names, run_id: runId },
        });
        if (query.wait === 'progress') {
          await streamIndexing(res, { run_id: runId, collection: upload.collection, files: names }, (onProgress) =>
            (indexing = ingestUpload(app, collectionId, sourceId, runId, sources, upload.dir, onProgress)),
          );
          return undefined;
        }
        indexing = ingestUpload(app, collectionId, sourceId, runId, sources, upload.dir);
        if (query.wait !== 'true') {
          res.status(202);
          return { run_id: runId, collection: upload.collection, files: names };
        }
        const summary = await indexing;
        if ('error' in summary) throw new CiteError('INGEST_FAILED', summary.error, { status: 500 });
        return { run_id: runId, collection: upload.collection, files: names, summary };
      } finally {
        if (!indexing) await removeTemp(upload.dir); // indexing removes it when done
      }
    },
  }),
];
