/**
 * One interface for internet search providers: a query in, result links out. Another provider is one
 * file implementing it (searxng.ts, brave.ts), plus one line in create-web-search.ts.
 */
import { CiteError, isCiteError } from '@cite/core/errors.js';
import { readBoundedText } from '@cite/core/outbound/bounded-body.js';

export interface WebResult {
  url: string;
  title: string;
  /** The provider's snippet: never cited (pages are read), kept for logs. */
  snippet: string;
}

export interface WebSearchProvider {
  readonly name: 'searxng' | 'brave';
  /** Host the queries go to (audit log). */
  readonly host: string;
  search(query: string, options: { count: number; signal?: AbortSignal }): Promise<WebResult[]>;
}

export interface ProviderOptions {
  /** Endpoint: the SearXNG instance, or the Brave API address. */
  url: string;
  apiKey?: string;
  timeoutMs: number;
  userAgent: string;
}

/**
 * Largest provider answer read. SearXNG and Brave send tens of KB for the few results asked; `res.json()`
 * held whatever came within WEB_SEARCH_TIMEOUT_MS (on a fast link, GBs) before parsing it.
 */
export const MAX_PROVIDER_BYTES = 4 * 1024 * 1024;

/**
 * GETs a provider's JSON with a time budget; its faults are typed errors the web search turns into
 * warnings: WEB_SEARCH_RATE_LIMITED (429), WEB_SEARCH_TIMEOUT, WEB_SEARCH_UNAVAILABLE (anything else).
 */
export async function providerJson(url: URL, init: { headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<unknown> {
  const deadline = AbortSignal.timeout(init.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
  let res: Response;
  try {
    // global fetch: the process's outbound guard lets only the configured provider through
    res = await fetch(url, { headers: init.headers, signal, redirect: 'error' });
  } catch (e) {
    if (deadline.aborted) {
      throw new CiteError('WEB_SEARCH_TIMEOUT', `The web search provider (${url.host}) did not answer within ${init.timeoutMs} ms`, { status: 504, retryable: true, cause: e });
    }
    throw new CiteError('WEB_SEARCH_UNAVAILABLE', `The web search provider (${url.host}) cannot be reached: ${(e as Error).message}`, { status: 502, retryable: true, cause: e });
  }
  if (res.status === 429) {
    await res.body?.cancel().catch(() => {});
    throw new CiteError('WEB_SEARCH_RATE_LIMITED', `The web search provider (${url.host}) refused the query: too many requests (429)`, { status: 429, retryable: true });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new CiteError('WEB_SEARCH_UNAVAILABLE', `The web search provider (${url.host}) answered ${res.status}`, { status: 502, retryable: res.status >= 500 });
  }
  try {
    const tooLarge = () =>
      new CiteError('WEB_SEARCH_UNAVAILABLE', `The web search provider (${url.host}) sent more than ${MAX_PROVIDER_BYTES} bytes`, {
        status: 502,
      });
    return JSON.parse(await readBoundedText(res, MAX_PROVIDER_BYTES, tooLarge));
  } catch (e) {
    if (isCiteError(e)) throw e;
    const timedOut = deadline.aborted;
    throw new CiteError(timedOut ? 'WEB_SEARCH_TIMEOUT' : 'WEB_SEARCH_UNAVAILABLE', `The web search provider (${url.host}) did not send JSON${timedOut ? ' in time' : ''}`, { status: 502, cause: e });
  }
}

/** Results whose URL is http(s), trimmed to what the pipeline needs. */
export function webResults(items: unknown, pick: (item: Record<string, unknown>) => { url: unknown; title: unknown; snippet: unknown }): WebResult[] {
  if (!Array.isArray(items)) return [];
  const out: WebResult[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const { url, title, snippet } = pick(item as Record<string, unknown>);
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) continue;
    out.push({ url, title: typeof title === 'string' ? title : '', snippet: typeof snippet === 'string' ? snippet : '' });
  }
  return out;
}
