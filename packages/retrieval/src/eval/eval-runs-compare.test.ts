import { describe, expect, it } from 'vitest';
import { compareAggregates, compareRuns, type RunSummary } from './eval-runs-compare.js';
import { checkRegression, describeGuard } from './eval-runs-guard.js';

const run = (id: number, aggregates: Record<string, number>, set_id = 1): RunSummary => ({ id, name: `r${id}`, set_id, status: 'succeeded', config: {}, aggregates });
const result = (external_id: string, metrics: Record<string, number>, ranks: Record<string, number> = {}, status: 'ok' | 'error' = 'ok') => ({
  external_id,
  question: `question ${external_id}`,
  status,
  metrics,
  phrasings: [{ q: external_id, results: Object.keys(ranks), gold_ranks: ranks, metrics, latency_ms: 1 }],
});

describe('run comparison', () => {
  it('says which way each metric moved, knowing that lower rates and latencies are better', () => {
    const rows = compareAggregates(
      { 'ndcg@10': 0.5, unsupported_rate: 0.2, latency_p95: 40, questions: 10 },
      { 'ndcg@10': 0.6, unsupported_rate: 0.3, latency_p95: 30, questions: 10, gold_recall: 0.7 },
    );
    const by = Object.fromEntries(rows.map((r) => [r.metric, r]));
    expect(by['ndcg@10']).toMatchObject({ improved: true, ratio: 1.2 });
    expect(by['ndcg@10']!.delta).toBeCloseTo(0.1, 12);
    expect(by.unsupported_rate!.improved).toBe(false);
    expect(by.latency_p95!.improved).toBe(true);
    expect(by.questions!.improved).toBeNull(); // a count is not better or worse
    expect(by.gold_recall).toMatchObject({ baseline: null, candidate: 0.7, delta: null, improved: null });
    expect(rows.map((r) => r.metric).slice(0, 2)).toEqual(['ndcg@10', 'gold_recall']);
  });

  it('lists the questions that got better or worse, largest change first, with their gold ranks; a new failure is a regression', () => {
    const cmp = compareRuns(
      run(1, {}),
      run(2, {}, 2),
      [result('a', { 'ndcg@10': 1 }, { u1: 1 }), result('b', { 'ndcg@10': 0.2 }, { u2: 7 }), result('c', { 'ndcg@10': 0.5 }), result('d', { 'ndcg@10': 0.9 }), result('gone', { 'ndcg@10': 1 })],
      [result('a', { 'ndcg@10': 0.5 }, { u1: 3 }), result('b', { 'ndcg@10': 0.9 }, { u2: 1 }), result('c', { 'ndcg@10': 0.5 }), result('d', {}, {}, 'error'), result('new', { 'ndcg@10': 1 })],
    );
    expect(cmp.same_set).toBe(false);
    expect(cmp.regressed.map((c) => [c.external_id, c.baseline.best_gold_rank, c.candidate.best_gold_rank])).toEqual([
      ['d', null, null],
      ['a', 1, 3],
    ]);
    expect(cmp.improved.map((c) => c.external_id)).toEqual(['b']);
    expect(cmp.improved[0]!.delta).toBeCloseTo(0.7, 12);
    expect(cmp).toMatchObject({ unchanged: 1, improved_count: 1, regressed_count: 2, only_in_baseline: ['gone'], only_in_candidate: ['new'] });
  });
});

describe('regression guard', () => {
  it('fails a metric below ratio × baseline, or a lower-is-better rate above baseline ÷ ratio', () => {
    const baseline = { 'ndcg@10': 0.4, 'mrr@10': 0.5, unsupported_rate: 0.1, latency_p95: 10 };
    const r = checkRegression(baseline, { 'ndcg@10': 0.393, 'mrr@10': 0.48, unsupported_rate: 0.103, latency_p95: 100 }, 0.98);
    // 0.393 ≥ 0.392 holds; 0.48 < 0.49 fails; 0.103 ≤ 0.10204 fails; latency is no quality gate
    expect(r.failures.map((f) => f.metric)).toEqual(['mrr@10', 'unsupported_rate']);
    expect(r.checked).toEqual(['ndcg@10', 'mrr@10', 'unsupported_rate']);
    expect(describeGuard(r)).toMatch(/mrr@10: 0.4800 \(baseline 0.5000, needed ≥ 0.4900\)/);
    expect(checkRegression(baseline, baseline, 0.98).ok).toBe(true);
    expect(checkRegression(baseline, { 'ndcg@10': 0.1 }, 0.98, ['mrr@10']).checked).toEqual([]);
  });
});
