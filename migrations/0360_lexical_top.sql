-- The lexical branch's best chunks among the written postings, summed by a hash join rather than a hash
-- aggregate when the query has two or three terms.
--
-- The branch reads each term's best postings (SEARCH_TERM_DEPTH by impact) and sums them by chunk. Summing
-- cost more than reading: on 100,000 synthetic chunks, three terms of 2,000 postings took 0.95 ms to read,
-- 0.93 ms more to group by chunk (a hash aggregate makes an entry per chunk, nearly one per posting) and
-- 0.3 ms more to add the scores. A full join of two lists hashes one and probes it with the other: two
-- terms 1.77 → 1.40 ms. One statement for every query cannot take that shape: written for four lists, it
-- passed each row through the joins of the lists a query did not have, which cost more than the aggregate.
-- This function knows the number of terms and runs the statement of that shape (PL/pgSQL keeps each one's
-- plan for the session). The whole hybrid statement, cdtn-dev's 2,558 phrasings one at a time against the
-- aggregate, alternated: two terms 3.22 → 2.93 ms, three 4.20 → 4.03; four joined were no faster than the
-- aggregate (5.06 against 5.11 ms), which sums four and more as before.
--
-- The same chunks and scores: each chunk's scores are added in the terms' order, rarest first as the caller
-- passes them (x + 0 is x), as the aggregate adds them when its plan brings the postings term by term. (An
-- aggregate's plan may also sort them by chunk first, and then add them in another order, to the last bit.)
-- One term: its best `top` postings are its best chunks, with no sum.
--
-- Two functions, one for a search of every collection and one reading postings through the caller's
-- collections (`collections`, as in 0320): the same text, with the collection test written in or not. A
-- test made for every row (`collections IS NULL OR …`) cost 0.08 ms of the 0.3 saved on two terms.

DO $migration$
DECLARE
  body constant text := $body$
#variable_conflict use_column
DECLARE
  m constant int := coalesce(cardinality(lexemes), 0);
  -- as plain values: an array element read in a row's expression is read again for every row
  l1 constant text := lexemes[1];
  l2 constant text := lexemes[2];
  l3 constant text := lexemes[3];
  w1 constant float8 := idfs[1];
  w2 constant float8 := idfs[2];
  w3 constant float8 := idfs[3];
BEGIN
  IF m = 1 THEN
    RETURN QUERY
      SELECT p.chunk_id, w1 * p.impact FROM search_postings p WHERE p.lexeme = l1/*scope p*/
      ORDER BY p.impact DESC, p.chunk_id LIMIT least(top, term_depth);
  ELSIF m = 2 THEN
    RETURN QUERY
      SELECT coalesce(a.chunk_id, b.chunk_id) AS id, coalesce(a.s, 0) + coalesce(b.s, 0) AS score
      FROM (SELECT p.chunk_id, w1 * p.impact AS s FROM search_postings p WHERE p.lexeme = l1/*scope p*/
            ORDER BY p.impact DESC, p.chunk_id LIMIT term_depth) a
      FULL JOIN (SELECT p.chunk_id, w2 * p.impact AS s FROM search_postings p WHERE p.lexeme = l2/*scope p*/
            ORDER BY p.impact DESC, p.chunk_id LIMIT term_depth) b ON b.chunk_id = a.chunk_id
      ORDER BY score DESC, id LIMIT top;
  ELSIF m = 3 THEN
    RETURN QUERY
      SELECT coalesce(a.chunk_id, b.chunk_id, c.chunk_id) AS id,
             coalesce(a.s, 0) + coalesce(b.s, 0) + coalesce(c.s, 0) AS score
      FROM (SELECT p.chunk_id, w1 * p.impact AS s FROM search_postings p WHERE p.lexeme = l1/*scope p*/
            ORDER BY p.impact DESC, p.chunk_id LIMIT term_depth) a
      FULL JOIN (SELECT p.chunk_id, w2 * p.impact AS s FROM search_postings p WHERE p.lexeme = l2/*scope p*/
            ORDER BY p.impact DESC, p.chunk_id LIMIT term_depth) b ON b.chunk_id = a.chunk_id
      FULL JOIN (SELECT p.chunk_id, w3 * p.impact AS s FROM search_postings p WHERE p.lexeme = l3/*scope p*/
            ORDER BY p.impact DESC, p.chunk_id LIMIT term_depth) c ON c.chunk_id = coalesce(a.chunk_id, b.chunk_id)
      ORDER BY score DESC, id LIMIT top;
  ELSIF m > 3 THEN
    RETURN QUERY
      SELECT p.chunk_id, sum(t.idf * p.impact) AS score
      FROM unnest(lexemes, idfs) AS t(lexeme, idf) CROSS JOIN LATERAL (
        SELECT p.chunk_id, p.impact FROM search_postings p WHERE p.lexeme = t.lexeme/*scope p*/
        ORDER BY p.impact DESC, p.chunk_id LIMIT term_depth) p
      GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT top;
  END IF;
END
$body$;
  signature constant text := 'lexemes text[], idfs float8[], term_depth int, top int';
  returns constant text := 'RETURNS TABLE (chunk_id bigint, score float8) LANGUAGE plpgsql STABLE ROWS 100';
BEGIN
  EXECUTE format('CREATE FUNCTION cite_lexical_top(%s) %s AS %L', signature, returns,
    replace(body, '/*scope p*/', ''));
  EXECUTE format('CREATE FUNCTION cite_lexical_top_in(%s, collections bigint[]) %s AS %L', signature, returns,
    replace(body, '/*scope p*/', ' AND p.collection_id = ANY (collections)'));
END
$migration$;

COMMENT ON FUNCTION cite_lexical_top(text[], float8[], int, int) IS
  'The best `top` chunks by the BM25 sum of the written postings of `lexemes` (rarest first, weighted by `idfs`), each term read to its best `term_depth` postings (0360).';
COMMENT ON FUNCTION cite_lexical_top_in(text[], float8[], int, int, bigint[]) IS
  'cite_lexical_top over the postings of `collections` only (0360).';
