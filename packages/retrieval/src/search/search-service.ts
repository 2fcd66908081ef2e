/**
 * The search service: validates what reaches it, embeds the query, runs the one hybrid statement,
 * optionally reranks, groups by document, and shapes the results of POST /v1/search. Routes, the CLI,
 * `cite eval`, answers and benchmarks all search through here.
 */
import crypto from 'node:crypto';
import { documentLink } from '@cite/index/originals/document-links.js';
import { searchStageDuration } from '@cite/core/observability/metrics.js';
import type { Logger } from 'pino';
import type { Config } from '@cite/core/config/config.js';
import { namedStatement, type Database, type NamedStatement } from '@cite/core/db/database.js';
import { vectorToSql, type Embedder } from '@cite/core/embeddings/embedder.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import { HASH_EMBEDDER_VERSION } from '@cite/core/embeddings/hash-embedder.js';
import { getEmbeddingModel, mismatchError, type EmbeddingModelRecord } from '@cite/core/embeddings/embedding-model-record.js';
import { CiteError, badRequest } from '@cite/core/errors.js';
import { findControlCharacter, UNACCEPTED_CHARACTERS } from '@cite/core/http/control-characters.js';
import { service, type AppContext } from '@cite/core/http/app-context.js';
import { buildHybridSql, type HybridRow } from './hybrid-sql.js';
import { indexCollections } from './indexed-collections.js';
import { cachedFor, forgetCached } from './per-database-cache.js';
import { resolveCollectionRefs } from '@cite/index/collections/collection-refs.js';
import { createReranker, type Reranker } from './reranker.js';
import { expandSearchQuery } from './synonyms/synonym-store.js';
import { articleReferences, whereNamed, withBothSpellings, type ArticleReference } from './legal-references.js';
import {
  searchBodySchema,
  searchFiltersSchema,
  type ResolvedSearchFilters,
  type SearchFilters,
  type SearchHit,
  type SearchMode,
  type SearchResponse,
} from './search-schema.js';

export interface SearchInput {
  query: string;
  k?: number;
  offset?: number;
  mode?: SearchMode;
  /** Validated here: callers may pass what they received (answers forward the request's filters). */
  filters?: SearchFilters | Record<string, unknown> | null;
  group_by_document?: boolean;
  rerank?: boolean;
  debug?: boolean;
  /** From the API key, never from the request body: null = every collection. */
  allowedCollections: readonly number[] | null;
  signal?: AbortSignal;
}

export interface SearchDeps {
  db: Database;
  embedder: Embedder;
  config: Pick<
    Config,
    | 'SEARCH_RRF_K'
    | 'SEARCH_DEPTH'
    | 'SEARCH_TERM_DEPTH'
    | 'SEARCH_EF_SEARCH'
    | 'SEARCH_EF_SEARCH_VECTOR'
    | 'SEARCH_WEIGHT_LEXICAL'
    | 'SEARCH_WEIGHT_VECTOR'
    | 'SEARCH_RERANK_DEPTH'
    | 'SEARCH_MIN_SCORE'
    | 'SEARCH_VECTOR_MIN_SIMILARITY'
  > &
    Partial<Pick<Config, 'PUBLIC_URL'>>;
  reranker?: Reranker | null;
  log?: Logger;
}

export const DEFAULT_K = 10;

const hybridStatements = new Map<string, NamedStatement>();
/**
 * Texts kept as named statements at most: a dozen shapes, times the distinct collection sets of the keys
 * limited to some (their collections are in the text). Each is prepared, and its plan kept, on every
 * connection that runs it; past this many, a search is planned each time as before.
 */
const MAX_HYBRID_STATEMENTS = 128;

/**
 * The search statement of one shape as a named statement with its generic plan, or its text alone once
 * MAX_HYBRID_STATEMENTS are kept.
 */
