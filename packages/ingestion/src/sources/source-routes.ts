/**
 * Admin API for sources (react-admin "simple REST"): list/get/create/update/delete, start a crawl,
 * enable/disable. Thin: validate, call the source service, shape the reply, audit.
 */
import { z } from 'zod';
import { requireReach, requireWritable, requireWritableByName, type Scope } from '@cite/core/http/collection-scope.js';
import type { Queryable } from '@cite/core/db/database.js';
import { notFound } from '@cite/core/errors.js';
import { defineRoute, type RouteContext } from '@cite/core/http/route.js';
import { listQuery, sendList, idParams } from '@cite/core/http/simple-rest.js';
import { getRunDetail } from '../runs/run-repo.js';
import { listSources } from './source-repo.js';
import {
  SOURCE_SORTABLE,
  sourceCreateSchema,
  sourceFilterSchema,
  sourceRecordSchema,
  sourceUpdateSchema,
  type SourceRecord,
} from './source-schema.js';
import { createSource, deleteSource, getSource, startCrawl, updateSource } from './source-service.js';
import { parseFilesRoots } from './files-roots.js';


function audit(ctx: RouteContext<unknown, unknown, unknown>, action: string, targetId: number, before?: unknown, after?: unknown) {
  return ctx.audit({ action, targetType: 'source', targetId, before, after });
}

/**
 * A key limited to some collections administers only their sources, and moves or creates a source only
 * within them (packages/core/src/http/collection-scope.ts): another collection's source is not found (404),
 * naming another collection, or one that does not exist yet, is refused (403 COLLECTION_FORBIDDEN).
 */
async function visibleSource(db: Queryable, caller: Scope, id: number): Promise<SourceRecord> {
  const source = await getSource(db, id).catch(() => undefined);
  const missing = () => notFound('SOURCE_NOT_FOUND', `Source ${id} does not exist`);
  requireReach(caller, source?.collection_id, missing);
  return source!;
}

async function requireTarget(db: Queryable, caller: Scope, schema: typeof sourceCreateSchema | typeof sourceUpdateSchema, raw: unknown): Promise<void> {
  if (caller.collections === null) return;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return; // the service refuses it as SOURCE_INVALID, writing nothing
  if (parsed.data.collection_id !== undefined) requireWritable(caller, parsed.data.collection_id);
  if (parsed.data.collection !== undefined) await requireWritableByName(db, caller, parsed.data.collection);
}

export const sourceRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/sources',
    access: 'admin',
    summary: 'List sources (filter: id, q, kind, status, collection_id, enabled)',
    tags: ['admin', 'sources'],
    query: listQuery(SOURCE_SORTABLE, sourceFilterSchema, ['id', 'DESC']),
    response: z.array(sourceRecordSchema),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const { rows, total } = await listSources(app.db, { ...query, collections: caller!.collections });
      sendList(res, 'sources', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/sources/:id',
    access: 'admin',
    summary: 'One source with its last run',
    tags: ['admin', 'sources'],
    params: idParams,
    response: sourceRecordSchema,
    handler: ({ app, params, caller }) => visibleSource(app.db, caller!, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/sources',
    access: 'admin',
    summary: 'Register a source (website, sitemap, service-public, jsonl, files)',
    tags: ['admin', 'sources'],
    body: sourceCreateSchema as z.ZodType<unknown>,
    status: 201,
    response: sourceRecordSchema,
    handler: async (ctx) => {
      await requireTarget(ctx.app.db, ctx.caller!, sourceCreateSchema, ctx.body);
      const created = await createSource(ctx.app.db, ctx.body, { filesRoots: parseFilesRoots(ctx.app.config.FILES_ROOTS) });
      await audit(ctx, 'source.create', created.id, undefined, created);
      return created;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/api/sources/:id',
    access: 'admin',
    summary: 'Update a source (the kind cannot change)',
    tags: ['admin', 'sources'],
    params: idParams,
    body: sourceUpdateSchema as z.ZodType<unknown>,
    response: sourceRecordSchema,
    handler: async (ctx) => {
      const before = await visibleSource(ctx.app.db, ctx.caller!, ctx.params.id);
      await requireTarget(ctx.app.db, ctx.caller!, sourceUpdateSchema, ctx.body);
      const after = await updateSource(ctx.app.db, ctx.params.id, ctx.body, { filesRoots: parseFilesRoots(ctx.app.config.FILES_ROOTS) });
      await audit(ctx, 'source.update', after.id, before, after);
      return after;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/api/sources/:id',
    access: 'admin',
    summary: 'Delete a source: its crawls stop and its documents leave search',
    tags: ['admin', 'sources'],
    params: idParams,
    response: sourceRecordSchema.extend({ documents_removed: z.number() }),
    handler: async (ctx) => {
      await visibleSource(ctx.app.db, ctx.caller!, ctx.params.id);
      const deleted = await deleteSource(ctx.app.db, ctx.params.id);
      await audit(ctx, 'source.delete', deleted.id, deleted, { documents_removed: deleted.documents_removed });
      return deleted;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/sources/:id/crawl',
    access: 'admin',
    summary: 'Queue a crawl of the source now (409 CRAWL_ALREADY_RUNNING when one is queued or running)',
    tags: ['admin', 'sources'],
    params: idParams,
    status: 202,
    handler: async (ctx) => {
      await visibleSource(ctx.app.db, ctx.caller!, ctx.params.id);
      const runId = await startCrawl(ctx.app.db, ctx.params.id, 'manual', ctx.caller?.name);
      await audit(ctx, 'source.crawl', ctx.params.id, undefined, { run_id: runId });
      return getRunDetail(ctx.app.db, runId);
    },
  }),
  ...(['enable', 'disable'] as const).map((action) =>
    defineRoute({
      method: 'post',
      path: `/admin/api/sources/:id/${action}`,
      access: 'admin',
      summary: action === 'enable' ? 'Enable a source (scheduled crawls resume)' : 'Disable a source (running crawls are cancelled)',
      tags: ['admin', 'sources'],
      params: idParams,
      response: sourceRecordSchema,
      handler: async (ctx) => {
        const before = await visibleSource(ctx.app.db, ctx.caller!, ctx.params.id);
        const after = await updateSource(ctx.app.db, ctx.params.id, { enabled: action === 'enable' });
        await audit(ctx, `source.${action}`, after.id, before, after);
        return after;
      },
    }),
  ),
];
