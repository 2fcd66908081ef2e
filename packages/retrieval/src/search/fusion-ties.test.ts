/**
 * An exact tie in the fusion (one chunk ranked 1st lexically and 2nd by vector, another the other way
 * round: both 1/61 + 1/62) goes to the better lexical rank, whatever order the chunks were written in.
 * Before, the chunk id decided, so a search's first result depended on which page the crawler wrote first.
 * The embedder here is scripted (vectors chosen per text) so both branches' ranks are known exactly.
 */
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { resetSearchStatistics, searchWith, type SearchDeps } from './search-service.js';
import { axis, onePassagePages, scriptedEmbedder } from './scripted-vectors.js';

/** The query points along axis 0; the page written first lies on it, the other one 45° away. */
const scripted = scriptedEmbedder('scripted-ties', axis(1), (t) => (t.includes('Vecteur') ? axis(1) : axis(1, 1)));
const config = loadConfig({ DATA_DIR: 'memory://' });

describeEachDatabase('hybrid search, ties in the fusion', (ctx) => {
  let deps: SearchDeps;

  beforeAll(async () => {
    const write = await onePassagePages(ctx.db, scripted, 'ties');
    // written first (one call each: a batch is written in its own order): the vector branch's best, the
    // lexical branch's second (the query's words diluted); then the lexical branch's best, the vector's second
    await write([
      {
        url: 'https://exemple.gouv.fr/vecteur',
        title: 'Vecteur',
        text: 'Le préavis des cadres suit la convention collective, avec des règles propres à chaque branche professionnelle et des usages locaux.',
      },
    ]);
    await write([{ url: 'https://exemple.gouv.fr/lexical', title: 'Lexical', text: 'Préavis des ingénieurs : le préavis des ingénieurs est de trois mois.' }]);
    deps = { db: ctx.db, embedder: scripted, config };
    resetSearchStatistics(ctx.db);
  });

  it('puts the better lexical rank first when the fused scores are equal, by chunk and by document', async () => {
    for (const group_by_document of [false, true]) {
      const res = await searchWith(deps, {
        query: 'préavis des ingénieurs',
        allowedCollections: null,
        mode: 'hybrid',
        k: 5,
        debug: true,
        group_by_document,
      });
      const [first, second] = res.data;
      expect(first!.ranks).toMatchObject({ lexical: { rank: 1 }, vector: { rank: 2 } });
      expect(second!.ranks).toMatchObject({ lexical: { rank: 2 }, vector: { rank: 1 } });
      expect(first!.score).toBe(second!.score);
      expect(first!.document.url, `group_by_document ${group_by_document}`).toBe('https://exemple.gouv.fr/lexical');
    }
  });
});
