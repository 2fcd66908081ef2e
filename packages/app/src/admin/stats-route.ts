/**
 * `GET /admin/api/stats`: the console dashboard's figures in one call. Read-only aggregates, so
 * evaluators get it too; a key limited to some collections only sees those collections' figures.
 */
import { z } from 'zod';
import { defineRoute } from '@cite/core/http/route.js';
import { loadDashboardStats } from './stats-sql.js';

const count = z.number().int().min(0);

export const dashboardStatsSchema = z.object({
  totals: z.object({ documents: count, chunks: count, sources: count, collections: count }),
  collections: z.array(z.object({ id: z.number(), name: z.string(), documents: count, chunks: count, sources: count })),
  sources_by_status: z.array(z.object({ status: z.string(), count })),
  sources_disabled: count,
  recent_runs: z.array(
    z.object({
      id: z.number(),
      source_id: z.number(),
      source_name: z.string(),
      status: z.string(),
      discovered: count,
      fetched: count,
      indexed: count,
      unchanged: count,
      skipped: count,
      failed: count,
      created_at: z.string(),
      started_at: z.string().nullable(),
      finished_at: z.string().nullable(),
    }),
  ),
  freshness: z.object({
    oldest: z.object({ id: z.number(), title: z.string(), url: z.string(), fetched_at: z.string() }).nullable(),
    newest_fetched_at: z.string().nullable(),
    stale_documents: count,
    stale_days: count,
  }),
  activity: z.array(
    z.object({ day: z.string(), answers: count, abstained: count, feedback_up: count, feedback_down: count }),
  ),
  review: z.object({ open: count, open_negative: count, reviewed_30d: count }),
});

const statsQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).optional(),
  stale_days: z.coerce.number().int().min(1).max(3650).optional(),
});

export const statsRoute = defineRoute({
  method: 'get',
  path: '/admin/api/stats',
  access: 'evaluator',
  summary: 'Dashboard figures: documents and chunks per collection, sources by status, recent crawls, freshness, 30-day activity, review queue',
  tags: ['admin'],
  query: statsQuery,
  response: dashboardStatsSchema,
  handler: ({ app, query, caller }) =>
    loadDashboardStats(app.db, {
      days: query.days,
      staleDays: query.stale_days,
      collections: caller?.collections ?? null,
    }),
});

export const statsRoutes = [statsRoute];
