/**
 * Test fixtures for evaluation runs on the real search: a few French documents, one chunk each,
 * indexed with the hash embedder through the index store (what `cite ingest` stores, without the
 * extraction pipeline).
 */
import type { Database } from '@cite/core/db/database.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments as indexDocuments } from '@cite/index/seed-documents.js';

export const SP = (f: string) => `https://www.service-public.fr/particuliers/vosdroits/${f}`;

export const FIXTURE_DOCS = [
  { url: SP('F2883'), title: 'Démission d’un salarié', text: 'Le salarié en CDI qui démissionne doit respecter un préavis. La durée du préavis de démission est fixée par la convention collective ou l’usage.' },
  { url: SP('F1911'), title: 'Congé de maternité', text: 'La salariée enceinte a droit à un congé de maternité de 16 semaines pour le premier enfant, avec des indemnités journalières de la sécurité sociale.' },
  { url: SP('F2301'), title: 'Treizième mois', text: 'Le treizième mois est une prime versée en fin d’année lorsque le contrat de travail ou la convention collective le prévoit.' },
  { url: SP('F19030'), title: 'Rupture conventionnelle', text: 'La rupture conventionnelle permet à l’employeur et au salarié en CDI de convenir ensemble des conditions de la fin du contrat de travail.' },
  { url: SP('F2238'), title: 'Heures supplémentaires', text: 'Les heures supplémentaires sont les heures de travail accomplies au-delà de la durée légale de 35 heures par semaine. Elles sont majorées.' },
];

export async function seedDocuments(db: Database, docs = FIXTURE_DOCS): Promise<void> {
  const { rows } = await db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('travail') ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`);
  const collectionId = Number(rows[0]!.id);
  await indexDocuments(
    db,
    new HashEmbedder(),
    docs.map((d) => ({ collectionId, url: d.url, title: d.title, format: 'html', chunks: [{ text: d.text, context: d.title, tokenCount: 40 }] })),
  );
}
