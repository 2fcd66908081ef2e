/**
 * Retrieval for answers goes through the search service, with the asking key's collections, so
 * an answer can never draw on a passage its asker could not have searched. With `web`, the pages
 * internet search kept are ranked with the indexed sources (search/web-search.ts).
 */
import type { AppContext } from '@cite/core/http/app-context.js';
import { MAX_QUERY_CHARS } from '../search/search-schema.js';
import { searchIndexAndWeb } from '../search/web-search.js';
import type { Retriever } from './answer-service.js';

export function searchRetriever(app: AppContext): Retriever {
  return async (input) => {
    const result = await searchIndexAndWeb(app, {
      // Follow-up questions carry earlier turns; search takes the most recent part when too long.
      query: input.query.length > MAX_QUERY_CHARS ? input.query.slice(-MAX_QUERY_CHARS) : input.query,
      k: input.k,
      mode: app.config.ANSWER_SEARCH_MODE,
      filters: input.filters,
      allowedCollections: input.allowedCollections,
      signal: input.signal,
      web: input.web ?? null,
      keyId: input.keyId ?? null,
      ...(input.webQueries ? { webQueries: input.webQueries } : {}),
    });
    if (result.warnings?.length) input.warnings?.push(...result.warnings);
    return result.data;
  };
}
