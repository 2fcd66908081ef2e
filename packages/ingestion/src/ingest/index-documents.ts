/**
 * The indexing service the crawler, `cite ingest` and the upload API all call:
 * extract outcomes → chunk → embed (batched across documents, only what changed) → write each
 * document with its chunks in one transaction.
 *
 * - same content hash as stored → nothing re-done ('unchanged');
 * - changed → only chunks whose hash is new are embedded, the others keep their row and vector;
 * - a failure (bad input, a database error on one document) is recorded in ingest_errors and the
 *   run goes on; the stored version of that document stays as it was;
 * - a document left out on purpose (skip-codes.ts) is recorded the same way but counted as skipped;
 * - an embedding provider that stays unavailable stops the run (every document would fail), with
 *   everything written so far kept.
 */
import { ingestDocuments } from '@cite/core/observability/metrics.js';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Database, Queryable } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { assertEmbeddingModelInTransaction, ensureEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import { CHUNKER_VERSION, chunkDocumentInSlices, cutToLength, type Chunk } from '../chunker/chunker.js';
import { isSpace } from '../chunker/atoms.js';
import { runAtOnce, runInSlices, STEP_CHARS, type Steps } from '../cpu-slices.js';
import type { Block, NormalisedDocument, Section } from '../document.js';
import type { ExtractOutcome } from '../extractors/extract.js';
import { maskPersonalData } from '../hygiene/personal-data.js';
import { isSkipCode } from './skip-codes.js';
import { sha256Of, storeOriginal } from '@cite/index/originals/originals-repo.js';
import { assertDocumentUrl } from '../urls/document-url.js';
import {
  activeDocumentUrls,
  chunkHashes,
  findDocuments,
  insertNewDocuments,
  markDocumentsDeleted,
  noteUnchangedDocuments,
  touchDocuments,
  writeDocument,
  type DocumentWrite,
  type IndexPlacement,
} from '@cite/index/documents-repo.js';
import { analyseChunks } from '@cite/index/text-analysis/chunk-analysis.js';
import { embeddingText } from '@cite/index/embedding-text.js';
import { inWriteTransaction } from '@cite/index/write-retry.js';
import { recordIngestError } from './ingest-errors-repo.js';
import { assertDocumentShape } from './document-shape.js';
import { wellFormed, wholeCut } from '@cite/core/text/whole-characters.js';

export interface IndexTarget {
  collectionId: number;
  sourceId?: number | null;
  runId?: number | null;
  /** Mask phone numbers, e-mails, NIR and IBAN in the indexed text. */
  maskPersonalData?: boolean;
}

export interface IndexingOptions {
  /** Chunk budget in model tokens (CHUNK_TOKENS) and overlap (CHUNK_OVERLAP_TOKENS). */
  chunkTokens: number;
  overlapTokens: number;
  /**
   * Chunks one document may make; one that makes more is refused (DOCUMENT_TOO_MANY_CHUNKS). A 2,000-page
   * PDF makes ~6,000; a page of 400,000 one-word sections (8.8 MB, the site's to write) made 400,000 rows,
   * vectors and postings, some 200 times its size in the index.
   */
  maxChunks: number;
  /** Chunks embedded per provider call, across documents. */
  embedBatch: number;
  /** Documents written at the same time (server mode; the embedded database has one connection). */
  writeConcurrency: number;
  /**
   * Mark deleted the active documents of target.sourceId that this run did not see (a full sync of
   * the source). Documents that may hide behind a failed location are kept.
   */
  deleteMissing: boolean;
  /**
   * Where fresh vectors and postings go: `index` (their indexes, as they are written), or a backlog
   * (documents-repo.ts `IndexPlacement`), searched exactly until an idle crawler worker moves them into the
   * index (a bulk load that must be searchable soon).
   */
  placement: IndexPlacement;
  log?: Logger;
}

/** Blocks (paragraphs, list items, table rows) a document may hold per chunk of its limit (prepareDocument). */
const BLOCKS_PER_CHUNK_LIMIT = 10;
/** Characters of text a document may hold per token of its chunk limit (prepareDocument). */
const CHARS_PER_TOKEN_LIMIT = 4;

export const INDEXING_DEFAULTS: IndexingOptions = {
  chunkTokens: 350,
  overlapTokens: 40,
  maxChunks: 20_000,
  embedBatch: 256,
  writeConcurrency: 4,
  deleteMissing: false,
  placement: 'index',
};

export interface IndexSummary {
  new: number;
  changed: number;
  unchanged: number;
  failed: number;
  deleted: number;
  /** Chunks of the new and changed documents. */
  chunks: number;
  /** Chunk texts sent to the embedder. */
  embedded: number;
  ms: number;
  /** The first failures (all are in ingest_errors). */
  errors: { location: string; code: string; message: string }[];
  /** Every failure counted by its code. */
  failedByCode: Record<string, number>;
  /**
   * Documents left out on purpose (skip-codes.ts: a withdrawn fiche, an unsupported type, no text), not
   * counted in `failed`. Optional: a running engine of an earlier version answers uploads without them.
   */
  skipped?: number;
  /** Every skip counted by its reason. */
  skippedByCode?: Record<string, number>;
  /** The first skips, with their whole location (all are in ingest_errors, under their code). */
  skips?: { location: string; code: string; message: string }[];
}

export interface IndexProgress {
  documents: number;
  failed: number;
  chunks: number;
  location: string;
}

export type IndexOutcome = 'new' | 'changed' | 'unchanged';

interface Prepared {
  location: string;
  write: DocumentWrite;
}

const MAX_REPORTED_ERRORS = 100;

/** Content identity: the document as extracted plus everything that shapes its chunks. */
export function contentHash(doc: NormalisedDocument, embedderId: string, opts: Pick<IndexingOptions, 'chunkTokens' | 'overlapTokens'>): string {
  return runAtOnce(contentHashSteps(doc, embedderId, opts));
}

/**
 * contentHash in steps: the same bytes (the JSON of an array whose last item is the sections) hashed a
 * block at a time and in pieces, so that a document of 28 M characters does not hold the thread for its
 * whole hash.
 */
function* contentHashSteps(doc: NormalisedDocument, embedderId: string, opts: Pick<IndexingOptions, 'chunkTokens' | 'overlapTokens'>): Steps<string> {
  const h = crypto.createHash('sha256');
  // `write` turns each piece into what is hashed: itself, or its JSON string's inside
  const update = function* (text: string, write: (piece: string) => string = (s) => s): Steps<void> {
    for (let at = 0; at < text.length; ) {
      // never between the two halves of a surrogate pair: each would be hashed (and escaped) on its own
      const end = wholeCut(text, Math.min(text.length, at + STEP_CHARS));
      h.update(write(at === 0 && end === text.length ? text : text.slice(at, end)));
      at = end;
      if (at < text.length) yield;
    }
  };
  // JSON.stringify(block), its text written in pieces: the JSON of a 27 M-character block was one string
  // made in one go (~0.1 s and as much again in garbage collection)
  const block = function* (b: Block): Steps<void> {
    if (b.text.length <= STEP_CHARS) return yield* update(JSON.stringify(b));
    let separator = '{';
    for (const [key, value] of Object.entries(b)) {
      if (key === 'text') {
        h.update(`${separator}"text":"`);
        yield* update(b.text, (piece) => JSON.stringify(piece).slice(1, -1));
        h.update('"');
      } else {
        const json = JSON.stringify(value);
        if (json === undefined) continue; // left out, as JSON.stringify leaves out undefined and functions
        h.update(`${separator}${JSON.stringify(key)}:${json}`);
      }
      separator = ',';
    }
    h.update(separator === '{' ? '{}' : '}');
  };
  const head = JSON.stringify([
    CHUNKER_VERSION,
    embedderId,
    opts.chunkTokens,
    opts.overlapTokens,
    doc.title,
    doc.lang,
    doc.description ?? null,
    doc.format,
    doc.publishedAt ?? null,
    doc.modifiedAt ?? null,
    doc.metadata,
    null,
  ]);
  yield* update(head.slice(0, -'null]'.length));
  h.update('[');
  for (const [i, section] of doc.sections.entries()) {
    if (i > 0) h.update(',');
    // a section as cleanDocument makes it (these two keys in this order): its JSON written a block at a time
    if (Object.keys(section).join() === 'headingPath,blocks') {
      h.update(`{"headingPath":${JSON.stringify(section.headingPath)},"blocks":[`);
      for (const [j, b] of section.blocks.entries()) {
        if (j > 0) h.update(',');
        yield* block(b);
      }
      h.update(']}');
    } else yield* update(JSON.stringify(section));
  }
  h.update(']]');
  return h.digest('hex');
}

/**
 * A document's blocks and characters of text, as an extractor gave them: its blocks', its description's (a
 * document without sections is chunked from it) and its sections' headings (kept with each of their
 * chunks, up to MAX_HEADING_CHARS each).
 */
function documentSize(doc: NormalisedDocument): { blocks: number; chars: number } {
  let blocks = 0;
  let chars = doc.description?.length ?? 0;
  for (const section of doc.sections) {
    for (const h of section.headingPath) chars += Math.min(h.length, MAX_HEADING_CHARS);
    for (const block of section.blocks) {
      blocks++;
      chars += block.text.length;
    }
  }
  return { blocks, chars };
}

/**
 * Words of a document's text (blocks and description), runs of characters between ASCII white space: a
 * tokenizer makes at least one token of each, so a chunk holds at most its budget of them.
 */
function* documentWords(doc: NormalisedDocument): Steps<number> {
  let words = yield* wordsIn(doc.description ?? '');
  for (const section of doc.sections) {
    for (const block of section.blocks) {
      yield;
      words += yield* wordsIn(block.text);
    }
  }
  return words;
}

function* wordsIn(text: string): Steps<number> {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (i % STEP_CHARS === STEP_CHARS - 1) yield;
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13);
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/**
 * Prepares one document for writing: cleaned, optionally masked, chunked, hashed. Rejects with a CiteError
 * on unusable input. Chunking gives the event loop turns (chunkDocumentInSlices): the largest text let
 * through takes seconds.
 */
export async function prepareDocument(
  raw: NormalisedDocument,
  embedder: Pick<Embedder, 'id' | 'countTokens'>,
  target: IndexTarget,
  opts: Pick<IndexingOptions, 'chunkTokens' | 'overlapTokens'> & Partial<Pick<IndexingOptions, 'maxChunks'>>,
  validators: { etag?: string | null; lastModified?: string | null; originalSha256?: string | null } = {},
): Promise<DocumentWrite> {
  assertDocumentShape(raw);
  const maxChunks = opts.maxChunks ?? INDEXING_DEFAULTS.maxChunks;
  // Counted before cleaning and chunking, which cost ~4 µs a block on the calling thread: a page of 1.2
  // million short paragraphs (14 MB) took 5.2 s to chunk, into 16,902 chunks. Real documents hold ~2 blocks
  // a chunk (the Code du travail as one page: 12,877 blocks, 6,853 chunks), so a document with more blocks
  // than ten times the chunk limit is never a real one.
  const { blocks, chars } = documentSize(raw);
  if (blocks > maxChunks * BLOCKS_PER_CHUNK_LIMIT) {
    throw new CiteError(
      'DOCUMENT_TOO_MANY_BLOCKS',
      `${raw.url} holds ${blocks} paragraphs, more than ${maxChunks * BLOCKS_PER_CHUNK_LIMIT} (ten times the limit of ${maxChunks} chunks for one document)`,
      { status: 413 },
    );
  }
  // Nor one giant paragraph: chunking a 42 MB one held the calling thread 15 s before its 37,572 chunks were
  // refused. French text runs ~4.2 characters a token (1,458 characters in a chunk of 350), so a text past
  // 4 characters a token of the chunk limit would make about that many chunks or more.
  const maxChars = maxChunks * opts.chunkTokens * CHARS_PER_TOKEN_LIMIT;
  if (chars > maxChars) {
    throw new CiteError(
      'DOCUMENT_TOO_MUCH_TEXT',
      `${raw.url} holds ${chars} characters of text, more than ${maxChars} (${maxChunks} chunks of ${opts.chunkTokens} tokens)`,
      { status: 413 },
    );
  }
  // Nor more words than the chunk limit holds (text of one-character words, code): a 27 M-character code
  // block of 13.5 M words took 9.8 s and 1.4 GB to chunk before it was refused.
  const words = await runInSlices(documentWords(raw));
  if (words > maxChunks * opts.chunkTokens) {
    throw new CiteError(
      'DOCUMENT_TOO_MUCH_TEXT',
      `${raw.url} holds ${words} words, more than ${maxChunks * opts.chunkTokens} (${maxChunks} chunks of ${opts.chunkTokens} tokens)`,
      { status: 413 },
    );
  }
  const doc = await runInSlices(cleanDocument(raw, !!target.maskPersonalData));
  if (!doc.url) throw new CiteError('DOCUMENT_URL_MISSING', 'The document has no URL', { status: 422 });
  // javascript:, data:… never name a document, whichever extractor let them through (issue 21)
  assertDocumentUrl(doc.url, { allowFile: true });
  const chunks = await chunkDocumentInSlices(doc, {
    maxTokens: opts.chunkTokens,
    overlapTokens: opts.overlapTokens,
    countTokens: (t) => embedder.countTokens(t),
    limit: maxChunks,
  });
  if (chunks.length === 0) throw new CiteError('EMPTY_DOCUMENT', `${doc.url} has no text to index`, { status: 422 });
  if (chunks.length > maxChunks) {
    throw new CiteError('DOCUMENT_TOO_MANY_CHUNKS', `${doc.url} makes more chunks than the limit of ${maxChunks} for one document`, { status: 413 });
  }
  const hash = await runInSlices(contentHashSteps(doc, embedder.id, opts));
  return {
    collectionId: target.collectionId,
    sourceId: target.sourceId ?? null,
    url: doc.url,
    title: doc.title,
    lang: doc.lang || 'fr',
    description: doc.description ?? null,
    format: doc.format || 'text',
    // other bytes with the same text still change the document: its original must follow
    contentHash: validators.originalSha256 ? `${hash}:${validators.originalSha256.slice(0, 16)}` : hash,
    etag: validators.etag ?? null,
    lastModified: validators.lastModified ?? null,
    publishedAt: isoOrNull(doc.publishedAt),
    modifiedAt: isoOrNull(doc.modifiedAt),
    metadata: doc.metadata ?? {},
    originalSha256: validators.originalSha256 ?? null,
    chunks,
  };
}

/**
 * Indexes a stream of extraction outcomes. Returns counts; `onProgress` is called after each document.
 */
export async function indexDocuments(
  db: Database,
  embedder: Embedder,
  target: IndexTarget,
  outcomes: AsyncIterable<ExtractOutcome> | Iterable<ExtractOutcome>,
  onProgress?: (p: IndexProgress) => void,
  options: Partial<IndexingOptions> = {},
): Promise<IndexSummary> {
  const opts = { ...INDEXING_DEFAULTS, ...options };
  const started = performance.now();
  await ensureEmbeddingModel(db, embedder);
  const summary: IndexSummary = {
    new: 0, changed: 0, unchanged: 0, failed: 0, deleted: 0, chunks: 0, embedded: 0, ms: 0, errors: [], failedByCode: {},
    skipped: 0, skippedByCode: {}, skips: [],
  };
  const seen = new Set<string>();
  const failedLocations: string[] = [];
  let processed = 0;
  const progress = (location: string) => {
    processed++;
    onProgress?.({ documents: processed, failed: summary.failed, chunks: summary.chunks, location });
  };
  const skip = async (location: string, code: string, message: string) => {
    summary.skipped = (summary.skipped ?? 0) + 1;
    if (summary.skips!.length < MAX_REPORTED_ERRORS) summary.skips!.push({ location, code, message });
    summary.skippedByCode![code] = (summary.skippedByCode![code] ?? 0) + 1;
    opts.log?.info({ location, code }, message);
    await recordIngestError(db, { sourceId: target.sourceId ?? null, runId: target.runId ?? null, location, code, message });
    progress(location);
  };
  const fail = async (location: string, code: string, message: string) => {
    // a deliberate skip is no failure, and does not protect documents from a sync's deletions
    if (isSkipCode(code)) return skip(location, code, message);
    summary.failed++;
    failedLocations.push(location);
    if (summary.errors.length < MAX_REPORTED_ERRORS) summary.errors.push({ location, code, message });
    summary.failedByCode[code] = (summary.failedByCode[code] ?? 0) + 1;
    opts.log?.warn({ location, code }, message);
    await recordIngestError(db, { sourceId: target.sourceId ?? null, runId: target.runId ?? null, location, code, message });
    progress(location);
  };

  let batch: Prepared[] = [];
  let batchChunks = 0;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const current = batch;
    batch = [];
    batchChunks = 0;
    if (current.length === 0) return;
    // embedding of this batch overlaps with the writes of the previous one
    const plan = await embedBatch(db, embedder, current, summary, fail);
    // the chunks of the documents to write only: an unchanged document keeps its stored ones
    const toWrite = current.filter((p) => !plan.unchanged.has(p.write.url));
    (await analyseChunks(db, toWrite.map((p) => p.write))).forEach((write, i) => (toWrite[i]!.write = write));
    await writing; // rethrows a failure of the previous batch
    writing = writeBatch(db, embedder, current, plan, summary, fail, progress, opts);
    writing.catch(() => {}); // observed at the next flush or after the loop
  };

  for await (const outcome of outcomes) {
    if (!outcome.ok) {
      await fail(outcome.location, outcome.code, outcome.message);
      continue;
    }
    let prepared: DocumentWrite;
    try {
      const originalSha256 = outcome.original ? sha256Of(outcome.original.data) : null;
      prepared = await prepareDocument(outcome.document, embedder, target, opts, { originalSha256 });
      // stored before the document that holds it (its foreign key), in a statement of its own so the
      // bytes are not held until the batch is written; a write that fails later leaves it to the sweep
      if (outcome.original) await storeOriginal(db, outcome.original, originalSha256!);
    } catch (e) {
      await fail(outcome.location || outcome.document.url, errorCode(e), (e as Error).message);
      continue;
    }
    seen.add(prepared.url);
    // a URL twice in one batch: the later version wins
    const dup = batch.findIndex((p) => p.write.url === prepared.url);
    if (dup !== -1) {
      batchChunks -= batch[dup]!.write.chunks.length;
      batch.splice(dup, 1);
      progress(outcome.location);
    }
    batch.push({ location: outcome.location, write: prepared });
    batchChunks += prepared.chunks.length;
    if (batchChunks >= opts.embedBatch) await flush();
  }
  await flush();
  await writing;

  if (opts.deleteMissing && target.sourceId != null) {
    const protectedBy = failedLocations.map(asUrlish);
    const gone = (await activeDocumentUrls(db, target.sourceId)).filter(
      (d) => !seen.has(d.url) && !protectedBy.some((loc) => d.url === loc || d.url.startsWith(loc) || loc.startsWith(d.url)),
    );
    summary.deleted = await markDocumentsDeleted(
      db,
      gone.map((d) => d.id),
    );
  }
  summary.ms = Math.round(performance.now() - started);
  for (const outcome of ['new', 'changed', 'unchanged', 'failed', 'skipped', 'deleted'] as const) {
    if (summary[outcome]) ingestDocuments.inc({ outcome }, summary[outcome]);
  }
  return summary;
}

