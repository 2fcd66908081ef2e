/**
 * The console's one data seam: react-admin "simple REST" against /admin/api for the resources, plus
 * named calls for what is not CRUD (crawl now, reindex, uploads, search, answers, feedback, stats).
 */
import simpleRestProvider from 'ra-data-simple-rest';
import type { DataProvider } from 'react-admin';
import type { DashboardStats } from '@cite/engine/admin/stats-sql.js';
import type {
  AnswerResult,
  AnswerStreamHandlers,
  Citation,
  ConversationTurn,
  FeedbackInput,
  SearchResult,
} from '../ask/answer-types';
import { callJson, callStream, httpClient, uploadWithProgress } from './http-client';
import { readSse } from './sse';

export const ADMIN_API = '/admin/api';

export interface AskInput {
  question: string;
  conversation?: ConversationTurn[];
  k?: number;
  filters?: Record<string, unknown>;
}

export interface CiteDataProvider extends DataProvider {
  me(): Promise<{ name: string; role: string }>;
  stats(): Promise<DashboardStats>;
  crawlSource(id: string | number): Promise<{ id: number | string }>;
  reindexDocument(id: string | number): Promise<unknown>;
  upload(files: File[], fields: Record<string, string>, onProgress: (f: number) => void): Promise<unknown>;
  search(body: { query: string; k?: number; debug?: boolean; filters?: Record<string, unknown> }): Promise<SearchResult>;
  ask(input: AskInput, handlers: AnswerStreamHandlers, signal?: AbortSignal): Promise<AnswerResult>;
  feedback(answerId: string, input: FeedbackInput): Promise<unknown>;
}

const base = simpleRestProvider(ADMIN_API, httpClient);

/** Streams an answer; resolves with the final stored answer (id, citations, unsupported…). */
async function ask(input: AskInput, handlers: AnswerStreamHandlers, signal?: AbortSignal): Promise<AnswerResult> {
  const res = await callStream('/v1/answers', { ...input, stream: true }, signal);
  const type = res.headers.get('content-type') ?? '';
  // A server that answers without streaming is fine too.
  if (!type.includes('text/event-stream') || !res.body) {
    const whole = (await res.json()) as AnswerResult;
    handlers.onDelta(whole.answer);
    return whole;
  }
  let final: AnswerResult | undefined;
  let text = '';
  let citations: Citation[] = [];
  for await (const ev of readSse(res.body, signal)) {
    if (ev.data === '[DONE]') break;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(ev.data) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (ev.event === 'error' || (data.code && data.message && !data.answer)) {
      const err = new Error(String(data.message ?? 'stream error')) as Error & { code?: unknown };
      err.code = data.code;
      throw err;
    }
    if (typeof data.answer === 'string' && (data.id || ev.event === 'done' || ev.event === 'answer')) {
      final = data as unknown as AnswerResult;
      continue;
    }
    if (Array.isArray(data.citations)) {
      citations = data.citations as Citation[];
      handlers.onCitations?.(citations);
    }
    const delta = typeof data.delta === 'string' ? data.delta : typeof data.text === 'string' ? data.text : undefined;
    if (delta !== undefined) {
      text += delta;
      handlers.onDelta(delta);
    }
  }
  if (!final) {
    throw new Error('The answer stream ended before the final answer');
  }
  if (!final.citations?.length && citations.length) final.citations = citations;
  if (!text && final.answer) handlers.onDelta(final.answer);
  return final;
}

export const dataProvider: CiteDataProvider = {
  ...base,
  me: () => callJson('/v1/me'),
  stats: () => callJson(`${ADMIN_API}/stats`),
  crawlSource: (id) => callJson(`${ADMIN_API}/sources/${encodeURIComponent(String(id))}/crawl`, { method: 'POST', json: {} }),
  reindexDocument: (id) =>
    callJson(`${ADMIN_API}/documents/${encodeURIComponent(String(id))}/reindex`, { method: 'POST', json: {} }),
  upload: (files, fields, onProgress) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const f of files) form.append('files', f, f.name);
    return uploadWithProgress(`${ADMIN_API}/uploads`, form, onProgress);
  },
  search: (body) => callJson('/v1/search', { method: 'POST', json: body }),
  ask,
  feedback: (answerId, input) =>
    callJson(`/v1/answers/${encodeURIComponent(answerId)}/feedback`, { method: 'POST', json: input }),
};
