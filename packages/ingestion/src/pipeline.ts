/**
 * The crawl pipeline for one frontier entry: robots → fetch (conditional) → content type →
 * optional rendering → extract → index, plus the links and sitemap entries it discovers.
 * Pure of scheduling: the worker claims entries, calls `processItem`, and records the result.
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { CONFIG_DEFAULTS } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import { cpuTurn } from './cpu-turn.js';
import type { NormalisedDocument } from './document.js';
import * as detect from './extractors/detect-format.js';
import type * as extractors from './extractors/extract.js';
import { decodeHtml } from './extractors/html.js';
import { readHtml } from './extractors/html-thread.js';
import type { Fetcher, FetchResponse } from './fetch/fetcher.js';
import { countUnlisted, deferHost, hasSitemap, type Completion, type EnqueueItem, type FrontierItem } from './frontier/frontier.js';
import { seedUrl } from './runs/run-lifecycle.js';
import { confinedFiles, confinePath } from './sources/files-roots.js';
import { runDilaSource } from './sources/dila/dila-source.js';
import type { Renderer } from './render/renderer.js';
import { needsRendering } from './render/needs-rendering.js';
import type { RobotsCache } from './robots/robots.js';
import { parseXRobotsTag } from './robots/x-robots-tag.js';
import { MAX_SITEMAP_URLS, parseSitemap } from './sitemaps/sitemap.js';
import type { SourceConfig, SourceKind } from './sources/source-schema.js';
import { normalizeUrl } from './urls/normalize.js';
import { Scope, siteOf } from './urls/scope.js';
import type { IndexContext, PageIndexer, PreparedPage } from './worker/page-indexer.js';

export interface RunContext {
  runId: number;
  sourceId: number;
  collectionId: number;
  kind: SourceKind;
  config: SourceConfig;
  scope: Scope;
}

export interface PipelineOptions {
  /** Claims of one URL before it is failed (network errors, 5xx, 429). */
  maxAttempts: number;
  /** First retry delay; doubles with each attempt (ms). */
  backoffBaseMs: number;
  /**
   * Longest wait before a retry, and longest a host is kept waiting: a Retry-After asking for more
   * (parseRetryAfter allows a day) would otherwise hold the host, and the run, that long.
   */
  backoffMaxMs: number;
  /** Largest archive/JSONL download (bytes). */
  maxArchiveBytes: number;
  /** Documents sent to the indexer at once from an archive. */
  indexBatch: number;
  extract: Partial<extractors.ExtractOptions>;
  /** Directories server paths of sources must be under, symlinks resolved (FILES_ROOTS; empty = none may be read). */
  filesRoots: string[];
  /**
   * Links of one page followed, in page order (as Nutch's db.max.outlinks.per.page): a page of a million
   * links (the site's to write) would otherwise put a million frontier rows in one transaction.
   */
  maxLinksPerPage: number;
}

export const PIPELINE_DEFAULTS: PipelineOptions = {
  maxAttempts: 3,
  backoffBaseMs: 2_000,
  backoffMaxMs: 10 * 60_000,
  maxArchiveBytes: 1024 * 1024 * 1024,
  indexBatch: 50,
  extract: {},
  filesRoots: [],
  maxLinksPerPage: 10_000,
};

export interface PipelineDeps {
  db: Database;
  fetcher: Fetcher;
  robots: RobotsCache;
  renderer: Renderer | null;
  indexer: PageIndexer;
  log: Logger;
  options: PipelineOptions;
}

export type ItemResult =
  /**
   * `write`: a document to store along with the completion (its outcome, indexed or unchanged, is
   * known once written): the worker writes the documents of several pages in one transaction.
   */
  | { type: 'complete'; completion: Completion; enqueue?: EnqueueItem[]; write?: PreparedPage }
  | { type: 'retry'; delayMs: number; error: string; deferHostMs?: number };

/** Builds what the pipeline needs to know about a run from its config snapshot. */
export function runContext(row: { id: number; source_id: number; config: SourceConfig & { kind: SourceKind; collection_id: number } }): RunContext {
  const cfg = row.config;
  const startUrls = cfg.start_urls.map((u) => normalizeUrl(u)).filter((u): u is string => !!u);
  return {
    runId: Number(row.id),
    sourceId: Number(row.source_id),
    collectionId: Number(cfg.collection_id),
    kind: cfg.kind,
    config: cfg,
    scope: new Scope({ startUrls, include: cfg.include ?? [], exclude: cfg.exclude ?? [] }),
  };
}

