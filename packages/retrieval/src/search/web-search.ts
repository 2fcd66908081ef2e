/**
 * Internet search as a governed source (issue 22), seen from retrieval. Retrieval does not know how pages
 * are found, fetched or indexed: it is given a `WebSearchCapability` (implemented in packages/ingestion/src/web-search,
 * wired in by the composition root, server.ts) and ranks the pages it kept with the indexed sources by the
 * same hybrid search. Indexed sources never include the `web` collection (indexed-collections.ts).
 */
import type { Caller } from '@cite/core/auth/roles.js';
import { CiteError } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import type { SearchHit, SearchResponse } from './search-schema.js';
import { webSearchCapability } from './indexed-collections.js';
import { search, searchAnyCollection, type SearchInput } from './search-service.js';

/** A page the capability kept for a question, as a document of the `web` collection. */
export interface WebPage {
  document_id: number;
  url: string;
  fetched_at: string;
}

export interface WebSearchWarning {
  code: string;
  message: string;
}

export interface WebSearchRun {
  /** The web collection (null when nothing was ever kept). */
  collectionId: number | null;
  pages: WebPage[];
  /** What went wrong (provider down, a page refused…): the answer goes on from what is left. */
  warnings: WebSearchWarning[];
}

/** What retrieval needs of internet search; plain types only, so the implementation needs no import from here. */
export interface WebSearchCapability {
  /** Host the queries go to (audit log, outbound screen). */
  readonly providerHost: string;
  /** The `web` collection's id, null before it exists. */
  webCollectionId(): Promise<number | null>;
  /**
   * Sends each of `queries` (one to three, masked there for personal data), then fetches and indexes the
   * top result pages, each once, WEB_SEARCH_MAX_PAGES in all; never throws for a provider or page fault.
   */
  search(input: { queries: readonly string[]; keyId: number | null; signal?: AbortSignal }): Promise<WebSearchRun>;
}

/**
 * `"web": true` asked by `caller`: the capability, or why not. 403 for a key without the right (asked
 * first: a key without it learns nothing of the configuration), 409 when the engine has no provider.
 */
export async function requireWebSearch(app: AppContext, caller: Pick<Caller, 'webSearch'>): Promise<WebSearchCapability> {
  if (!caller.webSearch) {
    throw new CiteError('WEB_SEARCH_FORBIDDEN', 'This API key may not search the internet (web_search is not set on it)', { status: 403 });
  }
  const web = await webSearchCapability(app);
  if (!web) {
    throw new CiteError('WEB_SEARCH_DISABLED', 'Internet search is off on this engine (WEB_SEARCH_PROVIDER is not set)', { status: 409 });
  }
  return web;
}

export type OriginHit = SearchHit & { origin?: 'index' | 'web' };

export interface WebAwareSearch extends SearchResponse {
  /** With the web, each hit says where it comes from (`origin`). */
  data: OriginHit[];
}

/**
 * Search of the indexed sources, and with `web` the pages internet search kept for the query, ranked by
 * the same hybrid scoring. On equal scores an indexed source comes first. Faults of the web side become
 * `warnings`; the indexed results are always returned.
 */
export async function searchIndexAndWeb(
  app: AppContext,
  input: SearchInput & {
    web?: WebSearchCapability | null;
    keyId: number | null;
    /** What to send to the provider (answers: the queries the model wrote, still being written); default the query. */
    webQueries?: Promise<readonly string[]> | readonly string[];
  },
): Promise<WebAwareSearch> {
  const { web, keyId, webQueries, ...rest } = input;
  const [indexed, run] = await Promise.all([
    search(app, rest),
    web ? runWebSearch(web, webQueries ?? [rest.query], keyId, rest.signal) : Promise.resolve(null),
  ]);
  // without the web, hits are what they always were (no origin: every one is indexed)
  if (!run) return indexed;
  const data: OriginHit[] = indexed.data.map((h) => ({ ...h, origin: 'index' as const }));
  const warnings = [...(indexed.warnings ?? []), ...run.warnings];
  let webHits: OriginHit[] = [];
  if (run.pages.length && run.collectionId !== null) {
    const fetched = new Map(run.pages.map((p) => [p.document_id, p.fetched_at]));
    const found = await searchAnyCollection(app, {
      ...rest,
      offset: 0,
      filters: { documents: run.pages.map((p) => p.document_id) },
      allowedCollections: [run.collectionId],
    });
    webHits = found.data.map((h) => ({ ...h, origin: 'web' as const, document: { ...h.document, fetched_at: fetched.get(h.document.id) ?? h.document.fetched_at ?? null } }));
  }
  const k = rest.k ?? data.length;
  // stable sort: on equal fused scores the indexed source (listed first) keeps its place ahead
  const merged = [...data, ...webHits].sort((a, b) => b.score - a.score).slice(0, Math.max(k, 1));
  return { data: merged, timings: { ...indexed.timings }, ...(warnings.length ? { warnings } : {}) };
}

async function runWebSearch(
  web: WebSearchCapability,
  queries: Promise<readonly string[]> | readonly string[],
  keyId: number | null,
  signal?: AbortSignal,
): Promise<WebSearchRun> {
  try {
    return await web.search({ queries: await queries, keyId, signal });
  } catch (e) {
    // the capability reports its faults as warnings; anything else it let through must not cost the answer
    const err = e as { code?: string; message?: string };
    return { collectionId: null, pages: [], warnings: [{ code: err.code ?? 'WEB_SEARCH_FAILED', message: `Internet search failed: ${err.message ?? String(e)}` }] };
  }
}
