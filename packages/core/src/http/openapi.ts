/** The OpenAPI 3 document, generated from the route declarations and their zod schemas. */
import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteDef } from './route.js';

extendZodWithOpenApi(z);

type RequestParameter = NonNullable<RouteConfig['request']>['params'];

const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export function buildOpenApi(routes: RouteDef[], version: string): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'Cité API key' });
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const responses: Record<string, ResponseConfig> = {
      [String(r.status ?? 200)]: {
        description: 'Success',
        ...(r.response ? { content: { 'application/json': { schema: r.response } } } : {}),
      },
      '400': { description: 'Invalid input', content: { 'application/json': { schema: errorSchema } } },
    };
    if (r.access !== 'public') {
      responses['401'] = { description: 'Missing or invalid API key', content: { 'application/json': { schema: errorSchema } } };
      responses['403'] = { description: `Requires role ${r.access}`, content: { 'application/json': { schema: errorSchema } } };
      responses['429'] = { description: 'Rate limited (see Retry-After)', content: { 'application/json': { schema: errorSchema } } };
    }
    registry.registerPath({
      method: r.method,
      path,
      summary: r.summary,
      description: r.access === 'public' ? 'Public' : `Requires role: ${r.access} or above`,
      tags: r.tags,
      security: r.access === 'public' ? [] : [{ bearer: [] }],
      request: {
        ...(r.params ? { params: r.params as RequestParameter } : {}),
        ...(r.query && isObjectSchema(r.query) ? { query: r.query as RequestParameter } : {}),
        ...(r.body ? { body: { content: { [r.bodyContentType ?? 'application/json']: { schema: r.body } } } } : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Cité API',
      version,
      description: 'Retrieval and grounded answers with verifiable citations. Authenticate with `Authorization: Bearer <key>`.',
    },
  });
}

function isObjectSchema(s: z.ZodType): boolean {
  return s instanceof z.ZodObject;
}
