/**
 * Agent-facing answer routes: ask (JSON or SSE), read one's own answer, give feedback on it.
 * Thin: validate, call the service or the repository, shape the reply.
 */
import { z } from 'zod';
import { roleAtLeast, type Caller } from '@cite/core/auth/roles.js';
import type { Database } from '@cite/core/db/database.js';
import { CiteError, badRequest, isCiteError } from '@cite/core/errors.js';
import { readerCitations } from '@cite/index/originals/document-links.js';
import { defineRoute } from '@cite/core/http/route.js';
import { answerService, askingAs } from './app-answers.js';
import { MAX_QUESTION_CHARS } from './answer-service.js';
import {
  CITATION_VERDICTS,
  FEEDBACK_REASONS,
  feedbackForAnswer,
  getAnswer,
  listAnswers,
  upsertFeedback,
  visibleWithin,
  type AnswerRow,
} from './answers-repo.js';
import { sseWriter } from './sse.js';
import { searchFiltersSchema } from '../search/search-schema.js';

export const filtersSchema = searchFiltersSchema.optional().describe('Search filters, as for POST /v1/search');

export const askBody = z
  .object({
    question: z.string().trim().min(1, 'the question is empty').max(MAX_QUESTION_CHARS),
    filters: filtersSchema,
    k: z.number().int().min(1).max(50).optional(),
    stream: z.boolean().optional(),
    web: z.boolean().optional().describe('Also search the internet (keys with web_search; WEB_SEARCH_PROVIDER set); faults fall back to the indexed sources with a warning'),
  })
  .strict();

const citationSchema = z.object({
  n: z.number(),
  chunk_id: z.union([z.number(), z.string()]),
  document_id: z.union([z.number(), z.string()]),
  url: z.string(),
  title: z.string(),
  heading_path: z.array(z.string()),
  locator: z.record(z.string(), z.unknown()),
  quote: z.string(),
  link: z.string().optional().describe('url opened at the quote: #page=N for a PDF, #anchor:~:text=… for a web page (absent from answers stored before it existed)'),
  support: z.number(),
  supported: z.boolean(),
  origin: z.enum(['index', 'web']).optional().describe('An indexed source, or a page found by internet search'),
  fetched_at: z.string().nullable().optional().describe('When the cited document was fetched'),
});
const unsupportedSchema = z.object({
  sentence: z.string(),
  start: z.number(),
  end: z.number(),
  cited: z.array(z.number()),
  reason: z.enum(['no_citation', 'not_supported', 'unknown_link']),
  support: z.number(),
});
export const answerResponse = z.object({
  id: z.string(),
  answer: z.string(),
  citations: z.array(citationSchema),
  unsupported: z.array(unsupportedSchema),
  abstained: z.boolean(),
  abstain_reason: z.string().optional().describe('Why Cité declined, in the question\'s language: the key terms no source covers, or the model\'s reason'),
  abstain_code: z
    .enum(['no_terms', 'no_passages', 'unknown_terms', 'terms_not_together', 'weak_match', 'article_not_found', 'model_declined', 'nothing_to_quote'])
    .optional(),
  closest_sources: z.array(z.object({ url: z.string(), title: z.string(), chunk_id: z.union([z.number(), z.string()]) })).optional(),
  retrieval_query: z.string().describe('The query searched: the question, or a follow-up rewritten as a standalone question'),
  relevance: z
    .object({
      coverage: z.number(),
      strength: z.number(),
      min_coverage: z.number(),
      min_strength: z.number(),
      similarity: z.number().nullable().optional().describe("The best passage's vector similarity with the question (null: no vector evidence)"),
      confirmed_strength: z.number().optional().describe('Strength enough for a passage at least min_similarity similar to the question'),
      min_similarity: z.number().nullable().optional().describe('Similarity confirming a passage (null: strength alone decides; absent from answers stored before it existed)'),
      min_topic_words: z.number().optional().describe('Topic words one passage must hold together (absent from answers stored before it existed)'),
      terms: z.array(z.object({ word: z.string(), role: z.enum(['topic', 'action', 'framing']), weight: z.number(), df: z.number() })),
      missing_terms: z.array(z.string()),
      unknown_terms: z.array(z.string()),
      best_chunk_id: z.string().nullable(),
    })
    .describe('The relevance gate: how much of the question the best passage covers (coverage) and how strongly (strength), against the thresholds'),
  removed_citations: z.number(),
  removed_links: z.number(),
  mode: z.enum(['extractive', 'llm']),
  model: z.string().nullable(),
  language: z.string(),
  status: z.literal('ok'),
  timings: z.record(z.string(), z.number()),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional().describe('What internet search could not do (provider down, a page refused…): the answer comes from the rest'),
});

export const feedbackBody = z
  .object({
    rating: z.enum(['up', 'down']),
    reasons: z
      .array(z.enum(FEEDBACK_REASONS))
      .max(FEEDBACK_REASONS.length)
      .refine((r) => new Set(r).size === r.length, 'reasons must not repeat')
      .optional(),
    comment: z.string().trim().max(4000).optional(),
    citations: z
      .array(z.object({ n: z.number().int().min(1), verdict: z.enum(CITATION_VERDICTS) }).strict())
      .max(200)
      .refine((c) => new Set(c.map((x) => x.n)).size === c.length, 'each citation may have one verdict')
      .optional(),
  })
  .strict();

