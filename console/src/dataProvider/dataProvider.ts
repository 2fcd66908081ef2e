/**
 * The console's one data seam: react-admin "simple REST" against /admin/api for the resources, plus
 * named calls for what is not CRUD (crawl now, reindex, uploads, search, answers, feedback, stats).
 */
import simpleRestProvider from 'ra-data-simple-rest';
import type { DataProvider } from 'react-admin';
import type { DashboardStats } from '@cite/app/admin/stats-sql.js';
import type {
  AnswerResult,
  AnswerStreamHandlers,
  ConversationTurn,
  FeedbackInput,
  SearchResult,
} from '../ask/answer-types';
import type { StoredAnswer } from '../ask/ask-history';
import { callJson, callStream, httpClient, uploadWithProgress } from './http-client';
import { readSse } from './sse';

export const ADMIN_API = '/admin/api';

export interface AskInput {
  question: string;
  conversation?: ConversationTurn[];
  k?: number;
  filters?: Record<string, unknown>;
  /** Also search the internet (keys with web_search). */
  web?: boolean;
}

export interface CiteDataProvider extends DataProvider {
  me(): Promise<{ name: string; role: string; web_search?: boolean }>;
  stats(): Promise<DashboardStats>;
  crawlSource(id: string | number): Promise<{ id: number | string }>;
  setSourceEnabled(id: string | number, enabled: boolean): Promise<unknown>;
  reindexDocument(id: string | number): Promise<unknown>;
  upload(files: File[], fields: Record<string, string>, onProgress: (f: number) => void): Promise<unknown>;
  search(body: { query: string; k?: number; debug?: boolean; filters?: Record<string, unknown> }): Promise<SearchResult>;
  ask(input: AskInput, handlers: AnswerStreamHandlers, signal?: AbortSignal): Promise<AnswerResult>;
  /** The calling key's own stored answers, newest first. */
  myAnswers(limit: number): Promise<StoredAnswer[]>;
  feedback(answerId: string, input: FeedbackInput): Promise<unknown>;
  addToEvalSet(setId: string | number, body: { answer_id: string; gold?: { url: string; grade: number }[] }): Promise<unknown>;
}

const base = simpleRestProvider(ADMIN_API, httpClient);

async function* jsonEvents(res: Response, signal?: AbortSignal): AsyncGenerator<{ event: string; data: Record<string, unknown> }> {
  for await (const ev of readSse(res.body!, signal)) {
    if (ev.data === '[DONE]') return;
    try {
      yield { event: ev.event, data: JSON.parse(ev.data) as Record<string, unknown> };
    } catch {
      // a malformed event is skipped; the final answer is what counts
    }
  }
}

function streamError(data: Record<string, unknown>): Error {
  const e = (data.error && typeof data.error === 'object' ? data.error : data) as { code?: unknown; message?: unknown };
  const err = new Error(String(e.message ?? 'stream error')) as Error & { code?: unknown };
  err.code = e.code;
  return err;
}

/**
 * A first question streams from POST /v1/answers: `start`, `token` deltas, `citations` (the verified
 * answer, which replaces the streamed text), `done`, or `error`.
 */
async function askFirst(input: AskInput, handlers: AnswerStreamHandlers, signal?: AbortSignal): Promise<AnswerResult> {
  const res = await callStream('/v1/answers', { question: input.question, k: input.k, filters: input.filters, stream: true, ...(input.web ? { web: true } : {}) }, signal);
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream') || !res.body) {
    const whole = (await res.json()) as AnswerResult;
    handlers.onDelta(whole.answer);
    return whole;
  }
  for await (const { event, data } of jsonEvents(res, signal)) {
    if (event === 'error') throw streamError(data);
    if (event === 'token' && typeof data.text === 'string') handlers.onDelta(data.text);
    if (event === 'citations') return data as unknown as AnswerResult;
  }
  throw new Error('The answer stream ended before the final answer');
}

/**
 * A follow-up streams from the OpenAI-compatible route, which takes the earlier turns as context;
 * its last chunk names the stored answer, read back verified from GET /v1/answers/:id.
 */
async function askFollowUp(input: AskInput, handlers: AnswerStreamHandlers, signal?: AbortSignal): Promise<AnswerResult> {
  const messages = [...(input.conversation ?? []), { role: 'user', content: input.question }];
  const res = await callStream('/v1/chat/completions', { model: 'cite', messages, stream: true, k: input.k, filters: input.filters }, signal);
  let answerId: string | undefined;
  for await (const { data } of jsonEvents(res, signal)) {
    if (data.error) throw streamError(data);
    const choice = (data.choices as { delta?: { content?: string } }[] | undefined)?.[0];
    const cite = data.cite as { answer_id?: string } | undefined;
    if (cite?.answer_id) answerId = cite.answer_id;
    else if (choice?.delta?.content) handlers.onDelta(choice.delta.content);
  }
  if (!answerId) throw new Error('The answer stream ended before the final answer');
  return callJson<AnswerResult>(`/v1/answers/${encodeURIComponent(answerId)}`, { signal });
}

function ask(input: AskInput, handlers: AnswerStreamHandlers, signal?: AbortSignal): Promise<AnswerResult> {
  // the chat route has no internet search: a follow-up with the web is asked as a question of its own
  return input.conversation?.length && !input.web ? askFollowUp(input, handlers, signal) : askFirst(input, handlers, signal);
}

export const dataProvider: CiteDataProvider = {
  ...base,
  me: () => callJson('/v1/me'),
  stats: () => callJson(`${ADMIN_API}/stats`),
  crawlSource: (id) => callJson(`${ADMIN_API}/sources/${encodeURIComponent(String(id))}/crawl`, { method: 'POST', json: {} }),
  // Dedicated actions: disabling also cancels the source's running crawl.
  setSourceEnabled: (id, enabled) =>
    callJson(`${ADMIN_API}/sources/${encodeURIComponent(String(id))}/${enabled ? 'enable' : 'disable'}`, { method: 'POST', json: {} }),
  reindexDocument: (id) =>
    callJson(`${ADMIN_API}/documents/${encodeURIComponent(String(id))}/reindex`, { method: 'POST', json: {} }),
  upload: (files, fields, onProgress) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    // a file from a picked folder sends its path in it: same-named files of two folders stay two documents
    for (const f of files) form.append('files', f, f.webkitRelativePath || f.name);
    return uploadWithProgress(`${ADMIN_API}/uploads`, form, onProgress);
  },
  search: (body) => callJson('/v1/search', { method: 'POST', json: body }),
  ask,
  myAnswers: async (limit) => (await callJson<{ data: StoredAnswer[] }>(`/v1/answers?limit=${limit}`)).data,
  feedback: (answerId, input) =>
    callJson(`/v1/answers/${encodeURIComponent(answerId)}/feedback`, { method: 'POST', json: input }),
  addToEvalSet: (setId, body) =>
    callJson(`${ADMIN_API}/eval-sets/${encodeURIComponent(String(setId))}/items/from-answer`, { method: 'POST', json: body }),
};