const done = (c: Omit<Completion, 'status'> & { status?: Completion['status'] }, enqueue?: EnqueueItem[]): ItemResult => ({
  type: 'complete',
  completion: { status: 'done', ...c },
  enqueue,
});
const skipped = (reason: string, extra: Partial<Completion> = {}, enqueue?: EnqueueItem[]): ItemResult => ({
  type: 'complete',
  completion: { status: 'skipped', outcome: reason, ...extra },
  enqueue,
});
/** A document to write with the completion; 'indexed' until the write finds it unchanged. */
const toIndex = (c: Omit<Completion, 'status' | 'outcome'>, enqueue: EnqueueItem[], write: PreparedPage): ItemResult => ({
  type: 'complete',
  completion: { status: 'done', outcome: 'indexed', ...c },
  enqueue,
  write,
});
const failed = (code: string, message: string, extra: Partial<Completion> = {}): ItemResult => ({
  type: 'complete',
  completion: { status: 'failed', outcome: code, error: message.slice(0, 2000), ...extra },
});

export async function processItem(deps: PipelineDeps, run: RunContext, item: FrontierItem): Promise<ItemResult> {
  try {
    switch (item.kind) {
      case 'page':
      case 'revalidate':
        return await processPage(deps, run, item);
      case 'sitemap':
        return await processSitemap(deps, run, item);
      case 'archive':
      case 'jsonl':
      case 'file':
        return await processBundle(deps, run, item);
    }
  } catch (e) {
    return fromError(deps, item, e);
  }
}

/** Retryable errors come back later with exponential backoff; the rest fail with their code. */
export function fromError(deps: Pick<PipelineDeps, 'log' | 'options'>, item: FrontierItem, e: unknown, httpStatus?: number): ItemResult {
  const err = isCiteError(e) ? e : new CiteError('CRAWL_INTERNAL', (e as Error)?.message ?? String(e), { cause: e });
  if (!isCiteError(e)) deps.log.error({ err: e, url: item.url }, 'unexpected crawl error');
  if (err.retryable && item.attempts < deps.options.maxAttempts) {
    return { type: 'retry', delayMs: backoff(deps.options, item.attempts), error: `${err.code}: ${err.message}` };
  }
  return failed(err.code, err.message, { httpStatus, fetched: httpStatus !== undefined });
}

export function backoff(o: Pick<PipelineOptions, 'backoffBaseMs' | 'backoffMaxMs'>, attempt: number): number {
  return Math.min(o.backoffBaseMs * 2 ** Math.max(0, attempt - 1), o.backoffMaxMs);
}

/** HTTP statuses other than 2xx/304: deletions, retries with Retry-After, failures. */
async function handleStatus(deps: PipelineDeps, run: RunContext, item: FrontierItem, res: FetchResponse): Promise<ItemResult | null> {
  const s = res.status;
  if (s >= 200 && s < 300) return null;
  const base = { httpStatus: s, fetched: true, contentType: res.contentType ?? null };
  if (s === 304) {
    await deps.indexer.touch?.(run.collectionId, item.url);
    return done({ outcome: 'unchanged', ...base, etag: res.etag, lastModified: res.lastModified });
  }
  if (s === 404 || s === 410) {
    const existed = await deps.indexer.markDeleted(run.collectionId, item.url);
    if (existed) return done({ outcome: 'deleted', ...base });
    return failed(`HTTP_${s}`, `${item.url} answered ${s}`, base);
  }
  if (s === 429 || s === 503 || s >= 500) {
    if (item.attempts < deps.options.maxAttempts) {
      const delay = Math.min(Math.max(res.retryAfterMs ?? 0, backoff(deps.options, item.attempts)), deps.options.backoffMaxMs);
      // Retry-After speaks for the whole host: every worker waits, not just this URL.
      return { type: 'retry', delayMs: delay, error: `HTTP ${s}`, deferHostMs: s === 429 || s === 503 ? delay : undefined };
    }
    return failed(`HTTP_${s}`, `${item.url} answered ${s} ${item.attempts} times`, base);
  }
  return failed(`HTTP_${s}`, `${item.url} answered ${s}`, base);
}

