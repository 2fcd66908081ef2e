/**
 * The crawler's judgement of a destination, shared by everything that connects for it (the undici
 * fetcher, and the guarded proxy every browser request goes through): http(s) only, the host in
 * OUTBOUND_ALLOW when it is set, no private/loopback/link-local address (literal here, resolved at
 * connect time by `lookup`) unless CRAWLER_ALLOW_PRIVATE_NETWORKS, and the process outbound policy.
 */
import picomatch from 'picomatch';
import { CiteError } from '@cite/core/errors.js';
import { assertCrawlTarget } from '@cite/core/outbound/outbound-guard.js';
import { assertHostAllowed, guardedLookup } from './address-guard.js';

export interface TargetGuardOptions {
  allowPrivateNetworks: boolean;
  /** Host globs every request must match (empty = any host). */
  outboundAllow: string[];
  /**
   * The policy check of each hop, instead of the crawl-target one (enabled sources' sites): internet
   * search pages are judged by their own allow-list (packages/ingestion/src/web-search).
   */
  checkTarget?: (url: URL) => Promise<void>;
}

export class TargetGuard {
  /** A `lookup` for net/http/undici connections: refuses private addresses after DNS resolution. */
  readonly lookup: ReturnType<typeof guardedLookup>;
  private readonly allowHost: ((host: string) => boolean) | null;

  constructor(readonly options: TargetGuardOptions) {
    this.lookup = guardedLookup(options.allowPrivateNetworks);
    const globs = options.outboundAllow.filter(Boolean);
    this.allowHost = globs.length ? picomatch(globs, { nocase: true }) : null;
  }

  /** Checks made before any connection, without DNS: scheme, OUTBOUND_ALLOW, literal and local addresses. */
  checkUrl(raw: string | URL): URL {
    let url: URL;
    try {
      url = typeof raw === 'string' ? new URL(raw) : raw;
    } catch {
      throw new CiteError('FETCH_BAD_URL', `Not a URL: ${raw}`, { status: 400 });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CiteError('FETCH_UNSUPPORTED_SCHEME', `Only http and https are fetched, not ${url.protocol}`, { status: 400 });
    }
    if (this.allowHost && !this.allowHost(url.hostname.replace(/^\[|\]$/g, ''))) {
      throw new CiteError('FETCH_HOST_NOT_ALLOWED', `${url.hostname} is not in OUTBOUND_ALLOW`, { status: 400 });
    }
    assertHostAllowed(url, this.options.allowPrivateNetworks);
    return url;
  }

  /** `checkUrl`, then the process-wide outbound policy (enabled sources' sites). */
  async check(raw: string | URL): Promise<URL> {
    const url = this.checkUrl(raw);
    await (this.options.checkTarget ?? assertCrawlTarget)(url);
    return url;
  }
}
