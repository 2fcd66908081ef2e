-- Rebuilds the BM25 statistics from the chunks table in one pass: after a bulk load done with the
-- search_postings_* triggers disabled (much faster than per-statement maintenance), or to repair.
CREATE FUNCTION search_rebuild_postings() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE chunks IN SHARE MODE;
  TRUNCATE search_postings, search_terms;
  INSERT INTO search_terms (lexeme, df)
  SELECT u.lexeme, count(*) FROM chunks c, unnest(c.tsv) u GROUP BY u.lexeme;
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT x.lexeme, cite_bm25_impact(x.tfa, x.tfb, sum(x.tfb) OVER (PARTITION BY x.id)), x.id
  FROM (
    SELECT c.id, u.lexeme,
           coalesce(cardinality(array_positions(u.weights, 'A')), 0) AS tfa,
           cardinality(u.weights) - coalesce(cardinality(array_positions(u.weights, 'A')), 0) AS tfb
    FROM chunks c, unnest(c.tsv) u
  ) x;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
