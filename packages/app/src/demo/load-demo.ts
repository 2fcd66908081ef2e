/**
 * Loads a bundled corpus into a collection once (`npm run demo`). The collection's `demo corpus`
 * source records the version of what it holds (files + index shape, see demo-corpus.ts): a second
 * start with the same version reuses it without reading a document; a changed corpus is indexed
 * again as a full sync (documents no longer in it are marked deleted, unchanged ones kept as they
 * are). Any other content of the collection (a user's own ingests) is left alone.
 */
import fs from 'node:fs';
import { CHUNKER_VERSION } from '@cite/ingestion/chunker/chunker.js';
import { activeDocumentUrls, type IndexPlacement } from '@cite/index/documents-repo.js';
import { BACKLOG_BATCH, backlogBounds, IndexBacklog } from '@cite/ingestion/worker/index-backlog.js';
import { indexDocuments, type IndexProgress, type IndexSummary } from '@cite/ingestion/ingest/index-documents.js';
import { outcomesOf, type InputConfig } from '@cite/ingestion/ingest/ingest-inputs.js';
import {
  collectionByName,
  filesSource,
  filesSourceVersion,
  finishIngestRun,
  setFilesSourceVersion,
  startIngestRun,
} from '@cite/ingestion/ingest/ingest-run.js';
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { CiteError } from '@cite/core/errors.js';
import { corpusVersion } from './demo-corpus.js';

export const DEMO_SOURCE_NAME = 'demo corpus';

export interface DemoLoadInput {
  /** Collection to load into (created when missing). */
  collection: string;
  /** The corpus: files, zips, JSONL(.gz). */
  files: string[];
  config: InputConfig & Pick<Config, 'CHUNK_TOKENS' | 'CHUNK_OVERLAP_TOKENS' | 'CRAWLER_VECTOR_BACKLOG_MAX' | 'CRAWLER_POSTINGS_BACKLOG_MAX' | 'CRAWLER_HEARTBEAT_MS'>;
  onProgress?: (p: IndexProgress) => void;
}

export interface DemoLoadResult {
  /** `loaded`: the source held nothing; `refreshed`: it held another version; `reused`: this one. */
  outcome: 'loaded' | 'refreshed' | 'reused';
  collectionId: number;
  sourceId: number;
  /** Active documents of the demo source after the load. */
  documents: number;
  version: string;
  /** The indexing run's counts; null when reused. */
  summary: IndexSummary | null;
}

export async function loadDemo(db: Database, embedder: Embedder, input: DemoLoadInput): Promise<DemoLoadResult> {
  for (const file of input.files) {
    if (!fs.existsSync(file)) throw new CiteError('DEMO_CORPUS_MISSING', `The demo corpus file ${file} is missing (restore it from the repository)`);
  }
  const version = corpusVersion(input.files, {
    embedderId: embedder.id,
    chunkTokens: input.config.CHUNK_TOKENS,
    overlapTokens: input.config.CHUNK_OVERLAP_TOKENS,
    chunkerVersion: CHUNKER_VERSION,
  });
  const collectionId = await collectionByName(db, input.collection);
  const sourceId = await filesSource(db, collectionId, DEMO_SOURCE_NAME);
  const before = (await activeDocumentUrls(db, sourceId)).length;
  if (before > 0 && (await filesSourceVersion(db, sourceId)) === version) {
    return { outcome: 'reused', collectionId, sourceId, documents: before, version, summary: null };
  }

  await setFilesSourceVersion(db, sourceId, null);
  const runId = await startIngestRun(db, sourceId, 'cli', input.files, input.config.CRAWLER_HEARTBEAT_MS);
  let summary: IndexSummary;
  try {
    summary = await indexDocuments(db, embedder, { collectionId, sourceId, runId }, outcomesOf(input.files, input.config), input.onProgress, {
      chunkTokens: input.config.CHUNK_TOKENS,
      overlapTokens: input.config.CHUNK_OVERLAP_TOKENS,
      deleteMissing: true,
      placement: await backlogPlacement(db, input.config),
    });
  } catch (e) {
    await finishIngestRun(db, runId, null, (e as Error).message).catch(() => {});
    throw e;
  }
  await finishIngestRun(db, runId, summary);
  await setFilesSourceVersion(db, sourceId, version);
  const documents = (await activeDocumentUrls(db, sourceId)).length;
  return { outcome: before > 0 ? 'refreshed' : 'loaded', collectionId, sourceId, documents, version, summary };
}

/**
 * Inserting vectors into the HNSW index and postings into theirs are the largest part of a bulk load on the
 * embedded database (about 40% of the demo corpus's load time for the vectors alone). There, the engine
 * started next runs a crawler worker that moves backlog chunks into the index when idle, and search scores
 * them exactly meanwhile: the first answer need not wait for the index. A server runs no worker in the
 * engine (`cite worker` may not be running), and inserts fast enough: chunks go straight into the index
 * there, as they do when a backlog is already at its bound (CRAWLER_VECTOR_BACKLOG_MAX,
 * CRAWLER_POSTINGS_BACKLOG_MAX, checked before the load like a crawl worker checks before a write).
 */
async function backlogPlacement(db: Database, config: DemoLoadInput['config']): Promise<IndexPlacement> {
  if (db.mode !== 'embedded') return 'index';
  const backlog = new IndexBacklog(db, { ...backlogBounds(db.mode, config), batchSize: BACKLOG_BATCH[db.mode] });
  await backlog.refresh();
  return backlog.placement();
}
