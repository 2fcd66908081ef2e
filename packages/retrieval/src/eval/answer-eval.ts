/**
 * `cite eval --answers`: asks every question of a query set and scores the cited answers.
 * - citation precision: share of the cited documents that are gold (per answer, then averaged over
 *   answers that cite something);
 * - gold recall: share of the gold documents cited (averaged over questions);
 * - cited share: answers with at least one citation; abstention rate;
 * - span containment: answers that contain the expected answer span (accents, case, spacing and
 *   punctuation ignored), for query sets that give one; also whether the span was in a cited passage.
 * - with `expect` on query lines (`"answer"` or `"abstain"`, as in abstain-dev.jsonl): share of the
 *   `abstain` questions declined, of the `answer` questions answered, of the `answer` questions whose
 *   answer cites a gold document, and the balanced mean of the first two.
 * Query lines: `{"id", "question" | "query", "answer"?, "expect"?, "gold": [{"url", "grade"?}]}`.
 */
import fs from 'node:fs';
import type { AnswerResult, AnswerService } from '../answers/answer-service.js';
import { fold } from '@cite/core/text/fold.js';
import { CiteError } from '@cite/core/errors.js';

export interface AnswerEvalQuery {
  id: string;
  question: string;
  answer?: string;
  /** Whether the question must be answered or declined (abstention sets). */
  expect?: 'answer' | 'abstain';
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
  expect?: 'answer' | 'abstain';
  abstain_code?: string;
  error?: string;
}

export interface AbstentionReport {
  /** Share of the `abstain` questions declined. */
  declined: number;
  /** Share of the `answer` questions answered. */
  answered: number;
  /** Share of the `answer` questions whose answer cites a gold document. */
  gold_cited: number;
  /** Mean of declined and answered. */
  balanced: number;
  abstain_questions: number;
  answer_questions: number;
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
  /** With `expect` on the query lines. */
  abstention?: AbstentionReport;
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
    let q: { id?: unknown; question?: unknown; query?: unknown; answer?: unknown; expect?: unknown; gold?: unknown };
    try {
      q = JSON.parse(line);
    } catch {
      throw new CiteError('EVAL_QUERIES_INVALID', `${file}:${i + 1}: not a JSON line`, { status: 400 });
    }
    const question = typeof q.question === 'string' ? q.question : typeof q.query === 'string' ? q.query : '';
    if (q.expect !== undefined && q.expect !== 'answer' && q.expect !== 'abstain') {
      throw new CiteError('EVAL_QUERIES_INVALID', `${file}:${i + 1}: "expect" must be "answer" or "abstain"`, { status: 400 });
    }
    if (!question.trim() || !Array.isArray(q.gold)) {
      throw new CiteError('EVAL_QUERIES_INVALID', `${file}:${i + 1}: expected "question" (or "query") and a "gold" list`, { status: 400 });
    }
    out.push({
      id: typeof q.id === 'string' ? q.id : String(i + 1),
      question,
      answer: typeof q.answer === 'string' ? q.answer : undefined,
      expect: q.expect as AnswerEvalQuery['expect'],
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
    ...(q.expect ? { expect: q.expect } : {}),
    ...(r.abstain_code ? { abstain_code: r.abstain_code } : {}),
  };
}

export function abstentionReport(items: AnswerEvalItem[]): AbstentionReport | undefined {
  const abstain = items.filter((i) => i.expect === 'abstain');
  const answer = items.filter((i) => i.expect === 'answer');
  if (!abstain.length && !answer.length) return undefined;
  const share = (n: number, d: number) => (d ? round(n / d) : 0);
  const declined = share(abstain.filter((i) => i.abstained).length, abstain.length);
  const answered = share(answer.filter((i) => !i.abstained && !i.error).length, answer.length);
  return {
    declined,
    answered,
    gold_cited: share(answer.filter((i) => i.recall > 0).length, answer.length),
    balanced: round((declined + answered) / 2),
    abstain_questions: abstain.length,
    answer_questions: answer.length,
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
        ttfb_ms: 0, total_ms: 0, ...(q.expect ? { expect: q.expect } : {}), error: `${(e as CiteError).code ?? 'ERROR'}: ${(e as Error).message}`,
      });
    }
    options.onProgress?.(items.length, queries.length);
  }
  const withCitations = items.filter((i) => i.precision !== null);
  const abstention = abstentionReport(items);
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
    ...(abstention ? { abstention } : {}),
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
    ...(r.abstention
      ? [
          `abstention (${r.abstention.abstain_questions} to decline, ${r.abstention.answer_questions} to answer)`,
          `  declined             ${f(r.abstention.declined)}`,
          `  answered             ${f(r.abstention.answered)}`,
          `  answered, gold cited ${f(r.abstention.gold_cited)}`,
          `  balanced             ${f(r.abstention.balanced)}`,
        ]
      : []),
  ].join('\n');
}
