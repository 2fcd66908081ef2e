/**
 * HTTP fetcher on undici: the one way the crawler talks to the network (except the browser).
 * Guards every hop: address check after DNS resolution and after each redirect, at most
 * `maxRedirects` redirects with loop detection, connect and whole-response timeouts, a size cap on
 * the decoded body, conditional requests, and Retry-After parsing for the caller's backoff.
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { CiteError } from '@cite/core/errors.js';
import { parseRetryAfter } from '@cite/core/outbound/retry-after.js';
import { TargetGuard } from './target-guard.js';
import { contentDecoders } from './content-decoding.js';

export interface FetcherOptions {
  userAgent: string;
  allowPrivateNetworks: boolean;
  /** Whole response budget, redirects included (ms). */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Largest decoded body accepted (bytes). */
  maxBytes: number;
  maxRedirects: number;
  /** Host globs every request must match (empty = any host). */
  outboundAllow: string[];
  /** Sockets kept per origin. */
  connectionsPerOrigin: number;
  /** Policy check of each hop instead of the crawl-target one (target-guard.ts). */
  checkTarget?: (url: URL) => Promise<void>;
}

export const FETCHER_DEFAULTS: FetcherOptions = {
  userAgent: 'CiteBot/0.1',
  allowPrivateNetworks: false,
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  maxBytes: 50 * 1024 * 1024,
  maxRedirects: 10,
  outboundAllow: [],
  connectionsPerOrigin: 8,
};

export interface FetchRequest {
  url: string;
  /** Validators of the copy we hold: the server may answer 304 Not Modified. */
  etag?: string | null;
  lastModified?: string | null;
  accept?: string;
  signal?: AbortSignal;
  /** Overrides the size cap for this request (archives). */
  maxBytes?: number;
  /**
   * The caller's judgement of each redirect target, after the address checks and before it is requested
   * (robots.txt, the crawl's scope): a CiteError thrown here ends the fetch as it is.
   */
  checkRedirect?: (target: URL) => Promise<void>;
}

