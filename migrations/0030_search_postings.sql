-- BM25 term statistics for the lexical search branch, kept by triggers on chunks so that whoever writes
-- chunks (indexer, reembed, admin deletes, cascades from documents) keeps them right without knowing.
--
-- Why postings beside the GIN index: ts_rank ignores term rarity (nDCG@10 0.25 on the bench against 0.33
-- for BM25), and computing BM25 at query time from tsvectors means reading every chunk that contains a
-- common word ("travail" is in a third of the corpus). Here each (lexeme, chunk) pair carries its
-- precomputed BM25 term weight ("impact": saturated, length-normalised term frequency, context counted
-- twice), sorted per lexeme in a btree, so a query reads the best few thousand postings of each of its
-- terms from the index alone and multiplies them by the term's IDF (from search_terms.df).

CREATE TABLE search_terms (
  lexeme text COLLATE "C" PRIMARY KEY,
  -- number of chunks whose tsv holds the lexeme
  df     integer NOT NULL
);

CREATE TABLE search_postings (
  lexeme   text COLLATE "C" NOT NULL,
  impact   real NOT NULL,
  chunk_id bigint NOT NULL
);
CREATE INDEX search_postings_rank_idx ON search_postings (lexeme, impact DESC, chunk_id);
CREATE INDEX search_postings_chunk_idx ON search_postings (chunk_id);

-- BM25 term-frequency part (k1 = 1.2, b = 0.75). Context (title + heading path, weight A in tsv) counts
-- twice, like a title field of weight 2; length is the chunk's body length in indexed words, pivoted on
-- 100 (the average of ~350-token chunks of French prose once stop words are dropped).
CREATE FUNCTION cite_bm25_impact(tf_context integer, tf_text integer, text_length bigint) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ((2 * tf_context + tf_text) * 2.2
          / ((2 * tf_context + tf_text) + 1.2 * (0.25 + 0.75 * greatest(text_length, 1) / 100.0)))::real
$$;

CREATE FUNCTION search_postings_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- ORDER BY lexeme: concurrent writers lock term rows in the same order, so they never deadlock.
  INSERT INTO search_terms (lexeme, df)
  SELECT u.lexeme, count(*) FROM new_chunks n, unnest(n.tsv) u GROUP BY u.lexeme ORDER BY u.lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = search_terms.df + EXCLUDED.df;
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT x.lexeme, cite_bm25_impact(x.tfa, x.tfb, sum(x.tfb) OVER (PARTITION BY x.id)), x.id
  FROM (
    SELECT n.id, u.lexeme,
           coalesce(cardinality(array_positions(u.weights, 'A')), 0) AS tfa,
           cardinality(u.weights) - coalesce(cardinality(array_positions(u.weights, 'A')), 0) AS tfb
    FROM new_chunks n, unnest(n.tsv) u
  ) x;
  RETURN NULL;
END
$$;

CREATE FUNCTION search_postings_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_terms (lexeme, df)
  SELECT u.lexeme, -count(*) FROM old_chunks o, unnest(o.tsv) u GROUP BY u.lexeme ORDER BY u.lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = greatest(search_terms.df + EXCLUDED.df, 0);
  DELETE FROM search_postings WHERE chunk_id IN (SELECT id FROM old_chunks);
  RETURN NULL;
END
$$;

-- Only rows whose indexed text changed are re-indexed: the indexer renumbers and relocates chunks
-- (ord, locator) without touching their text.
CREATE FUNCTION search_postings_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv) THEN
    RETURN NULL;
  END IF;
  INSERT INTO search_terms (lexeme, df)
  SELECT lexeme, sum(d)::integer FROM (
    SELECT u.lexeme, -1 AS d
    FROM old_chunks o JOIN new_chunks n ON n.id = o.id, unnest(o.tsv) u WHERE n.tsv IS DISTINCT FROM o.tsv
    UNION ALL
    SELECT u.lexeme, 1 AS d
    FROM new_chunks n JOIN old_chunks o ON o.id = n.id, unnest(n.tsv) u WHERE n.tsv IS DISTINCT FROM o.tsv
  ) x GROUP BY lexeme HAVING sum(d) <> 0 ORDER BY lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = greatest(search_terms.df + EXCLUDED.df, 0);
  DELETE FROM search_postings WHERE chunk_id IN (
    SELECT n.id FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv);
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT x.lexeme, cite_bm25_impact(x.tfa, x.tfb, sum(x.tfb) OVER (PARTITION BY x.id)), x.id
  FROM (
    SELECT n.id, u.lexeme,
           coalesce(cardinality(array_positions(u.weights, 'A')), 0) AS tfa,
           cardinality(u.weights) - coalesce(cardinality(array_positions(u.weights, 'A')), 0) AS tfb
    FROM new_chunks n JOIN old_chunks o ON o.id = n.id, unnest(n.tsv) u
    WHERE n.tsv IS DISTINCT FROM o.tsv
  ) x;
  RETURN NULL;
END
$$;

CREATE FUNCTION search_postings_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE search_postings, search_terms;
  RETURN NULL;
END
$$;

CREATE TRIGGER search_postings_insert AFTER INSERT ON chunks
  REFERENCING NEW TABLE AS new_chunks FOR EACH STATEMENT EXECUTE FUNCTION search_postings_after_insert();
CREATE TRIGGER search_postings_delete AFTER DELETE ON chunks
  REFERENCING OLD TABLE AS old_chunks FOR EACH STATEMENT EXECUTE FUNCTION search_postings_after_delete();
CREATE TRIGGER search_postings_update AFTER UPDATE ON chunks
  REFERENCING OLD TABLE AS old_chunks NEW TABLE AS new_chunks FOR EACH STATEMENT EXECUTE FUNCTION search_postings_after_update();
CREATE TRIGGER search_postings_truncate AFTER TRUNCATE ON chunks
  FOR EACH STATEMENT EXECUTE FUNCTION search_postings_after_truncate();

-- Chunks indexed before this migration.
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
