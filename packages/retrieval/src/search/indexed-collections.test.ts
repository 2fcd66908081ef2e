/**
 * The web collection (pages internet search kept for one key's question) is left out of every search of
 * the indexed sources, whether or not this process has internet search: an engine started without
 * WEB_SEARCH_PROVIDER, the CLI and evaluation runs served those pages to every key before.
 */
import { beforeAll, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '@cite/core/config/config.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { searchBackend } from '../eval/eval-runs-backend.js';
import { WEB_SEARCH_SERVICE } from './indexed-collections.js';
import { resetSearchStatistics, search, searchAnyCollection } from './search-service.js';
import { loadTestCorpus, type TestDoc } from './test-corpus.js';
import type { WebSearchCapability } from './web-search.js';

const OFFICIEL = 'https://www.service-public.fr/velo';
const BLOG = 'https://blog.example/velo';
const DOCS: TestDoc[] = [
  {
    url: OFFICIEL,
    title: 'Prime vélo électrique',
    chunks: [{ text: 'La prime pour un vélo électrique neuf est de 400 euros pour les ménages modestes.' }],
    collection: 'officiel',
  },
  {
    url: BLOG,
    title: 'Prime vélo électrique : 9999 euros',
    chunks: [{ text: 'La prime vélo électrique est de 9999 euros pour tous, vélo électrique prime prime.' }],
    collection: 'web',
  },
];

describeEachDatabase('indexed collections: the web collection left out', (ctx) => {
  let app: AppContext;
  let officiel: number;
  let web: number;
  const urls = async (found: Promise<{ data: Array<{ document: { url: string } }> }>) => (await found).data.map((h) => h.document.url);

  beforeAll(async () => {
    const { collections } = await loadTestCorpus(ctx.db, DOCS);
    officiel = collections.get('officiel')!;
    web = collections.get('web')!;
    resetSearchStatistics(ctx.db);
    app = { db: ctx.db, config: loadConfig({ DATA_DIR: 'memory://' }), log: pino({ level: 'silent' }), services: new Map() };
  });

  it('serves no kept web page to a search of the indexed sources, in every mode and for every caller', async () => {
    for (const mode of ['hybrid', 'lexical', 'vector'] as const) {
      for (const allowed of [null, [officiel, web]]) {
        const found = await urls(search(app, { query: 'prime vélo électrique', mode, allowedCollections: allowed }));
        expect(found, `${mode} ${JSON.stringify(allowed)}`).toEqual([OFFICIEL]);
      }
    }
    // the kept pages themselves are still searched where web search asks for them
    expect(await urls(searchAnyCollection(app, { query: 'prime vélo électrique', allowedCollections: [web] }))).toEqual([BLOG]);
  });

  it('leaves it out of evaluation runs, and at once where the engine has internet search', async () => {
    const ranked = await searchBackend(app, null)('prime vélo électrique', { k: 10, mode: 'hybrid' } as never, new AbortController().signal);
    expect(ranked.urls).toEqual([OFFICIEL]);
    const capability = { webCollectionId: async () => web } as unknown as WebSearchCapability;
    const withWeb = { ...app, services: new Map([[WEB_SEARCH_SERVICE, Promise.resolve(capability)]]) };
    expect(await urls(search(withWeb, { query: 'prime vélo électrique', allowedCollections: null }))).toEqual([OFFICIEL]);
  });
});
