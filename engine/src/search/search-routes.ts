/** POST /v1/search: validate, search within the key's collections, return the results as they are. */
import { defineRoute } from '../http/route.js';
import { searchBodySchema, searchResponseSchema } from './search-schema.js';
import { search } from './search-service.js';

export const searchRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/search',
    access: 'agent',
    summary: 'Hybrid search (BM25 lexical + vectors, fused by reciprocal rank) over the collections the key may read',
    tags: ['search'],
    body: searchBodySchema,
    response: searchResponseSchema,
    handler: ({ app, body, caller, signal }) =>
      search(app, { ...body, allowedCollections: caller!.collections, signal }),
  }),
];
