/**
 * Aggregates of a run from its per-question results: each metric is the mean over the questions
 * where it is defined (a question without gold sources has no retrieval figures; an abstained answer
 * has no citation precision), so a partial run and a finished run are aggregated the same way.
 * Latency percentiles are over every search call (one per phrasing) and every answer. Pure.
 */
import type { QuestionResult } from './eval-runs-types.js';
import { percentile as sortedPercentile } from './retrieval-eval.js';

/** The percentile `cite eval` reports (nearest rank), on unsorted input; undefined when empty. */
export function percentile(values: number[], p: number): number | undefined {
  return values.length ? sortedPercentile([...values].sort((a, b) => a - b), p) : undefined;
}

export const RETRIEVAL_METRICS = ['ndcg@10', 'recall@10', 'recall@50', 'mrr@10'] as const;
export const ANSWER_METRICS = [
  'citation_precision',
  'gold_recall',
  'unsupported_rate',
  'abstention_rate',
  'cited_rate',
  'span_containment',
  'judge_correctness',
  'judge_support_rate',
] as const;
export const LATENCY_METRICS = ['latency_p50', 'latency_p95', 'latency_p99', 'answer_latency_p50', 'answer_latency_p95'] as const;

/** Quality metrics where higher is better (the regression guard and the comparison rely on this). */
export const HIGHER_IS_BETTER: Record<string, boolean> = {
  'ndcg@10': true,
  'recall@10': true,
  'recall@50': true,
  'mrr@10': true,
  citation_precision: true,
  gold_recall: true,
  unsupported_rate: false,
  abstention_rate: false,
  cited_rate: true,
  span_containment: true,
  judge_correctness: true,
  judge_support_rate: true,
};

export function mean(values: number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

/** Mean of each metric over the objects that define it. */
export function meanMetrics(rows: Array<Record<string, number>>): Record<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const row of rows)
    for (const [k, v] of Object.entries(row)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const s = sums.get(k) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      sums.set(k, s);
    }
  return Object.fromEntries([...sums].map(([k, s]) => [k, s.sum / s.n]));
}

export function aggregateResults(results: Array<Pick<QuestionResult, 'status' | 'metrics' | 'phrasings' | 'answer'>>): Record<string, number> {
  const ok = results.filter((r) => r.status === 'ok');
  const out: Record<string, number> = {
    questions: ok.length,
    errors: results.length - ok.length,
    phrasings: ok.reduce((n, r) => n + r.phrasings.length, 0),
  };
  const retrievalMeasured = ok.filter((r) => RETRIEVAL_METRICS.some((m) => typeof r.metrics[m] === 'number'));
  out.retrieval_questions = retrievalMeasured.length;
  const answered = ok.filter((r) => r.answer);
  out.answer_questions = answered.length;
  Object.assign(out, meanMetrics(ok.map((r) => r.metrics)));

  const searchLatencies = ok.flatMap((r) => r.phrasings.map((p) => p.latency_ms));
  const answerLatencies = answered.map((r) => r.answer!.latency_ms);
  const put = (name: string, v: number | undefined) => {
    if (v !== undefined) out[name] = Math.round(v * 10) / 10;
  };
  put('latency_p50', percentile(searchLatencies, 50));
  put('latency_p95', percentile(searchLatencies, 95));
  put('latency_p99', percentile(searchLatencies, 99));
  put('answer_latency_p50', percentile(answerLatencies, 50));
  put('answer_latency_p95', percentile(answerLatencies, 95));
  return out;
}
