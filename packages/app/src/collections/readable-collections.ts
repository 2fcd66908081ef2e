/**
 * The collections a caller may read, for readers (agents and their tools): names to pass as search
 * filters, with how many documents each holds. A key limited to some collections lists only those.
 */
import type { Queryable } from '@cite/core/db/database.js';

export interface ReadableCollection {
  id: number;
  name: string;
  description: string;
  documents: number;
}

/** `within`: the caller's collections (null = all). */
export async function readableCollections(db: Queryable, within: readonly number[] | null): Promise<ReadableCollection[]> {
  const { rows } = await db.query<{ id: number | string; name: string; description: string; documents: number | string }>(
    `SELECT c.id, c.name, c.description, count(d.id) FILTER (WHERE d.status = 'active') AS documents
       FROM collections c
       LEFT JOIN documents d ON d.collection_id = c.id
      WHERE $1::bigint[] IS NULL OR c.id = ANY($1::bigint[])
      GROUP BY c.id
      ORDER BY c.name`,
    [within],
  );
  return rows.map((r) => ({ id: Number(r.id), name: r.name, description: r.description, documents: Number(r.documents) }));
}