async function processPage(deps: PipelineDeps, run: RunContext, item: FrontierItem): Promise<ItemResult> {
  const discovered: EnqueueItem[] = [];
  const robots = await deps.robots.rulesFor(item.url);
  if (item.depth === 0 && item.kind === 'page' && run.kind === 'website') {
    for (const sm of robots.sitemaps) {
      const u = normalizeUrl(sm);
      if (u && run.scope.check(u) === null) discovered.push({ url: u, depth: 0, kind: 'sitemap', parentUrl: item.url });
    }
  }
  if (!robots.isAllowed(item.url)) return skipped('robots', {}, discovered);

  const validators = item.validators !== undefined ? item.validators : await deps.indexer.validators(run.collectionId, item.url);
  let res: FetchResponse;
  try {
    res = await deps.fetcher.fetch({
      url: item.url,
      etag: validators?.etag,
      lastModified: validators?.lastModified,
      checkRedirect: redirectCheck(deps, run, true),
    });
  } catch (e) {
    if (!(e instanceof RedirectRefused)) throw e;
    await pace(deps, run, item, robots.crawlDelayMs);
    return skipped(e.reason, {}, discovered);
  }
  await pace(deps, run, item, robots.crawlDelayMs);
  const status = await handleStatus(deps, run, item, res);
  if (status) {
    if (status.type === 'complete' && discovered.length) status.enqueue = discovered;
    return status;
  }
  const base = { httpStatus: res.status, fetched: true, contentType: res.contentType ?? null, etag: res.etag, lastModified: res.lastModified };

  const finalUrl = normalizeUrl(res.url) ?? item.url;
  if (finalUrl !== item.url) {
    const reason = run.scope.check(finalUrl);
    if (reason === 'other_host' || reason === 'excluded' || reason === 'not_included') {
      return skipped('redirect_out_of_scope', base, discovered);
    }
  }

  const format = await detectFormat(res.body, finalUrl, res.contentType);
  if (!format.ok) return skipped(format.reason, base, discovered);
  // X-Robots-Tag speaks as <meta name="robots"> does, for every format
  const header = parseXRobotsTag(res.robotsTags, deps.fetcher.options.userAgent);

  const ctx: IndexContext = {
    collectionId: run.collectionId,
    sourceId: run.sourceId,
    runId: run.runId,
    etag: res.etag ?? null,
    lastModified: res.lastModified ?? null,
    maskPersonalData: run.config.mask_personal_data,
  };

  if (format.format === 'html') {
    let body: Buffer | string = res.body;
    let pageUrl = finalUrl;
    const mode = run.config.render;
    if (mode === 'always' || (mode === 'auto' && needsRendering(decodeHtml(res.body, res.contentType)))) {
      if (!deps.renderer) return failed('RENDER_UNAVAILABLE', 'Rendering is needed but no browser is configured', base);
      // a script's navigation is judged before the browser requests it (a redirect target's rules)
      let rendered;
      try {
        rendered = await deps.renderer.render(finalUrl, {
          judgeNavigation: redirectCheck(deps, run, true),
          judgeSubresource: robotsCheck(deps, finalUrl),
        });
      } catch (e) {
        if (!(e instanceof RedirectRefused)) throw e;
        return skipped(e.reason, base, discovered);
      }
      body = rendered.html;
      pageUrl = normalizeUrl(rendered.url) ?? finalUrl;
      // the browser follows a navigation's redirect hops on its own: the page it ended on is judged as a
      // redirect target is (it was requested already; it is at least not indexed)
      if (pageUrl !== finalUrl) {
        try {
          await redirectCheck(deps, run, true)(new URL(pageUrl));
        } catch (e) {
          if (!(e instanceof RedirectRefused)) throw e;
          return skipped(e.reason, base, discovered);
        }
      }
    }
    // parsing, then chunking and hashing, each in its own turn (cpu-turn.ts says why)
    await cpuTurn();
    const page = await readHtml(
      { body, url: pageUrl, contentType: typeof body === 'string' ? 'text/html; charset=utf-8' : res.contentType },
      {},
      Date.now() + (deps.options.extract.timeoutMs ?? CONFIG_DEFAULTS.INGEST_EXTRACT_TIMEOUT_MS),
    );
    const nofollow = page.robots.nofollow || header.nofollow;
    if (!nofollow && item.kind === 'page') for (const l of linksToEnqueue(run, item, page.links, deps.options.maxLinksPerPage)) discovered.push(l);
    if (page.robots.noindex || header.noindex) return unindexed(deps, run, item, [finalUrl, pageUrl], 'noindex', base, discovered);
    const doc = withUrl(page.document, run, pageUrl);
    if (!hasText(doc)) return unindexed(deps, run, item, [finalUrl, pageUrl], 'empty', base, discovered);
    await cpuTurn();
    return toIndex(base, discovered, await deps.indexer.prepare(doc, ctx));
  }

  if (format.format === 'zip' || format.format === 'jsonl' || format.format === 'jsonl-gz') {
    return skipped('archive_in_crawl', base, discovered);
  }
  if (header.noindex) return unindexed(deps, run, item, [finalUrl], 'noindex', base, discovered);
  await cpuTurn();
  const doc = await extractOne(deps, { data: res.body, url: finalUrl, contentType: res.contentType, name: new URL(finalUrl).pathname });
  if (!doc.ok) return failed(doc.code, doc.message, base);
  await cpuTurn();
  return toIndex(base, discovered, await deps.indexer.prepare(withUrl(doc.document, run, finalUrl), ctx));
}

