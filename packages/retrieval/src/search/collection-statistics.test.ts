import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { indexBacklog, markDocumentsDeleted } from '@cite/index/documents-repo.js';
import { seedDocuments, type SeedDocument } from '@cite/index/seed-documents.js';
import { termCountErrors } from '@cite/index/testing/term-counts.js';
import { resetSearchStatistics, searchWith, type SearchDeps, type SearchInput } from './search-service.js';

const config = loadConfig({ DATA_DIR: 'memory://' });

// The probe's finding: a key limited to its collection learned that another collection names Durand, because
// "durand" scored below an invented word of the same chunk (BM25's IDF counted every collection's chunks).
describeEachDatabase('BM25 statistics of a key limited to some collections', (ctx) => {
  let deps: SearchDeps;
  let mine: number;
  let theirs: number;
  const embedder = new HashEmbedder();
  const newCollection = async (name: string) =>
    Number((await ctx.db.query<{ id: string }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [name])).rows[0]!.id);
  const doc = (collectionId: number, slug: string, text: string): SeedDocument => ({
    collectionId, url: `https://${slug}.example.fr/`, title: 'Dossier', chunks: [{ text }],
  });
  /** Each hit's lexical score by URL, as the search returns it (debug ranks). */
  const scores = async (query: string, extra: Partial<SearchInput>) => {
    resetSearchStatistics(ctx.db);
    const res = await searchWith(deps, { query, mode: 'lexical', k: 50, debug: true, allowedCollections: null, ...extra });
    return Object.fromEntries(res.data.map((h) => [h.document.url, h.ranks!.lexical!.score]));
  };
  const limited = () => ({ allowedCollections: [mine] });

  beforeAll(async () => {
    deps = { db: ctx.db, embedder, config };
    mine = await newCollection('mine');
    theirs = await newCollection('theirs');
    await seedDocuments(ctx.db, embedder, [
      doc(mine, 'a', 'Le dossier de monsieur Durand et le dossier Xqzvwk sont instruits par le service.'),
      doc(mine, 'b', 'Le service instruit les dossiers dans un délai de deux mois.'),
    ]);
  });

  it("scores a limited key's chunks the same whatever the other collections hold", async () => {
    const before = {
      durand: await scores('durand', limited()),
      invented: await scores('xqzvwk', limited()),
      service: await scores('dossier service', limited()),
    };
    expect(before.durand['https://a.example.fr/']).toBeGreaterThan(0);
    // the same chunk, the same frequencies: the two words weigh the same when only "mine" is counted
    expect(before.durand['https://a.example.fr/']).toBeCloseTo(before.invented['https://a.example.fr/']!, 10);
    const unrestricted = await scores('durand', {});

    // the other collection names Durand: written chunks, and chunks whose postings wait in the backlog
    await seedDocuments(ctx.db, embedder, Array.from({ length: 6 }, (_, i) => doc(theirs, `t${i}`, `Le dossier Durand numéro ${i} du service.`)));
    await seedDocuments(ctx.db, embedder, Array.from({ length: 4 }, (_, i) => doc(theirs, `w${i}`, `Monsieur Durand relance le service, dossier ${i}.`)), {
      placement: 'postings-backlog',
    });
    for (const extra of [limited(), { ...limited(), filters: { collections: [mine] } }]) {
      expect(await scores('durand', extra)).toEqual(before.durand);
      expect(await scores('xqzvwk', extra)).toEqual(before.invented);
      expect(await scores('dossier service', extra)).toEqual(before.service);
    }
    // what the fix is about: the whole index's counts do move (the test would see a leak)
    const everywhere = await scores('durand', {});
    expect(everywhere['https://a.example.fr/']).toBeLessThan(unrestricted['https://a.example.fr/']!);
    expect(await termCountErrors(ctx.db)).toEqual([]);

    // the same once the waiting chunks are written
    while ((await indexBacklog(ctx.db, 2)).postings > 0);
    expect(await scores('durand', limited())).toEqual(before.durand);
    expect(await termCountErrors(ctx.db)).toEqual([]);
  });

  it('ranks and fuses a hybrid search of a limited key the same whatever the other collections hold', async () => {
    // one word each, the shorter chunk first: the order the words' weights give when only "mine" is counted
    await seedDocuments(ctx.db, embedder, [
      doc(mine, 'c', 'Monsieur Quimbert a écrit.'),
      doc(mine, 'd', 'Le bureau Yrvald a répondu à la lettre envoyée la semaine dernière par courrier recommandé.'),
    ]);
    const hybrid = async (allowedCollections: number[] | null) => {
      resetSearchStatistics(ctx.db);
      return (await searchWith(deps, { query: 'Quimbert Yrvald', mode: 'hybrid', k: 50, allowedCollections })).data.map((h) => [h.document.url, h.score]);
    };
    const before = await hybrid([mine]);
    expect(before.slice(0, 2).map(([url]) => url)).toEqual(['https://c.example.fr/', 'https://d.example.fr/']);
    const unrestricted = await hybrid(null);
    // many chunks of the other collection name Quimbert: its weight falls below Yrvald's in the whole index
    await seedDocuments(ctx.db, embedder, Array.from({ length: 8 }, (_, i) => doc(theirs, `h${i}`, `Quimbert ${i} : le service répond.`)));
    expect(await hybrid([mine])).toEqual(before);
    expect(await hybrid(null)).not.toEqual(unrestricted);
  });

  describe('counts kept per collection', () => {
    it('stay exact through deletes of written and waiting chunks, and of a whole collection', async () => {
      const gone = await newCollection('gone');
      const ids = await seedDocuments(ctx.db, embedder, [doc(gone, 'g0', 'Le dossier Durand est clos.'), doc(gone, 'g1', 'Le dossier Martin est clos.')]);
      const waiting = await seedDocuments(ctx.db, embedder, [doc(gone, 'g2', 'Le dossier Durand attend.')], { placement: 'postings-backlog' });
      expect(await termCountErrors(ctx.db)).toEqual([]);
      await markDocumentsDeleted(ctx.db, [ids[0]!, waiting[0]!]);
      expect(await termCountErrors(ctx.db)).toEqual([]);
      await seedDocuments(ctx.db, embedder, [doc(gone, 'g3', 'Le dossier Durand attend encore.')], { placement: 'postings-backlog' });
      // collections are not deleted by the engine; an administrator's SQL may: the counts follow it
      await ctx.db.query('DELETE FROM collections WHERE id = $1', [gone]);
      expect(await termCountErrors(ctx.db)).toEqual([]);
      const { rows } = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM search_terms WHERE collection_id = $1 AND df > 0', [gone]);
      expect(rows[0]!.n).toBe(0);
    });
  });
});

