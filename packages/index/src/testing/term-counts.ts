import type { Queryable } from '@cite/core/db/database.js';

/**
 * Lexemes whose df, as search reads it (search_term_df: search_terms plus the postings backlog), differs
 * from a count of the chunks' own text vectors, as `lexeme: kept ≠ counted`. Empty when IDF is exact.
 */
export async function termCountErrors(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ lexeme: string; kept: number | null; counted: number | null }>(
    `SELECT coalesce(k.lexeme, c.lexeme) AS lexeme, k.df AS kept, c.df AS counted
       FROM (SELECT lexeme, df FROM search_term_df WHERE df <> 0) k
       FULL JOIN (SELECT u.lexeme, count(*)::int AS df FROM chunks ch, unnest(ch.tsv) u GROUP BY u.lexeme) c ON c.lexeme = k.lexeme
      WHERE k.df IS DISTINCT FROM c.df
      ORDER BY 1`,
  );
  return rows.map((r) => `${r.lexeme}: ${r.kept ?? 0} ≠ ${r.counted ?? 0}`);
}