/** One document with fetch validators (the crawler's path). Throws CiteError when it cannot be indexed. */
export async function indexDocument(
  db: Database,
  embedder: Embedder,
  target: IndexTarget & { etag?: string | null; lastModified?: string | null },
  doc: NormalisedDocument,
  options: Partial<IndexingOptions> = {},
): Promise<IndexOutcome> {
  const opts = { ...INDEXING_DEFAULTS, ...options };
  await ensureEmbeddingModel(db, embedder);
  let write = await prepareDocument(doc, embedder, target, opts, target);
  const [existing] = (await findDocuments(db, target.collectionId, [write.url])).values();
  let vectors = new Map<string, Float32Array>();
  if (!existing || existing.status !== 'active' || existing.contentHash !== write.contentHash) {
    write = (await analyseChunks(db, [write]))[0]!;
    const stored = existing ? ((await chunkHashes(db, [existing.id])).get(existing.id) ?? new Set<string>()) : new Set<string>();
    vectors = await embedChunks(embedder, write.chunks.filter((c) => !stored.has(c.hash)));
  }
  return writeWithRetry(db, embedder, write, vectors);
}

/**
 * The crawler's grouped path, in two steps so that no transaction waits for an embedding provider:
 * `embedForWrite` (outside any transaction) embeds the chunks a group of prepared documents will need,
 * then `writeDocumentsIn` writes them all in the caller's transaction, which also records their frontier
 * entries: a page's document and its completion commit together. Each document stays all-or-nothing.
 * With a `placement` other than 'index', fresh chunks' vectors or postings wait in a backlog (see documents-repo).
 */
