/**
 * Admin API of evaluation (evaluator role and above): sets and their questions (import, export,
 * editing, questions made from reviewed answers), runs (start, progress, cancel, results), the
 * comparison of two runs and the regression guard. react-admin "simple REST" conventions. What each key
 * sees and may change follows its collections and the sets' owners (eval-access.ts).
 */
import type { Request } from 'express';
import { z } from 'zod';
import { readableAnswer } from '../answers/answers-routes.js';
import { badRequest, CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { idsFilter, listQuery, sendList, idParams } from '@cite/core/http/simple-rest.js';
import { changeableItem, changeableRun, changeableSet, evalScope, visibleItem, visibleRun, visibleSet } from './eval-access.js';
import { compareRuns } from './eval-runs-compare.js';
import { checkRegression } from './eval-runs-guard.js';
import { allResults, cancelRun, deleteRun, listResults, listRuns, RESULT_SORTS, RUN_SORTS } from './eval-runs-repo.js';
import { queueRun } from './eval-runs-start.js';
import { RUN_STATUSES, runConfigSchema } from './eval-runs-types.js';
import { toJsonlLine } from './eval-sets-import.js';
import {
  allItems,
  createItem,
  createSet,
  deleteItem,
  deleteSet,
  importJsonl,
  ITEM_SORTS,
  itemFromAnswer,
  listItems,
  listSets,
  SET_SORTS,
  updateItem,
  updateSet,
} from './eval-sets-repo.js';

const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

const gold = z.array(z.object({ url: z.url({ protocol: /^https?$/ }).max(4000), grade: z.number().int().min(0).max(3) }).strict()).max(200);
const itemFields = {
  external_id: z.string().trim().min(1).max(200),
  question: z.string().trim().min(1).max(10_000),
  phrasings: z.array(z.string().trim().min(1).max(10_000)).max(200),
  gold,
  expected_answer: z.string().trim().max(50_000).nullable(),
};
const createItemBody = z
  .object({ set_id: z.number().int().positive(), ...itemFields, external_id: itemFields.external_id.optional(), phrasings: itemFields.phrasings.default([]), gold: gold.default([]), expected_answer: itemFields.expected_answer.default(null) })
  .strict();
const updateItemBody = z.object(itemFields).partial().passthrough();
const setBody = z.object({ name: z.string().trim().min(1).max(200), description: z.string().max(5000).optional() }).strict();

/** The JSONL body of an import, read as text (the JSON parser is not used: a set can be large). */
async function readText(req: Request): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_IMPORT_BYTES) throw new CiteError('PAYLOAD_TOO_LARGE', `An import is limited to ${MAX_IMPORT_BYTES / 1024 / 1024} MB`, { status: 413 });
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.includes('\uFFFD')) throw badRequest('IMPORT_NOT_UTF8', 'The file is not UTF-8 text');
  return text;
}

