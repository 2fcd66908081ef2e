/**
 * Retrieval for answers goes through the search service, with the asking key's collections, so
 * an answer can never draw on a passage its asker could not have searched.
 */
import type { AppContext } from '../http/app-context.js';
import type { Retriever } from './answer-service.js';
import type { RetrievedPassage } from './types.js';

export function searchRetriever(app: AppContext): Retriever {
  return async (input) => {
    // Resolved at run time: the search service is its own module, loaded on first answer.
    const searchModule = '../search/search-service.js';
    const search = (await import(searchModule)) as {
      search: (app: AppContext, input: Record<string, unknown>) => Promise<{ data: unknown[] }>;
    };
    const result = await search.search(app, {
      query: input.query,
      k: input.k,
      mode: 'hybrid',
      filters: input.filters,
      allowedCollections: input.allowedCollections,
    });
    return result.data as RetrievedPassage[];
  };
}