export async function embedForWrite(db: Database, embedder: Embedder, writes: DocumentWrite[]): Promise<Map<string, Float32Array>> {
  const byCollection = new Map<number, DocumentWrite[]>();
  for (const w of writes) {
    const group = byCollection.get(w.collectionId);
    if (group) group.push(w);
    else byCollection.set(w.collectionId, [w]);
  }
  const needed: Chunk[] = [];
  for (const [collectionId, group] of byCollection) for (const n of (await planEmbeddings(db, collectionId, group)).needed) needed.push(n);
  return embedChunks(embedder, needed);
}

/**
 * What writing `writes` (documents of one collection) needs embedded: nothing for a document stored
 * with the same content hash, only the chunk hashes its stored version lacks for a changed one.
 */
async function planEmbeddings(
  db: Database,
  collectionId: number,
  writes: DocumentWrite[],
): Promise<{ needed: Chunk[]; unchanged: Map<string, number>; absent: Set<string> }> {
  const existing = await findDocuments(db, collectionId, writes.map((w) => w.url));
  const activeIds = [...existing.values()].filter((e) => e.status === 'active').map((e) => e.id);
  const stored = await chunkHashes(db, activeIds);
  const needed: Chunk[] = [];
  const unchanged = new Map<string, number>();
  const absent = new Set<string>();
  for (const w of writes) {
    const e = existing.get(w.url);
    if (!e) absent.add(w.url);
    if (e && e.status === 'active' && e.contentHash === w.contentHash) {
      unchanged.set(w.url, e.id);
      continue;
    }
    const have = e ? stored.get(e.id) : undefined;
    for (const c of w.chunks) if (!have?.has(c.hash)) needed.push(c);
  }
  return { needed, unchanged, absent };
}

