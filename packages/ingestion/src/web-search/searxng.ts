/** SearXNG (self-hosted): `GET /search?q=…&format=json`; the instance must have the json format enabled (settings.yml `search.formats`). */
import { providerJson, webResults, type ProviderOptions, type WebResult, type WebSearchProvider } from './provider.js';

export class SearxngProvider implements WebSearchProvider {
  readonly name = 'searxng' as const;
  readonly host: string;
  private readonly endpoint: URL;

  constructor(private readonly options: ProviderOptions) {
    const base = new URL(options.url);
    // WEB_SEARCH_URL may name the instance or its /search endpoint
    this.endpoint = /\/search\/?$/.test(base.pathname) ? base : new URL(`${base.pathname.replace(/\/$/, '')}/search`, base);
    this.host = this.endpoint.host;
  }

  async search(query: string, options: { count: number; signal?: AbortSignal }): Promise<WebResult[]> {
    const url = new URL(this.endpoint);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');
    const body = (await providerJson(url, {
      headers: { accept: 'application/json', 'user-agent': this.options.userAgent },
      timeoutMs: this.options.timeoutMs,
      signal: options.signal,
    })) as { results?: unknown } | null;
    return webResults(body?.results, (r) => ({ url: r.url, title: r.title, snippet: r.content })).slice(0, options.count);
  }
}