// The lexical branch reads each term's best postings (SEARCH_TERM_DEPTH, 100 here); with a word far more
// common elsewhere, those were all another collection's, and a limited key's own chunk had no lexical vote.
describeEachDatabase("the lexical branch of a key limited to a collection that another one's postings outrank", (ctx) => {
  const shallow = loadConfig({ DATA_DIR: 'memory://', SEARCH_TERM_DEPTH: '100' });
  const embedder = new HashEmbedder();
  let mine: number;
  let theirs: number;
  let sources: number;
  const ownUrl = 'https://mine.example.fr/preavis';
  const lexical = async (extra: Partial<SearchInput>) => {
    resetSearchStatistics(ctx.db);
    const res = await searchWith({ db: ctx.db, embedder, config: shallow }, { query: 'préavis', mode: 'lexical', k: 10, debug: true, allowedCollections: null, ...extra });
    return res.data.map((h) => [h.document.url, h.ranks!.lexical!.score]);
  };

  beforeAll(async () => {
    const id = async (sql: string, params: unknown[]) => Number((await ctx.db.query<{ id: string }>(sql, params)).rows[0]!.id);
    mine = await id('INSERT INTO collections (name) VALUES ($1) RETURNING id', ['mine']);
    theirs = await id('INSERT INTO collections (name) VALUES ($1) RETURNING id', ['theirs']);
    sources = await id(`INSERT INTO sources (name, collection_id, kind) VALUES ('fiches', $1, 'website') RETURNING id`, [mine]);
    // one word among many: a low impact, below every posting of the other collection's short chunks
    const long = 'Le salarié qui démissionne doit respecter un préavis dont la durée dépend de la convention collective, '
      + "de l'ancienneté et de la catégorie professionnelle, sauf dispense accordée par écrit par son employeur.";
    await seedDocuments(ctx.db, embedder, [{ collectionId: mine, sourceId: sources, url: ownUrl, title: 'Démission', chunks: [{ text: long }] }]);
  });

  it("finds the key's own chunk, scored as if the other collection held nothing", async () => {
    const alone = await lexical({ allowedCollections: [mine] });
    expect(alone.map(([url]) => url)).toEqual([ownUrl]);
    // 600 chunks of the other collection, each "préavis" twice in a few words: more than the 100 best
    // postings read per term, and more than the 500 read when filtered, all above the key's own
    await seedDocuments(
      ctx.db,
      embedder,
      Array.from({ length: 600 }, (_, i) => ({ collectionId: theirs, url: `https://theirs.example.fr/${i}`, title: `Note ${i}`, chunks: [{ text: `Préavis ${i} : préavis court.` }] })),
    );
    // and one whose postings wait in the backlog: read from it, filed under its collection too
    await seedDocuments(ctx.db, embedder, [{ collectionId: theirs, url: 'https://theirs.example.fr/attente', title: 'Attente', chunks: [{ text: 'Préavis, préavis, préavis.' }] }], {
      placement: 'postings-backlog',
    });
    const everyone = await lexical({});
    expect(everyone).toHaveLength(10);
    expect(everyone[0]![0]).toBe('https://theirs.example.fr/attente');
    expect(everyone.map(([url]) => url)).not.toContain(ownUrl);

    for (const extra of [
      { allowedCollections: [mine] },
      { filters: { collections: [mine] } },
      { allowedCollections: [mine, theirs], filters: { collections: [mine] } },
      // a filter the postings do not carry, beside the collection
      { allowedCollections: [mine], filters: { sources: [sources] } },
    ] satisfies Partial<SearchInput>[]) {
      const found = await lexical(extra);
      expect(found.map(([url]) => url), JSON.stringify(extra)).toEqual([ownUrl]);
      if (extra.allowedCollections?.length === 1) expect(found).toEqual(alone);
    }
    expect(await termCountErrors(ctx.db)).toEqual([]);
  });
});