/**
 * Writes prepared documents inside the caller's transaction: new ones in one statement for the whole
 * group, unchanged ones in one, changed ones one by one (keeping the vectors of their unchanged chunks).
 * Outcomes are in the order of `writes`. Throws like writeDocument (the caller retries or splits the group).
 */
export async function writeDocumentsIn(
  tx: Queryable,
  embedder: Embedder,
  writes: DocumentWrite[],
  vectors: Map<string, Float32Array>,
  placement: IndexPlacement = 'index',
): Promise<IndexOutcome[]> {
  const outcomes: IndexOutcome[] = new Array(writes.length);
  if (writes.length === 0) return outcomes;
  await assertEmbeddingModelInTransaction(tx, embedder);
  const vectorOf = (h: string) => vectors.get(h);
  const inserted = await insertNewDocuments(tx, writes, vectorOf, placement);
  for (const i of inserted.keys()) outcomes[i] = 'new';
  const rest = writes.map((w, i) => ({ w, i })).filter(({ i }) => !inserted.has(i));
  const unchanged = await noteUnchangedDocuments(
    tx,
    rest.map((r) => r.w),
  );
  for (const k of unchanged.keys()) outcomes[rest[k]!.i] = 'unchanged';
  for (const [k, { w, i }] of rest.entries()) {
    if (unchanged.has(k)) continue;
    for (let attempt = 0; ; attempt++) {
      const result = await writeDocument(tx, w, vectorOf, { placement });
      if (result.outcome !== 'missing-vectors') {
        outcomes[i] = result.outcome;
        break;
      }
      // the stored version changed since the vectors were planned; the row is locked now, so once is enough
      if (attempt >= 1) throw new CiteError('INDEX_CONTENTION', `${w.url} kept changing while being indexed`, { retryable: true });
      const extra = await embedChunks(
        embedder,
        w.chunks.filter((c) => result.hashes.includes(c.hash)),
      );
      for (const [h, v] of extra) vectors.set(h, v);
    }
  }
  return outcomes;
}

