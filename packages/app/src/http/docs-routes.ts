/** `/openapi.json` and `/docs`, generated from the route declarations. */
import swaggerUi from 'swagger-ui-express';
import { defineRoute, type RouteDef } from '@cite/core/http/route.js';
import { buildOpenApi } from '@cite/core/http/openapi.js';
import { allRoutes } from './routes.js';

let cached: object | undefined;
function document(): object {
  cached ??= buildOpenApi(allRoutes() as RouteDef[], '0.1.0');
  return cached;
}

// swagger-ui's assets are served from the package itself: no CDN, no outbound call from browsers.
const serveAssets = swaggerUi.serveFiles(undefined, { swaggerUrl: '/openapi.json', swaggerOptions: { url: '/openapi.json' } });
const page = swaggerUi.setup(undefined, { swaggerUrl: '/openapi.json', swaggerOptions: { url: '/openapi.json' }, customSiteTitle: 'Cité API' });

export const docsRoutes = [
  defineRoute({
    method: 'get',
    path: '/openapi.json',
    access: 'public',
    summary: 'OpenAPI 3 document',
    tags: ['system'],
    handler: () => document(),
  }),
  defineRoute({
    method: 'get',
    path: '/docs',
    access: 'public',
    summary: 'API documentation page',
    tags: ['system'],
    raw: true,
    handler: ({ req, res }) =>
      new Promise<void>((resolve) => {
        page(req, res, () => resolve());
        res.on('finish', () => resolve());
      }),
  }),
  defineRoute({
    method: 'get',
    path: '/docs/*asset',
    access: 'public',
    summary: 'API documentation assets',
    tags: ['system'],
    raw: true,
    handler: ({ req, res }) =>
      new Promise<void>((resolve) => {
        req.url = req.url.replace(/^\/docs/, '') || '/';
        const handlers = serveAssets as unknown as Array<(rq: typeof req, rs: typeof res, n: () => void) => void>;
        const last = handlers[handlers.length - 1]!;
        last(req, res, () => {
          res.status(404).json({ code: 'NOT_FOUND', message: 'No such documentation asset' });
          resolve();
        });
        res.on('finish', () => resolve());
      }),
  }),
];
