/**
 * A small French corpus written through the index store (as the indexer writes it), with hash
 * embeddings, for the search tests. Each document names what it is there to prove.
 */
import type { Database } from '@cite/core/db/database.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import type { IndexPlacement } from '@cite/index/documents-repo.js';
import { seedDocuments } from '@cite/index/seed-documents.js';

export interface TestDoc {
  url: string;
  title: string;
  chunks: Array<{ text: string; heading?: string[] }>;
  metadata?: Record<string, unknown>;
  collection?: string;
  modifiedAt?: string;
}

const filler = [
  'Le salarié travaille dans une entreprise selon son contrat de travail.',
  "L'employeur verse le salaire du salarié chaque mois.",
  'Le salarié et l’employeur respectent le règlement intérieur.',
];

export const TEST_DOCS: TestDoc[] = [
  // common-word documents: "salarié" everywhere, so it carries little weight
  ...Array.from({ length: 12 }, (_, i) => ({
    url: `https://exemple.gouv.fr/salaries/${i}`,
    title: `Vie du salarié ${i}`,
    chunks: [{ text: `${filler[i % 3]} ${filler[(i + 1) % 3]} Le salarié salarié ${'salarié '.repeat(i % 3)}` }],
    metadata: { theme: i % 2 ? 'emploi' : 'paie' },
  })),
  {
    url: 'https://exemple.gouv.fr/prudhommes',
    title: 'Saisir le conseil',
    chunks: [{ text: 'Le salarié peut saisir le conseil de prud’hommes en cas de litige avec son employeur.' }],
    metadata: { theme: 'litige', tags: ['justice', 'conflit'] },
  },
  {
    url: 'https://exemple.gouv.fr/conges-payes',
    title: 'Congés payés',
    chunks: [
      { text: 'Chaque salarié a droit à des congés payés : 2,5 jours ouvrables par mois de travail effectif.', heading: ['Durée'] },
      { text: 'La période de prise des congés est fixée par accord ou par l’employeur.', heading: ['Période de prise'] },
      { text: 'Les congés non pris peuvent être reportés dans certains cas, notamment la maladie.', heading: ['Report'] },
    ],
    metadata: { audiences: ['Particuliers', 'Professionnels'], theme: 'conges' },
    collection: 'service-public',
  },
  {
    url: 'https://exemple.gouv.fr/preavis-demission',
    title: 'Démission du salarié',
    chunks: [{ text: 'Le préavis de démission dépend de la convention collective. Un préavis est dû sauf dispense.' }],
    metadata: { audiences: ['Particuliers'], theme: 'depart' },
    collection: 'service-public',
    modifiedAt: '2020-01-01T00:00:00Z',
  },
  {
    // "préavis" only in the body, same body length as the title one above
    url: 'https://exemple.gouv.fr/article-preavis',
    title: 'Article L1237-1',
    chunks: [{ text: 'Le préavis de démission dépend de la convention collective. Un délai est dû sauf dispense.' }],
    metadata: { in_force: true, code: 'Code du travail' },
    modifiedAt: '2024-06-01T00:00:00Z',
  },
  {
    url: 'https://exemple.gouv.fr/ancien-article',
    title: 'Article L122-9 (abrogé)',
    chunks: [{ text: 'Ancienne indemnité de licenciement calculée selon l’ancienneté du salarié.' }],
    metadata: { in_force: false, code: 'Code du travail' },
    modifiedAt: '2008-05-01T00:00:00Z',
  },
  {
    url: 'https://exemple.gouv.fr/indemnite-licenciement',
    title: 'Indemnité de licenciement',
    chunks: [{ text: 'L’indemnité légale de licenciement est due au salarié licencié après huit mois d’ancienneté.' }],
    metadata: { in_force: true, code: 'Code du travail' },
    modifiedAt: '2023-01-01T00:00:00Z',
  },
];

/** Indexes the corpus; returns collection ids by name and document ids by URL. */
export async function loadTestCorpus(db: Database, docs: TestDoc[] = TEST_DOCS, options: { placement?: IndexPlacement } = {}) {
  const embedder = new HashEmbedder();
  const collections = new Map<string, number>();
  for (const d of docs) {
    const name = d.collection ?? 'general';
    if (collections.has(name)) continue;
    const { rows } = await db.query<{ id: string }>(
      'INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id',
      [name],
    );
    collections.set(name, Number(rows[0]!.id));
  }
  const ids = await seedDocuments(
    db,
    embedder,
    docs.map((d) => ({
      collectionId: collections.get(d.collection ?? 'general')!,
      url: d.url,
      title: d.title,
      metadata: d.metadata ?? {},
      modifiedAt: d.modifiedAt ?? null,
      chunks: d.chunks.map((c) => ({ text: c.text, headingPath: c.heading ?? [], tokenCount: c.text.split(/\s+/).length })),
    })),
    options.placement ? { placement: options.placement } : {},
  );
  const documents = new Map(docs.map((d, i) => [d.url, ids[i]!]));
  return { collections, documents, embedder };
}
