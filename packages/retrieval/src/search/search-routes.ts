/** POST /v1/search: validate, search within the key's collections, return the results as they are. */
import { defineRoute } from '@cite/core/http/route.js';
import { searchBodySchema, searchResponseSchema } from './search-schema.js';
import { requireWebSearch, searchIndexAndWeb } from './web-search.js';

export const searchRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/search',
    access: 'agent',
    summary: 'Hybrid search (BM25 lexical + vectors, fused by reciprocal rank) over the collections the key may read',
    tags: ['search'],
    body: searchBodySchema,
    response: searchResponseSchema,
    handler: async ({ app, body, caller, signal }) => {
      const { web, ...rest } = body;
      const capability = web ? await requireWebSearch(app, caller!) : null;
      return searchIndexAndWeb(app, { ...rest, allowedCollections: caller!.collections, signal, web: capability, keyId: caller!.keyId });
    },
  }),
];