/** Embeds what each prepared document needs: nothing when unchanged, only new chunk hashes when changed. */
async function embedBatch(
  db: Database,
  embedder: Embedder,
  batch: Prepared[],
  summary: IndexSummary,
  fail: (location: string, code: string, message: string) => Promise<void>,
): Promise<BatchPlan> {
  const { needed, unchanged, absent } = await planEmbeddings(
    db,
    batch[0]!.write.collectionId,
    batch.map((p) => p.write),
  );
  try {
    const vectors = await embedChunks(embedder, needed);
    summary.embedded += vectors.size;
    return { vectors, unchanged, absent };
  } catch (e) {
    if (isCiteError(e) && e.retryable) throw e; // provider down: stop the run, nothing is lost
    // a non-retryable refusal may come from one document's text: find it, fail it, keep the others
    const out = new Map<string, Float32Array>();
    for (const p of [...batch]) {
      try {
        const v = await embedChunks(
          embedder,
          p.write.chunks.filter((c) => needed.includes(c)),
        );
        for (const [k, x] of v) out.set(k, x);
        summary.embedded += v.size;
      } catch (err) {
        if (isCiteError(err) && err.retryable) throw err;
        batch.splice(batch.indexOf(p), 1);
        await fail(p.location, errorCode(err), (err as Error).message);
      }
    }
    return { vectors: out, unchanged, absent };
  }
}

