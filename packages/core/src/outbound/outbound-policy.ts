/**
 * The outbound-call policy: which hosts an engine or worker process may reach, and why.
 * - crawl targets: the sites (host, 'www.' ignored) of the start URLs of enabled sources, further
 *   restricted by OUTBOUND_ALLOW (hosts or globs) when it is set;
 * - model servers: the configured EMBEDDINGS_BASE_URL and LLM_BASE_URL, nothing else;
 * - the Hugging Face hub, only when MODELS_ALLOW_DOWNLOAD=true and a local transformers model is used;
 * - internet search (issue 22): the provider of WEB_SEARCH_PROVIDER, and the result pages web search
 *   fetches, within WEB_SEARCH_ALLOWED_DOMAINS and OUTBOUND_ALLOW (`checkWebPage`).
 * - sign-in: the host of OIDC_ISSUER (the OpenID Connect provider), when set, and the hosts of the endpoints
 *   its discovery document names when they differ (`allowSignInEndpoints`);
 * Loopback is not outbound (nothing leaves the machine); the crawler's address guard refuses it as a
 * crawl target unless CRAWLER_ALLOW_PRIVATE_NETWORKS is set.
 */
import net from 'node:net';
import picomatch from 'picomatch';
import { webSearchEndpoint, type Config } from '../config/config.js';
import type { Queryable } from '../db/database.js';
import { CiteError } from '../errors.js';

export type OutboundPurpose = 'crawl' | 'embeddings' | 'llm' | 'model-download' | 'web-search' | 'web' | 'sign-in';

export interface ModelDestination {
  purpose: Exclude<OutboundPurpose, 'crawl' | 'web'>;
  /** Host (lower case) or host glob. */
  host: string;
  /** Where the permission comes from: the variable that configures it. */
  configuredBy: string;
}

/** Hosts of the Hugging Face hub and its file CDNs, used by @huggingface/transformers downloads. */
export const MODEL_HUB_HOSTS = ['huggingface.co', '*.huggingface.co', '*.hf.co'];

/** How long the crawl-site snapshot is trusted before it is read again from the sources table. */
export const CRAWL_SITES_TTL_MS = 30_000;
/** On a miss, the snapshot is re-read at most this often (a refused host must not cost a query per URL). */
const MISS_REFRESH_MS = 2_000;

export const refused = (host: string, why: string) =>
  new CiteError('OUTBOUND_REFUSED', `Outbound call to ${host} refused by the outbound policy: ${why}`, { status: 403 });

/** Site identity of a host: 'www.' is the same site (as in the crawler's scope). */
export function siteOf(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/^www\./, '');
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** `OUTBOUND_ALLOW` parsed: comma or whitespace separated hosts or globs (`*.gouv.fr`). */
export function parseAllowList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/** The model servers this configuration may call. */
export function modelDestinations(cfg: Config): ModelDestination[] {
  const out: ModelDestination[] = [];
  const embeddings = hostOf(cfg.EMBEDDINGS_BASE_URL);
  if (embeddings) out.push({ purpose: 'embeddings', host: embeddings, configuredBy: 'EMBEDDINGS_BASE_URL' });
  const llm = hostOf(cfg.LLM_BASE_URL);
  if (llm) out.push({ purpose: 'llm', host: llm, configuredBy: 'LLM_BASE_URL' });
  // the OpenID Connect provider (discovery, keys, tokens, userinfo): ProConnect serves them all from its issuer's host
  const signIn = hostOf(cfg.OIDC_ISSUER);
  if (signIn) out.push({ purpose: 'sign-in', host: signIn, configuredBy: 'OIDC_ISSUER' });
  if (cfg.MODELS_ALLOW_DOWNLOAD && cfg.EMBEDDINGS.startsWith('transformers:')) {
    for (const host of MODEL_HUB_HOSTS) out.push({ purpose: 'model-download', host, configuredBy: 'MODELS_ALLOW_DOWNLOAD' });
  }
  const webSearch = hostOf(webSearchEndpoint(cfg));
  if (webSearch) out.push({ purpose: 'web-search', host: webSearch, configuredBy: cfg.WEB_SEARCH_URL ? 'WEB_SEARCH_URL' : 'WEB_SEARCH_PROVIDER' });
  return out;
}

/** Sites of the start URLs of enabled, not deleted sources (start URLs that are server paths are not destinations). */
export async function enabledSourceSites(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ config: { start_urls?: unknown } }>(
    `SELECT config FROM sources WHERE enabled AND deleted_at IS NULL`,
  );
  const sites = new Set<string>();
  for (const r of rows) {
    const urls = Array.isArray(r.config?.start_urls) ? r.config.start_urls : [];
    for (const u of urls) {
      const host = typeof u === 'string' && /^https?:\/\//i.test(u) ? hostOf(u) : undefined;
      if (host) sites.add(siteOf(host));
    }
  }
  return [...sites].sort();
}

