/**
 * The relevance gate covers a question's word through its synonyms (issue 24), on a real database: the
 * passage says "comité social et économique", the question "CSE". Without a list the gate finds the
 * acronym in no passage and declines; with the list it answers from that passage.
 */
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { queryEvidence } from '../search/term-evidence.js';
import { resetSearchStatistics, searchWith, type SearchDeps } from '../search/search-service.js';
import { createSynonymList, removeSynonymList } from '../search/synonyms/synonym-lists.js';
import { withSynonymCoverage } from '../search/synonyms/synonym-evidence.js';
import { loadTestCorpus } from '../search/test-corpus.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { AnswerService } from './answer-service.js';
import { questionWords } from './question-terms.js';
import { decideRelevance } from './relevance-gate.js';

const config = loadConfig({ DATA_DIR: 'memory://' });
const LONG = 'https://exemple.gouv.fr/cse-election';
const QUESTION = 'Tous les combien a lieu l’élection du CSE ?';

describeEachDatabase('relevance gate through synonyms', (ctx) => {
  let deps: SearchDeps;
  beforeAll(async () => {
    await loadTestCorpus(ctx.db, [
      { url: LONG, title: 'Élection du comité social et économique', chunks: [{ text: 'L’élection du comité social et économique a lieu tous les quatre ans dans l’entreprise.' }] },
      { url: 'https://exemple.gouv.fr/election-prudhommes', title: 'Élection', chunks: [{ text: 'L’élection des conseillers prud’hommes a été remplacée par une désignation.' }] },
      ...Array.from({ length: 6 }, (_, i) => ({ url: `https://exemple.gouv.fr/f${i}`, title: `Fiche ${i}`, chunks: [{ text: 'Le salarié travaille dans l’entreprise selon son contrat.' }] })),
    ]);
    deps = { db: ctx.db, embedder: new HashEmbedder(), config };
    resetSearchStatistics(ctx.db);
  });

  it('counts a question word as covered by a passage holding its multi-word synonym', async () => {
    const passages = (await searchWith(deps, { query: 'élection comité social économique', allowedCollections: null, mode: 'lexical', k: 4 })).data;
    expect(passages[0]!.document.url).toBe(LONG);
    const words = questionWords(QUESTION);
    const ids = passages.map((p) => p.chunk_id);
    const evidence = await queryEvidence(ctx.db, words.map((w) => w.word), ids, 8);
    const without = decideRelevance(words, evidence, passages);
    expect(without.abstain).toBe(true);
    expect(without.missing).toContain('cse');

    const list = await createSynonymList(ctx.db, { name: 'cse', collection_id: null, content: 'CSE, comité social et économique', enabled: true });
    const covered = await withSynonymCoverage(ctx.db, QUESTION, evidence, ids, null);
    const withList = decideRelevance(words, covered, passages);
    expect(withList.abstain).toBe(false);
    expect(withList.best_chunk_id).toBe(String(passages[0]!.chunk_id));
    expect(withList.missing).not.toContain('cse');
    // the other passages hold "élection" but not the long form: not covered through it
    const other = withList.passages.find((p) => p.chunk_id === String(passages[1]!.chunk_id))!;
    expect(other.coverage).toBeLessThan(withList.coverage);
    await removeSynonymList(ctx.db, list.id);
  });

  it('answers a question asked with the acronym from a source using the long form', async () => {
    const svc = new AnswerService({ db: ctx.db, retrieve: async (input) => (await searchWith(deps, { ...input, mode: 'lexical' })).data });
    const caller = { keyId: null, collections: null };
    expect(await svc.ask({ question: QUESTION, caller })).toMatchObject({ abstained: true });
    const list = await createSynonymList(ctx.db, { name: 'cse', collection_id: null, content: 'cse, comité social et économique', enabled: true });
    const answered = await svc.ask({ question: QUESTION, caller });
    expect(answered.abstained).toBe(false);
    expect(answered.citations.map((c) => c.url)).toContain(LONG);
    await removeSynonymList(ctx.db, list.id);
  });
});
