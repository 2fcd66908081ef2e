/** The Brave Search API: `GET /res/v1/web/search?q=…&count=N` with the key in X-Subscription-Token. */
import { providerJson, webResults, type ProviderOptions, type WebResult, type WebSearchProvider } from './provider.js';

/** Brave returns at most 20 results a query. */
const BRAVE_MAX_COUNT = 20;

export class BraveProvider implements WebSearchProvider {
  readonly name = 'brave' as const;
  readonly host: string;

  constructor(private readonly options: ProviderOptions & { apiKey: string }) {
    this.host = new URL(options.url).host;
  }

  async search(query: string, options: { count: number; signal?: AbortSignal }): Promise<WebResult[]> {
    const url = new URL(this.options.url);
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(Math.min(BRAVE_MAX_COUNT, Math.max(1, options.count))));
    const body = (await providerJson(url, {
      headers: { accept: 'application/json', 'x-subscription-token': this.options.apiKey, 'user-agent': this.options.userAgent },
      timeoutMs: this.options.timeoutMs,
      signal: options.signal,
    })) as { web?: { results?: unknown } } | null;
    return webResults(body?.web?.results, (r) => ({ url: r.url, title: r.title, snippet: r.description })).slice(0, options.count);
  }
}