export const evalRoutes = [
  // ---------------------------------------------------------------- sets
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-sets',
    access: 'evaluator',
    summary: 'List evaluation sets',
    tags: ['evaluation'],
    query: listQuery(SET_SORTS, z.object({ id: idsFilter, q: z.string().max(200).optional() }).strict(), ['id', 'DESC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const ids = query.filter.id === undefined ? undefined : ([] as number[]).concat(query.filter.id);
      const { rows, total } = await listSets(app.db, { ...query, q: query.filter.q, ids, scope: evalScope(caller!) });
      sendList(res, 'eval-sets', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-sets/:id',
    access: 'evaluator',
    summary: 'One evaluation set',
    tags: ['evaluation'],
    params: idParams,
    handler: ({ app, params, caller }) => visibleSet(app.db, params.id, evalScope(caller!)),
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/eval-sets',
    access: 'evaluator',
    summary: 'Create an empty evaluation set',
    tags: ['evaluation'],
    body: setBody,
    status: 201,
    handler: async ({ app, body, caller, audit }) => {
      const set = await createSet(app.db, { name: body.name, description: body.description, origin: 'manual', createdBy: caller?.keyId });
      await audit({ action: 'eval_set.create', targetType: 'eval_set', targetId: set.id, after: set });
      return set;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/api/eval-sets/:id',
    access: 'evaluator',
    summary: 'Rename or describe an evaluation set',
    tags: ['evaluation'],
    params: idParams,
    // react-admin sends the whole record back: unknown fields are ignored, not refused
    body: setBody.partial().passthrough(),
    handler: async ({ app, params, body, caller, audit }) => {
      const before = await changeableSet(app.db, params.id, evalScope(caller!));
      const set = await updateSet(app.db, params.id, { name: body.name, description: body.description });
      await audit({ action: 'eval_set.update', targetType: 'eval_set', targetId: set.id, before, after: set });
      return set;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/api/eval-sets/:id',
    access: 'evaluator',
    summary: 'Delete an evaluation set with its questions and runs',
    tags: ['evaluation'],
    params: idParams,
    handler: async ({ app, params, caller, audit }) => {
      await changeableSet(app.db, params.id, evalScope(caller!));
      const set = await deleteSet(app.db, params.id);
      await audit({ action: 'eval_set.delete', targetType: 'eval_set', targetId: set.id, before: set });
      return set;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/eval-sets/import',
    access: 'evaluator',
    summary: 'Import questions from JSONL (cdtn-dev / spf-qa-dev formats) into a new or existing set',
    tags: ['evaluation'],
    query: z
      .object({
        name: z.string().trim().min(1).max(200).optional(),
        set_id: z.coerce.number().int().positive().optional(),
        description: z.string().max(5000).optional(),
        /** Import the valid lines and report the others (default: refuse the file when a line is invalid). */
        skip_invalid: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
        /** With name: when the very same file was imported before, answer that set instead of a new one. */
        reuse: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      })
      .strict()
      .refine((q) => Boolean(q.name) !== Boolean(q.set_id), { message: 'give either name (new set) or set_id (existing set)' }),
    bodyContentType: 'application/x-ndjson',
    // documentation only: the handler reads the raw text (the app skips the JSON parser for this type)
    body: z
      .string()
      .optional()
      .describe('JSONL: one {"id","query"|"question","variants"?,"answer"?,"gold":[{"url","grade"}]} per line; at most EVAL_IMPORT_MAX_ITEMS lines (more: 413 EVAL_IMPORT_TOO_MANY_ITEMS)'),
    longRunning: true,
    handler: async ({ app, query, req, caller, audit }) => {
      const scope = evalScope(caller!);
      if (query.set_id) await changeableSet(app.db, query.set_id, scope);
      const result = await importJsonl(app.db, {
        content: await readText(req),
        name: query.name,
        setId: query.set_id,
        description: query.description,
        skipInvalid: query.skip_invalid,
        reuse: query.reuse,
        createdBy: caller?.keyId,
        scope,
        maxItems: app.config.EVAL_IMPORT_MAX_ITEMS,
      });
      if (!result.reused)
        await audit({ action: 'eval_set.import', targetType: 'eval_set', targetId: result.set.id, after: { created: result.created, updated: result.updated, rejected: result.rejected } });
      return result;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-sets/:id/export',
    access: 'evaluator',
    summary: 'The questions of a set as JSONL (reimportable)',
    tags: ['evaluation'],
    params: idParams,
    raw: true,
    handler: async ({ app, params, caller, res }) => {
      const set = await visibleSet(app.db, params.id, evalScope(caller!));
      const items = await allItems(app.db, set.id);
      res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="eval-set-${set.id}.jsonl"`);
      res.send(items.map((i) => toJsonlLine(i)).join('\n') + (items.length ? '\n' : ''));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/eval-sets/:id/items/from-answer',
    access: 'evaluator',
    summary: "Add a stored answer's question to the set, with its reviewed sources as gold",
    tags: ['evaluation'],
    params: idParams,
    body: z
      .object({
        answer_id: z.string().max(100),
        gold: gold.optional(),
        expected_answer: z.string().trim().max(50_000).nullable().optional(),
        phrasings: itemFields.phrasings.optional(),
        external_id: itemFields.external_id.optional(),
      })
      .strict(),
    status: 201,
    handler: async ({ app, params, body, caller, audit }) => {
      await changeableSet(app.db, params.id, evalScope(caller!));
      // an answer the caller may not read is not there for it (as GET /admin/api/answers/:id says)
      await readableAnswer(app.db, body.answer_id, caller!);
      const input = await itemFromAnswer(app.db, body.answer_id, body);
      const item = await createItem(app.db, params.id, input, input.answer_id);
      await audit({ action: 'eval_item.from_answer', targetType: 'eval_item', targetId: item.id, after: item });
      return item;
    },
  }),

  // ---------------------------------------------------------------- items
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-items',
    access: 'evaluator',
    summary: 'List evaluation questions (filter by set_id)',
    tags: ['evaluation'],
    query: listQuery(ITEM_SORTS, z.object({ id: idsFilter, set_id: z.coerce.number().int().optional(), q: z.string().max(200).optional() }).strict(), ['position', 'ASC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const ids = query.filter.id === undefined ? undefined : ([] as number[]).concat(query.filter.id);
      const { rows, total } = await listItems(app.db, { ...query, setId: query.filter.set_id, q: query.filter.q, ids, scope: evalScope(caller!) });
      sendList(res, 'eval-items', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-items/:id',
    access: 'evaluator',
    summary: 'One evaluation question',
    tags: ['evaluation'],
    params: idParams,
    handler: ({ app, params, caller }) => visibleItem(app.db, params.id, evalScope(caller!)),
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/eval-items',
    access: 'evaluator',
    summary: 'Add a question to a set',
    tags: ['evaluation'],
    body: createItemBody,
    status: 201,
    handler: async ({ app, body, caller, audit }) => {
      if (!body.gold.length && !body.expected_answer)
        throw badRequest('EVAL_ITEM_EMPTY', 'A question needs gold sources or an expected answer, otherwise nothing can be measured');
      await changeableSet(app.db, body.set_id, evalScope(caller!));
      const item = await createItem(app.db, body.set_id, {
        external_id: body.external_id ?? `manual-${Date.now().toString(36)}`,
        question: body.question,
        phrasings: body.phrasings,
        gold: body.gold,
        expected_answer: body.expected_answer,
      });
      await audit({ action: 'eval_item.create', targetType: 'eval_item', targetId: item.id, after: item });
      return item;
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/api/eval-items/:id',
    access: 'evaluator',
    summary: 'Edit a question: text, phrasings, gold URLs with grades, expected answer',
    tags: ['evaluation'],
    params: idParams,
    body: updateItemBody,
    handler: async ({ app, params, body, caller, audit }) => {
      const before = await changeableItem(app.db, params.id, evalScope(caller!));
      const { external_id, question, phrasings, gold: g, expected_answer } = body;
      const item = await updateItem(app.db, params.id, { external_id, question, phrasings, gold: g, expected_answer });
      await audit({ action: 'eval_item.update', targetType: 'eval_item', targetId: item.id, before, after: item });
      return item;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/api/eval-items/:id',
    access: 'evaluator',
    summary: 'Remove a question from its set (past results keep their copy of it)',
    tags: ['evaluation'],
    params: idParams,
    handler: async ({ app, params, caller, audit }) => {
      await changeableItem(app.db, params.id, evalScope(caller!));
      const item = await deleteItem(app.db, params.id);
      await audit({ action: 'eval_item.delete', targetType: 'eval_item', targetId: item.id, before: item });
      return item;
    },
  }),

  // ---------------------------------------------------------------- runs
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-runs',
    access: 'evaluator',
    summary: 'List evaluation runs with their progress and aggregates',
    tags: ['evaluation'],
    query: listQuery(
      RUN_SORTS,
      z.object({ id: idsFilter, set_id: z.coerce.number().int().optional(), status: z.enum(RUN_STATUSES).optional(), q: z.string().max(200).optional() }).strict(),
      ['id', 'DESC'],
    ),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const ids = query.filter.id === undefined ? undefined : ([] as number[]).concat(query.filter.id);
      const { rows, total } = await listRuns(app.db, { ...query, setId: query.filter.set_id, status: query.filter.status, q: query.filter.q, ids, scope: evalScope(caller!) });
      sendList(res, 'eval-runs', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-runs/:id',
    access: 'evaluator',
    summary: 'One evaluation run',
    tags: ['evaluation'],
    params: idParams,
    handler: ({ app, params, caller }) => visibleRun(app.db, params.id, evalScope(caller!)),
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/eval-runs',
    access: 'evaluator',
    summary: "Start an evaluation run of a set under a configuration (runs in the background, within the caller's collections)",
    tags: ['evaluation'],
    body: z
      .object({
        set_id: z.number().int().positive(),
        name: z.string().trim().max(200).optional(),
        config: runConfigSchema.default(runConfigSchema.parse({})),
        origin: z.enum(['api', 'console', 'cli']).optional(),
      })
      .strict(),
    status: 201,
    handler: async ({ app, body, caller, audit }) => {
      await visibleSet(app.db, body.set_id, evalScope(caller!));
      const run = await queueRun(app, {
        setId: body.set_id,
        name: body.name,
        config: body.config,
        origin: body.origin ?? 'api',
        createdBy: caller!.keyId,
        collections: caller!.collections,
      });
      await audit({ action: 'eval_run.create', targetType: 'eval_run', targetId: run.id, after: { set_id: run.set_id, config: run.config, collections: run.collections } });
      return run;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/eval-runs/:id/cancel',
    access: 'evaluator',
    summary: 'Cancel a queued or running run (results so far are kept)',
    tags: ['evaluation'],
    params: idParams,
    handler: async ({ app, params, caller, audit }) => {
      await changeableRun(app.db, params.id, evalScope(caller!));
      const run = await cancelRun(app.db, params.id);
      await audit({ action: 'eval_run.cancel', targetType: 'eval_run', targetId: run.id });
      return run;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/api/eval-runs/:id',
    access: 'evaluator',
    summary: 'Delete a run and its results',
    tags: ['evaluation'],
    params: idParams,
    handler: async ({ app, params, caller, audit }) => {
      await changeableRun(app.db, params.id, evalScope(caller!));
      const run = await deleteRun(app.db, params.id);
      await audit({ action: 'eval_run.delete', targetType: 'eval_run', targetId: run.id, before: { set_id: run.set_id, aggregates: run.aggregates } });
      return run;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-results',
    access: 'evaluator',
    summary: 'Per-question results (filter by run_id, status)',
    tags: ['evaluation'],
    query: listQuery(
      RESULT_SORTS,
      z.object({ id: idsFilter, run_id: z.coerce.number().int().optional(), status: z.enum(['ok', 'error']).optional(), q: z.string().max(200).optional() }).strict(),
      ['id', 'ASC'],
    ),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const ids = query.filter.id === undefined ? undefined : ([] as number[]).concat(query.filter.id);
      const { rows, total } = await listResults(app.db, { ...query, runId: query.filter.run_id, status: query.filter.status, q: query.filter.q, ids, scope: evalScope(caller!) });
      sendList(res, 'eval-results', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-runs/:id/compare',
    access: 'evaluator',
    summary: 'Compare this run with a baseline: aggregates side by side, questions better and worse',
    tags: ['evaluation'],
    params: idParams,
    query: z
      .object({
        baseline: z.coerce.number().int().positive(),
        metric: z.string().max(50).optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    handler: async ({ app, params, query, caller }) => {
      const scope = evalScope(caller!);
      const [baseline, candidate] = await Promise.all([visibleRun(app.db, query.baseline, scope), visibleRun(app.db, params.id, scope)]);
      const [b, c] = await Promise.all([allResults(app.db, baseline.id), allResults(app.db, candidate.id)]);
      return compareRuns(baseline, candidate, b, c, { metric: query.metric, limit: query.limit });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/eval-runs/:id/guard',
    access: 'evaluator',
    summary: 'Regression guard: does this run keep ratio × the baseline quality?',
    tags: ['evaluation'],
    params: idParams,
    query: z
      .object({
        baseline: z.coerce.number().int().positive(),
        ratio: z.coerce.number().gt(0).max(1),
        metrics: z.string().max(500).optional(),
      })
      .strict(),
    handler: async ({ app, params, query, caller }) => {
      const scope = evalScope(caller!);
      const [baseline, candidate] = await Promise.all([visibleRun(app.db, query.baseline, scope), visibleRun(app.db, params.id, scope)]);
      return checkRegression(baseline.aggregates, candidate.aggregates, query.ratio, query.metrics?.split(',').map((s) => s.trim()).filter(Boolean));
    },
  }),
];
