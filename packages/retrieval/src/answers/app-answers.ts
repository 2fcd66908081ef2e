/**
 * The engine process's answer service: built once per process from configuration. A language
 * model is used when LLM_BASE_URL and LLM_MODEL are both set; otherwise answers are extractive.
 * Tests (and embedders of Cité) may register their own under the same service name.
 */
import type { Config } from '@cite/core/config/config.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import type { Caller } from '@cite/core/auth/roles.js';
import { service, type AppContext } from '@cite/core/http/app-context.js';
import { requireWebSearch, type WebSearchCapability } from '../search/web-search.js';
import { AnswerService, type AnswerServiceOptions, type Retriever } from './answer-service.js';
import { LlmClient } from './llm-client.js';
import { searchRetriever } from './search-retriever.js';

export const ANSWER_SERVICE = 'answers';

export function llmFromConfig(app: Pick<AppContext, 'config' | 'log'>): LlmClient | null {
  const c = app.config;
  if (!c.LLM_BASE_URL || !c.LLM_MODEL) return null;
  return new LlmClient({
    baseUrl: c.LLM_BASE_URL,
    apiKey: c.LLM_API_KEY,
    model: c.LLM_MODEL,
    timeoutMs: c.LLM_TIMEOUT_MS,
    streamMaxMs: c.LLM_STREAM_MAX_MS,
    maxRetries: c.LLM_MAX_RETRIES,
    maxTokens: c.LLM_MAX_TOKENS,
    log: app.log.child({ component: 'llm' }),
  });
}

/** The relevance gate's thresholds as configured: the engine's answers, evaluation runs and bench:abstain decide alike. */
export function gateOptions(
  c: Config,
): Pick<AnswerServiceOptions, 'minCoverage' | 'minStrength' | 'confirmedStrength' | 'minSimilarity' | 'minTopicWords'> {
  return {
    minCoverage: c.ANSWER_MIN_COVERAGE,
    minStrength: c.ANSWER_MIN_STRENGTH,
    confirmedStrength: c.ANSWER_CONFIRMED_STRENGTH,
    minSimilarity: c.ANSWER_MIN_SIMILARITY,
    minTopicWords: c.ANSWER_MIN_TOPIC_WORDS,
  };
}

export function answerService(app: AppContext, retrieve?: Retriever): Promise<AnswerService> {
  return service(app, ANSWER_SERVICE, async () =>
    new AnswerService({
      db: app.db,
      retrieve: retrieve ?? searchRetriever(app),
      llm: llmFromConfig(app),
      embedder: () => appEmbedder(app),
      options: {
        k: app.config.ANSWER_K,
        ...gateOptions(app.config),
        supportThreshold: app.config.ANSWER_SUPPORT_THRESHOLD,
      },
      log: app.log.child({ component: 'answers' }),
    }),
  );
}

/**
 * Who asks, as the answer service takes it, with the internet capability when `"web": true` was asked
 * (403/409 from requireWebSearch): the same for /v1/answers, chat completions and the MCP answer tool.
 * A key limited to collections that asks the web reads the `web` collection too (its relevance
 * figures, the answer's visibility).
 */
export async function askingAs(
  app: AppContext,
  caller: Caller,
  wantsWeb: boolean | undefined,
): Promise<{ web: WebSearchCapability | null; caller: { keyId: number; collections: number[] | null } }> {
  const web = wantsWeb ? await requireWebSearch(app, caller) : null;
  const webId = web && caller.collections ? await web.webCollectionId() : null;
  const collections = caller.collections && webId !== null ? [...caller.collections, webId] : caller.collections;
  return { web, caller: { keyId: caller.keyId, collections } };
}