export class OutboundPolicy {
  readonly models: ModelDestination[];
  readonly allow: string[];
  private readonly allowMatch: ((host: string) => boolean) | null;
  private readonly modelMatch: Array<{ purpose: ModelDestination['purpose']; match: (host: string) => boolean }>;
  private sites = new Set<string>();
  /** Hosts of result pages web search was allowed to fetch: what the request counter calls 'web'. */
  private readonly webHosts = new Set<string>();
  private readonly webSearchOn: boolean;
  private sitesReadAt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    cfg: Config,
    private readonly db?: Queryable,
  ) {
    this.models = modelDestinations(cfg);
    this.allow = parseAllowList(cfg.OUTBOUND_ALLOW);
    this.allowMatch = this.allow.length ? picomatch(this.allow, { nocase: true, dot: true }) : null;
    this.modelMatch = this.models.map((m) => ({ purpose: m.purpose, match: picomatch(m.host, { nocase: true, dot: true }) }));
    this.webSearchOn = Boolean(cfg.WEB_SEARCH_PROVIDER);
  }

  /**
   * The hosts of the endpoints the OpenID Connect provider's discovery document names (token, userinfo, keys,
   * sign-out), where they are not the issuer's host: the document comes from the configured issuer, so its
   * endpoints are the provider's too. Returns the hosts added.
   */
  allowSignInEndpoints(urls: ReadonlyArray<string | undefined>): string[] {
    const added: string[] = [];
    for (const url of urls) {
      const host = hostOf(url);
      if (!host || isLoopbackHost(host) || this.modelMatch.some((m) => m.purpose === 'sign-in' && m.match(host))) continue;
      this.models.push({ purpose: 'sign-in', host, configuredBy: 'OIDC_ISSUER (discovery)' });
      this.modelMatch.push({ purpose: 'sign-in', match: picomatch(host, { nocase: true, dot: true }) });
      added.push(host);
    }
    return added;
  }

  /**
   * Check of a web search result page (each hop) before it is fetched: web search on, the host within
   * OUTBOUND_ALLOW when set (WEB_SEARCH_ALLOWED_DOMAINS is checked by web search itself). Throws OUTBOUND_REFUSED.
   */
  checkWebPage(url: URL | string): void {
    const host = (typeof url === 'string' ? new URL(url) : url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (isLoopbackHost(host)) return;
    if (!this.webSearchOn) throw refused(host, 'web search is off (WEB_SEARCH_PROVIDER)');
    if (this.allowMatch && !this.allowMatch(host)) throw refused(host, `the host is not in OUTBOUND_ALLOW (${this.allow.join(', ')})`);
    if (this.webHosts.size > 10_000) this.webHosts.clear();
    this.webHosts.add(host);
  }

  /** Crawl sites as last read from the database. */
  crawlSites(): string[] {
    return [...this.sites].sort();
  }

  /** Re-reads the enabled sources (one query; concurrent callers share it). */
  refresh(): Promise<void> {
    if (!this.db) return Promise.resolve();
    this.refreshing ??= enabledSourceSites(this.db)
      .then((sites) => {
        this.sites = new Set(sites);
        this.sitesReadAt = Date.now();
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** What a host is to this process: a model server, a crawl site, local, or nothing allowed (undefined). */
  classify(hostname: string): OutboundPurpose | 'local' | undefined {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const model = this.modelMatch.find((m) => m.match(host));
    if (model) return model.purpose;
    if (isLoopbackHost(host)) return 'local';
    if (this.crawlAllowed(host)) return 'crawl';
    if (this.webHosts.has(host)) return 'web';
    return undefined;
  }

  private crawlAllowed(host: string): boolean {
    if (!this.sites.has(siteOf(host))) return false;
    return !this.allowMatch || this.allowMatch(host);
  }

  private whyRefused(host: string): string {
    if (this.sites.has(siteOf(host))) return `the host is not in OUTBOUND_ALLOW (${this.allow.join(', ')})`;
    return 'it is neither the site of an enabled source nor a configured model server';
  }

  /** Synchronous check against the current snapshot; throws OUTBOUND_REFUSED. */
  check(url: URL | string): OutboundPurpose | 'local' {
    const host = typeof url === 'string' ? (hostOf(url) ?? url) : url.hostname;
    const purpose = this.classify(host);
    if (!purpose) throw refused(host, this.whyRefused(host.toLowerCase()));
    return purpose;
  }

  /**
   * Check of a crawl target before the crawler connects: re-reads the sources when the snapshot is
   * old, or when the host is unknown (a source enabled a second ago must be crawlable at once).
   */
  async checkCrawlTarget(url: URL | string): Promise<void> {
    const u = typeof url === 'string' ? new URL(url) : url;
    const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (isLoopbackHost(host)) return;
    const age = Date.now() - this.sitesReadAt;
    if (age > CRAWL_SITES_TTL_MS || (!this.crawlAllowed(host) && age > MISS_REFRESH_MS)) await this.refresh();
    if (!this.crawlAllowed(host)) throw refused(host, this.whyRefused(host));
  }
}
