/**
 * Comparison of two runs (a baseline and a candidate): aggregates side by side with their deltas, and
 * the questions that got better or worse on one metric, with the rank of their gold documents and the
 * top results in each run. Pure: works on stored runs and results.
 */
import { HIGHER_IS_BETTER } from './eval-runs-aggregate.js';
import type { PhrasingResult, QuestionResult } from './eval-runs-types.js';

export interface RunSummary {
  id: number;
  name: string;
  set_id: number;
  status: string;
  config: unknown;
  aggregates: Record<string, number>;
}

export interface MetricComparison {
  metric: string;
  baseline: number | null;
  candidate: number | null;
  delta: number | null;
  /** candidate / baseline (null when the baseline is 0 or missing). */
  ratio: number | null;
  /** true = the candidate is better, false = worse, null = equal, not comparable or not a quality metric. */
  improved: boolean | null;
}

export interface QuestionSide {
  value: number | null;
  metrics: Record<string, number>;
  /** Best rank of a gold document for the main phrasing (null = not found within k). */
  best_gold_rank: number | null;
  gold_ranks: Record<string, number>;
  results: string[];
  status: string;
}

export interface QuestionChange {
  external_id: string;
  question: string;
  delta: number;
  baseline: QuestionSide;
  candidate: QuestionSide;
}

export interface RunComparison {
  baseline: RunSummary;
  candidate: RunSummary;
  same_set: boolean;
  metric: string;
  metrics: MetricComparison[];
  /** The largest changes first, at most `limit` of each; the counts are over every question. */
  improved: QuestionChange[];
  regressed: QuestionChange[];
  improved_count: number;
  regressed_count: number;
  unchanged: number;
  only_in_baseline: string[];
  only_in_candidate: string[];
}

type ResultLike = Pick<QuestionResult, 'external_id' | 'question' | 'status' | 'metrics' | 'phrasings'>;

const ORDER = ['ndcg@10', 'recall@10', 'recall@50', 'mrr@10', 'citation_precision', 'gold_recall', 'unsupported_rate', 'abstention_rate', 'cited_rate', 'span_containment', 'judge_correctness', 'judge_support_rate', 'latency_p50', 'latency_p95', 'latency_p99', 'answer_latency_p50', 'answer_latency_p95', 'questions', 'retrieval_questions', 'answer_questions', 'phrasings', 'errors'];
const LOWER_IS_BETTER_LATENCY = /latency/;
const EPSILON = 1e-9;

export function compareAggregates(baseline: Record<string, number>, candidate: Record<string, number>): MetricComparison[] {
  const names = [...new Set([...Object.keys(baseline), ...Object.keys(candidate)])].sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib) || a.localeCompare(b);
  });
  return names.map((metric) => {
    const b = typeof baseline[metric] === 'number' ? baseline[metric]! : null;
    const c = typeof candidate[metric] === 'number' ? candidate[metric]! : null;
    const delta = b !== null && c !== null ? c - b : null;
    const higher = metric in HIGHER_IS_BETTER ? HIGHER_IS_BETTER[metric] : LOWER_IS_BETTER_LATENCY.test(metric) ? false : undefined;
    const improved = delta === null || higher === undefined || Math.abs(delta) < EPSILON ? null : higher ? delta > 0 : delta < 0;
    return { metric, baseline: b, candidate: c, delta, ratio: b && c !== null ? c / b : null, improved };
  });
}

function side(r: ResultLike, metric: string): QuestionSide {
  const main: PhrasingResult | undefined = r.phrasings[0];
  const ranks = Object.values(main?.gold_ranks ?? {});
  return {
    value: typeof r.metrics[metric] === 'number' ? r.metrics[metric]! : null,
    metrics: r.metrics,
    best_gold_rank: ranks.length ? Math.min(...ranks) : null,
    gold_ranks: main?.gold_ranks ?? {},
    results: main?.results ?? [],
    status: r.status,
  };
}

export function compareRuns(
  baseline: RunSummary,
  candidate: RunSummary,
  baselineResults: ResultLike[],
  candidateResults: ResultLike[],
  options: { metric?: string; limit?: number } = {},
): RunComparison {
  const metric = options.metric ?? 'ndcg@10';
  const limit = options.limit ?? 100;
  const higher = HIGHER_IS_BETTER[metric] ?? true;
  const byId = new Map(baselineResults.map((r) => [r.external_id, r]));
  const candidateIds = new Set(candidateResults.map((r) => r.external_id));
  const improved: QuestionChange[] = [];
  const regressed: QuestionChange[] = [];
  let unchanged = 0;
  for (const c of candidateResults) {
    const b = byId.get(c.external_id);
    if (!b) continue;
    const bs = side(b, metric);
    const cs = side(c, metric);
    // a question that failed in one run counts as 0 there, so a new failure shows as a regression
    const bv = bs.value ?? (b.status === 'error' ? 0 : null);
    const cv = cs.value ?? (c.status === 'error' ? 0 : null);
    if (bv === null || cv === null || Math.abs(cv - bv) < EPSILON) {
      unchanged++;
      continue;
    }
    const change = { external_id: c.external_id, question: c.question, delta: cv - bv, baseline: bs, candidate: cs };
    if (cv - bv > 0 === higher) improved.push(change);
    else regressed.push(change);
  }
  improved.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  regressed.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  return {
    baseline,
    candidate,
    same_set: baseline.set_id === candidate.set_id,
    metric,
    metrics: compareAggregates(baseline.aggregates, candidate.aggregates),
    improved: improved.slice(0, limit),
    regressed: regressed.slice(0, limit),
    improved_count: improved.length,
    regressed_count: regressed.length,
    unchanged,
    only_in_baseline: baselineResults.filter((r) => !candidateIds.has(r.external_id)).map((r) => r.external_id),
    only_in_candidate: candidateResults.filter((r) => !byId.has(r.external_id)).map((r) => r.external_id),
  };
}