const feedbackResponse = z.object({
  id: z.number(),
  answer_id: z.string(),
  api_key_id: z.number().nullable(),
  rating: z.enum(['up', 'down']),
  reasons: z.array(z.string()),
  comment: z.string().nullable(),
  citations: z.array(z.object({ n: z.number(), verdict: z.enum(CITATION_VERDICTS) })),
  created_at: z.string(),
  updated_at: z.string(),
});

const answerIdParams = z.object({ id: z.string().min(1).max(100) });

/**
 * Agents see their own answers; evaluators and admins see every answer asked within collections
 * their key may read. Anything else is "not found", so ids of others' answers leak nothing.
 */
export async function readableAnswer(db: Database, id: string, caller: Caller): Promise<AnswerRow> {
  const row = await getAnswer(db, id);
  const allowed =
    row &&
    (row.api_key_id === caller.keyId || (roleAtLeast(caller.role, 'evaluator') && visibleWithin(row, caller.collections)));
  if (!row || !allowed) throw new CiteError('ANSWER_NOT_FOUND', `No answer with id ${id} is visible to this key`, { status: 404 });
  return row;
}

export const answersRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/answers',
    access: 'agent',
    summary: 'Answer a question from the indexed sources, every claim cited (SSE when stream is true)',
    tags: ['answers'],
    body: askBody,
    response: answerResponse,
    longRunning: true,
    handler: async ({ app, body, caller, signal, res }) => {
      const svc = await answerService(app);
      const base = { question: body.question, filters: body.filters, k: body.k, signal, ...(await askingAs(app, caller!, body.web)) };
      if (!body.stream) return svc.ask(base);

      // SSE: `start` (id, sources) once retrieval is done, `token` deltas, then `citations` with the
      // verified answer (which replaces the streamed text), then `done`. Failures: `error`.
      const sse = sseWriter(res);
      try {
        const result = await svc.ask({
          ...base,
          onStart: (info) => sse.event('start', info),
          onToken: (text) => sse.event('token', { text }),
        });
        sse.event('citations', result);
        sse.event('done', { id: result.id });
      } catch (e) {
        if (!sse.started) throw e;
        const err = isCiteError(e) ? e : new CiteError('INTERNAL', 'Internal error');
        sse.event('error', { code: err.code, message: err.message, ...(err.details as object | undefined) });
      }
      sse.end();
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/answers',
    access: 'agent',
    summary: "The calling key's own answers, newest first",
    tags: ['answers'],
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        offset: z.coerce.number().int().min(0).max(100_000).default(0),
      })
      .strict(),
    handler: async ({ app, query, caller }) => {
      const { rows, total } = await listAnswers(app.db, {
        sort: 'created_at',
        order: 'DESC',
        offset: query.offset,
        limit: query.limit,
        filter: { api_key_id: caller!.keyId },
        visibleCollections: null,
      });
      return { data: rows.map(({ api_key_name: _n, ...row }) => ({ ...row, citations: readerCitations(row.citations, app.config.PUBLIC_URL) })), total };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/answers/:id',
    access: 'agent',
    summary: 'One stored answer (agents: their own; evaluators and admins: all within their collections)',
    tags: ['answers'],
    params: answerIdParams,
    handler: async ({ app, params, caller }) => {
      const row = await readableAnswer(app.db, params.id, caller!);
      const feedback = (await feedbackForAnswer(app.db, row.id, caller!.keyId))[0] ?? null;
      // The same fields as the POST answer, so clients read both alike.
      const s = row.settings as {
        removed_citations?: number;
        removed_links?: number;
        closest_sources?: unknown;
        language?: string;
        retrieval_query?: string;
        relevance?: unknown;
        abstain_reason?: string;
        abstain_code?: string;
        warnings?: unknown;
      };
      return {
        ...row,
        citations: readerCitations(row.citations, app.config.PUBLIC_URL),
        removed_citations: s.removed_citations ?? 0,
        removed_links: s.removed_links ?? 0,
        language: s.language ?? 'fr',
        retrieval_query: s.retrieval_query ?? row.question,
        ...(s.relevance ? { relevance: s.relevance } : {}),
        ...(row.abstained && s.closest_sources ? { closest_sources: s.closest_sources } : {}),
        ...(row.abstained && s.abstain_reason ? { abstain_reason: s.abstain_reason, abstain_code: s.abstain_code } : {}),
        ...(s.warnings ? { warnings: s.warnings } : {}),
        feedback,
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/answers/:id/feedback',
    access: 'agent',
    summary: 'Rate an answer (thumbs, reasons, comment, per-citation verdicts); one per answer per key, a new one replaces it',
    tags: ['answers'],
    params: answerIdParams,
    body: feedbackBody,
    response: feedbackResponse,
    raw: true,
    handler: async ({ app, params, body, caller, res }) => {
      const row = await readableAnswer(app.db, params.id, caller!);
      const known = new Set(row.citations.map((c) => c.n));
      const unknown = (body.citations ?? []).filter((c) => !known.has(c.n)).map((c) => c.n);
      if (unknown.length) {
        throw badRequest(
          'FEEDBACK_UNKNOWN_CITATION',
          `The answer has no citation numbered ${unknown.join(', ')} (it has ${[...known].join(', ') || 'none'})`,
        );
      }
      if (row.status === 'pending') throw new CiteError('ANSWER_PENDING', 'The answer is still being generated', { status: 409 });
      const { row: feedback, created } = await upsertFeedback(app.db, {
        answerId: row.id,
        apiKeyId: caller!.keyId,
        rating: body.rating,
        reasons: body.reasons ?? [],
        comment: body.comment ? body.comment : null,
        citations: body.citations ?? [],
      });
      res.status(created ? 201 : 200).json(feedback);
    },
  }),
];
