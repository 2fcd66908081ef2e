/**
 * Composition of internet search (issue 22): the crawler's implementation (packages/ingestion/src/web-search) given
 * to retrieval as its WebSearchCapability, each query sent out recorded in the audit log with the
 * provider's host (one line per question, with every query sent for it). Nothing is registered when WEB_SEARCH_PROVIDER is empty: `"web": true` then answers 409.
 */
import { createWebSearch } from '@cite/ingestion/web-search/create-web-search.js';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { WEB_SEARCH_SERVICE } from '@cite/retrieval/search/indexed-collections.js';
import type { WebSearchCapability } from '@cite/retrieval/search/web-search.js';

/** Registers the capability in `app.services`; returns what closes it (its fetcher's sockets). */
export function registerWebSearch(app: AppContext): () => Promise<void> {
  const created = createWebSearch({ db: app.db, config: app.config, embedder: () => appEmbedder(app), log: app.log.child({ component: 'web-search' }) });
  if (!created) return async () => {};
  const { service } = created;
  const capability: WebSearchCapability = {
    providerHost: service.providerHost,
    webCollectionId: () => service.webCollectionId(),
    async search(input) {
      const run = await service.search(input);
      if (run.queries_sent.length) {
        await recordAudit(app.db, {
          actorKeyId: input.keyId,
          action: 'web_search.query',
          targetType: 'web_search_provider',
          targetId: service.providerHost,
          after: {
            provider_host: service.providerHost,
            queries: run.queries_sent,
            results: run.results,
            pages: run.pages.map((p) => p.url),
            warnings: run.warnings.map((w) => w.code),
          },
        });
      }
      return run;
    },
  };
  app.services.set(WEB_SEARCH_SERVICE, Promise.resolve(capability));
  return () => created.close();
}
