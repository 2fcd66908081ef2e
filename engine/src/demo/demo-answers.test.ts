/**
 * The README's promise, on both databases: the bundled demo corpus, loaded by the demo loader, answers
 * the demo's questions with a citation of the expected document and declines the off-topic one, through
 * the production answer service (hybrid search, hash embedder, extractive answers, relevance gate).
 */
import pino from 'pino';
import { expect, it } from 'vitest';
import { answerService } from '../answers/app-answers.js';
import { loadConfig } from '../config/config.js';
import { HashEmbedder } from '../embeddings/hash-embedder.js';
import type { AppContext } from '../http/app-context.js';
import { describeEachDatabase } from '../testing/databases.js';
import { demoFilePaths, readDemoQuestions } from './demo-corpus.js';
import { loadDemo } from './load-demo.js';

// what `npm run demo` runs with: the defaults (no model configured)
const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: 'memory://', EMBEDDINGS: 'hash', LLM_BASE_URL: '', LLM_MODEL: '' });
const questions = readDemoQuestions();

describeEachDatabase('demo corpus answers the README questions', (ctx) => {
  const ask = async (question: string) => {
    const app: AppContext = { db: ctx.db, config, log: pino({ level: 'silent' }), services: new Map() };
    const svc = await answerService(app);
    return svc.ask({ question, caller: { keyId: null, collections: null } });
  };

  it('loads the bundled corpus', async () => {
    const load = await loadDemo(ctx.db, new HashEmbedder(), { collection: questions.collection, files: demoFilePaths(), config });
    expect(load.outcome).toBe('loaded');
    expect(load.documents).toBeGreaterThan(450);
  }, 120_000);

  for (const q of questions.answered) {
    it(`answers « ${q.question} » citing ${q.cites}`, async () => {
      const result = await ask(q.question);
      expect(result.abstained, result.abstain_reason ?? '').toBe(false);
      expect(result.mode).toBe('extractive');
      expect(result.citations.map((c) => c.url)).toContain(q.cites);
    });
  }

  it(`declines « ${questions.declined.question} »`, async () => {
    const result = await ask(questions.declined.question);
    expect(result.abstained).toBe(true);
    expect(result.citations).toEqual([]);
    expect(result.abstain_reason).toBeTruthy();
  });
});
