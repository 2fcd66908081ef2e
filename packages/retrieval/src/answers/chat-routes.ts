/**
 * OpenAI-compatible surface, so tools that speak that API (Open WebUI, LibreChat, the `openai`
 * package) can use Cité as a model: `GET /v1/models`, `POST /v1/chat/completions`, streamed or
 * not. The last user message is the question; earlier turns give retrieval context. Citations
 * appear as `[n]` in the text, in a "Sources" list appended to it (what chat UIs show), and in the
 * extra `citations` field (what programs read).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { CiteError, badRequest, isCiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { headOf } from '@cite/core/text/whole-characters.js';
import type { AnswerResult } from './answer-service.js';
import { MAX_QUESTION_CHARS } from './answer-service.js';
import { askBody, filtersSchema } from './answers-routes.js';
import { answerService, askingAs } from './app-answers.js';
import type { ChatMessage } from './prompt.js';
import { sseWriter } from './sse.js';

export const CITE_MODEL_ID = 'cite';

const contentPart = z.object({ type: z.string(), text: z.string().optional() }).passthrough();
const chatBody = z
  .object({
    model: z.string().max(200).optional(),
    messages: z
      .array(
        z
          .object({
            role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
            content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
          })
          .passthrough(),
      )
      .min(1, 'messages must hold at least one message')
      .max(200),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullish(),
    // Cité extensions; every other OpenAI parameter is accepted and ignored.
    filters: filtersSchema,
    k: z.number().int().min(1).max(50).optional(),
    web: askBody.shape.web,
  })
  .passthrough();

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && 'text' in p ? String(p.text ?? '') : '')).join('\n');
  return '';
}

/** The question (last user message) and the earlier user/assistant turns. */
export function splitConversation(messages: Array<{ role: string; content?: unknown }>): { question: string; conversation: ChatMessage[] } {
  const last = messages[messages.length - 1]!;
  if (last.role !== 'user') throw badRequest('CHAT_NO_QUESTION', 'The last message must be a user message: it is the question');
  const question = textOf(last.content).trim();
  if (!question) throw badRequest('QUESTION_EMPTY', 'The last user message is empty');
  if (question.length > MAX_QUESTION_CHARS) throw badRequest('QUESTION_TOO_LONG', `The question is longer than ${MAX_QUESTION_CHARS} characters`);
  // Client system prompts are not passed on: Cité's own instructions govern grounding.
  const conversation = messages
    .slice(0, -1)
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ role: m.role as 'user' | 'assistant', content: headOf(textOf(m.content), 8000) }))
    .filter((m) => m.content.trim())
    .slice(-10);
  return { question, conversation };
}

/** The sources under a chat answer, each linked to its quote (the page of a PDF, the passage of a web page). */
function sourcesFooter(result: AnswerResult): string {
  if (result.abstained || result.citations.length === 0) return '';
  const head = result.language === 'en' ? 'Sources:' : 'Sources :';
  return `\n\n${head}\n${result.citations.map((c) => `[${c.n}] ${c.title} — ${c.link || c.url}`).join('\n')}`;
}

function citeExtras(result: AnswerResult) {
  return {
    citations: result.citations,
    cite: {
      answer_id: result.id,
      abstained: result.abstained,
      unsupported: result.unsupported,
      removed_citations: result.removed_citations,
      mode: result.mode,
      retrieval_query: result.retrieval_query,
      ...(result.abstain_reason ? { abstain_reason: result.abstain_reason, abstain_code: result.abstain_code } : {}),
      ...(result.closest_sources ? { closest_sources: result.closest_sources } : {}),
      ...(result.warnings?.length ? { warnings: result.warnings } : {}),
    },
  };
}

export const chatRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/models',
    access: 'agent',
    summary: 'OpenAI-compatible model list: Cité answers as one model',
    tags: ['openai'],
    handler: () => ({
      object: 'list',
      data: [{ id: CITE_MODEL_ID, object: 'model', created: 1767225600, owned_by: 'cite' }],
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/chat/completions',
    access: 'agent',
    summary: 'OpenAI-compatible chat completion, grounded and cited like /v1/answers (streamed when stream is true)',
    tags: ['openai'],
    body: chatBody,
    longRunning: true,
    handler: async ({ app, body, caller, signal, res }) => {
      const { question, conversation } = splitConversation(body.messages);
      const svc = await answerService(app);
      const completionId = `chatcmpl-${crypto.randomUUID()}`;
      const created = Math.floor(Date.now() / 1000);
      const model = body.model || CITE_MODEL_ID;
      const base = {
        question,
        conversation,
        filters: body.filters,
        k: body.k,
        signal,
        ...(await askingAs(app, caller!, body.web)),
      };

      if (!body.stream) {
        const result = await svc.ask(base);
        return {
          id: completionId,
          object: 'chat.completion',
          created,
          model,
          choices: [
            { index: 0, message: { role: 'assistant', content: result.answer + sourcesFooter(result) }, finish_reason: 'stop', logprobs: null },
          ],
          usage: result.usage,
          ...citeExtras(result),
        };
      }

      const sse = sseWriter(res);
      const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
        sse.data(JSON.stringify({ id: completionId, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra }));
      try {
        const result = await svc.ask({
          ...base,
          onStart: () => chunk({ role: 'assistant', content: '' }, null),
          onToken: (text) => chunk({ content: text }, null),
        });
        const footer = sourcesFooter(result);
        if (footer) chunk({ content: footer }, null);
        chunk({}, 'stop', citeExtras(result));
        // OpenAI's convention: the usage comes in one last chunk with no choices, when asked for.
        if (body.stream_options?.include_usage) {
          sse.data(JSON.stringify({ id: completionId, object: 'chat.completion.chunk', created, model, choices: [], usage: result.usage }));
        }
        sse.data('[DONE]');
      } catch (e) {
        if (!sse.started) throw e;
        const err = isCiteError(e) ? e : new CiteError('INTERNAL', 'Internal error');
        // OpenAI clients surface an `error` object sent mid-stream.
        sse.data(JSON.stringify({ error: { message: err.message, type: 'server_error', code: err.code, ...(err.details as object | undefined) } }));
      }
      sse.end();
      return undefined;
    },
  }),
];
