import type { Queryable } from '@cite/core/db/database.js';

/**
 * Lexemes whose df in a collection, as search reads it (search_term_df_by_collection: search_terms plus
 * the postings backlog), differs from a count of that collection's chunks' own text vectors, as
 * `lexeme@collection: kept ≠ counted`, followed by postingCollectionErrors. Empty when IDF is exact, for the
 * whole index and for every collection, and every posting is filed under its chunk's collection.
 */
export async function termCountErrors(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ lexeme: string; collection_id: number; kept: number | null; counted: number | null }>(
    `SELECT coalesce(k.lexeme, c.lexeme) AS lexeme, coalesce(k.collection_id, c.collection_id) AS collection_id,
            k.df AS kept, c.df AS counted
       FROM (SELECT lexeme, collection_id, df FROM search_term_df_by_collection WHERE df <> 0) k
       FULL JOIN (SELECT u.lexeme, d.collection_id, count(*)::int AS df
                    FROM chunks ch JOIN documents d ON d.id = ch.document_id, unnest(ch.tsv) u
                   GROUP BY u.lexeme, d.collection_id) c
         ON c.lexeme = k.lexeme AND c.collection_id = k.collection_id
      WHERE k.df IS DISTINCT FROM c.df
      ORDER BY 1, 2`,
  );
  return [...rows.map((r) => `${r.lexeme}@${r.collection_id}: ${r.kept ?? 0} ≠ ${r.counted ?? 0}`), ...(await postingCollectionErrors(db))];
}

/**
 * Postings whose collection (migration 0320) is not their chunk's document's, as `lexeme#chunk: kept ≠
 * actual`, and postings of chunks that are gone. Empty when a limited key's lexical branch reads exactly its
 * own collections' postings.
 */
export async function postingCollectionErrors(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ lexeme: string; chunk_id: number; kept: number; actual: number | null }>(
    `SELECT sp.lexeme, sp.chunk_id, sp.collection_id AS kept, d.collection_id AS actual
       FROM search_postings sp LEFT JOIN chunks c ON c.id = sp.chunk_id LEFT JOIN documents d ON d.id = c.document_id
      WHERE d.collection_id IS DISTINCT FROM sp.collection_id
      ORDER BY 1, 2`,
  );
  return rows.map((r) => `${r.lexeme}#${r.chunk_id}: ${r.kept} ≠ ${r.actual ?? 'no chunk'}`);
}