/**
 * A page that may no longer be indexed (noindex, no text) leaves search, as a page gone (404) does: the
 * document stored under the requested URL, or under the URL it now redirects to, is deleted, and the run
 * counts a deletion, its reason kept on the URL's row. A page with no document to delete (first seen
 * noindex) is a skip.
 */
async function unindexed(
  deps: PipelineDeps,
  run: RunContext,
  item: FrontierItem,
  urls: string[],
  reason: 'noindex' | 'empty',
  base: Partial<Completion>,
  discovered: EnqueueItem[],
): Promise<ItemResult> {
  let deleted = false;
  for (const url of new Set([item.url, ...urls])) deleted = (await deps.indexer.markDeleted(run.collectionId, url)) || deleted;
  if (!deleted) return skipped(reason, base, discovered);
  const why = reason === 'noindex' ? 'the page now asks not to be indexed' : 'the page no longer has any text';
  return done({ ...base, outcome: 'deleted', error: `${reason}: ${why}` }, discovered);
}

/** A redirect target refused before it is requested; the page is skipped with `reason`. */
class RedirectRefused extends CiteError {
  constructor(
    readonly reason: 'robots' | 'redirect_out_of_scope' | 'duplicate_sitemap',
    target: string,
  ) {
    super('CRAWL_REDIRECT_REFUSED', `Redirect to ${target} refused (${reason})`);
  }
}

/**
 * Each redirect target is judged as a link would be, before it is requested: in the crawl's scope
 * (`scoped`: pages, not sitemaps), then allowed by the robots.txt of its host.
 */
function redirectCheck(deps: PipelineDeps, run: RunContext, scoped: boolean): (target: URL) => Promise<void> {
  return async (target) => {
    const url = normalizeUrl(target.href) ?? target.href;
    if (scoped) {
      const reason = run.scope.check(url);
      if (reason === 'other_host' || reason === 'excluded' || reason === 'not_included') throw new RedirectRefused('redirect_out_of_scope', url);
    }
    if (!(await deps.robots.rulesFor(url)).isAllowed(url)) throw new RedirectRefused('robots', url);
  };
}

/**
 * A request the crawl did not choose, a rendered page's script, fetch or beacon to the page's own site (its
 * host with or without www., on its port), judged by the robots.txt of its host as the browser would send
 * it (the browser requested a path robots.txt disallowed, /api/ or a trap, whenever a page's script asked
 * for it). A robots.txt that cannot be read refuses it, as RFC 9309 says. Requests to other sites, and other
 * ports, stay held to the guarded proxy alone: reading their robots.txt would have the crawl fetch, and
 * keep, the rules of every host a page names, and a hostile page can name thousands (40 ports of its own
 * host made 40 robots.txt reads).
 */
