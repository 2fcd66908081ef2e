/**
 * Every HTTP route of the engine, in one list: the app, the OpenAPI document and the access-control
 * test all read it. A new route module = one line here.
 */
import { statsRoutes } from '../admin/stats-route.js';
import { documentsRoutes } from '../admin/documents-routes.js';
import { auditRoutes } from '../audit/audit-routes.js';
import { dataControlRoutes } from '../data-control/data-control-routes.js';
import { outboundRoutes } from '../outbound/outbound-routes.js';
import { meRoutes } from '../auth/me-routes.js';
import { oidcRoutes } from '../auth/oidc/oidc-routes.js';
import { usersRoutes } from '../users/users-routes.js';
import { apiKeysRoutes } from '../keys/api-keys-routes.js';
import { systemRoutes } from '../system/system-routes.js';
import { evalRoutes } from '@cite/retrieval/eval/eval-routes.js';
import { sourceRoutes } from '@cite/ingestion/sources/source-routes.js';
import { crawlRunRoutes } from '@cite/ingestion/runs/crawl-run-routes.js';
import { answerRoutes } from '@cite/retrieval/answers/answer-routes-list.js';
import { searchRoutes } from '@cite/retrieval/search/search-routes.js';
import { uploadsRoutes } from '../admin/uploads-routes.js';
import { originalRoutes } from '../originals/original-routes.js';
import { synonymsRoutes } from '../admin/synonyms-routes.js';
import { mcpRoutes } from '../mcp/mcp-routes.js';
import { docsRoutes } from './docs-routes.js';
import type { RouteDef } from '@cite/core/http/route.js';

export function allRoutes(): RouteDef[] {
  return [
    // First what agents call most: Express tries each route's path in turn, and search came 75th of 85
    // (no route before it could take POST /v1/search, nor can it take another's request).
    ...searchRoutes,
    ...answerRoutes,
    ...systemRoutes,
    ...docsRoutes,
    ...meRoutes,
    ...oidcRoutes,
    ...usersRoutes,
    ...apiKeysRoutes,
    ...auditRoutes,
    ...dataControlRoutes,
    ...outboundRoutes,
    ...statsRoutes,
    ...documentsRoutes,
    ...evalRoutes,
    ...sourceRoutes,
    ...crawlRunRoutes,
    ...uploadsRoutes,
    ...originalRoutes,
    ...synonymsRoutes,
    ...mcpRoutes,
  ];
}