interface BatchPlan {
  vectors: Map<string, Float32Array>;
  /** URL → id of documents stored with the same content hash: nothing to write. */
  unchanged: Map<string, number>;
  /** URLs not stored when the batch was planned. */
  absent: Set<string>;
}

/** Embeds chunks, each distinct hash once. */
async function embedChunks(embedder: Embedder, chunks: Chunk[]): Promise<Map<string, Float32Array>> {
  const byHash = new Map<string, Chunk>();
  for (const c of chunks) if (!byHash.has(c.hash)) byHash.set(c.hash, c);
  const list = [...byHash.values()];
  const vectors = list.length ? await embedder.embedDocuments(list.map(embeddingText)) : [];
  const out = new Map<string, Float32Array>();
  list.forEach((c, i) => out.set(c.hash, vectors[i]!));
  return out;
}

async function writeBatch(
  db: Database,
  embedder: Embedder,
  batch: Prepared[],
  plan: BatchPlan,
  summary: IndexSummary,
  fail: (location: string, code: string, message: string) => Promise<void>,
  progress: (location: string) => void,
  opts: IndexingOptions,
): Promise<void> {
  // unchanged documents need no transaction: one statement notes that they were seen
  const toWrite = batch.filter((p) => !plan.unchanged.has(p.write.url));
  await touchDocuments(db, [...plan.unchanged.values()]);
  for (const p of batch) {
    if (!plan.unchanged.has(p.write.url)) continue;
    summary.unchanged++;
    progress(p.location);
  }
  const concurrency = db.mode === 'server' ? Math.max(1, opts.writeConcurrency) : 1;
  let next = 0;
  const worker = async () => {
    while (next < toWrite.length) {
      const p = toWrite[next++]!;
      try {
        const outcome = await writeWithRetry(db, embedder, p.write, plan.vectors, (n) => (summary.embedded += n), plan.absent.has(p.write.url), opts.placement);
        summary[outcome]++;
        if (outcome !== 'unchanged') summary.chunks += p.write.chunks.length;
        progress(p.location);
      } catch (e) {
        // the model changed under us, or the provider went down: no document can succeed now
        if (isCiteError(e) && (e.code === 'EMBEDDING_MODEL_MISMATCH' || e.retryable)) throw e;
        await fail(p.location, errorCode(e), (e as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, toWrite.length) }, worker));
}

/**
 * One transaction per document (the index's write retry policy covers deadlocks); written again when
 * another writer changed the document meanwhile, with the vectors its new chunks lack.
 */
async function writeWithRetry(
  db: Database,
  embedder: Embedder,
  write: DocumentWrite,
  vectors: Map<string, Float32Array>,
  onEmbedded?: (n: number) => void,
  probablyNew = false,
  placement: IndexPlacement = 'index',
): Promise<IndexOutcome> {
  for (let attempt = 0; ; attempt++) {
    const result = await inWriteTransaction(db, async (tx, retry) => {
      await assertEmbeddingModelInTransaction(tx, embedder);
      return writeDocument(tx, write, (h) => vectors.get(h), { probablyNew: probablyNew && attempt === 0 && retry === 0, placement });
    });
    if (result.outcome !== 'missing-vectors') return result.outcome;
    if (attempt >= 3) throw new CiteError('INDEX_CONTENTION', `${write.url} kept changing while being indexed`, { retryable: true });
    const extra = await embedChunks(
      embedder,
      write.chunks.filter((c) => result.hashes.includes(c.hash)),
    );
    onEmbedded?.(extra.size);
    for (const [k, v] of extra) vectors.set(k, v);
  }
}

function errorCode(e: unknown): string {
  if (isCiteError(e)) return e.code;
  const state = (e as { code?: string }).code;
  return state && /^[0-9A-Z]{5}$/.test(state) ? 'INDEX_DATABASE_ERROR' : 'INDEX_FAILED';
}

function isoOrNull(v: string | undefined): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Failure locations are paths, `path!entry` or `file.jsonl:12`; documents from files carry file:// URLs. */
function asUrlish(location: string): string {
  const base = location.replace(/:\d+$/, '');
  return base.startsWith('/') ? `file://${base}` : base;
}

// PostgreSQL text and jsonb refuse NUL characters; extractors may pass them through from binary junk.
const NUL = /\u0000/g;

/**
 * Characters a title or a heading keeps. Each chunk stores its heading path: a page of 2,000 sections under
 * one 600,000-character heading needed 2.5 GB before it failed. The bench corpus's longest title has 136
 * characters, its longest heading 412.
 */
const MAX_HEADING_CHARS = 1000;

/** Characters masked between two pauses (masking costs 0.01–0.1 µs a character). */
const MASK_PIECE_CHARS = 256 * 1024;

/**
 * `text` masked in pieces, pausing between them. A piece ends at a line break or between two white-space
 * characters: no personal-data pattern holds either (their separators are single spaces, dots or hyphens),
 * and none looks further around a match than its own separator's neighbour, so each piece masks as the whole
 * text would (a 27 M-character line of words held the thread 0.1 s in one piece). Unchanged, it is `text`
 * itself (mapPieces).
 */
function maskInPieces(text: string): Steps<string> {
  return mapPieces(text, (at) => pieceEnd(text, at + MASK_PIECE_CHARS), maskPersonalData);
}

/** The first place from `from` on after a line break or between two white-space characters, else the end. */
function pieceEnd(text: string, from: number): number {
  for (let i = Math.max(1, from); i < text.length; i++) {
    const before = text.charCodeAt(i - 1);
    if (before === 10 || (isSpace(before) && isSpace(text.charCodeAt(i)))) return i;
  }
  return text.length;
}

/**
 * `map` applied to the pieces of `text` that end where `end(start)` says, pausing between them. When it
 * changed none of them, `text` itself: the pieces put back together would be copied into one string again at
 * its first read, in one go (27 M characters: 80 ms, 150 ms when not Latin-1).
 */
function* mapPieces(text: string, end: (start: number) => number, map: (piece: string) => string): Steps<string> {
  let out = '';
  let changed = false;
  for (let at = 0; at < text.length; ) {
    const cut = end(at);
    const piece = text.slice(at, cut);
    const mapped = map(piece);
    changed ||= mapped !== piece;
    out += mapped;
    at = cut;
    yield;
  }
  return changed ? out : text;
}

/**
 * C0 control characters other than white space, and DEL: junk in text (PostgreSQL refuses NUL; JSON writes
 * each of the others as six characters, and 27.9 M of them took a content hash 1.4 s).
 */
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/g;
/**
 * White space kept in one run: longer runs are cut to it. 27.9 M vertical tabs between two letters made one
 * chunk of 27.9 M characters, whose token count and hash held the thread 3 s.
 */
const MAX_SPACE_RUN = 1000;
/** Tried only where a run starts: tried from every character of a run, it took 23 s on 20 M characters. */
const LONG_SPACE = new RegExp(`(?<!\\s)\\s{${MAX_SPACE_RUN + 1},}`, 'g');
/** Half of a surrogate pair standing alone failed the document's write (INDEX_DATABASE_ERROR): it becomes U+FFFD. */
function tidy(s: string): string {
  return wellFormed(s.replace(CONTROL, '')).replace(LONG_SPACE, (run) => run.slice(0, MAX_SPACE_RUN));
}

/**
 * Metadata as PostgreSQL's jsonb takes it: no NUL, no lone surrogate, in keys as in values. Read on its JSON,
 * where both can only be escapes (a pair is written as is): each escape is taken whole, so the text "\\u0000"
 * (a backslash, then "u0000") stays, where removing every "\u0000" cut it into an unterminated string.
 */
function cleanMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(metadata).replace(/\\(u[0-9a-fA-F]{4}|[^u])/g, (escape, body: string) => {
    if (body === 'u0000') return '';
    return /^u[dD][89a-fA-F]/.test(body) ? '\\ufffd' : escape;
  });
  return JSON.parse(json) as Record<string, unknown>;
}

