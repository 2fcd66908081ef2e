/**
 * The `web` collection: the pages internet search read for a key's questions (issue 22), purged after
 * RETENTION_WEB_DAYS. Its name is reserved. Searches of the indexed sources leave it out for every caller
 * and every entry point (a page fetched for one key's question is not served to keys that did not ask for
 * the web), and no ingestion, upload or source writes into it: their documents would vanish from search
 * and be purged as web pages.
 */
import type { Queryable } from '@cite/core/db/database.js';
import { badRequest } from '@cite/core/errors.js';

export const WEB_COLLECTION = 'web';

/** The web collection's id, created when missing: for internet search only. */
export async function webCollection(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ id: number | string }>(
    `INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [WEB_COLLECTION],
  );
  return Number(rows[0]!.id);
}

/** The web collection's id, or null while internet search has kept nothing. */
export async function findWebCollection(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ id: number | string }>(`SELECT id FROM collections WHERE name = $1`, [WEB_COLLECTION]);
  return rows[0] ? Number(rows[0].id) : null;
}

/** Refuses the web collection as where an ingestion, an upload or a source writes. */
export function refuseWebCollection(name: string): void {
  if (name === WEB_COLLECTION) {
    throw badRequest(
      'COLLECTION_RESERVED',
      `The collection "${WEB_COLLECTION}" holds the pages internet search reads and is purged after RETENTION_WEB_DAYS; ` +
        'choose another name',
    );
  }
}
