/**
 * Test fixtures for evaluation runs on the real search: a few French documents, one chunk each,
 * indexed with the hash embedder (what `cite ingest` stores, without the extraction pipeline).
 */
import type { Queryable } from '../db/database.js';
import { vectorToSql } from '../embeddings/embedder.js';
import { HashEmbedder } from '../embeddings/hash-embedder.js';

export const SP = (f: string) => `https://www.service-public.fr/particuliers/vosdroits/${f}`;

export const FIXTURE_DOCS = [
  { url: SP('F2883'), title: 'Démission d’un salarié', text: 'Le salarié en CDI qui démissionne doit respecter un préavis. La durée du préavis de démission est fixée par la convention collective ou l’usage.' },
  { url: SP('F1911'), title: 'Congé de maternité', text: 'La salariée enceinte a droit à un congé de maternité de 16 semaines pour le premier enfant, avec des indemnités journalières de la sécurité sociale.' },
  { url: SP('F2301'), title: 'Treizième mois', text: 'Le treizième mois est une prime versée en fin d’année lorsque le contrat de travail ou la convention collective le prévoit.' },
  { url: SP('F19030'), title: 'Rupture conventionnelle', text: 'La rupture conventionnelle permet à l’employeur et au salarié en CDI de convenir ensemble des conditions de la fin du contrat de travail.' },
  { url: SP('F2238'), title: 'Heures supplémentaires', text: 'Les heures supplémentaires sont les heures de travail accomplies au-delà de la durée légale de 35 heures par semaine. Elles sont majorées.' },
];

export async function seedDocuments(db: Queryable, docs = FIXTURE_DOCS): Promise<void> {
  const embedder = new HashEmbedder();
  const { rows } = await db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('travail') ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`);
  for (const d of docs) {
    const doc = await db.query<{ id: string }>(
      `INSERT INTO documents (collection_id, url, title, format, content_hash, chunk_count) VALUES ($1, $2, $3, 'html', md5($4), 1) RETURNING id`,
      [rows[0]!.id, d.url, d.title, d.text],
    );
    const [v] = await embedder.embedDocuments([`${d.title}\n${d.text}`]);
    await db.query(`INSERT INTO chunks (document_id, ord, text, context, token_count, hash, embedding) VALUES ($1, 0, $2, $3, 40, md5($2), $4)`, [doc.rows[0]!.id, d.text, d.title, vectorToSql(v!)]);
  }
  await db.query(`INSERT INTO settings (key, value) VALUES ('embedding', $1) ON CONFLICT (key) DO NOTHING`, [JSON.stringify({ id: embedder.id, dimension: embedder.dimension })]);
}
