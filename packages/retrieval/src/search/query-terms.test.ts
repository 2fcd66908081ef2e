/**
 * A long query's lexical branch searches its 32 rarest terms: each term reads its own postings, so the
 * commonest words of a very long query are left out rather than read, and a normal query loses nothing.
 */
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { resetSearchStatistics, searchWith, type SearchDeps } from './search-service.js';
import { loadTestCorpus } from './test-corpus.js';

const config = loadConfig({ DATA_DIR: 'memory://' });
const U = (p: string) => `https://exemple.gouv.fr/termes/${p}`;
/** 33 made-up words, one lexeme each (no French suffix for the stemmer to take). */
const RARE = Array.from({ length: 32 }, (_, i) => `kw${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}q`);
const COMMON = 'zorblq';

describeEachDatabase('query terms', (ctx) => {
  let deps: SearchDeps;
  let collection: number;

  beforeAll(async () => {
    const { collections } = await loadTestCorpus(ctx.db, [
      // each rare word in one chunk; the common one in five, one of which holds nothing else of the query
      ...RARE.map((w, i) => ({ url: U(`rare-${i}`), title: `Fiche ${i}`, chunks: [{ text: `Le terme ${w} figure dans cette fiche.` }], collection: 'termes' })),
      ...Array.from({ length: 5 }, (_, i) => ({ url: U(`commun-${i}`), title: `Note ${i}`, chunks: [{ text: `Le terme ${COMMON} figure dans cette note.` }], collection: 'termes' })),
    ]);
    collection = collections.get('termes')!;
    deps = { db: ctx.db, embedder: new HashEmbedder(), config };
    resetSearchStatistics(ctx.db);
  });

  const urls = async (query: string) =>
    (await searchWith(deps, { query, allowedCollections: [collection], mode: 'lexical', k: 50 })).data.map((h) => h.document.url);

  it('searches the 32 rarest terms of a longer query, leaving its commonest out', async () => {
    expect(await urls(COMMON)).toHaveLength(5);
    const found = await urls([...RARE, COMMON].join(' '));
    expect(found.sort()).toEqual(RARE.map((_, i) => U(`rare-${i}`)).sort());
  });

  it('searches every term of a query of 32 or fewer', async () => {
    const found = await urls([...RARE.slice(0, 31), COMMON].join(' '));
    expect(found).toHaveLength(31 + 5);
  });
});
