/**
 * The engine process's answer service: built once per process from configuration. A language
 * model is used when LLM_BASE_URL and LLM_MODEL are both set; otherwise answers are extractive.
 * Tests (and embedders of Cité) may register their own under the same service name.
 */
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import { service, type AppContext } from '@cite/core/http/app-context.js';
import { AnswerService, type Retriever } from './answer-service.js';
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
    maxRetries: c.LLM_MAX_RETRIES,
    log: app.log.child({ component: 'llm' }),
  });
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
        minCoverage: app.config.ANSWER_MIN_COVERAGE,
        minStrength: app.config.ANSWER_MIN_STRENGTH,
        confirmedStrength: app.config.ANSWER_CONFIRMED_STRENGTH,
        minSimilarity: app.config.ANSWER_MIN_SIMILARITY,
        supportThreshold: app.config.ANSWER_SUPPORT_THRESHOLD,
      },
      log: app.log.child({ component: 'answers' }),
    }),
  );
}
