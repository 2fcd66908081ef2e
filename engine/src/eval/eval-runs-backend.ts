/**
 * The engine behind evaluation runs: the search service (the same code `POST /v1/search` and
 * `cite eval` use) under the run's mode, depth and fusion settings, and the answer service for
 * answer metrics. Evaluation sees every collection: it measures the index, not a key's view of it.
 */
import { answerService, llmFromConfig } from '../answers/app-answers.js';
import { AnswerService } from '../answers/answer-service.js';
import { citedPassages } from '../answers/answers-repo.js';
import { LlmClient } from '../answers/llm-client.js';
import { splitSentences } from '../answers/sentences.js';
import type { RetrievedPassage } from '../answers/types.js';
import { isClaim } from '../answers/verify.js';
import { badRequest } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import type { EvalRunRow } from './eval-runs-repo.js';
import type { ScoreDeps } from './eval-runs-score.js';
import type { AnswerCitation, AnswerOutcome, EvalBackend, RunConfig, SearchOutcome } from './eval-runs-types.js';
import { judgeFromConfig } from './judge.js';

/** Search options a run may set, in the search service's terms. */
function searchInput(query: string, config: RunConfig, k: number) {
  return {
    query,
    k,
    mode: config.mode,
    allowedCollections: null,
    ...(config.weights ? { weights: config.weights } : {}),
    ...(config.rrf_k ? { rrf_k: config.rrf_k } : {}),
    ...(config.reranker ? { rerank: true, reranker: config.reranker } : {}),
  };
}

export function searchBackend(app: AppContext): EvalBackend['search'] {
  return async (query, config, signal): Promise<SearchOutcome> => {
    const { rankDocuments } = await import('./retrieval-eval.js');
    signal.throwIfAborted();
    const t0 = performance.now();
    const urls = await rankDocuments(app, query, { mode: config.mode, k: config.k, weights: config.weights, rrf_k: config.rrf_k, reranker: config.reranker ?? undefined });
    return { urls, latency_ms: performance.now() - t0 };
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

export function answerBackend(app: AppContext, config: RunConfig): Promise<EvalBackend['answer']> {
  return (async () => {
    let service: AnswerService;
    if (config.llm_model || config.mode !== 'hybrid' || config.weights || config.rrf_k || config.reranker) {
      // A run varying retrieval or the model gets its own answer service with those settings.
      const base = llmFromConfig(app);
      if (config.llm_model && !base) throw badRequest('LLM_NOT_CONFIGURED', 'llm_model needs LLM_BASE_URL to be configured');
      const llm = config.llm_model
        ? new LlmClient({ baseUrl: app.config.LLM_BASE_URL!, apiKey: app.config.LLM_API_KEY, model: config.llm_model, timeoutMs: app.config.LLM_TIMEOUT_MS, maxRetries: app.config.LLM_MAX_RETRIES })
        : base;
      service = new AnswerService({
        db: app.db,
        llm,
        log: app.log.child({ component: 'eval-answers' }),
        retrieve: async (input) => {
          const search = await import('../search/search-service.js');
          const result = await search.search(app, { ...searchInput(input.query, config, input.k), filters: input.filters } as Parameters<typeof search.search>[1]);
          return result.data as RetrievedPassage[];
        },
      });
    } else {
      service = await answerService(app);
    }
    return async (question: string, _config: RunConfig, signal: AbortSignal): Promise<AnswerOutcome> => {
      const t0 = performance.now();
      const r = await service.ask({ question, caller: { keyId: null, collections: null }, signal });
      const latency = performance.now() - t0;
      const passages = new Map((await citedPassages(app.db, r.citations.map((c) => c.chunk_id))).map((p) => [String(p.chunk_id), p.text]));
      const citations: AnswerCitation[] = r.citations.map((c) => ({
        n: c.n,
        url: c.url,
        passage: passages.get(String(c.chunk_id)) ?? c.quote,
        sentence: citingSentences(r.answer, c.n),
      }));
      const claims = r.abstained ? 0 : splitSentences(r.answer).filter((s) => isClaim(s.text)).length;
      return {
        answer: r.answer,
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
export async function engineDeps(app: AppContext, run: Pick<EvalRunRow, 'config'>): Promise<ScoreDeps> {
  const config = run.config;
  const backend: EvalBackend = { search: searchBackend(app) };
  if (config.answers) backend.answer = await answerBackend(app, config);
  const judge = config.answers && config.judge ? judgeFromConfig(app.config, config.judge_model, app.log.child({ component: 'eval-judge' })) : undefined;
  return { backend, judge };
}
