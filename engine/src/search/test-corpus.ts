/**
 * A small French corpus written straight into documents/chunks (as the indexer would), with hash
 * embeddings, for the search tests. Each document names what it is there to prove.
 */
import type { Database } from '../db/database.js';
import { vectorToSql } from '../embeddings/embedder.js';
import { HashEmbedder } from '../embeddings/hash-embedder.js';

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

/** Inserts the corpus; returns collection ids by name and document ids by URL. */
export async function loadTestCorpus(db: Database, docs: TestDoc[] = TEST_DOCS) {
  const embedder = new HashEmbedder();
  const collections = new Map<string, number>();
  const documents = new Map<string, number>();
  for (const d of docs) {
    const name = d.collection ?? 'general';
    if (!collections.has(name)) {
      const { rows } = await db.query<{ id: string }>(
        'INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id',
        [name],
      );
      collections.set(name, Number(rows[0]!.id));
    }
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO documents (collection_id, url, title, format, content_hash, metadata, modified_at)
       VALUES ($1, $2, $3, 'text', 'h', $4, $5) RETURNING id`,
      [collections.get(name), d.url, d.title, JSON.stringify(d.metadata ?? {}), d.modifiedAt ?? null],
    );
    const docId = Number(rows[0]!.id);
    documents.set(d.url, docId);
    const vectors = await embedder.embedDocuments(d.chunks.map((c) => `${d.title} ${c.heading?.join(' ') ?? ''}\n${c.text}`));
    for (const [i, c] of d.chunks.entries()) {
      await db.query(
        `INSERT INTO chunks (document_id, ord, text, heading_path, context, token_count, hash, embedding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::vector)`,
        [docId, i, c.text, c.heading ?? [], [d.title, ...(c.heading ?? [])].join(' > '), c.text.split(/\s+/).length, `h${i}`, vectorToSql(vectors[i]!)],
      );
    }
  }
  return { collections, documents, embedder };
}
