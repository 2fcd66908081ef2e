/**
 * Synonym lists applied by the lexical branch, on a real database (both modes): a document using only the
 * acronym is found by the long form and the other way round, a multi-word alternative counts only when all
 * its words are there, the query's own words rank first, a change applies without re-indexing (on this
 * engine at once, on another replica within a second), and lists apply only to their collections.
 */
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { resetSearchStatistics, searchWith, type SearchDeps, type SearchInput } from '../search-service.js';
import { loadTestCorpus, type TestDoc } from '../test-corpus.js';
import { indexBacklog } from '@cite/index/documents-repo.js';
import { changeSynonymList, createSynonymList } from './synonym-lists.js';

const config = loadConfig({ DATA_DIR: 'memory://' });
const U = (p: string) => `https://exemple.gouv.fr/${p}`;
const DOCS: TestDoc[] = [
  { url: U('acronyme'), title: 'Élections du CSE', chunks: [{ text: 'Le CSE est élu tous les quatre ans par les salariés.' }], collection: 'travail' },
  { url: U('forme-longue'), title: 'Attributions', chunks: [{ text: 'Le comité social et économique présente les réclamations des salariés.' }], collection: 'travail' },
  // "comité" and "social" without "économique": not the long form
  { url: U('partiel'), title: 'Comité des fêtes', chunks: [{ text: 'Le comité organise un repas social chaque année.' }], collection: 'travail' },
  // "contrat", "durée", "indéterminée" without "à"
  { url: U('cdi'), title: 'Embauche', chunks: [{ text: 'La durée du contrat est indéterminée.' }], collection: 'travail' },
  { url: U('smic'), title: 'Montant du SMIC', chunks: [{ text: 'Le SMIC horaire est revalorisé chaque année au 1er janvier.' }], collection: 'paie' },
  { url: U('salaire-minimum'), title: 'Rémunération', chunks: [{ text: 'Le salaire minimum interprofessionnel de croissance garantit un revenu.' }], collection: 'paie' },
  ...Array.from({ length: 8 }, (_, i) => ({ url: U(`autre-${i}`), title: `Fiche ${i}`, chunks: [{ text: 'Le salarié travaille selon son contrat de travail.' }], collection: 'travail' })),
];