function robotsCheck(deps: PipelineDeps, pageUrl: string): (target: URL) => Promise<void> {
  const page = new URL(pageUrl);
  const site = siteOf(page.hostname);
  return async (target) => {
    if (siteOf(target.hostname) !== site || target.port !== page.port) return;
    if (!(await deps.robots.rulesFor(target.href)).isAllowed(target.href)) throw new RedirectRefused('robots', target.href);
  };
}

/**
 * Claims are paced per host, but the time between a claim and its request varies; when the delay
 * between requests matters (Crawl-delay, slow rates), the host's next slot is pushed again from the
 * moment the response arrived, so that two requests to the host never start closer than the delay.
 */
async function pace(deps: PipelineDeps, run: RunContext, item: FrontierItem, crawlDelayMs: number | undefined): Promise<void> {
  const delay = Math.max(crawlDelayMs ?? 0, 1000 / run.config.rate_per_host);
  if (delay < 100) return;
  await deferHost(deps.db, item.host, delay);
}

function hasText(doc: NormalisedDocument): boolean {
  return doc.sections.some((s) => s.blocks.some((b) => b.text.trim().length > 0));
}

/** The canonical URL names the document, unless it points off the site (then the fetched URL does). */
function withUrl(doc: NormalisedDocument, run: RunContext, fetched: string): NormalisedDocument {
  const canonical = doc.url ? normalizeUrl(doc.url) : null;
  const url = canonical && run.scope.check(canonical) === null ? canonical : fetched;
  return url === doc.url ? doc : { ...doc, url };
}

function linksToEnqueue(run: RunContext, item: FrontierItem, links: Array<{ url: string; nofollow: boolean }>, max: number): EnqueueItem[] {
  const out: EnqueueItem[] = [];
  const depth = item.depth + 1;
  const seen = new Set<string>();
  for (const l of links) {
    if (out.length >= max) break;
    if (l.nofollow) continue;
    const url = normalizeUrl(l.url);
    if (!url || seen.has(url) || url === item.url) continue;
    seen.add(url);
    const reason = run.scope.check(url);
    // Off-site and filtered links are simply not followed; traps and limits are recorded as skipped.
    if (reason === 'other_host' || reason === 'excluded' || reason === 'not_included') continue;
    out.push({
      url,
      depth,
      kind: 'page',
      parentUrl: item.url,
      skipReason: reason ?? (depth > run.config.max_depth ? 'max_depth' : undefined),
    });
  }
  return out;
}

/**
 * A sitemap is read once per run under each of its (normalised) URLs: an index naming itself, or two
 * naming each other, are held off by the frontier, which has each URL once. A redirect is the other way
 * back to one: a sitemap redirecting to one the run already has is not followed ('duplicate_sitemap'),
 * and the target of one followed is recorded as read, so that an index naming it later is not read again.
 */
