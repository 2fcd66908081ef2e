/** SQL of web-aware retrieval: the collections indexed sources come from. */
import type { Queryable } from '@cite/core/db/database.js';

/** Every collection but `excluded` (an unrestricted key's indexed sources, the `web` collection left out). */
export async function collectionIdsExcept(db: Queryable, excluded: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string | number }>(`SELECT id FROM collections WHERE id <> $1 ORDER BY id`, [excluded]);
  return rows.map((r) => Number(r.id));
}
