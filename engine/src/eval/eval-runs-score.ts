/**
 * Evaluates one question of a set under a run's configuration: every phrasing is searched and its
 * ranking scored against the graded gold (the same scoring as `cite eval`), then averaged over the
 * phrasings; optionally an answer is generated and its citations measured, and a judge consulted.
 */
import { isCiteError } from '../errors.js';
import { meanMetrics } from './eval-runs-aggregate.js';
import type { GoldSource } from './eval-sets-import.js';
import type { AnswerOutcome, AnswerResult, EvalBackend, JudgeVerdict, PhrasingResult, QuestionResult, RunConfig } from './eval-runs-types.js';
import { sameDocument, scoreRanking } from './eval-runs-metrics.js';

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
 * Citation figures of one answer against the gold documents: precision = cited documents that are
 * gold, recall = gold documents (grade > 0) that are cited; undefined where the ratio has no meaning.
 */
export function answerMetrics(answer: Pick<AnswerOutcome, 'citations' | 'sentences' | 'unsupported' | 'abstained'>, gold: GoldSource[]): Record<string, number> {
  const relevant = gold.filter((g) => g.grade > 0).map((g) => g.url);
  const cited: string[] = [];
  for (const c of answer.citations) if (!cited.some((u) => sameDocument(u, c.url))) cited.push(c.url);
  const m: Record<string, number> = { abstention_rate: answer.abstained ? 1 : 0 };
  if (answer.abstained) return m;
  m.cited_rate = cited.length ? 1 : 0;
  if (cited.length && relevant.length) m.citation_precision = cited.filter((u) => relevant.some((g) => sameDocument(u, g))).length / cited.length;
  if (relevant.length) m.gold_recall = relevant.filter((g) => cited.some((u) => sameDocument(u, g))).length / relevant.length;
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
    if (item.gold.length) {
      const texts = config.phrasings ? [item.question, ...item.phrasings] : [item.question];
      for (const q of texts) {
        signal.throwIfAborted();
        const outcome = await deps.backend.search(q, config, signal);
        const scored = scoreRanking(outcome.urls, item.gold);
        phrasingResults.push({
          q,
          results: outcome.urls.slice(0, KEPT_RESULTS),
          gold_ranks: scored.goldRanks,
          metrics: scored.metrics,
          latency_ms: Math.round(outcome.latency_ms * 10) / 10,
        });
      }
    }
    const metrics = meanMetrics(phrasingResults.map((p) => p.metrics));

    let answer: AnswerResult | null = null;
    if (config.answers && deps.backend.answer) {
      signal.throwIfAborted();
      const outcome = await deps.backend.answer(item.question, config, signal);
      Object.assign(metrics, answerMetrics(outcome, item.gold));
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
