/**
 * The query analyser (migration 0330) on a real database (both modes): it drops the French stop words the
 * index's analyser keeps once their accents are folded, and gives every other word the lexeme the index
 * holds, so that a query still meets the passages it names. Through search, a query of such words alone
 * searches nothing.
 */
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { QUERY_ANALYSER } from './query-analyser.js';
import { resetSearchStatistics, searchWith, type SearchDeps } from './search-service.js';
import { loadTestCorpus } from './test-corpus.js';

const TEXT =
  "À défaut d'accord, même si le salarié était embauché à temps partiel, l'employeur devait lui verser une " +
  'indemnité ; les démarches de l’État, déjà engagées, étaient-elles closes ? Où êtes-vous ?';

describeEachDatabase('query analyser', (ctx) => {
  const lexemes = async (config: string, text: string) =>
    (await ctx.db.query<{ l: string }>(`SELECT unnest(tsvector_to_array(to_tsvector($1::regconfig, $2))) AS l`, [config, text])).rows.map((r) => r.l);

  let deps: SearchDeps;
  beforeAll(async () => {
    await loadTestCorpus(ctx.db, [
      { url: 'https://exemple.gouv.fr/a', title: 'Temps partiel', chunks: [{ text: 'Même à temps partiel, le salarié a été payé.' }] },
    ]);
    deps = { db: ctx.db, embedder: new HashEmbedder(), config: loadConfig({ DATA_DIR: 'memory://' }) };
    resetSearchStatistics(ctx.db);
  });

  it('drops the accented stop words the index keeps, and gives the other words the index’s lexemes', async () => {
    const index = await lexemes('cite_french', TEXT);
    const query = await lexemes(QUERY_ANALYSER, TEXT);
    // "à", "même", "était", "étaient", "êtes" fold to words that are not on the stop list: the index holds
    // them, the query drops them; nothing else differs, and every query lexeme is the index's
    expect(index.filter((l) => !query.includes(l)).sort()).toEqual(['a', 'etaient', 'etait', 'ete', 'mem']);
    expect(query.every((l) => index.includes(l))).toBe(true);
    expect(query).toEqual(expect.arrayContaining(['defaut', 'accord', 'salar', 'embauch', 'temp', 'partiel', 'employeur', 'indemnit', 'demarch', 'etat']));
  });

  it('searches nothing for a query of such words, and the passage by its other words', async () => {
    const search = (query: string) => searchWith(deps, { query, allowedCollections: null, mode: 'lexical' });
    expect((await search('à même été')).data).toEqual([]);
    expect((await search('à temps partiel')).data.map((h) => h.document.url)).toEqual(['https://exemple.gouv.fr/a']);
  });
});