async function processSitemap(deps: PipelineDeps, run: RunContext, item: FrontierItem): Promise<ItemResult> {
  const robots = await deps.robots.rulesFor(item.url);
  if (!robots.isAllowed(item.url)) return skipped('robots');
  const allowed = redirectCheck(deps, run, false);
  const checkRedirect = async (target: URL) => {
    await allowed(target);
    const url = normalizeUrl(target.href) ?? target.href;
    if (url !== item.url && (await hasSitemap(deps.db, run.runId, url))) throw new RedirectRefused('duplicate_sitemap', url);
  };
  let res: FetchResponse;
  try {
    res = await deps.fetcher.fetch({ url: item.url, accept: 'application/xml,text/xml,text/plain,*/*;q=0.5', checkRedirect });
  } catch (e) {
    if (!(e instanceof RedirectRefused)) throw e;
    await pace(deps, run, item, robots.crawlDelayMs);
    return skipped(e.reason);
  }
  await pace(deps, run, item, robots.crawlDelayMs);
  if (res.status < 200 || res.status >= 300) {
    const r = await handleStatus(deps, run, item, res);
    if (r?.type === 'complete' && r.completion.outcome === 'deleted') return failed(`HTTP_${res.status}`, `${item.url} answered ${res.status}`);
    return r!;
  }
  const parsed = parseSitemap(res.body, res.url);
  const readAt = normalizeUrl(res.url) ?? item.url;
  const out: EnqueueItem[] = [];
  for (const e of parsed.entries) {
    const url = normalizeUrl(e.url);
    if (!url || url === readAt) continue;
    if (parsed.kind === 'index') {
      // The protocol lets an index name sitemaps of its own site only (others come from robots.txt); an index
      // naming indexes without end (?n=1, ?n=2…) is bounded by the run's sitemap budget (frontier.ts).
      const reason = run.scope.check(url);
      if (reason === 'other_host') continue;
      const trap = reason === 'excluded' || reason === 'not_included' ? undefined : (reason ?? undefined);
      out.push({ url, depth: item.depth, kind: 'sitemap', parentUrl: item.url, skipReason: trap });
      continue;
    }
    const reason = run.scope.check(url);
    if (reason === 'other_host' || reason === 'excluded' || reason === 'not_included') continue;
    out.push({ url, depth: 0, kind: 'page', parentUrl: item.url, skipReason: reason ?? undefined });
  }
  // last: should the run stop before its completion, the sitemap is read again (the redirect's target not
  // yet known) and its URLs queued again, none lost
  if (readAt !== item.url) out.push({ url: readAt, depth: item.depth, kind: 'sitemap', parentUrl: item.url, doneAs: 'sitemap' });
  const completion: Completion = { status: 'done', outcome: 'sitemap', httpStatus: res.status, fetched: true, contentType: res.contentType ?? null };
  if (parsed.unread > 0) {
    completion.error = `lists more than the sitemap protocol's ${MAX_SITEMAP_URLS.toLocaleString('en')} URLs: the ${parsed.unread.toLocaleString('en')} after them were skipped`;
  }
  return { type: 'complete', completion: countUnlisted(completion, 'sitemap_max_urls', parsed.unread), enqueue: out };
}

/**
 * Archives, JSONL and server files: the source's locations are one bundle, read together (service-public
 * fiches shared by several audience zips come out once) and indexed as a full sync of the source:
 * documents no longer in it leave search. Remote files are downloaded again only when one changed.
 */
async function processBundle(deps: PipelineDeps, run: RunContext, item: FrontierItem): Promise<ItemResult> {
  if (run.kind === 'dila') {
    // LEGI / KALI dumps: applied in DILA's order, only those not applied yet (sources/dila)
    const counts = await runDilaSource(deps.db, deps.indexer, run, deps.options.filesRoots, deps.log);
    return done({ outcome: 'processed', counts });
  }
  const locations = [...new Set(run.config.start_urls.map(seedUrl).filter((u): u is string => !!u))];
  const prev = await deps.db.query<{ counts: { validators?: Record<string, { etag?: string; lastModified?: string }> } | null }>(
    `SELECT f.counts FROM frontier f JOIN crawl_runs r ON r.id = f.run_id
      WHERE r.source_id = $1 AND f.kind = $2 AND f.status = 'done' AND f.run_id <> $3
      ORDER BY f.id DESC LIMIT 1`,
    [run.sourceId, item.kind, run.runId],
  );
  const before = prev.rows[0]?.counts?.validators ?? {};
  const validators: Record<string, { etag?: string; lastModified?: string }> = {};
  const downloads = new Map<string, FetchResponse>();
  let changed = false;
  let fetched = false;
  for (const loc of locations) {
    if (loc.startsWith('file:')) {
      // server files only under FILES_ROOTS, judged on the real path (issue 21)
      try {
        await confinePath(fileURLToPath(loc), deps.options.filesRoots);
      } catch (e) {
        if (isCiteError(e)) return failed(e.code, e.message);
        throw e;
      }
      changed = true;
      continue;
    }
    const v = before[loc];
    const res = await deps.fetcher.fetch({ url: loc, etag: v?.etag, lastModified: v?.lastModified, accept: '*/*', maxBytes: deps.options.maxArchiveBytes });
    fetched = true;
    if (res.status === 304) {
      validators[loc] = v ?? {};
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      const r = await handleStatus(deps, run, item, res);
      if (r?.type === 'complete' && r.completion.status === 'done') {
        return failed(`HTTP_${res.status}`, `${loc} answered ${res.status}`, { httpStatus: res.status, fetched: true });
      }
      return r!;
    }
    validators[loc] = { etag: res.etag, lastModified: res.lastModified };
    downloads.set(loc, res);
    changed = true;
  }
  if (!changed) return done({ outcome: 'unchanged', fetched, counts: { total: 0, validators } });
  const sources: extractors.ExtractSource[] = [];
  const refused: extractors.ExtractOutcome[] = [];
  for (const loc of locations) {
    if (loc.startsWith('file:')) {
      // each file found is read from its real path; one leading out of the roots is a failed document
      for await (const entry of confinedFiles(fileURLToPath(loc), deps.options.filesRoots)) {
        if (entry.ok) sources.push({ path: entry.path, url: entry.url, name: fileURLToPath(entry.url) });
        else refused.push({ ok: false, location: entry.location, code: entry.code, message: entry.message });
      }
      continue;
    }
    // an unchanged part is still needed to read the bundle whole
    const res = downloads.get(loc) ?? (await deps.fetcher.fetch({ url: loc, accept: '*/*', maxBytes: deps.options.maxArchiveBytes }));
    if (res.status < 200 || res.status >= 300) {
      return failed(`HTTP_${res.status}`, `${loc} answered ${res.status}`, { httpStatus: res.status, fetched: true });
    }
    sources.push({ data: res.body, url: res.url, contentType: res.contentType, name: new URL(res.url).pathname.split('/').pop() || 'download' });
  }
  const ctx: IndexContext = {
    collectionId: run.collectionId,
    sourceId: run.sourceId,
    runId: run.runId,
    maskPersonalData: run.config.mask_personal_data,
  };
  const { extractSources } = await loadExtractors();
  async function* outcomes(): AsyncGenerator<extractors.ExtractOutcome> {
    yield* refused;
    yield* extractSources(sources, deps.options.extract);
  }
  const counts = await deps.indexer.indexStream(outcomes(), ctx, true);
  return done({ outcome: 'processed', fetched, counts: { ...counts, validators } });
}