function hybridStatement(sql: string): NamedStatement | string {
  let statement = hybridStatements.get(sql);
  if (!statement) {
    if (hybridStatements.size >= MAX_HYBRID_STATEMENTS) return sql;
    const name = `search_${crypto.createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
    hybridStatements.set(sql, (statement = namedStatement(name, sql, { genericPlan: true })));
  }
  return statement;
}
/** Chunks kept per document in the group_by_document view. */
const CHUNKS_PER_DOCUMENT = 3;
/** The chunk count (IDF's N) moves slowly; re-count at most this often. */
const CHUNK_COUNT_TTL_MS = 30_000;
/** Model changes are rare (`cite reembed`); re-read the record at most this often. */
const MODEL_TTL_MS = 10_000;

export const chunkCount = (db: Database): Promise<number> =>
  cachedFor(db, 'chunks', CHUNK_COUNT_TTL_MS, async () => {
    const { rows } = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM chunks');
    return Math.max(1, Number(rows[0]?.n ?? 1));
  });

/**
 * IDF's N for a key limited to `collections`: their chunks only (hybrid-sql.ts, chunkCount). Summed per
 * collection for every collection at once from the documents' chunk counts (the index store keeps them
 * with the chunks, 0 once deleted), as often as the whole index's count.
 */
export async function chunkCountIn(db: Database, collections: readonly number[] | null): Promise<number> {
  if (!collections) return chunkCount(db);
  const counts = await cachedFor(db, 'chunks-by-collection', CHUNK_COUNT_TTL_MS, async () => {
    const { rows } = await db.query<{ collection_id: string | number; n: string | number }>(
      'SELECT collection_id, sum(chunk_count) AS n FROM documents GROUP BY collection_id',
    );
    return new Map(rows.map((r) => [Number(r.collection_id), Number(r.n)]));
  });
  return Math.max(1, collections.reduce((sum, id) => sum + (counts.get(id) ?? 0), 0));
}

const recordedModel = (db: Database): Promise<EmbeddingModelRecord | undefined> =>
  cachedFor(db, 'model', MODEL_TTL_MS, () => getEmbeddingModel(db));

/** Forgets the cached chunk count, model record and web collection (tests, after bulk loads). */
export function resetSearchStatistics(db: Database): void {
  forgetCached(db);
}

function validate(input: SearchInput): { filters?: SearchFilters } {
  const body = searchBodySchema.safeParse({
    query: input.query,
    k: input.k,
    offset: input.offset,
    mode: input.mode,
    group_by_document: input.group_by_document,
    rerank: input.rerank,
    debug: input.debug,
  });
  if (!body.success) {
    const issue = body.error.issues[0]!;
    throw badRequest('INVALID_SEARCH', `${issue.path.join('.') || 'query'}: ${issue.message}`);
  }
  // PostgreSQL refuses NUL in text and jsonb (a 500, or the database's own error): the HTTP layer refuses
  // control characters before any route, `cite search`, `cite eval` and stored evaluation runs reach here directly
  if (findControlCharacter(input.query, 'query')) throw badRequest('INVALID_SEARCH', `query: ${UNACCEPTED_CHARACTERS}`);
  if (input.filters == null) return {};
  const filters = searchFiltersSchema.safeParse(input.filters);
  if (!filters.success) {
    const issue = filters.error.issues[0]!;
    throw badRequest('INVALID_FILTERS', `filters${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`);
  }
  const bad = findControlCharacter(filters.data, 'filters');
  if (bad) throw badRequest('INVALID_FILTERS', `${bad}: ${UNACCEPTED_CHARACTERS}`);
  return { filters: filters.data };
}

/** Collection names (and ids) of the filters as ids the caller may read; an unknown one is refused, named. */
async function resolveFilters(db: Database, filters: SearchFilters | undefined, allowed: readonly number[] | null): Promise<ResolvedSearchFilters | undefined> {
  if (!filters?.collections) return filters as ResolvedSearchFilters | undefined;
  return { ...filters, collections: await resolveCollectionRefs(db, filters.collections, allowed, 'filters.collections') };
}

const ms = (start: bigint) => Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function searchWith(deps: SearchDeps, input: SearchInput): Promise<SearchResponse> {
  const t0 = process.hrtime.bigint();
  const validated = validate(input);
  let mode = input.mode ?? 'hybrid';
  const warnings: NonNullable<SearchResponse['warnings']> = [];
  if (mode !== 'lexical') {
    // Query vectors of another model than the indexed ones would rank at random, silently.
    const recorded = await recordedModel(deps.db);
    if (recorded && (recorded.id !== deps.embedder.id || recorded.dimension !== deps.embedder.dimension)) {
      const err = mismatchError(recorded, deps.embedder);
      if (mode === 'vector') throw err;
      mode = 'lexical';
      warnings.push({ code: err.code, message: `Lexical results only. ${err.message}` });
      deps.log?.warn({ code: err.code }, 'search: vector branch left out, the embedder is not the indexed model');
    }
  }
  const k = input.k ?? DEFAULT_K;
  const offset = input.offset ?? 0;
  const cfg = deps.config;
  if (input.rerank && !deps.reranker) {
    throw badRequest('RERANKER_NOT_CONFIGURED', 'rerank: no reranker is configured on this engine (SEARCH_RERANKER)');
  }
  const reranker = input.rerank === false ? null : (deps.reranker ?? null);
  const timings: Record<string, number> = {};
  if (input.allowedCollections && input.allowedCollections.length === 0) return { data: [], timings: { total_ms: ms(t0) } };
  const filters = await resolveFilters(deps.db, validated.filters, input.allowedCollections);
  // « L. 1237-19 » searched as the article's page titles it and as the pages citing it write it
  // (legal-references.ts)
  const query = withBothSpellings(input.query);

  let vector: string | undefined;
  if (mode !== 'lexical') {
    const te = process.hrtime.bigint();
    const v = await deps.embedder.embedQuery(query);
    timings.embed_ms = ms(te);
    // A query of punctuation or stop words embeds to zeros: every cosine with it is undefined (NaN), so
    // the vector branch would only bring chance neighbours. It has nothing to say; the lexical one decides.
    if (v.every((x) => x === 0)) {
      const message = 'The query holds only punctuation or stop words: it has no vector to search with.';
      if (mode === 'vector') return { data: [], timings: { ...timings, total_ms: ms(t0) }, warnings: [...warnings, { code: 'QUERY_WITHOUT_VECTOR', message }] };
      warnings.push({ code: 'QUERY_WITHOUT_VECTOR', message: `Lexical results only. ${message}` });
      mode = 'lexical';
    } else {
      vector = vectorToSql(v);
    }
  }
  // synonyms of the global lists and of the collections searched (the key's, narrowed by the filters)
  const expansion = mode === 'vector' ? null : await expandSearchQuery(deps.db, query, filters?.collections ?? input.allowedCollections);
  const articles = articleReferences(query);
  // Grouping, reranking and putting a named article first work on the whole fused list; plain pages come
  // straight from SQL.
  const wholeList = Boolean(input.group_by_document || reranker || articles.length);
  const depth = Math.max(cfg.SEARCH_DEPTH, offset + k);
  const { sql, params } = buildHybridSql({
    mode,
    query,
    vector,
    filters,
    allowedCollections: input.allowedCollections,
    chunkCount: mode === 'vector' ? 1 : await chunkCountIn(deps.db, input.allowedCollections),
    depth,
    termDepth: cfg.SEARCH_TERM_DEPTH,
    rrfK: cfg.SEARCH_RRF_K,
    weights: { lexical: cfg.SEARCH_WEIGHT_LEXICAL, vector: vectorWeight(cfg.SEARCH_WEIGHT_VECTOR) },
    // lexical searches have no embedder (answers in ANSWER_SEARCH_MODE=lexical, eval runs)
    minSimilarity: mode === 'lexical' ? 0 : vectorFloor(cfg.SEARCH_VECTOR_MIN_SIMILARITY, deps.embedder),
    limit: wholeList ? depth * 2 : k,
    offset: wholeList ? 0 : offset,
    fuseDocuments: Boolean(input.group_by_document),
    expansion,
  });
  // The shape nearly every search has (no filter, the configured depth) keeps one text and one generic plan
  // per set of the key's collections (written in the text, filter-sql.ts); filtered searches are planned for
  // their values (a selective filter changes the best plan). Planned each time, a limited key's search cost
  // 2.7 ms more than an unlimited one (9.0 against 6.3 ms on 100,000 chunks; 1.4 ms in the planner), now 1.3.
  const hotShape = !filters && depth === cfg.SEARCH_DEPTH;
  const ts = process.hrtime.bigint();
  let rows: HybridRow[];
  try {
    // ef_search is HNSW's candidate list: it bounds how many neighbours a search can return (at least the
    // depth) and how many true neighbours it finds (SEARCH_EF_SEARCH says how much; a vector-only search,
    // which no lexical branch makes up for, keeps more); iterative scans keep filtered searches full. Set on
    // the connection and sent only when they change: one round trip per search.
    const ef = mode === 'vector' ? cfg.SEARCH_EF_SEARCH_VECTOR : cfg.SEARCH_EF_SEARCH;
    const settings: Record<string, string> =
      mode === 'lexical'
        ? {}
        : {
            'hnsw.ef_search': String(Math.min(1000, Math.max(ef, Math.trunc(depth)))),
            'hnsw.iterative_scan': filters || input.allowedCollections ? 'relaxed_order' : 'off',
          };
    rows = (await deps.db.queryWithSettings<HybridRow>(settings, hotShape ? hybridStatement(sql) : sql, params)).rows;
  } catch (e) {
    // the engine's own refusals (503 DATABASE_BUSY with its Retry-After, a cancelled request) keep their code
    if (e instanceof CiteError) throw e;
    const message = (e as Error).message ?? '';
    if (/different vector dimensions|expected \d+ dimensions/.test(message)) {
      throw new CiteError(
        'EMBEDDING_DIMENSION_MISMATCH',
        `The query embedder (${deps.embedder.id}, ${deps.embedder.dimension} dimensions) does not match the indexed vectors: run cite reembed or use the indexing model`,
        { status: 409, cause: e },
      );
    }
    // the database's words stay in the logs (cause), never in the answer to the client
    throw new CiteError('SEARCH_FAILED', 'Search failed; the request id identifies it in the logs', { status: 500, retryable: true, cause: e });
  }
  timings.sql_ms = ms(ts);

  let hits = rows.map((r, i) => toHit(r, i + 1, input.debug === true, cfg.PUBLIC_URL));
  // document-level fusion (hybrid, grouped): a document scores its fused document score
  const docScores = new Map(rows.filter((r) => r.doc_score != null).map((r) => [Number(r.document_id), Number(r.doc_score)]));
  if (cfg.SEARCH_MIN_SCORE > 0) hits = hits.filter((h) => h.score >= cfg.SEARCH_MIN_SCORE);
  if (reranker && hits.length) {
    const tr = process.hrtime.bigint();
    hits = await rerankHits(reranker, query, hits, cfg.SEARCH_RERANK_DEPTH, input.debug === true, input.signal);
    timings.rerank_ms = ms(tr);
  }
  if (articles.length) hits = namedArticlesFirst(hits, articles);
  if (input.group_by_document) {
    hits = groupByDocument(hits);
    if (docScores.size && !reranker) hits = hits.map((h) => ({ ...h, score: docScores.get(h.document.id) ?? h.score }));
  }
  if (wholeList) hits = hits.slice(offset, offset + k);
  timings.total_ms = ms(t0);
  for (const [stage, value] of Object.entries(timings)) searchStageDuration.observe({ stage: stage.replace(/_ms$/, '') }, value / 1000);
  deps.log?.debug({ mode, k, results: hits.length, timings }, 'search');
  return warnings.length ? { data: hits, timings, warnings } : { data: hits, timings };
}

/**
 * First the passages of a page titled with an article the query names (« Code du travail - Article L1237-19 » for
 * « article L. 1237-19 »), first, in their order; the others after, in theirs. Search alone cannot tell
 * that article from « L1237-19-1 » (both titles hold « l1237 » and « -19 ») and BM25 prefers the shorter
 * page; a title naming exactly the reference can. Measured with `bench:abstain -- --articles 200`
 * (labour-law index, hash embedder): the article's own page first 0.625 → 1 written « article L. 1234-5 »,
 * 0.40 → 1 as a question (it was always among the candidates fused); the same on the 200 held-out ones.
 * Then the passages whose text names it (an index of fiches citing the article: among the pages holding
 * « 1234 » and « -1 », those naming « L. 1234-1 »); each of the code the query names it of, if it does. On
 * the demo index (`--cited 100`), answers citing a passage that names the article 33 → 77 of 100 (70 once the
 * extractive answer leaves out the pages' lists of sources).
 */
function namedArticlesFirst(hits: SearchHit[], articles: readonly ArticleReference[]): SearchHit[] {
  const rank = hits.map((h) => ['title', 'text', undefined].indexOf(whereNamed(articles, h.document.title, h.text)));
  return [0, 1, 2].flatMap((r) => hits.filter((_, i) => rank[i] === r));
}

/**
 * Both branches get an equal vote unless configured. The first hash embedder (all words, title not
 * weighted) ranked far below BM25 on the bench (nDCG@10 0.25 vs 0.33) and needed a 0.3 vote; hash-v2
 * (stop words dropped, title weighted) fuses best with an equal vote (0.378, against 0.369 at 0.5 and
 * 0.363 at 0.3; issue 5).
 */
export function vectorWeight(configured: number | undefined): number {
  return configured ?? 1;
}

/** Standard deviations of chance similarity under the hash embedder's floor. */
const CHANCE_SIGMAS = 5;

/**
 * The similarity below which a vector candidate is chance, not evidence (issue 17). Reciprocal rank
 * gives the vector branch's first candidate the same vote as the lexical branch's first whatever their
 * scores, and the vector branch always brings SEARCH_DEPTH candidates: for a query whose words no passage
 * resembles (an article or cerfa number), they are the best of thousands of chance similarities, and they
 * outranked the only chunk holding the number. Hash vectors are signed feature hashes: two unrelated
 * texts meet at about 0 ± 1/√dimension (measured on the bench, 65,817 chunks: sd 0.042–0.063 for
 * rare-number queries, the best of all chunks 0.18–0.25), while relevant passages sit far above (gold
 * chunks of cdtn-dev found by the vector branch: 1st percentile 0.234, 5th 0.299, median 0.466).
 * Five standard deviations, 0.255 at 384 dimensions (the best of N chance similarities grows as
 * √(2 ln N) of them: 4.7 for these 65,817 chunks, 5.3 for a million): searched alone, a number held by one
 * chunk (300 sampled from the bench) brought that chunk first in hybrid 121 times without the floor, 295
 * with it; cdtn-dev hybrid nDCG@10 0.364 → 0.367, MRR@10 0.519 → 0.524 (the floor cuts chance votes, 9 of
 * the 100 vector candidates of a phrasing on average). Relative floors (a share of the query's best
 * similarity) do not tell a query that found nothing: its best is chance too. A trained model has its
 * own chance level (e5 similarities rarely fall below 0.7), not measured here: no floor unless
 * SEARCH_VECTOR_MIN_SIMILARITY sets one.
 */
export function vectorFloor(configured: number | undefined, embedder: Pick<Embedder, 'id' | 'dimension'>): number {
  if (configured !== undefined) return configured;
  return embedder.id.startsWith(HASH_EMBEDDER_VERSION) ? CHANCE_SIGMAS / Math.sqrt(embedder.dimension) : 0;
}

function toHit(r: HybridRow, fusedRank: number, debug: boolean, publicUrl: string | undefined): SearchHit {
  const hit: SearchHit = {
    chunk_id: Number(r.id),
    text: r.text,
    heading_path: r.heading_path ?? [],
    locator: r.locator ?? {},
    score: Number(r.score),
    document: {
      id: Number(r.document_id),
      // what readers open: a document from a file is opened through the engine (its original), never file:
      url: documentLink({ id: r.document_id, url: r.url }, publicUrl),
      title: r.title,
      updated_at: r.updated_at ?? null,
      fetched_at: r.fetched_at ?? null,
      metadata: r.metadata ?? {},
    },
  };
  if (debug) {
    const lr = num(r.lexical_rank);
    const vr = num(r.vector_rank);
    hit.ranks = {
      lexical: lr === null ? null : { rank: lr, score: Number(r.lexical_score) },
      vector: vr === null ? null : { rank: vr, score: Number(r.vector_score) },
      fused: { rank: fusedRank, score: Number(r.score) },
    };
  }
  return hit;
}

async function rerankHits(
  reranker: Reranker,
  query: string,
  hits: SearchHit[],
  depth: number,
  debug: boolean,
  signal?: AbortSignal,
): Promise<SearchHit[]> {
  const head = hits.slice(0, depth);
  const scores = await reranker.rerank(query, head.map((h) => `${h.document.title}\n${h.text}`), signal);
  const order = head.map((h, i) => ({ h, s: scores[i]!, i })).sort((a, b) => b.s - a.s || a.i - b.i);
  const reranked = order.map(({ h, s }, i) => {
    const out = { ...h, score: s };
    if (debug && out.ranks) out.ranks = { ...out.ranks, rerank: { rank: i + 1, score: s } };
    return out;
  });
  return [...reranked, ...hits.slice(depth)];
}

/** Each document once, where its best chunk ranks, carrying its next best chunks in `more`. */
export function groupByDocument(hits: readonly SearchHit[], perDocument = CHUNKS_PER_DOCUMENT): SearchHit[] {
  const byDoc = new Map<number, SearchHit>();
  for (const h of hits) {
    const first = byDoc.get(h.document.id);
    if (!first) {
      byDoc.set(h.document.id, { ...h, more: [] });
    } else if (first.more!.length < perDocument - 1) {
      first.more!.push({ chunk_id: h.chunk_id, text: h.text, heading_path: h.heading_path, locator: h.locator, score: h.score });
    }
  }
  return [...byDoc.values()];
}

/** The engine's search of the indexed sources: process-wide embedder and reranker, the caller's collections. */
export async function search(app: AppContext, input: SearchInput): Promise<SearchResponse> {
  return searchAnyCollection(app, { ...input, allowedCollections: await indexCollections(app, input.allowedCollections) });
}

/** The same within exactly `allowedCollections`, the web collection too (web-search.ts, its kept pages). */
export async function searchAnyCollection(app: AppContext, input: SearchInput): Promise<SearchResponse> {
  const [embedder, reranker] = await Promise.all([
    input.mode === 'lexical' ? (null as unknown as Embedder) : appEmbedder(app),
    app.config.SEARCH_RERANKER ? appReranker(app) : Promise.resolve(null),
  ]);
  return searchWith({ db: app.db, embedder, config: app.config, reranker, log: app.log }, input);
}

export function appReranker(app: AppContext): Promise<Reranker | null> {
  return service(app, 'reranker', () => createReranker(app.config, app.log.child({ component: 'reranker' })));
}

