/**
 * Internet search, deeper than snippets (issue 22): each query (one to three: the question, or the ones
 * the model wrote for it), masked for personal data, goes to the provider; the top results within
 * WEB_SEARCH_ALLOWED_DOMAINS, each URL once and WEB_SEARCH_MAX_PAGES in all, are fetched through the crawler's guarded
 * fetcher (robots.txt, private addresses refused after DNS and every redirect, size and time limits, the
 * outbound policy and the allow-list on every hop), extracted (HTML, PDF), chunked, embedded and written
 * as documents of the `web` collection, re-used while fresh. Every fault (provider down, 429, timeout, a
 * refused redirect, a page too large or of another type) becomes a warning: nothing here throws at the
 * asker, and retrieval goes on with what is left. Satisfies packages/retrieval/src/search/web-search.ts's
 * WebSearchCapability structurally (retrieval is not imported here).
 */
import type { Logger } from 'pino';
import picomatch from 'picomatch';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import { Fetcher } from '../fetch/fetcher.js';
import { extract, type ExtractOptions } from '../extractors/extract.js';
import { maskPersonalData } from '../hygiene/personal-data.js';
import { indexDocument } from '../ingest/index-documents.js';
import { webCollection } from '@cite/index/collections/web-collection.js';
import { RobotsCache } from '../robots/robots.js';
import type { WebResult, WebSearchProvider } from './provider.js';
import { storedWebPages } from './web-pages-repo.js';

/** Queries sent per question, at most (retrieval asks the model for as many). */
export const MAX_QUERIES = 3;

export interface WebSearchOptions {
  /** Host globs result pages must match; empty = any (public) host. */
  allowedDomains: string[];
  maxPages: number;
  /** Hours a kept page is re-used before it is fetched again. */
  freshHours: number;
  userAgent: string;
  chunkTokens: number;
  overlapTokens: number;
  extract: Partial<ExtractOptions>;
}

export interface WebSearchDeps {
  db: Database;
  provider: WebSearchProvider;
  /** Guarded fetcher for result pages (its hop check holds the allow-list and the outbound policy). */
  fetcher: Fetcher;
  embedder: () => Promise<Embedder>;
  options: WebSearchOptions;
  log?: Logger;
}

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
  collectionId: number | null;
  pages: WebPage[];
  warnings: WebSearchWarning[];
  /** The queries as sent to the provider (masked), in order; empty when nothing was sent. */
  queries_sent: string[];
  /** Result links the provider returned, all queries together. */
  results: number;
}

/** Media types read as pages: HTML and PDF (anything else is skipped with WEB_PAGE_UNSUPPORTED_TYPE). */
const PAGE_TYPES = /^(text\/html|application\/xhtml\+xml|application\/pdf)\b/i;

/** The allow-list as a host matcher (null: any host). */
export function domainMatcher(globs: string[]): ((host: string) => boolean) | null {
  const list = globs.map((g) => g.trim().toLowerCase()).filter(Boolean);
  return list.length ? picomatch(list, { nocase: true, dot: true }) : null;
}

const bareHost = (url: URL) => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

export class WebSearchService {
  readonly providerHost: string;
  private readonly allowed: ((host: string) => boolean) | null;
  private readonly robots: RobotsCache;
  private collection: Promise<number> | undefined;

  constructor(private readonly deps: WebSearchDeps) {
    this.providerHost = deps.provider.host;
    this.allowed = domainMatcher(deps.options.allowedDomains);
    this.robots = new RobotsCache(deps.db, deps.fetcher, { userAgent: deps.options.userAgent });
  }

  /** Whether a result page's host is within WEB_SEARCH_ALLOWED_DOMAINS (checked again on every redirect). */
  allows(url: URL): boolean {
    return !this.allowed || this.allowed(bareHost(url));
  }

  webCollectionId(): Promise<number> {
    this.collection ??= webCollection(this.deps.db);
    this.collection.catch(() => (this.collection = undefined));
    return this.collection;
  }

