/** Reads of the `web` collection's documents for internet search (written only through the indexing path). */
import type { Queryable } from '@cite/core/db/database.js';

export interface StoredWebPage {
  document_id: number;
  url: string;
  fetched_at: string;
}

/** Active documents of the collection at these URLs, fetched within `freshHours` (null: whatever their age). */
export async function storedWebPages(db: Queryable, collectionId: number, urls: string[], freshHours: number | null): Promise<Map<string, StoredWebPage>> {
  const out = new Map<string, StoredWebPage>();
  if (urls.length === 0) return out;
  const { rows } = await db.query<{ id: string | number; url: string; fetched_at: Date | string }>(
    `SELECT id, url, fetched_at FROM documents
      WHERE collection_id = $1 AND url = ANY($2::text[]) AND status = 'active' AND fetched_at IS NOT NULL
        AND ($3::int IS NULL OR fetched_at > now() - make_interval(hours => $3::int))`,
    [collectionId, urls, freshHours],
  );
  for (const r of rows) out.set(r.url, { document_id: Number(r.id), url: r.url, fetched_at: new Date(r.fetched_at).toISOString() });
  return out;
}
