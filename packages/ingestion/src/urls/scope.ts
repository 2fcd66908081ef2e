/**
 * Which discovered URLs a crawl follows: same site as the start URLs by default, include/exclude
 * globs, and guards against crawler traps (endless URLs, repeated segments, growing queries).
 */
import { linearGlob } from './linear-glob.js';
import { pathKey } from './normalize.js';

export interface ScopeOptions {
  /** Start URLs (normalised): their hosts define the site. */
  startUrls: string[];
  /** Globs; a URL must match one when any is given. A glob containing '://' matches the whole URL, else the path and query. */
  include: string[];
  exclude: string[];
  /** Follow links to other hosts too (default false: same site only). */
  allowOtherHosts?: boolean;
  maxUrlLength?: number;
  /** Most times one path segment may appear in a URL (/a/b/a/b/a/b…). */
  maxRepeatedSegment?: number;
  /** Most query parameters in a URL. */
  maxQueryParams?: number;
}

export const SCOPE_DEFAULTS = { maxUrlLength: 2000, maxRepeatedSegment: 3, maxQueryParams: 12 };

/** Why a URL is out of scope; these strings are the skip reasons counted on crawl runs. */
export type OutOfScope =
  | 'other_host'
  | 'excluded'
  | 'not_included'
  | 'url_too_long'
  | 'repeated_segments'
  | 'too_many_query_params';

/** Site identity of a host: 'www.' is the same site, and so is the fully qualified name (a final dot). */
export function siteOf(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '').replace(/^www\./, '');
}

export class Scope {
  private readonly sites: Set<string>;
  private readonly includeMatchers: Array<(url: URL) => boolean>;
  private readonly excludeMatchers: Array<(url: URL) => boolean>;
  private readonly opts: Required<Omit<ScopeOptions, 'startUrls' | 'include' | 'exclude'>>;

  constructor(options: ScopeOptions) {
    this.sites = new Set(options.startUrls.map((u) => siteOf(new URL(u).hostname)));
    this.includeMatchers = options.include.map(compileGlob);
    this.excludeMatchers = options.exclude.map(compileGlob);
    this.opts = { ...SCOPE_DEFAULTS, allowOtherHosts: false, ...stripUndefined(options) } as never;
  }

  /** null when the URL may be crawled, else the reason it is skipped. */
  check(url: string): OutOfScope | null {
    if (url.length > this.opts.maxUrlLength) return 'url_too_long';
    const u = new URL(url);
    if (!this.opts.allowOtherHosts && !this.sites.has(siteOf(u.hostname))) return 'other_host';
    if (this.excludeMatchers.some((m) => m(u))) return 'excluded';
    if (this.includeMatchers.length && !this.includeMatchers.some((m) => m(u))) return 'not_included';
    if (hasRepeatedSegments(u.pathname, this.opts.maxRepeatedSegment)) return 'repeated_segments';
    if ([...u.searchParams.keys()].length > this.opts.maxQueryParams) return 'too_many_query_params';
    return null;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A segment (or a pair of segments) repeated past the limit is the mark of relative-link loops. */
export function hasRepeatedSegments(pathname: string, max: number): boolean {
  const segs = pathname.split('/').filter(Boolean);
  const counts = new Map<string, number>();
  for (let i = 0; i < segs.length; i++) {
    const one = segs[i]!;
    counts.set(one, (counts.get(one) ?? 0) + 1);
    if (counts.get(one)! > max) return true;
  }
  return false;
}

function compileGlob(glob: string): (url: URL) => boolean {
  const whole = glob.includes('://');
  // matched in linear time: the URLs are the site's to choose (linear-glob.ts)
  const isMatch = linearGlob(glob);
  return (u) => {
    const target = whole ? `${u.protocol}//${u.host}${u.pathname}${u.search}` : `${u.pathname}${u.search}`;
    return isMatch(target) || (!u.search ? false : isMatch(whole ? pathKey(u.href) : u.pathname));
  };
}

/** Checks glob syntax early (source validation) so a bad glob fails at save time, not mid-crawl. */
export function isValidGlob(glob: string): boolean {
  try {
    linearGlob(glob);
    return glob.length > 0 && glob.length < 1000;
  } catch {
    return false;
  }
}
