-- Postings backlog: a crawl's chunks wait here for their BM25 postings, as their vectors wait in
-- vector_backlog (0100), so that writing a crawled page costs the database less. Writing a page's postings
-- (three chunks, ~300 rows into the two btree indexes of search_postings) was more than half of what the
-- page's write cost the embedded database (1.65 of ~3 ms), whose one thread paces the whole crawl.
--
-- What waits is only the postings rows: the term counts (search_terms.df) are kept by the insert trigger
-- as for any chunk, so IDF stays exact. A backlog row holds its chunk's postings as two aligned arrays
-- (lexemes, impacts; computed by cite_chunk_postings as the postings are), which search reads for the
-- query's lexemes only: a backlog chunk ranks exactly where it will rank once moved. Measured in PGlite on
-- 5,049 chunks of the Code du travail, writing them with their postings took 3.9 s, into this backlog
-- 3.0 s (a copy of the tsvector 2.8 s, a JSON object of the impacts 3.4 s); a search for "travail" (every
-- chunk holds it) reads 3,000 backlog rows in 11 ms, where scoring from the tsvector, which must unnest
-- every lexeme of every matching chunk for its length, took 150 ms. The worker moves the backlog into
-- search_postings when it has nothing to crawl; CRAWLER_POSTINGS_BACKLOG_MAX bounds it.
CREATE TABLE postings_backlog (
  chunk_id bigint PRIMARY KEY REFERENCES chunks (id) ON DELETE CASCADE,
  lexemes  text[] COLLATE "C" NOT NULL,
  impacts  real[] NOT NULL
);
-- kept in the row, uncompressed: a search reads them for every backlog chunk that holds a query lexeme
ALTER TABLE postings_backlog ALTER COLUMN lexemes SET STORAGE MAIN, ALTER COLUMN impacts SET STORAGE MAIN;
-- no plan reads their statistics (each search scans the table), and ANALYZE would count every element (0270)
ALTER TABLE postings_backlog ALTER COLUMN lexemes SET STATISTICS 0, ALTER COLUMN impacts SET STATISTICS 0;

-- Chunks that their statement put in the postings backlog get no postings now.
CREATE OR REPLACE FUNCTION search_postings_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT p.lexeme, p.impact, n.id FROM new_chunks n, cite_chunk_postings(n.tsv) p
  WHERE NOT EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = n.id);
  -- Last: the term rows stay locked until the transaction ends, and every writer needs the common ones.
  -- ORDER BY lexeme: concurrent writers lock term rows in the same order, so they never deadlock.
  INSERT INTO search_terms (lexeme, df)
  SELECT u.lexeme, count(*) FROM new_chunks n, unnest(n.tsv) u GROUP BY u.lexeme ORDER BY u.lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = search_terms.df + EXCLUDED.df;
  RETURN NULL;
END
$$;

-- A chunk whose text changes gets its postings at once, out of the backlog if it waited there.
CREATE OR REPLACE FUNCTION search_postings_after_update() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv) THEN
    RETURN NULL;
  END IF;
  DELETE FROM search_postings WHERE chunk_id IN (
    SELECT n.id FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv);
  DELETE FROM postings_backlog WHERE chunk_id IN (
    SELECT n.id FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv);
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT p.lexeme, p.impact, n.id
  FROM new_chunks n JOIN old_chunks o ON o.id = n.id, cite_chunk_postings(n.tsv) p
  WHERE n.tsv IS DISTINCT FROM o.tsv;
  INSERT INTO search_terms (lexeme, df)
  SELECT lexeme, sum(d)::integer FROM (
    SELECT u.lexeme, -1 AS d
    FROM old_chunks o JOIN new_chunks n ON n.id = o.id, unnest(o.tsv) u WHERE n.tsv IS DISTINCT FROM o.tsv
    UNION ALL
    SELECT u.lexeme, 1 AS d
    FROM new_chunks n JOIN old_chunks o ON o.id = n.id, unnest(n.tsv) u WHERE n.tsv IS DISTINCT FROM o.tsv
  ) x GROUP BY lexeme HAVING sum(d) <> 0 ORDER BY lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = greatest(search_terms.df + EXCLUDED.df, 0);
  RETURN NULL;
END
$$;

-- The rebuild writes every chunk's postings: nothing waits any more.
CREATE OR REPLACE FUNCTION search_rebuild_postings() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE chunks IN SHARE MODE;
  TRUNCATE search_postings, search_terms, postings_backlog;
  INSERT INTO search_terms (lexeme, df)
  SELECT u.lexeme, count(*) FROM chunks c, unnest(c.tsv) u GROUP BY u.lexeme;
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT p.lexeme, p.impact, c.id FROM chunks c, cite_chunk_postings(c.tsv) p;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