  async search(input: { queries: readonly string[]; keyId: number | null; signal?: AbortSignal }): Promise<WebSearchRun> {
    const warnings: WebSearchWarning[] = [];
    const queries = sendable(input.queries);
    const collectionId = await this.webCollectionId();
    if (!queries.length) return { collectionId, pages: [], warnings, queries_sent: [], results: 0 };
    // more links than pages read: some fall outside the allow-list, fail, or repeat across queries
    const count = this.deps.options.maxPages * 3;
    const answered = await Promise.all(
      queries.map((q) => this.deps.provider.search(q, { count, signal: input.signal }).catch((e) => asCiteError(e, 'WEB_SEARCH_UNAVAILABLE'))),
    );
    const lists: WebResult[][] = [];
    const allFailed = answered.every((o) => o instanceof CiteError);
    for (const outcome of answered) {
      if (!(outcome instanceof CiteError)) lists.push(outcome);
      // one warning per kind of fault: three queries refused by a provider that is down are one fault
      else if (!warnings.some((w) => w.code === outcome.code)) {
        this.deps.log?.warn({ code: outcome.code, provider: this.providerHost }, 'web search provider failed');
        warnings.push({ code: outcome.code, message: allFailed ? `${outcome.message}: the answer uses the indexed sources only` : outcome.message });
      }
    }
    const results = lists.reduce((n, l) => n + l.length, 0);
    if (!lists.length) return { collectionId, pages: [], warnings, queries_sent: queries, results };
    const chosen = this.choose(interleave(lists));
    const settled = await Promise.all(chosen.map((r) => this.page(collectionId, r.url, input.signal).catch((e) => asCiteError(e, 'WEB_PAGE_FAILED'))));
    const pages: WebPage[] = [];
    for (const [i, outcome] of settled.entries()) {
      if (outcome instanceof CiteError) {
        warnings.push({ code: outcome.code, message: `${chosen[i]!.url} skipped: ${outcome.message}` });
        this.deps.log?.info({ url: chosen[i]!.url, code: outcome.code }, 'web result skipped');
      } else pages.push(outcome);
    }
    if (chosen.length && pages.length === 0) {
      warnings.push({ code: 'WEB_NO_PAGE_READ', message: 'No web result page could be read: the answer uses the indexed sources only' });
    }
    return { collectionId, pages, warnings, queries_sent: queries, results };
  }

  /** The first results within the allow-list, each URL once, at most WEB_SEARCH_MAX_PAGES. */
  private choose(results: WebResult[]): WebResult[] {
    const seen = new Set<string>();
    const out: WebResult[] = [];
    for (const r of results) {
      let url: URL;
      try {
        url = new URL(r.url);
      } catch {
        continue;
      }
      url.hash = '';
      if (seen.has(url.href) || !this.allows(url)) continue;
      seen.add(url.href);
      out.push({ ...r, url: url.href });
      if (out.length >= this.deps.options.maxPages) break;
    }
    return out;
  }

  /** One result page: the kept copy while fresh, else fetched (robots.txt first), extracted and indexed. */
  private async page(collectionId: number, url: string, signal?: AbortSignal): Promise<WebPage> {
    const fresh = (await storedWebPages(this.deps.db, collectionId, [url], this.deps.options.freshHours)).get(url);
    if (fresh) return fresh;
    const rules = await this.robots.rulesFor(url);
    if (!rules.isAllowed(url)) throw new CiteError('WEB_PAGE_ROBOTS_DISALLOWED', 'robots.txt disallows it');
    const res = await this.deps.fetcher.fetch({
      url,
      signal,
      accept: 'text/html,application/xhtml+xml,application/pdf;q=0.9',
      // robots.txt judges where a redirect leads too, before it is requested
      checkRedirect: async (target) => {
        if (!(await this.robots.rulesFor(target.href)).isAllowed(target.href)) {
          throw new CiteError('WEB_PAGE_ROBOTS_DISALLOWED', `robots.txt disallows ${target.href}, where it redirects`);
        }
      },
    });
    if (res.status < 200 || res.status >= 300) throw new CiteError('WEB_PAGE_HTTP_ERROR', `the site answered ${res.status}`);
    const type = res.contentType ?? '';
    if (!PAGE_TYPES.test(type)) throw new CiteError('WEB_PAGE_UNSUPPORTED_TYPE', `${type || 'no content type'} is neither HTML nor PDF`);
    let document;
    for await (const outcome of extract({ data: res.body, url: res.url, contentType: type }, this.deps.options.extract)) {
      if (!outcome.ok) throw new CiteError(outcome.code, outcome.message);
      document = outcome.document;
      break;
    }
    if (!document) throw new CiteError('EMPTY_DOCUMENT', 'no text to read');
    // the result's address is the page's identity (re-use, citations), whatever its canonical link says
    const doc = { ...document, url, metadata: { ...document.metadata, web_final_url: res.url } };
    const embedder = await this.deps.embedder();
    await indexDocument(this.deps.db, embedder, { collectionId, maskPersonalData: true }, doc, {
      chunkTokens: this.deps.options.chunkTokens,
      overlapTokens: this.deps.options.overlapTokens,
    });
    const stored = (await storedWebPages(this.deps.db, collectionId, [url], null)).get(url);
    if (!stored) throw new CiteError('WEB_PAGE_NOT_STORED', 'the page could not be kept');
    return stored;
  }
}

/** The queries as they may leave: masked, whitespace collapsed, each once, at most MAX_QUERIES. */
function sendable(queries: readonly string[]): string[] {
  const out: string[] = [];
  for (const q of queries) {
    const masked = maskPersonalData(q).replace(/\s+/g, ' ').trim();
    if (masked && !out.some((o) => o.toLowerCase() === masked.toLowerCase())) out.push(masked);
    if (out.length >= MAX_QUERIES) break;
  }
  return out;
}

/** Results of several queries taken in turns (first of each, then second of each…): every query has its best read. */
function interleave(lists: WebResult[][]): WebResult[] {
  const out: WebResult[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

function asCiteError(e: unknown, code: string): CiteError {
  if (isCiteError(e)) return e;
  return new CiteError(code, (e as Error)?.message ?? String(e), { cause: e });
}
