import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { startScriptedLlm, type ScriptedLlm } from '@cite/core/testing/scripted-llm.js';
import { engineDeps } from './eval-runs-backend.js';
import { seedDocuments, SP } from './eval-runs-fixtures.js';
import { allResults, getRun } from './eval-runs-repo.js';
import { startEvalRunner } from './eval-runs-runner.js';
import { scoreRanking } from './metrics.js';
import { queueRun } from './eval-runs-start.js';
import { importJsonl } from './eval-sets-repo.js';

const SET = [
  { id: 'q1', query: 'préavis démission', variants: ['preavis de demission cdi'], gold: [{ url: SP('F2883'), grade: 3 }] },
  { id: 'q2', query: 'congé maternité durée', variants: [], gold: [{ url: SP('F1911'), grade: 3 }, { url: SP('F2238'), grade: 1 }] },
  { id: 'q3', question: 'Qu’est-ce que la rupture conventionnelle ?', answer: 'Un accord entre employeur et salarié pour finir le CDI.', gold: [{ url: SP('F19030'), grade: 2 }] },
];

describeEachDatabase('evaluation runs on the real search and answer services', (ctx) => {
  let llm: ScriptedLlm;
  let app: AppContext;
  beforeAll(async () => {
    llm = await startScriptedLlm((req) =>
      req.messages[0]!.content.includes('citations')
        ? { content: JSON.stringify([...req.messages[1]!.content.matchAll(/Citation \[(\d+)\]/g)].map((m) => ({ n: Number(m[1]), supported: true }))) }
        : { content: '{"score": 1, "justification": "Même sens."}' },
    );
    const config = loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent', EMBEDDINGS: 'hash', EVAL_JUDGE_BASE_URL: llm.baseUrl, EVAL_JUDGE_MODEL: 'juge' });
    app = { db: ctx.db, config, log: pino({ level: 'silent' }), services: new Map() };
    await seedDocuments(ctx.db);
  });
  afterAll(async () => {
    await llm?.close();
  });

  async function runToEnd(config: Record<string, unknown>) {
    const imported = await importJsonl(ctx.db, { content: SET.map((l) => JSON.stringify(l)).join('\n'), name: 'mini', reuse: true });
    const queued = await queueRun(app, { setId: imported.set.id, config: { concurrency: 1, ...config } });
    const runner = startEvalRunner(ctx.db, { deps: (run) => engineDeps(app, run), pollMs: 20, staleMs: 60_000, maxAttempts: 3 });
    const until = Date.now() + 60_000;
    let run = await getRun(ctx.db, queued.id);
    while (run!.status !== 'succeeded' && run!.status !== 'failed' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      run = await getRun(ctx.db, queued.id);
    }
    await runner.stop();
    expect(run!.error).toBeNull();
    expect(run!.status).toBe('succeeded');
    return run!;
  }

  it('ranks documents through the search service, in lexical and hybrid modes, with the figures of a direct search', async () => {
    const { searchWith } = await import('../search/search-service.js');
    for (const mode of ['lexical', 'hybrid'] as const) {
      const run = await runToEnd({ mode });
      expect(run.config).toMatchObject({ mode, embeddings: 'hash', k: 50 });
      expect(run.aggregates.questions).toBe(3);
      expect(run.aggregates['recall@50']).toBe(1);
      const results = await allResults(ctx.db, run.id);
      expect(results.find((r) => r.external_id === 'q1')!.phrasings[0]!.results[0]).toBe(SP('F2883'));
      // the stored figures are those of the search service's ranking, scored by the shared metrics
      for (const r of results) {
        const item = SET.find((s) => s.id === r.external_id)!;
        const q = r.phrasings[0]!.q;
        const direct = await searchWith(
          { db: ctx.db, embedder: new HashEmbedder(), config: app.config, log: app.log },
          { query: q, k: 50, mode, group_by_document: true, allowedCollections: null },
        );
        expect(r.phrasings[0]!.metrics).toEqual(scoreRanking(direct.data.map((h) => h.document.url), item.gold));
      }
      expect(run.aggregates.latency_p50).toBeGreaterThan(0);
    }
  });

  it('measures answers (extractive here) and asks the judge when told to', async () => {
    const run = await runToEnd({ mode: 'hybrid', answers: true, judge: true, phrasings: false });
    expect(run.config).toMatchObject({ answers: true, answer_model: 'extractive', judge: true });
    expect(run.aggregates.answer_questions).toBe(3);
    expect(run.aggregates).toHaveProperty('abstention_rate');
    const results = await allResults(ctx.db, run.id);
    const q3 = results.find((r) => r.external_id === 'q3')!;
    expect(q3.answer).not.toBeNull();
    expect(q3.answer!.abstained).toBe(false);
    expect(q3.answer!.citations.map((c) => c.url)).toContain(SP('F19030'));
    expect(q3.metrics.gold_recall).toBe(1);
    expect(q3.metrics.citation_precision).toBeGreaterThan(0);
    // the judge was asked about correctness against the expected answer
    expect(q3.answer!.judge).toMatchObject({ correctness: 1, model: 'juge' });
    expect(q3.metrics.judge_correctness).toBe(1);
    expect(q3.metrics.judge_support_rate).toBe(1);
    expect(run.aggregates.judge_correctness).toBeGreaterThan(0);
    expect(llm.requests.some((r) => r.messages[1]!.content.includes('Un accord entre employeur et salarié'))).toBe(true);
    // the answers made for the evaluation do not crowd the review queue
    expect((await ctx.db.query(`SELECT count(*)::int AS n FROM answers`)).rows[0]).toEqual({ n: 0 });
  });
});
