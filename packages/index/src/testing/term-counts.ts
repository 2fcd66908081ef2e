import type { Queryable } from '@cite/core/db/database.js';

/**
 * Lexemes whose df in a collection, as search reads it (search_term_df_by_collection: search_terms plus
 * the postings backlog), differs from a count of that collection's chunks' own text vectors, as
 * `lexeme@collection: kept ≠ counted`. Empty when IDF is exact, for the whole index and for every collection.
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
  return rows.map((r) => `${r.lexeme}@${r.collection_id}: ${r.kept ?? 0} ≠ ${r.counted ?? 0}`);
}