export interface FetchResponse {
  requestedUrl: string;
  /** URL after redirects. */
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  redirects: string[];
  contentType?: string;
  etag?: string;
  lastModified?: string;
  /** From Retry-After on 429/503 (ms from now). */
  retryAfterMs?: number;
  /** X-Robots-Tag header lines, one entry per line (an agent prefix applies within its line only). */
  robotsTags: string[];
  elapsedMs: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain;q=0.8,*/*;q=0.5';

export class Fetcher {
  readonly options: FetcherOptions;
  private readonly agent: Agent;
  private readonly guard: TargetGuard;

  constructor(options: Partial<FetcherOptions> = {}) {
    this.options = { ...FETCHER_DEFAULTS, ...options };
    this.guard = new TargetGuard(this.options);
    this.agent = new Agent({
      connect: {
        timeout: this.options.connectTimeoutMs,
        lookup: this.guard.lookup as never,
      },
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      connections: this.options.connectionsPerOrigin,
      keepAliveTimeout: 4_000,
    });
  }

  async fetch(req: FetchRequest): Promise<FetchResponse> {
    const started = Date.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline.signal]) : deadline.signal;
    const redirects: string[] = [];
    const seen = new Set<string>();
    let current = req.url;
    try {
      for (;;) {
        const url = this.guard.checkUrl(current);
        if (seen.has(url.href)) {
          throw new CiteError('FETCH_REDIRECT_LOOP', `Redirect loop: ${[req.url, ...redirects].join(' → ')}`, {
            details: { redirects },
          });
        }
        seen.add(url.href);
        if (redirects.length && req.checkRedirect) await req.checkRedirect(url);
        // the process-wide outbound policy (enabled sources' sites, OUTBOUND_ALLOW) judges every hop too
        await this.guard.check(url);
        const res = await this.request(url, req, signal);
        const location = res.headers.location;
        if (REDIRECTS.has(res.statusCode) && typeof location === 'string' && location) {
          // consume the redirect's body (undici reuses the socket), never leaving an unhandled stream error
          await res.body.dump().catch(() => {});
          if (redirects.length >= this.options.maxRedirects) {
            throw new CiteError(
              'FETCH_TOO_MANY_REDIRECTS',
              `More than ${this.options.maxRedirects} redirects from ${req.url}`,
              { details: { redirects } },
            );
          }
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            throw new CiteError('FETCH_BAD_REDIRECT', `Redirect to an invalid URL: ${location}`);
          }
          next.hash = '';
          redirects.push(next.href);
          current = next.href;
          continue;
        }
        const headers = flattenHeaders(res.headers);
        const body = res.statusCode === 304 || res.statusCode === 204 ? (await res.body.dump().catch(() => {}), Buffer.alloc(0)) : await this.readBody(res, url.href, req.maxBytes ?? this.options.maxBytes);
        return {
          requestedUrl: req.url,
          url: url.href,
          status: res.statusCode,
          headers,
          body,
          redirects,
          contentType: headers['content-type'],
          etag: headers.etag,
          lastModified: headers['last-modified'],
          retryAfterMs: res.statusCode === 429 || res.statusCode === 503 ? parseRetryAfter(headers['retry-after']) : undefined,
          robotsTags: [res.headers['x-robots-tag'] ?? []].flat(),
          elapsedMs: Date.now() - started,
        };
      }
    } catch (e) {
      throw this.mapError(e, current, deadline.signal.aborted, req.signal?.aborted ?? false);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }

  private request(url: URL, req: FetchRequest, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: req.accept ?? DEFAULT_ACCEPT,
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'fr,en;q=0.5',
    };
    if (req.etag) headers['if-none-match'] = req.etag;
    if (req.lastModified) headers['if-modified-since'] = req.lastModified;
    return this.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers,
      signal,
    });
  }

  /**
   * Reads and decodes the body, stopping as soon as it passes the size cap. Every stage is a stream, and
   * each one's output (the bytes received, each decoded layer, the final body) is held to the cap: a
   * body of stacked codings cannot grow past it at any layer, and none is ever held whole.
   */
  private async readBody(res: Dispatcher.ResponseData, url: string, max: number): Promise<Buffer> {
    const declared = Number(res.headers['content-length']);
    res.body.on('error', () => {}); // errors surface through the read loop below
    if (Number.isFinite(declared) && declared > max) {
      res.body.destroy();
      throw tooLarge(url, max);
    }
    let decoders: Transform[];
    try {
      // an empty body is no gzip stream (zlib: « unexpected end of file »): browsers show an empty page
      decoders = declared === 0 ? [] : contentDecoders(res.headers['content-encoding'], url);
    } catch (e) {
      res.body.destroy();
      throw e;
    }
    const stages = [res.body, ...decoders.flatMap((d) => [capped(url, max), d])];
    // pipeline, not pipe: an error of any stage (the deadline's abort included) ends the read loop
    if (decoders.length) pipeline(stages, () => {});
    const stream: Readable = stages.at(-1)!;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > max) throw tooLarge(url, max); // leaving the loop destroys every stage
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      if (e instanceof CiteError) throw e;
      const code = (e as { code?: string }).code ?? '';
      // zlib's codes, and brotli's (ERR_ + the decoder's _ERROR_… name)
      if (code.startsWith('Z_') || code.startsWith('ERR__ERROR')) {
        throw new CiteError('FETCH_BAD_ENCODING', `Cannot decode the ${String(res.headers['content-encoding'])} body of ${url}`, { cause: e });
      }
      throw e;
    }
    return Buffer.concat(chunks, size);
  }

  private mapError(e: unknown, url: string, timedOut: boolean, cancelled: boolean): CiteError {
    const root = findCiteError(e);
    if (root) return root;
    const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code ?? '';
    if (cancelled) return new CiteError('FETCH_CANCELLED', `Fetch of ${url} was cancelled`, { cause: e });
    if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new CiteError('FETCH_TIMEOUT', `No complete response from ${url} within ${this.options.timeoutMs} ms`, {
        cause: e,
        retryable: true,
      });
    }
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new CiteError('FETCH_CONNECT_TIMEOUT', `Could not connect to ${url} within ${this.options.connectTimeoutMs} ms`, {
        cause: e,
        retryable: true,
      });
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new CiteError('FETCH_DNS', `Host of ${url} not found`, { cause: e, retryable: code === 'EAI_AGAIN' });
    }
    if (code === 'ECONNREFUSED') return new CiteError('FETCH_REFUSED', `Connection refused by ${url}`, { cause: e, retryable: true });
    // the same headers will come again: not retried (a 200 KB header was fetched three times)
    if (code === 'UND_ERR_HEADERS_OVERFLOW') {
      return new CiteError('FETCH_HEADERS_TOO_LARGE', `The response headers of ${url} are larger than the fetcher accepts`, { cause: e });
    }
    if (code.startsWith('ERR_TLS') || code.includes('CERT')) {
      return new CiteError('FETCH_TLS', `TLS error with ${url}: ${(e as Error).message}`, { cause: e });
    }
    return new CiteError('FETCH_NETWORK', `Network error on ${url}: ${(e as Error).message}`, { cause: e, retryable: true });
  }
}

function findCiteError(e: unknown): CiteError | undefined {
  for (let cur = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if (cur instanceof CiteError) return cur;
  }
  return undefined;
}

/** Passes bytes through until more than `max` have gone by, then fails with FETCH_TOO_LARGE. */
function capped(url: string, max: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > max) callback(tooLarge(url, max));
      else callback(null, chunk);
    },
  });
}

const tooLarge = (url: string, max: number) =>
  new CiteError('FETCH_TOO_LARGE', `Response of ${url} is larger than ${max} bytes`, { details: { maxBytes: max } });

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

