/**
 * `cite eval --answers`: asks every question of a query set and scores the cited answers.
 * - citation precision: share of the cited documents that are gold (per answer, then averaged over
 *   answers that cite something);
 * - gold recall: share of the gold documents cited (averaged over questions);
 * - cited share: answers with at least one citation; abstention rate;
 * - span containment: answers that contain the expected answer span (accents, case, spacing and
 *   punctuation ignored), for query sets that give one; also whether the span was in a cited passage.
 * Query lines: `{"id", "question" | "query", "answer"?, "gold": [{"url", "grade"?}]}`.
 */
import fs from 'node:fs';
import type { AnswerResult, AnswerService } from '../answers/answer-service.js';
import { fold } from '../answers/text.js';
import { CiteError } from '../errors.js';

export interface AnswerEvalQuery {
  id: string;
  question: string;
  answer?: string;
  gold: Array<{ url: string; grade?: number }>;
}

export interface AnswerEvalItem {
  id: string;
  question: string;
  answer_id: string;
  abstained: boolean;
  cited_urls: string[];
  precision: number | null;
  recall: number;
  span_contained: boolean | null;
  span_in_cited: boolean | null;
  unsupported: number;
  ttfb_ms: number;
  total_ms: number;
  error?: string;
}

export interface AnswerEvalReport {
  queries: number;
  citation_precision: number;
  gold_recall: number;
  cited_share: number;
  abstention_rate: number;
  span_containment: number | null;
  span_in_cited: number | null;
  unsupported_per_answer: number;
  errors: number;
  ttfb_ms: { p50: number; p95: number };
  total_ms: { p50: number; p95: number };
  mode: string;
  items: AnswerEvalItem[];
}

/** Same URL rules as the search benchmark: case-insensitive host, no fragment, no trailing slash. */
export function normaliseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return url.replace(/#.*$/, '').replace(/\/+$/, '');
  }
}

/** Folded, punctuation-free, single-spaced text for span containment. */
export function comparable(text: string): string {
  return fold(text)
    .replace(/[’'`]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();
}

export function readAnswerQueries(file: string): AnswerEvalQuery[] {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiteError('EVAL_QUERIES_UNREADABLE', `Cannot read the query file ${file}: ${(e as Error).message}`, { status: 400, cause: e });
  }
  const out: AnswerEvalQuery[] = [];
  raw.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let q: { id?: unknown; question?: unknown; query?: unknown; answer?: unknown; gold?: unknown };
    try {
      q = JSON.parse(line);
    } catch {
      throw new CiteError('EVAL_QUERIES_INVALID', `${file}:${i + 1}: not a JSON line`, { status: 400 });
    }
    const question = typeof q.question === 'string' ? q.question : typeof q.query === 'string' ? q.query : '';
    if (!question.trim() || !Array.isArray(q.gold)) {
      throw new CiteError('EVAL_QUERIES_INVALID', `${file}:${i + 1}: expected "question" (or "query") and a "gold" list`, { status: 400 });
    }
    out.push({
      id: typeof q.id === 'string' ? q.id : String(i + 1),
      question,
      answer: typeof q.answer === 'string' ? q.answer : undefined,
      gold: (q.gold as Array<{ url: string; grade?: number }>).filter((g) => g && typeof g.url === 'string'),
    });
  });
  return out;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number) => Math.round(x * 1000) / 1000;

export function scoreAnswer(q: AnswerEvalQuery, r: AnswerResult): AnswerEvalItem {
  const gold = new Set(q.gold.map((g) => normaliseUrl(g.url)));
  const cited = [...new Set(r.citations.map((c) => normaliseUrl(c.url)))];
  const hits = cited.filter((u) => gold.has(u)).length;
  const span = q.answer ? comparable(q.answer) : '';
  return {
    id: q.id,
    question: q.question,
    answer_id: r.id,
    abstained: r.abstained,
    cited_urls: cited,
    precision: cited.length ? hits / cited.length : null,
    recall: gold.size ? hits / gold.size : 0,
    span_contained: span ? comparable(r.answer).includes(span) : null,
    span_in_cited: span ? r.citations.some((c) => comparable(c.quote).includes(span)) || comparable(r.answer).includes(span) : null,
    unsupported: r.unsupported.length,
    ttfb_ms: r.timings.ttfb_ms ?? 0,
    total_ms: r.timings.total_ms ?? 0,
  };
}

/** Asks one question: the answer service in process, or a running engine's API. */
export type AskFn = (question: string, k?: number) => Promise<AnswerResult>;

export async function runAnswerEval(
  target: AnswerService | { ask: AskFn; mode: string },
  queries: AnswerEvalQuery[],
  options: { k?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<AnswerEvalReport> {
  const ask: AskFn =
    'options' in target
      ? (question, k) => target.ask({ question, k, caller: { keyId: null, collections: null } })
      : target.ask;
  const items: AnswerEvalItem[] = [];
  let errors = 0;
  for (const q of queries) {
    try {
      const r = await ask(q.question, options.k);
      items.push(scoreAnswer(q, r));
    } catch (e) {
      errors++;
      items.push({
        id: q.id, question: q.question, answer_id: (e as CiteError).details ? String(((e as CiteError).details as { answer_id?: string }).answer_id) : '',
        abstained: false, cited_urls: [], precision: null, recall: 0, span_contained: null, span_in_cited: null, unsupported: 0,
        ttfb_ms: 0, total_ms: 0, error: `${(e as CiteError).code ?? 'ERROR'}: ${(e as Error).message}`,
      });
    }
    options.onProgress?.(items.length, queries.length);
  }
  const withCitations = items.filter((i) => i.precision !== null);
  const spans = items.filter((i) => i.span_contained !== null);
  const ok = items.filter((i) => !i.error);
  const ttfb = ok.map((i) => i.ttfb_ms).sort((a, b) => a - b);
  const total = ok.map((i) => i.total_ms).sort((a, b) => a - b);
  return {
    queries: items.length,
    citation_precision: round(mean(withCitations.map((i) => i.precision!))),
    gold_recall: round(mean(items.map((i) => i.recall))),
    cited_share: round(items.length ? withCitations.length / items.length : 0),
    abstention_rate: round(items.length ? items.filter((i) => i.abstained).length / items.length : 0),
    span_containment: spans.length ? round(spans.filter((i) => i.span_contained).length / spans.length) : null,
    span_in_cited: spans.length ? round(spans.filter((i) => i.span_in_cited).length / spans.length) : null,
    unsupported_per_answer: round(mean(ok.map((i) => i.unsupported))),
    errors,
    ttfb_ms: { p50: pct(ttfb, 50), p95: pct(ttfb, 95) },
    total_ms: { p50: pct(total, 50), p95: pct(total, 95) },
    mode: target.mode,
    items,
  };
}

export function formatAnswerReport(r: AnswerEvalReport): string {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  return [
    `answers: ${r.queries} questions (${r.mode}), ${r.errors} errors`,
    `  citation precision   ${f(r.citation_precision)}`,
    `  gold-source recall   ${f(r.gold_recall)}`,
    `  answers with ≥1 cite ${f(r.cited_share)}`,
    `  abstention rate      ${f(r.abstention_rate)}`,
    `  span containment     ${f(r.span_containment)}`,
    `  unsupported/answer   ${f(r.unsupported_per_answer)}`,
    `  time to first byte   p50 ${r.ttfb_ms.p50} ms, p95 ${r.ttfb_ms.p95} ms (retrieval + prompt, no model)`,
    `  total                p50 ${r.total_ms.p50} ms, p95 ${r.total_ms.p95} ms`,
  ].join('\n');
}