/**
 * tidy() in slices of STEP_CHARS (a run across two slices keeps up to twice MAX_SPACE_RUN); text with
 * nothing to tidy (nearly all) comes back itself (mapPieces).
 */
function* tidyInSlices(text: string): Steps<string> {
  if (text.length <= STEP_CHARS) return tidy(text);
  // never between the two halves of a surrogate pair: each would read as a lone one
  return yield* mapPieces(text, (at) => wholeCut(text, Math.min(text.length, at + STEP_CHARS)), tidy);
}

function* cleanDocument(doc: NormalisedDocument, mask: boolean): Steps<NormalisedDocument> {
  const clean = function* (s: string): Steps<string> {
    const t = yield* tidyInSlices(s);
    return mask ? yield* maskInPieces(t) : t;
  };
  const heading = (s: string) => {
    const t = tidy(cutToLength(s, MAX_HEADING_CHARS));
    return mask ? maskPersonalData(t) : t;
  };
  const sections: Section[] = [];
  for (const s of doc.sections) {
    const blocks: Block[] = [];
    for (const b of s.blocks) {
      yield;
      blocks.push({ ...b, text: yield* clean(b.text) });
    }
    sections.push({ headingPath: s.headingPath.map(heading), blocks });
  }
  return {
    ...doc,
    url: wellFormed(doc.url.replace(NUL, '')).trim(),
    title: heading(doc.title.trim()).trim(),
    // null as the shape check allows (a JSON caller's way to say none), as undefined
    description: doc.description == null ? undefined : yield* clean(doc.description),
    sections,
    metadata: cleanMetadata(doc.metadata ?? {}),
  };
}
