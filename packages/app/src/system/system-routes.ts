/** Health, readiness, metrics and API documentation. */
import { z } from 'zod';
import { migrationsUpToDate } from '@cite/core/db/migrations.js';
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { registry } from '@cite/core/observability/metrics.js';
import { readinessProblems } from '@cite/core/system/readiness.js';

export const systemRoutes = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    access: 'public',
    summary: 'Liveness: the process answers',
    tags: ['system'],
    response: z.object({ status: z.literal('ok') }),
    handler: () => ({ status: 'ok' as const }),
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    access: 'public',
    summary: 'Readiness: database reachable, every migration applied, background parts working (the crawler can claim)',
    tags: ['system'],
    response: z.object({ status: z.literal('ready'), database: z.string() }),
    handler: async ({ app }) => {
      try {
        await app.db.query('SELECT 1');
      } catch (e) {
        throw new CiteError('NOT_READY', 'Database unreachable', { status: 503, cause: e });
      }
      if (!(await migrationsUpToDate(app.db))) throw new CiteError('NOT_READY', 'Migrations not applied', { status: 503 });
      const problems = readinessProblems(app.db);
      if (problems.length) throw new CiteError('NOT_READY', problems.join('; '), { status: 503, details: { problems } });
      return { status: 'ready' as const, database: app.db.mode };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/metrics',
    access: 'admin',
    bearerToken: (config) => config.METRICS_TOKEN,
    summary: 'Prometheus metrics: an admin key not limited to collections, or METRICS_TOKEN as the bearer token',
    tags: ['system'],
    raw: true,
    handler: async ({ res, caller }) => {
      // the whole engine's figures, hosts crawled for every collection among them
      if (caller?.collections) {
        throw new CiteError('FORBIDDEN', 'Metrics cover every collection: they need an admin key not limited to collections, or METRICS_TOKEN', { status: 403 });
      }
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    },
  }),
];
