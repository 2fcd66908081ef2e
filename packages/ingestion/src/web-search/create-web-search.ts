/**
 * The web search of a process, from its configuration (WEB_SEARCH_*): null when WEB_SEARCH_PROVIDER is
 * empty (the default: nothing leaves the machine for it). A provider without what it needs stops the
 * start with CONFIG_INVALID naming the variable.
 */
import type { Logger } from 'pino';
import { webSearchEndpoint, type Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { CiteError } from '@cite/core/errors.js';
import { assertWebPage } from '@cite/core/outbound/outbound-guard.js';
import { parseAllowList } from '@cite/core/outbound/outbound-policy.js';
import { Fetcher } from '../fetch/fetcher.js';
import { BraveProvider } from './brave.js';
import type { ProviderOptions, WebSearchProvider } from './provider.js';
import { SearxngProvider } from './searxng.js';
import { WebSearchService } from './web-search-service.js';

export function createProvider(cfg: Config): WebSearchProvider | null {
  const url = webSearchEndpoint(cfg);
  if (!cfg.WEB_SEARCH_PROVIDER) return null;
  if (!url) throw new CiteError('CONFIG_INVALID', `Invalid configuration:\n  WEB_SEARCH_URL: required with WEB_SEARCH_PROVIDER=${cfg.WEB_SEARCH_PROVIDER} (the instance's address)`);
  const options: ProviderOptions = { url, apiKey: cfg.WEB_SEARCH_API_KEY, timeoutMs: cfg.WEB_SEARCH_TIMEOUT_MS, userAgent: cfg.CRAWLER_USER_AGENT };
  switch (cfg.WEB_SEARCH_PROVIDER) {
    case 'searxng':
      return new SearxngProvider(options);
    case 'brave':
      if (!cfg.WEB_SEARCH_API_KEY) throw new CiteError('CONFIG_INVALID', 'Invalid configuration:\n  WEB_SEARCH_API_KEY: required with WEB_SEARCH_PROVIDER=brave');
      return new BraveProvider({ ...options, apiKey: cfg.WEB_SEARCH_API_KEY });
  }
}

export function createWebSearch(a: { db: Database; config: Config; embedder: () => Promise<Embedder>; log?: Logger }): { service: WebSearchService; close(): Promise<void> } | null {
  const cfg = a.config;
  const provider = createProvider(cfg);
  if (!provider) return null;
  let service: WebSearchService | undefined;
  const fetcher = new Fetcher({
    userAgent: cfg.CRAWLER_USER_AGENT,
    allowPrivateNetworks: cfg.CRAWLER_ALLOW_PRIVATE_NETWORKS,
    timeoutMs: cfg.WEB_SEARCH_PAGE_TIMEOUT_MS,
    connectTimeoutMs: Math.min(cfg.CRAWLER_CONNECT_TIMEOUT_MS, cfg.WEB_SEARCH_PAGE_TIMEOUT_MS),
    maxBytes: cfg.WEB_SEARCH_MAX_PAGE_BYTES,
    outboundAllow: parseAllowList(cfg.OUTBOUND_ALLOW),
    // every hop (redirects included): the allow-list, then the process's outbound policy
    checkTarget: async (url) => {
      if (!service!.allows(url)) {
        throw new CiteError('WEB_PAGE_NOT_ALLOWED', `${url.hostname} is not in WEB_SEARCH_ALLOWED_DOMAINS`, { status: 403 });
      }
      assertWebPage(url);
    },
  });
  service = new WebSearchService({
    db: a.db,
    provider,
    fetcher,
    embedder: a.embedder,
    log: a.log,
    options: {
      allowedDomains: parseAllowList(cfg.WEB_SEARCH_ALLOWED_DOMAINS),
      maxPages: cfg.WEB_SEARCH_MAX_PAGES,
      freshHours: cfg.WEB_SEARCH_FRESH_HOURS,
      userAgent: cfg.CRAWLER_USER_AGENT,
      chunkTokens: cfg.CHUNK_TOKENS,
      overlapTokens: cfg.CHUNK_OVERLAP_TOKENS,
      extract: {
        maxFileBytes: cfg.WEB_SEARCH_MAX_PAGE_BYTES,
        maxPdfPages: cfg.INGEST_MAX_PDF_PAGES,
        maxPdfDecompressedBytes: cfg.INGEST_PDF_MAX_DECOMPRESSED_BYTES,
        timeoutMs: cfg.INGEST_EXTRACT_TIMEOUT_MS,
      },
    },
  });
  return { service, close: () => fetcher.close() };
}