describeEachDatabase('synonyms in search', (ctx) => {
  let deps: SearchDeps;
  let ids: Awaited<ReturnType<typeof loadTestCorpus>>;
  const urls = async (q: string, extra: Partial<SearchInput> = {}) =>
    (await searchWith(deps, { query: q, allowedCollections: null, mode: 'lexical', ...extra })).data.map((h) => h.document.url);

  beforeAll(async () => {
    ids = await loadTestCorpus(ctx.db, DOCS);
    deps = { db: ctx.db, embedder: new HashEmbedder(), config };
    resetSearchStatistics(ctx.db);
  });

  it('finds the acronym by the long form and the long form by the acronym, the query’s own words first', async () => {
    expect(await urls('CSE')).toEqual([U('acronyme')]);
    expect(await urls('comité social et économique')).not.toContain(U('acronyme'));
    const list = await createSynonymList(ctx.db, { name: 'acronymes', collection_id: null, content: '# acronymes\nCSE, comité social et économique', enabled: true });
    expect(await urls('CSE')).toEqual([U('acronyme'), U('forme-longue')]);
    const longForm = await urls('comités sociaux et économiques');
    expect(longForm.slice(0, 2)).toEqual([U('forme-longue'), U('acronyme')]);
    expect(longForm).toContain(U('partiel')); // its own words "comité", "social" still count, ranked after
    // the hybrid mode searches the same groups in its lexical branch
    expect((await urls('CSE', { mode: 'hybrid' })).slice(0, 2)).toEqual([U('acronyme'), U('forme-longue')]);
    await changeSynonymList(ctx.db, list.id, { enabled: false });
    expect(await urls('CSE')).toEqual([U('acronyme')]);
  });

  it('counts a multi-word alternative only where all its words are', async () => {
    await createSynonymList(ctx.db, { name: 'mapping', collection_id: null, content: 'cse => comité social et économique', enabled: true });
    const found = await urls('cse');
    // a mapping replaces the acronym by the long form
    expect(found).toEqual([U('forme-longue')]);
    expect(found).not.toContain(U('partiel'));
  });

  it('leaves the stop words of an alternative out, accented ones too ("à" folds to "a", which is indexed)', async () => {
    expect(await urls('CDI')).toEqual([]);
    const list = await createSynonymList(ctx.db, { name: 'contrats', collection_id: null, content: 'CDI, contrat à durée indéterminée', enabled: true });
    expect(await urls('CDI')).toEqual([U('cdi')]);
    await changeSynonymList(ctx.db, list.id, { enabled: false });
  });

  it('applies a list changed by another replica within a second, without re-indexing', async () => {
    expect(await urls('SMIC')).toEqual([U('smic')]);
    // another engine's write: straight into the table, this engine's cache is not told
    await ctx.db.query(`INSERT INTO synonym_lists (name, collection_id, content) VALUES ('smic', $1, 'smic, salaire minimum interprofessionnel de croissance')`, [
      ids.collections.get('paie'),
    ]);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await urls('SMIC')).toEqual([U('smic'), U('salaire-minimum')]);
  });

  it('applies a collection’s list only to searches of that collection (and the global lists everywhere)', async () => {
    const paie = ids.collections.get('paie')!;
    const travail = ids.collections.get('travail')!;
    expect(await urls('SMIC', { allowedCollections: [paie] })).toEqual([U('smic'), U('salaire-minimum')]);
    expect(await urls('SMIC', { filters: { collections: ['paie'] } })).toEqual([U('smic'), U('salaire-minimum')]);
    // a key limited to "travail" gets the global lists and travail's, not paie's
    await createSynonymList(ctx.db, { name: 'remuneration', collection_id: paie, content: 'paie, réclamations', enabled: true });
    expect(await urls('paie', { allowedCollections: [travail] })).toEqual([]);
    expect(await urls('paie')).toEqual([U('forme-longue')]);
    // the global mapping still applies to travail
    expect(await urls('cse', { allowedCollections: [travail] })).toEqual([U('forme-longue')]);
  });

  it('finds chunks whose postings still wait in the backlog through a list, scored as once written', async () => {
    const { collections } = await loadTestCorpus(
      ctx.db,
      [
        { url: U('attente-rtt'), title: 'Jours de RTT', chunks: [{ text: 'Les jours de RTT sont fixés par accord.' }], collection: 'attente' },
        { url: U('attente-reduction'), title: 'Durée', chunks: [{ text: 'La réduction du temps de travail compense les heures au-delà de la durée légale.' }], collection: 'attente' },
        { url: U('attente-partiel'), title: 'Coûts', chunks: [{ text: 'La réduction des coûts est un objectif.' }], collection: 'attente' },
      ],
      { placement: 'postings-backlog' },
    );
    const attente = collections.get('attente')!;
    await createSynonymList(ctx.db, { name: 'rtt', collection_id: attente, content: 'RTT, réduction du temps de travail', enabled: true });
    const scored = async () =>
      (await searchWith(deps, { query: 'RTT', allowedCollections: [attente], mode: 'lexical' })).data.map((h) => `${h.document.url} ${h.score.toFixed(9)}`);
    const waiting = await scored();
    expect(waiting.map((h) => h.split(' ')[0])).toEqual([U('attente-rtt'), U('attente-reduction')]);
    while ((await indexBacklog(ctx.db, 100)).postings > 0);
    expect(await scored()).toEqual(waiting);
  });

  it('reads a word of a list’s term to twice SEARCH_TERM_DEPTH postings, best first, not to the end', async () => {
    // "contrat" in 260 chunks; the short chunk holds it with a better impact than all of them, the long one
    // with a worse one
    const filler = 'Le contrat de travail du salarié précise ses fonctions, son lieu de travail et ses horaires.';
    const long =
      'Le salarié a reçu ses fonctions, son lieu de travail, ses horaires, ses congés, sa mutuelle, sa formation, sa prévoyance ' +
      'et le règlement intérieur de l’entreprise. Un contrat à durée déterminée précédait son embauche.';
    const { collections } = await loadTestCorpus(ctx.db, [
      ...Array.from({ length: 260 }, (_, i) => ({ url: U(`profondeur-${i}`), title: `Embauche ${i}`, chunks: [{ text: filler }], collection: 'profondeur' })),
      { url: U('profondeur-court'), title: 'CDD', chunks: [{ text: 'Un contrat à durée déterminée.' }], collection: 'profondeur' },
      { url: U('profondeur-long'), title: 'Embauche', chunks: [{ text: long }], collection: 'profondeur' },
    ]);
    const profondeur = collections.get('profondeur')!;
    await createSynonymList(ctx.db, { name: 'cdd', collection_id: profondeur, content: 'CDD, contrat à durée déterminée', enabled: true });
    const found = async (termDepth: number) =>
      (
        await searchWith(
          { ...deps, config: { ...config, SEARCH_TERM_DEPTH: termDepth } },
          { query: 'CDD', allowedCollections: [profondeur], mode: 'lexical', k: 50 },
        )
      ).data.map((h) => h.document.url);
    // 200 postings of "contrat" read: the short chunk's among them, the long one's past them
    expect(await found(100)).toEqual([U('profondeur-court')]);
    // deeper, every posting of "contrat": both, the short one first
    expect(await found(200)).toEqual([U('profondeur-court'), U('profondeur-long')]);
  });
});