type FormatResult = { ok: true; format: detect.DocumentFormat } | { ok: false; reason: string };

/** Content type by magic bytes and header; unknown types are skipped and counted, not failed. */
async function detectFormat(body: Buffer, url: string, contentType?: string): Promise<FormatResult> {
  if (typeof detect.detectFormat !== 'function') {
    const ct = (contentType ?? '').toLowerCase();
    if (body.subarray(0, 5).toString('latin1') === '%PDF-') return { ok: true, format: 'pdf' };
    if (ct.includes('html') || /^\s*<(!doctype html|html)/i.test(body.subarray(0, 512).toString('latin1'))) return { ok: true, format: 'html' };
    if (ct.startsWith('text/plain')) return { ok: true, format: 'text' };
    return { ok: false, reason: 'unsupported_type' };
  }
  try {
    const format = await detect.detectFormat({ head: body.subarray(0, 4096), contentType, name: new URL(url).pathname });
    return { ok: true, format };
  } catch (e) {
    if (isCiteError(e)) return { ok: false, reason: e.code === 'BINARY_AS_TEXT' ? 'binary_as_text' : 'unsupported_type' };
    throw e;
  }
}

/**
 * The full extractor set (PDF, DOCX, archives…) is loaded on first need: pdf.js alone weighs ~150 MB,
 * which an HTML-only crawl never pays.
 */
let extractModule: Promise<typeof extractors> | undefined;
export function loadExtractors(): Promise<typeof extractors> {
  extractModule ??= import('./extractors/extract.js');
  return extractModule;
}

async function requireExtract(): Promise<typeof extractors.extract> {
  const m = await loadExtractors();
  if (typeof m.extract !== 'function') {
    throw new CiteError('EXTRACTOR_UNAVAILABLE', 'The document extractors are not available in this build');
  }
  return m.extract;
}

async function extractOne(
  deps: PipelineDeps,
  source: extractors.ExtractSource,
): Promise<{ ok: true; document: NormalisedDocument } | { ok: false; code: string; message: string }> {
  const extract = await requireExtract();
  for await (const outcome of extract(source, deps.options.extract)) {
    return outcome.ok ? { ok: true, document: outcome.document } : { ok: false, code: outcome.code, message: outcome.message };
  }
  return { ok: false, code: 'EMPTY_DOCUMENT', message: `${source.url} holds no document` };
}
