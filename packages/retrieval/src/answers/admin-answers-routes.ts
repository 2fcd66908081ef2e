/**
 * Review queue for evaluators (react-admin simple REST): answers with their feedback, one answer
 * with its citations, the passages they point at and every feedback, marking reviewed, and the
 * feedback list. Keys restricted to some collections only see answers asked within them.
 */
import { z } from 'zod';
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { listQuery, sendList } from '@cite/core/http/simple-rest.js';
import { readableAnswer } from './answers-routes.js';
import { documentLink, isEngineMadeUrl } from '@cite/index/originals/document-links.js';
import { isCalendarDate } from '../search/search-schema.js';
import { FEEDBACK_REASONS, citedPassages, feedbackForAnswer, listAnswers, listFeedback, setReviewed } from './answers-repo.js';

const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
/** A date or instant PostgreSQL reads: ISO 8601 also has a year 0000, which it refuses (a 500). */
const instant = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .refine(isCalendarDate, 'expected a date from year 0001 on, such as 2024-01-31 or 2024-01-31T12:00:00Z');
const answerFilter = z
  .object({
    id: z.union([z.string(), z.array(z.string()).max(500)]).optional(),
    q: z.string().max(500).optional(),
    status: z.enum(['pending', 'ok', 'error']).optional(),
    mode: z.enum(['extractive', 'llm']).optional(),
    abstained: boolish.optional(),
    reviewed: boolish.optional(),
    rating: z.enum(['up', 'down', 'none']).optional(),
    api_key_id: z.coerce.number().int().optional(),
    has_unsupported: boolish.optional(),
    created_at_gte: instant.optional(),
    created_at_lte: instant.optional(),
  })
  .strict();

const feedbackFilter = z
  .object({
    id: z.union([z.coerce.number().int(), z.array(z.coerce.number().int()).max(500)]).optional(),
    answer_id: z.string().max(100).optional(),
    rating: z.enum(['up', 'down']).optional(),
    reason: z.enum(FEEDBACK_REASONS).optional(),
    api_key_id: z.coerce.number().int().optional(),
    q: z.string().max(500).optional(),
  })
  .strict();

const idParams = z.object({ id: z.string().min(1).max(100) });

export const adminAnswersRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/answers',
    access: 'evaluator',
    summary: 'List answers (filters: rating, reviewed, abstained, status, mode, has_unsupported, q, dates)',
    tags: ['admin'],
    query: listQuery(['created_at', 'status', 'mode', 'abstained', 'reviewed_at'], answerFilter, ['created_at', 'DESC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const { rows, total } = await listAnswers(app.db, { ...query, visibleCollections: caller!.collections });
      sendList(res, 'answers', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/answers/:id',
    access: 'evaluator',
    summary: 'One answer with its citations, the cited passages as they are now, and all its feedback',
    tags: ['admin'],
    params: idParams,
    handler: async ({ app, params, caller }) => {
      const row = await readableAnswer(app.db, params.id, caller!);
      const passages = await citedPassages(app.db, row.citations.map((c) => c.chunk_id));
      // the passages as readers open them; answers stored before originals were kept may cite a file: URL
      const byId = new Map(passages.map((p) => [String(p.chunk_id), { ...p, url: documentLink({ id: p.document_id, url: p.url }, app.config.PUBLIC_URL) }]));
      const feedback = await feedbackForAnswer(app.db, row.id);
      return {
        ...row,
        citations: row.citations.map((c) => {
          const passage = byId.get(String(c.chunk_id)) ?? null;
          return { ...c, url: passage && isEngineMadeUrl(c.url) ? passage.url : c.url, passage };
        }),
        feedback,
      };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/api/answers/:id',
    access: 'evaluator',
    summary: 'Mark an answer reviewed (or not)',
    tags: ['admin'],
    params: idParams,
    // react-admin sends the whole record back on edit: only `reviewed` is read.
    body: z.object({ reviewed: z.boolean() }).passthrough(),
    handler: async ({ app, params, body, caller, audit }) => {
      const before = await readableAnswer(app.db, params.id, caller!);
      const row = await setReviewed(app.db, params.id, body.reviewed ? caller!.keyId : null);
      if (!row) throw new CiteError('ANSWER_NOT_FOUND', `No answer with id ${params.id}`, { status: 404 });
      await audit({
        action: body.reviewed ? 'answer.review' : 'answer.unreview',
        targetType: 'answer',
        targetId: row.id,
        before: { reviewed_at: before.reviewed_at, reviewed_by: before.reviewed_by },
        after: { reviewed_at: row.reviewed_at, reviewed_by: row.reviewed_by },
      });
      return { ...row, feedback: await feedbackForAnswer(app.db, row.id) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/feedback',
    access: 'evaluator',
    summary: 'List feedback (filters: rating, reason, answer_id, api_key_id, q)',
    tags: ['admin'],
    query: listQuery(['updated_at', 'created_at', 'rating'], feedbackFilter, ['updated_at', 'DESC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const { rows, total } = await listFeedback(app.db, { ...query, visibleCollections: caller!.collections });
      sendList(res, 'feedback', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/feedback/:id',
    access: 'evaluator',
    summary: 'One feedback',
    tags: ['admin'],
    params: z.object({ id: z.coerce.number().int().positive() }),
    handler: async ({ app, params, caller }) => {
      const { rows } = await listFeedback(app.db, {
        sort: 'updated_at', order: 'DESC', offset: 0, limit: 1, filter: { id: params.id }, visibleCollections: caller!.collections,
      });
      if (!rows[0]) throw new CiteError('FEEDBACK_NOT_FOUND', `No feedback with id ${params.id}`, { status: 404 });
      return rows[0];
    },
  }),
];
