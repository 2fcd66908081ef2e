/**
 * Uploads from the console (and any HTTP client): `POST /admin/api/uploads`, multipart/form-data with a
 * `collection` field and one or more `files`. The files go through the same extraction and indexing
 * as `cite ingest`, under the collection's "console uploads" source; the answer (202) names the run,
 * whose counts and per-document errors the crawl-runs screen shows while it proceeds.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import { z } from 'zod';
import { extractOptionsFromConfig, extractSources, type ExtractSource } from '@cite/crawler/extractors/extract.js';
import { collectionByName, filesSource, finishIngestRun, startIngestRun } from '@cite/crawler/ingest/ingest-run.js';
import { indexDocuments, type IndexSummary } from '@cite/crawler/ingest/index-documents.js';
import { uploadSources, type UploadedFile } from '@cite/crawler/ingest/upload-sources.js';
import { appEmbedder } from '../embeddings/app-embedder.js';
import { CiteError, badRequest } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { defineRoute } from '../http/route.js';

export const UPLOAD_SOURCE_NAME = 'console uploads';
const MAX_FILES = 100;

interface ParsedUpload {
  collection: string;
  files: UploadedFile[];
}

/** Reads the multipart body into memory, each file bounded by INGEST_MAX_FILE_BYTES. */
function readUpload(req: Request, maxFileBytes: number): Promise<ParsedUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // preservePath: a folder's files keep their path, which tells same-named files apart (upload-sources.ts)
      parser = busboy({ headers: req.headers, preservePath: true, limits: { fileSize: maxFileBytes, files: MAX_FILES, fields: 10, fieldSize: 1000 } });
    } catch {
      reject(badRequest('UPLOAD_NOT_MULTIPART', 'Send the files as multipart/form-data with a "files" field'));
      return;
    }
    const out: ParsedUpload = { collection: 'default', files: [] };
    let failure: CiteError | undefined;
    parser.on('field', (name, value) => {
      if (name === 'collection') out.collection = value.trim();
    });
    parser.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('limit', () => {
        failure ??= new CiteError('FILE_TOO_LARGE', `${info.filename} is larger than ${maxFileBytes} bytes`, { status: 413 });
      });
      stream.on('close', () => {
        out.files.push({ data: Buffer.concat(chunks), name: (info.filename || 'upload').slice(0, 1000), contentType: info.mimeType });
      });
    });
    parser.on('filesLimit', () => {
      failure ??= badRequest('TOO_MANY_FILES', `At most ${MAX_FILES} files per upload`);
    });
    parser.on('error', (e) => reject(badRequest('UPLOAD_MALFORMED', `The multipart body could not be read: ${(e as Error).message}`)));
    parser.on('close', () => (failure ? reject(failure) : resolve(out)));
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
): Promise<IndexSummary | { error: string }> {
  const log = app.log.child({ component: 'uploads', runId });
  try {
    const embedder = await appEmbedder(app);
    const summary = await indexDocuments(app.db, embedder, { collectionId, sourceId, runId }, extractSources(files, extractOptionsFromConfig(app.config)), undefined, {
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
  }
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
    // ?wait=true answers when indexing ends, with the summary (the CLI uses it); otherwise 202 at once
    query: z.object({ wait: z.enum(['true', 'false']).optional() }).strict(),
    longRunning: true,
    response: z.object({ run_id: z.number(), collection: z.string(), files: z.array(z.string()), summary: z.unknown().optional() }),
    handler: async ({ app, req, res, query, caller, audit }) => {
      const upload = await readUpload(req, app.config.INGEST_MAX_FILE_BYTES);
      if (!upload.files.length) throw badRequest('NO_FILES', 'The upload holds no file (field "files")');
      if (!/^[\p{L}\p{N} ._-]{1,100}$/u.test(upload.collection)) {
        throw badRequest('INVALID_COLLECTION', 'collection: 1 to 100 letters, digits, spaces, dots, dashes or underscores');
      }
      const collectionId = await collectionByName(app.db, upload.collection);
      const sourceId = await filesSource(app.db, collectionId, UPLOAD_SOURCE_NAME);
      const sources = uploadSources(upload.files);
      const names = sources.map((f) => f.name!);
      const runId = await startIngestRun(app.db, sourceId, 'upload', names);
      await audit({
        action: 'documents.upload',
        targetType: 'collection',
        targetId: collectionId,
        after: { files: names, run_id: runId },
      });
      const indexing = ingestUpload(app, collectionId, sourceId, runId, sources);
      if (query.wait !== 'true') {
        res.status(202);
        return { run_id: runId, collection: upload.collection, files: names };
      }
      const summary = await indexing;
      if ('error' in summary) throw new CiteError('INGEST_FAILED', summary.error, { status: 500 });
      return { run_id: runId, collection: upload.collection, files: names, summary };
    },
  }),
];
