import { expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { AnswerService } from './answer-service.js';
import { getAnswer } from './answers-repo.js';
import { fullTextRetriever, seedDocs, TEST_DOCS } from './test-corpus.js';

describeEachDatabase('answer service', (ctx) => {
  it('stores the question with status error when retrieval fails', async () => {
    const svc = new AnswerService({
      db: ctx.db,
      retrieve: async () => {
        throw new CiteError('SEARCH_FAILED', 'Search failed: disk full', { status: 500, retryable: true });
      },
    });
    const err = (await svc.ask({ question: 'Durée du préavis ?', caller: { keyId: null, collections: [3] } }).catch((e) => e)) as CiteError;
    expect(err.code).toBe('SEARCH_FAILED');
    const id = (err.details as { answer_id: string }).answer_id;
    const row = await getAnswer(ctx.db, id);
    expect(row).toMatchObject({ status: 'error', question: 'Durée du préavis ?', collections: [3] });
    expect(row!.error).toContain('disk full');
  });

  it('refuses empty, oversized and control-character questions and conversations before storing anything', async () => {
    const svc = new AnswerService({ db: ctx.db, retrieve: async () => [] });
    const caller = { keyId: null, collections: null };
    const stored = async () => Number((await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM answers')).rows[0]!.n);
    const before = await stored();
    await expect(svc.ask({ question: '   ', caller })).rejects.toMatchObject({ code: 'QUESTION_EMPTY', status: 400 });
    await expect(svc.ask({ question: 'x'.repeat(4001), caller })).rejects.toMatchObject({ code: 'QUESTION_TOO_LONG', status: 400 });
    await expect(svc.ask({ question: 'Préavis\u0000 de démission ?', caller })).rejects.toMatchObject({ code: 'QUESTION_INVALID', status: 400 });
    await expect(svc.ask({ question: 'Préavis\u001b[31m ?', caller })).rejects.toMatchObject({ code: 'QUESTION_INVALID', status: 400 });
    const conversation = [{ role: 'user' as const, content: 'Bonjour\u0000' }];
    await expect(svc.ask({ question: 'Et le préavis ?', conversation, caller })).rejects.toMatchObject({ code: 'CONVERSATION_INVALID', status: 400 });
    expect(await stored()).toBe(before);
    // Tabs and line breaks are ordinary; 4,000 characters (after trimming) is the limit, not past it.
    const limit = `${'Préavis de démission ?\t\n'.repeat(200).slice(0, 3999)}?`;
    expect(limit.length).toBe(4000);
    const long = await svc.ask({ question: `  ${limit}\n`, caller });
    expect(long).toMatchObject({ abstained: true, abstain_code: 'no_passages' });
    expect(await stored()).toBe(before + 1);
  });

  it('records retrieved chunks with scores, settings and timings, and only reads allowed collections', async () => {
    const collection = await seedDocs(ctx.db, TEST_DOCS, 'svc');
    const svc = new AnswerService({ db: ctx.db, retrieve: fullTextRetriever(ctx.db) });
    const r = await svc.ask({ question: 'Combien de jours de congés payés par mois ?', caller: { keyId: null, collections: [collection] } });
    const row = (await getAnswer(ctx.db, r.id))!;
    expect(row.retrieved[0]).toMatchObject({ n: 1, url: TEST_DOCS[1]!.url, rank: 1 });
    expect(row.settings).toMatchObject({ k: 8, language: 'fr', min_coverage: 0.5, min_strength: 0.55, confirmed_strength: 0.4 });
    expect(Object.keys(row.timings)).toEqual(expect.arrayContaining(['retrieval_ms', 'ttfb_ms', 'total_ms']));
    const none = await svc.ask({ question: 'Combien de jours de congés payés par mois ?', caller: { keyId: null, collections: [collection + 1000] } });
    expect(none.abstained).toBe(true);
  });

});

describeEachDatabase('answer service with a model and support embeddings', (ctx) => {
  it('embeds the generated sentences and sources once, and still verifies', async () => {
    const { startScriptedLlm } = await import('@cite/core/testing/scripted-llm.js');
    const { LlmClient } = await import('./llm-client.js');
    const { HashEmbedder } = await import('@cite/core/embeddings/hash-embedder.js');
    await seedDocs(ctx.db, TEST_DOCS, 'emb');
    const llm = await startScriptedLlm({ content: 'Le salarié a droit à 2,5 jours ouvrables de congés payés par mois [1]. Il peut aussi partir en croisière [1].' });
    try {
      const svc = new AnswerService({
        db: ctx.db,
        retrieve: fullTextRetriever(ctx.db),
        llm: new LlmClient({ baseUrl: llm.baseUrl, model: 'm', timeoutMs: 2000, maxRetries: 0 }),
        embedder: async () => new HashEmbedder(),
        supportEmbeddings: true,
      });
      const r = await svc.ask({ question: 'Combien de jours de congés payés par mois ?', caller: { keyId: null, collections: null } });
      expect(r.timings.support_embedding_ms).toEqual(expect.any(Number));
      expect(r.timings.support_embedding_ms).toBeLessThanOrEqual(r.timings.total_ms!);
      expect(r.citations[0]).toMatchObject({ n: 1, supported: true });
      expect(r.unsupported.map((u) => u.sentence)).toEqual(['Il peut aussi partir en croisière [1].']);
    } finally {
      await llm.close();
    }
  });
});
