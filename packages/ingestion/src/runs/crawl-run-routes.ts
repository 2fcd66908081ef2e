/** Admin API for crawl runs: list (simple REST), detail with errors grouped by reason and failed URLs, cancel. */
import { z } from 'zod';
import { requireReach, type Scope } from '@cite/core/http/collection-scope.js';
import type { Queryable } from '@cite/core/db/database.js';
import { notFound } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { idsFilter, listQuery, sendList, idParams } from '@cite/core/http/simple-rest.js';
import { cancelRun, getRunDetail, listRuns, runCollection, RUN_SORTABLE, RUN_STATUSES, RUN_TRIGGERS } from './run-repo.js';


const reasons = z.record(z.string(), z.number());
export const crawlRunRecordSchema = z.object({
  id: z.number(),
  source_id: z.number(),
  source_name: z.string().optional(),
  status: z.enum(RUN_STATUSES),
  trigger: z.enum(RUN_TRIGGERS),
  phase: z.string(),
  error: z.string().nullable(),
  discovered: z.number(),
  fetched: z.number(),
  indexed: z.number(),
  unchanged: z.number(),
  skipped: z.number(),
  failed: z.number(),
  deleted: z.number(),
  skip_reasons: reasons,
  fail_reasons: reasons,
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
});
export const crawlRunDetailSchema = crawlRunRecordSchema.extend({
  errors: z.array(
    z.object({
      reason: z.string(),
      count: z.number(),
      examples: z.array(z.object({ url: z.string(), message: z.string().nullable(), http_status: z.number().nullable() })),
    }),
  ),
  failed_urls: z.array(
    z.object({ url: z.string(), reason: z.string(), message: z.string().nullable(), http_status: z.number().nullable(), attempts: z.number() }),
  ),
  in_progress: z.number(),
  pending: z.number(),
});

const runFilter = z
  .object({
    id: idsFilter,
    source_id: z.coerce.number().int().optional(),
    status: z.enum(RUN_STATUSES).optional(),
    trigger: z.enum(RUN_TRIGGERS).optional(),
  })
  .strict();

/** A key limited to some collections sees only their runs (packages/core/src/http/collection-scope.ts). */
async function requireVisibleRun(db: Queryable, caller: Scope, id: number): Promise<void> {
  requireReach(caller, await runCollection(db, id), () => notFound('CRAWL_RUN_NOT_FOUND', `Crawl run ${id} does not exist`));
}

export const crawlRunRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/crawl-runs',
    access: 'admin',
    summary: 'List crawl runs with their counts (filter: id, source_id, status, trigger)',
    tags: ['admin', 'crawl-runs'],
    query: listQuery(RUN_SORTABLE, runFilter, ['id', 'DESC']),
    response: z.array(crawlRunRecordSchema),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const { rows, total } = await listRuns(app.db, { ...query, collections: caller!.collections });
      sendList(res, 'crawl-runs', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/crawl-runs/:id',
    access: 'admin',
    summary: 'One crawl run: live counts, errors grouped by reason, failed URLs',
    tags: ['admin', 'crawl-runs'],
    params: idParams,
    response: crawlRunDetailSchema,
    handler: async ({ app, params, caller }) => {
      await requireVisibleRun(app.db, caller!, params.id);
      return getRunDetail(app.db, params.id);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/crawl-runs/:id/cancel',
    access: 'admin',
    summary: 'Cancel a queued or running crawl',
    tags: ['admin', 'crawl-runs'],
    params: idParams,
    response: crawlRunDetailSchema,
    handler: async ({ app, params, caller, audit }) => {
      await requireVisibleRun(app.db, caller!, params.id);
      const cancelled = await cancelRun(app.db, params.id);
      const run = await getRunDetail(app.db, params.id);
      if (cancelled) {
        await audit({ action: 'crawl_run.cancel', targetType: 'crawl_run', targetId: params.id, after: { status: run.status } });
      }
      return run;
    },
  }),
];
