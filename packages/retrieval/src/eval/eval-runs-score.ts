/**
 * Evaluates one question of a set under a run's configuration: every phrasing is searched and its
 * ranking scored against the graded gold (the same scoring as `cite eval`), then averaged over the
 * phrasings; optionally an answer is generated and its citations measured, and a judge consulted.
 */
import { isCiteError } from '@cite/core/errors.js';
import type { GoldSource } from './eval-sets-import.js';
import type { AnswerOutcome, AnswerResult, EvalBackend, JudgeVerdict, PhrasingResult, QuestionResult, RunConfig } from './eval-runs-types.js';
import { goldRanks } from './eval-runs-metrics.js';
import { scoreRanking } from './metrics.js';
import { runRetrievalEval } from './retrieval-eval.js';

export interface EvalItemLike {
  id: number | null;
  external_id: string;
  question: string;
  phrasings: string[];
  gold: GoldSource[];
  expected_answer: string | null;
}

export interface JudgeLike {
  judge(input: { question: string; expected: string | null; answer: AnswerOutcome }, signal: AbortSignal): Promise<JudgeVerdict>;
}

export interface ScoreDeps {
  backend: EvalBackend;
  judge?: JudgeLike;
}

/** Results kept per phrasing for display and comparison (all gold ranks within k are kept anyway). */
const KEPT_RESULTS = 10;

/**
 * Figures of one answer, from the shared answer scoring of `cite eval --answers` (precision = cited
 * documents that are gold, recall = gold documents cited, span containment) plus the share of its
 * claims no citation supports.
 */
export function answerMetrics(answer: Pick<AnswerOutcome, 'scored' | 'sentences' | 'unsupported' | 'abstained'>): Record<string, number> {
  const m: Record<string, number> = { abstention_rate: answer.abstained ? 1 : 0, gold_recall: answer.scored.recall };
  if (answer.abstained) return m;
  m.cited_rate = answer.scored.precision === null ? 0 : 1;
  if (answer.scored.precision !== null) m.citation_precision = answer.scored.precision;
  if (answer.scored.span_contained !== null) m.span_containment = answer.scored.span_contained ? 1 : 0;
  if (answer.sentences > 0) m.unsupported_rate = answer.unsupported / answer.sentences;
  return m;
}

function judgeMetrics(v: JudgeVerdict): Record<string, number> {
  // each part stands on its own: a failed citation verdict does not discard the correctness score
  const m: Record<string, number> = {};
  if (v.correctness !== null) m.judge_correctness = v.correctness;
  if (v.citations.length) m.judge_support_rate = v.citations.filter((c) => c.supported).length / v.citations.length;
  return m;
}

export async function evaluateItem(item: EvalItemLike, config: RunConfig, deps: ScoreDeps, signal: AbortSignal): Promise<QuestionResult> {
  const base = { external_id: item.external_id, item_id: item.id, question: item.question };
  try {
    const phrasingResults: PhrasingResult[] = [];
    let metrics: Record<string, number> = {};
    if (item.gold.length) {
      // The same run as `cite eval`: every phrasing searched, scored, averaged over the phrasings.
      const texts = config.phrasings ? [item.question, ...item.phrasings] : [item.question];
      const latencies = new Map<string, number>();
      const failures: string[] = [];
      const { summary, runs } = await runRetrievalEval(
        [{ id: item.external_id, phrasings: [...new Set(texts)], gold: item.gold }],
        async (q) => {
          signal.throwIfAborted();
          const outcome = await deps.backend.search(q, config, signal);
          latencies.set(q, outcome.latency_ms);
          return outcome.urls;
        },
        { onError: (q, e) => failures.push(`${q}: ${isCiteError(e) ? `${e.code}: ${e.message}` : (e as Error)?.message ?? String(e)}`) },
      );
      signal.throwIfAborted();
      if (failures.length === runs.length) throw new Error(failures[0]);
      for (const run of runs)
        phrasingResults.push({
          q: run.q,
          results: run.results.slice(0, KEPT_RESULTS),
          gold_ranks: goldRanks(run.results, item.gold),
          metrics: { ...scoreRanking(run.results, item.gold) },
          latency_ms: Math.round((latencies.get(run.q) ?? 0) * 10) / 10,
          ...(latencies.has(run.q) ? {} : { error: failures.find((f) => f.startsWith(`${run.q}: `)) }),
        });
      const { queries: _q, phrasings: _p, failed: _f, latency_ms: _l, ...scores } = summary;
      metrics = { ...scores };
    }

    let answer: AnswerResult | null = null;
    if (config.answers && deps.backend.answer) {
      signal.throwIfAborted();
      const outcome = await deps.backend.answer(item, config, signal);
      Object.assign(metrics, answerMetrics(outcome));
      answer = {
        answer: outcome.answer,
        citations: outcome.citations.map((c) => ({ n: c.n, url: c.url })),
        sentences: outcome.sentences,
        unsupported: outcome.unsupported,
        abstained: outcome.abstained,
        latency_ms: Math.round(outcome.latency_ms * 10) / 10,
        model: outcome.model,
      };
      if (config.judge && deps.judge && !outcome.abstained) {
        answer.judge = await deps.judge.judge({ question: item.question, expected: item.expected_answer, answer: outcome }, signal);
        Object.assign(metrics, judgeMetrics(answer.judge));
      }
    }
    const latencies = phrasingResults.map((p) => p.latency_ms);
    return {
      ...base,
      status: 'ok',
      metrics,
      phrasings: phrasingResults,
      answer,
      latency_ms: latencies.length ? Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 10) / 10 : answer?.latency_ms ?? null,
      error: null,
    };
  } catch (e) {
    // Stopping is not a result: the question is evaluated again when the run resumes.
    if (signal.aborted) throw e;
    return {
      ...base,
      status: 'error',
      metrics: {},
      phrasings: [],
      answer: null,
      latency_ms: null,
      error: isCiteError(e) ? `${e.code}: ${e.message}` : (e as Error)?.message ?? String(e),
    };
  }
}
