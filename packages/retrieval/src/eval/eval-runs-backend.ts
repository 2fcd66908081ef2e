/**
 * The engine behind evaluation runs: the search service (the same code `POST /v1/search` and
 * `cite eval` use) under the run's mode, depth and fusion settings, and the answer service for
 * answer metrics. A run searches and answers within the collections recorded on it, those of the key
 * that started it (every collection for an unrestricted key or the CLI): evaluating never shows a key
 * passages it could not search itself.
 */
import { answerService, gateOptions, llmFromConfig } from '../answers/app-answers.js';
import { AnswerService } from '../answers/answer-service.js';
import { citedPassages } from '../answers/answers-repo.js';
import { LlmClient } from '../answers/llm-client.js';
import { splitSentences } from '../answers/sentences.js';
import type { RetrievedPassage } from '../answers/types.js';
import { isClaim } from '../answers/verify.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { badRequest } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import type { EvalRunRow } from './eval-runs-repo.js';
import type { ScoreDeps } from './eval-runs-score.js';
import type { AnswerCitation, AnswerOutcome, EvalBackend, RunConfig, SearchOutcome } from './eval-runs-types.js';
import { scoreAnswer } from './answer-eval.js';
import { judgeFromConfig } from './judge.js';
import { indexCollections } from '../search/indexed-collections.js';

/**
 * The search service under a run's settings: fusion weights and RRF constant override the engine's
 * for this run only; the reranker is the configured one, switched on or off.
 */
async function runSearch(
  app: AppContext,
  config: RunConfig,
  input: { query: string; k: number; filters?: Record<string, unknown>; group?: boolean; allowedCollections: readonly number[] | null; signal?: AbortSignal },
) {
  const { appReranker, searchWith } = await import('../search/search-service.js');
  const embedder = config.mode === 'lexical' ? (null as unknown as Embedder) : await appEmbedder(app);
  const reranker = config.reranker ? await appReranker(app) : null;
  const searchConfig = {
    ...app.config,
    ...(config.weights ? { SEARCH_WEIGHT_LEXICAL: config.weights.lexical, SEARCH_WEIGHT_VECTOR: config.weights.vector } : {}),
    ...(config.rrf_k ? { SEARCH_RRF_K: config.rrf_k } : {}),
  };
  return searchWith(
    { db: app.db, embedder, config: searchConfig, reranker, log: app.log },
    {
      query: input.query,
      k: input.k,
      mode: config.mode,
      filters: input.filters,
      group_by_document: input.group,
      rerank: Boolean(config.reranker),
      allowedCollections: await indexCollections(app, input.allowedCollections),
      signal: input.signal,
    },
  );
}

/** Documents ranked for one phrasing (within `collections`, null = all): each document once, at the rank of its best chunk. */
export function searchBackend(app: AppContext, collections: number[] | null): EvalBackend['search'] {
  return async (query, config, signal): Promise<SearchOutcome> => {
    signal.throwIfAborted();
    const t0 = performance.now();
    const result = await runSearch(app, config, { query, k: config.k, group: true, allowedCollections: collections, signal });
    return { urls: result.data.map((h) => h.document.url), latency_ms: performance.now() - t0 };
  };
}

/** The sentence(s) of `text` citing source n, for the judge. */
function citingSentences(text: string, n: number): string {
  const marker = new RegExp(`\\[\\[?[^\\]]*\\b${n}\\b[^\\]]*\\]`);
  return splitSentences(text)
    .filter((s) => marker.test(s.text))
    .map((s) => s.text)
    .join(' ');
}

/** Answers within `collections` (null = all). */
export function answerBackend(app: AppContext, config: RunConfig, collections: number[] | null): Promise<EvalBackend['answer']> {
  return (async () => {
    let service: AnswerService;
    if (config.llm_model || config.mode !== 'hybrid' || config.weights || config.rrf_k || (config.reranker ?? null) !== (app.config.SEARCH_RERANKER || null)) {
      // A run varying retrieval or the model gets its own answer service with those settings.
      const base = llmFromConfig(app);
      if (config.llm_model && !base) throw badRequest('LLM_NOT_CONFIGURED', 'llm_model needs LLM_BASE_URL to be configured');
      const llm = config.llm_model
        ? new LlmClient({ baseUrl: app.config.LLM_BASE_URL!, apiKey: app.config.LLM_API_KEY, model: config.llm_model, timeoutMs: app.config.LLM_TIMEOUT_MS, maxRetries: app.config.LLM_MAX_RETRIES, maxTokens: app.config.LLM_MAX_TOKENS })
        : base;
      service = new AnswerService({
        db: app.db,
        llm,
        // the relevance gate's vector evidence, as in the engine's own service
        embedder: () => appEmbedder(app),
        options: gateOptions(app.config),
        log: app.log.child({ component: 'eval-answers' }),
        retrieve: async (input) =>
          (await runSearch(app, config, { query: input.query, k: input.k, filters: input.filters, allowedCollections: input.allowedCollections, signal: input.signal }))
            .data as RetrievedPassage[],
      });
    } else {
      service = await answerService(app);
    }
    return async (item, _config, signal): Promise<AnswerOutcome> => {
      const t0 = performance.now();
      const r = await service.ask({ question: item.question, caller: { keyId: null, collections }, signal });
      const latency = performance.now() - t0;
      const passages = new Map((await citedPassages(app.db, r.citations.map((c) => c.chunk_id))).map((p) => [String(p.chunk_id), p.text]));
      const citations: AnswerCitation[] = r.citations.map((c) => ({
        n: c.n,
        url: c.url,
        passage: passages.get(String(c.chunk_id)) ?? c.quote,
        sentence: citingSentences(r.answer, c.n),
      }));
      const claims = r.abstained ? 0 : splitSentences(r.answer).filter((s) => isClaim(s.text)).length;
      // The result keeps the answer, its citations and figures; the stored answer record would only
      // crowd the review queue with machine questions, so it is removed (it has no feedback yet).
      await app.db.query(`DELETE FROM answers WHERE id = $1 AND api_key_id IS NULL AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.answer_id = answers.id)`, [r.id]);
      const scored = scoreAnswer({ id: item.external_id, question: item.question, answer: item.expected_answer ?? undefined, gold: item.gold }, r);
      return {
        answer: r.answer,
        scored: { precision: scored.precision, recall: scored.recall, span_contained: scored.span_contained },
        citations,
        sentences: Math.max(claims, r.unsupported.length),
        unsupported: r.unsupported.length,
        abstained: r.abstained,
        latency_ms: latency,
        model: r.model ?? r.mode,
      };
    };
  })();
}

/** What a run needs from this engine: search, answers when asked, the judge when asked. */
export async function engineDeps(app: AppContext, run: Pick<EvalRunRow, 'config' | 'collections'>): Promise<ScoreDeps> {
  const config = run.config;
  const backend: EvalBackend = { search: searchBackend(app, run.collections) };
  if (config.answers) backend.answer = await answerBackend(app, config, run.collections);
  const judge = config.answers && config.judge ? judgeFromConfig(app.config, config.judge_model, app.log.child({ component: 'eval-judge' })) : undefined;
  return { backend, judge };
}
