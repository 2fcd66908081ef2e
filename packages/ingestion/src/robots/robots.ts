/**
 * robots.txt: Disallow/Allow and Crawl-delay for our user agent, plus the sitemaps it lists.
 * Fetched once per host and kept in crawl_hosts (shared by every worker) for a day; each worker
 * also keeps a short in-memory copy so checking a URL costs no query.
 */
import type { Queryable } from '@cite/core/db/database.js';
import { decodeWithBom } from '../extractors/byte-order-mark.js';
import { CiteError } from '@cite/core/errors.js';
import type { Fetcher } from '../fetch/fetcher.js';
import { hostKey } from '../urls/normalize.js';
import { parseRobotsTxt } from './robots-txt.js';

export interface RobotsRules {
  isAllowed(url: string): boolean;
  /** Crawl-delay for our agent (ms), when the site sets one. */
  crawlDelayMs?: number;
  sitemaps: string[];
}

export interface RobotsOptions {
  userAgent: string;
  /** How long a fetched robots.txt stays valid (ms). */
  ttlMs: number;
  /** How long a worker trusts its in-memory copy before rereading the table (ms). */
  memoryTtlMs: number;
  /** Largest Crawl-delay honoured (ms): a site asking for an hour between pages would never finish. */
  maxCrawlDelayMs: number;
  /**
   * How long a worker remembers that a host's robots.txt could not be read (ms), answering with the same
   * error instead of asking again: a rendered page's loop of 30 fetches made 30 unpaced reads of a robots.txt
   * answering 503.
   */
  unreachableMemoryMs: number;
}

export const ROBOTS_DEFAULTS: Omit<RobotsOptions, 'userAgent'> = {
  ttlMs: 24 * 3600_000,
  memoryTtlMs: 60_000,
  maxCrawlDelayMs: 60_000,
  unreachableMemoryMs: 5_000,
};

/** The product token robots.txt groups are matched against ("CiteBot" from "CiteBot/0.1 (+…)"). */
export function productToken(userAgent: string): string {
  return userAgent.split(/[\s/]/)[0] || userAgent;
}

export function parseRobots(text: string, userAgent: string, maxCrawlDelayMs = ROBOTS_DEFAULTS.maxCrawlDelayMs): RobotsRules {
  const parsed = parseRobotsTxt(text);
  const token = productToken(userAgent);
  const delay = parsed.crawlDelay(token);
  return {
    // rules are per host, whatever the scheme: the caller asks only about URLs of the host it fetched them from
    isAllowed(target: string) {
      const u = new URL(target);
      return parsed.isAllowed(`${u.pathname}${u.search}`, token);
    },
    crawlDelayMs: delay === undefined || !Number.isFinite(delay) ? undefined : Math.min(delay * 1000, maxCrawlDelayMs),
    sitemaps: parsed.sitemaps,
  };
}

export class RobotsCache {
  private readonly memory = new Map<string, { rules: RobotsRules; until: number }>();
  private readonly inflight = new Map<string, Promise<RobotsRules>>();
  private readonly unreachable = new Map<string, { error: unknown; until: number }>();
  private readonly options: RobotsOptions;

  constructor(
    private readonly db: Queryable,
    private readonly fetcher: Fetcher,
    options: Partial<RobotsOptions> & { userAgent: string },
  ) {
    this.options = { ...ROBOTS_DEFAULTS, ...options };
  }

  /** Rules for the host of `url`, fetching robots.txt when no fresh copy exists. */
  async rulesFor(url: string): Promise<RobotsRules> {
    const key = hostKey(url);
    const cached = this.memory.get(key);
    if (cached && cached.until > Date.now()) return cached.rules;
    const failed = this.unreachable.get(key);
    if (failed) {
      if (failed.until > Date.now()) throw failed.error;
      this.unreachable.delete(key);
    }
    let p = this.inflight.get(key);
    if (!p) {
      p = this.load(url, key)
        .catch((e: unknown) => {
          if (e instanceof CiteError && e.code === 'ROBOTS_UNREACHABLE') this.unreachable.set(key, { error: e, until: Date.now() + this.options.unreachableMemoryMs });
          throw e;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async load(url: string, key: string): Promise<RobotsRules> {
    const { rows } = await this.db.query<{ robots_txt: string | null; fresh: boolean }>(
      `SELECT robots_txt,
              robots_fetched_at > now() - make_interval(secs => $2::double precision / 1000) AS fresh
         FROM crawl_hosts WHERE host = $1`,
      [key, this.options.ttlMs],
    );
    const row = rows[0];
    const fresh = row?.robots_txt != null && row.fresh;
    const text = fresh ? row.robots_txt! : await this.download(url);
    const rules = parseRobots(text, this.options.userAgent, this.options.maxCrawlDelayMs);
    if (!fresh) {
      await this.db.query(
        // the robots.txt request counts as one: the host's next slot starts after it, delay included
        `INSERT INTO crawl_hosts (host, robots_txt, robots_fetched_at, crawl_delay_ms, next_fetch_at)
              VALUES ($1, $2, now(), $3, now() + make_interval(secs => coalesce($3, 0)::double precision / 1000))
         ON CONFLICT (host) DO UPDATE SET robots_txt = EXCLUDED.robots_txt,
              robots_fetched_at = now(), crawl_delay_ms = EXCLUDED.crawl_delay_ms,
              next_fetch_at = greatest(crawl_hosts.next_fetch_at, EXCLUDED.next_fetch_at)`,
        [key, text, rules.crawlDelayMs ?? null],
      );
    }
    this.memory.set(key, { rules, until: Date.now() + this.options.memoryTtlMs });
    return rules;
  }

  /**
   * 2xx → the file; 4xx → no rules. 5xx, 429 and network failures mean "unreachable": RFC 9309 says to
   * assume everything is disallowed, so the URL waits (retryable error) instead of being fetched.
   */
  private async download(url: string): Promise<string> {
    const u = new URL(url);
    const robotsUrl = `${u.protocol}//${u.host}/robots.txt`;
    let res;
    try {
      res = await this.fetcher.fetch({ url: robotsUrl, accept: 'text/plain,*/*;q=0.5' });
    } catch (e) {
      if (e instanceof CiteError && !e.retryable) {
        // redirect loops, bad redirects, TLS errors on robots.txt: treated as "no robots.txt" by major crawlers
        if (['FETCH_REDIRECT_LOOP', 'FETCH_TOO_MANY_REDIRECTS', 'FETCH_BAD_REDIRECT', 'FETCH_TOO_LARGE'].includes(e.code)) return '';
        throw e;
      }
      throw new CiteError('ROBOTS_UNREACHABLE', `robots.txt of ${u.host} could not be read: ${(e as Error).message}`, { cause: e, retryable: true });
    }
    if (res.status >= 200 && res.status < 300) return robotsText(res.body.subarray(0, 512 * 1024));
    if (res.status >= 400 && res.status < 500 && res.status !== 429) return '';
    throw new CiteError('ROBOTS_UNREACHABLE', `robots.txt of ${u.host} answered ${res.status}`, { retryable: true });
  }
}

/**
 * A robots.txt's text: UTF-8 as RFC 9309 says, or the encoding its byte-order mark names (UTF-16 files
 * exist), without NUL, which PostgreSQL cannot store: a NUL failed every URL of the site (CRAWL_INTERNAL).
 * A NUL ends its line: a rule then reads as the prefix written before it, which disallows at least as much.
 */
export function robotsText(bytes: Buffer): string {
  return (decodeWithBom(bytes) ?? bytes.toString('utf8')).replace(/\u0000/g, '\n');
}
