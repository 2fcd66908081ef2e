/**
 * Term evidence for the relevance gate of answers: for each content word of a question, its lexeme
 * in the index's own analyser (cite_french, as the lexical branch sees it), how many chunks of the
 * index hold it, and its BM25 impact in each retrieved chunk that holds it (title and headings
 * counted as in the postings, by `cite_chunk_postings`). One round trip; the statement reads one
 * `search_terms` row per word and the retrieved chunks' own text vectors.
 */
import type { Database, NamedStatement } from '../db/database.js';

export interface TermEvidence {
  /** The question's word that gave the lexeme (the first one, when several give the same). */
  word: string;
  lexeme: string;
  /** Chunks of the whole index holding the lexeme (0: unknown to the index). */
  df: number;
  /** BM25 impact of the lexeme in each retrieved chunk holding it, by chunk id. */
  impacts: Record<string, number>;
}

export interface QueryEvidence {
  /** Chunks in the index (IDF's N). */
  chunkCount: number;
  terms: TermEvidence[];
}

const EVIDENCE_SQL: NamedStatement = {
  name: 'answers_term_evidence',
  text: `WITH w AS (SELECT word, ord FROM unnest($1::text[]) WITH ORDINALITY AS x(word, ord)),
q AS (SELECT DISTINCT ON (lexeme) lexeme COLLATE "C" AS lexeme, word
      FROM w, unnest(tsvector_to_array(to_tsvector('cite_french', w.word))) AS lexeme ORDER BY lexeme, ord),
p AS (SELECT c.id, x.lexeme, x.impact FROM chunks c, cite_chunk_postings(c.tsv) x
      WHERE c.id = ANY($2::bigint[]) AND x.lexeme COLLATE "C" IN (SELECT lexeme FROM q))
SELECT q.word, q.lexeme, coalesce(t.df, 0)::int AS df,
       coalesce((SELECT json_object_agg(p.id::text, p.impact) FROM p WHERE p.lexeme COLLATE "C" = q.lexeme), '{}'::json) AS impacts
FROM q LEFT JOIN search_terms t ON t.lexeme = q.lexeme
ORDER BY q.lexeme`,
};

export async function queryEvidence(
  db: Pick<Database, 'query'>,
  words: readonly string[],
  chunkIds: readonly (string | number)[],
  chunkCount: number,
): Promise<QueryEvidence> {
  if (words.length === 0) return { chunkCount, terms: [] };
  const { rows } = await db.query<{ word: string; lexeme: string; df: number; impacts: Record<string, number> }>(EVIDENCE_SQL, [
    words,
    chunkIds.map((id) => String(id)),
  ]);
  return {
    chunkCount,
    terms: rows.map((r) => ({ word: r.word, lexeme: r.lexeme, df: Number(r.df), impacts: r.impacts ?? {} })),
  };
}
