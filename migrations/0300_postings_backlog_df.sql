-- Term counts of waiting chunks: counted when they leave the postings backlog, not when they are written.
--
-- 0290 kept search_terms.df at once for every chunk, backlog or not. That upsert (every distinct lexeme of
-- a group of pages, into a table whose rows every French page shares) was a fifth to a quarter of what
-- writing a group of crawled pages cost the embedded database, whose one thread paces the whole crawl.
-- Measured in PGlite, groups of 18 articles of the Code du travail (~25 chunks) written to the backlog,
-- 4 alternated runs: 19.0-22.7 ms a group with it, 14.2-16.9 without. In bench:crawl with that text
-- (--corpus), the group writes took 7.6 s instead of 8.7 over a crawl, and the moves out of the backlog,
-- after the crawl, 4.6 instead of 3.3.
--
-- Now search_terms.df counts the chunks whose postings are in search_postings. A backlog row already holds
-- its chunk's distinct lexemes (`lexemes`, one per lexeme of the tsvector), so a waiting chunk's share is
-- read from there: search adds, for each query lexeme, the backlog rows that hold it (it scans them for
-- their impacts anyway), and IDF stays exact. The view search_term_df is that sum for whoever reads df.
--
-- One rule keeps the count: a backlog row that leaves the backlog, whatever removes it, adds its lexemes to
-- search_terms (search_postings_backlog_after_delete). Each way out then ends right:
--   - the worker's move into search_postings: the chunk's postings are written, its lexemes now counted;
--   - a chunk whose text changes: the update trigger deletes its backlog row (its old lexemes are counted)
--     before it subtracts the old lexemes and adds the new ones, as for any chunk;
--   - a deleted chunk: the foreign key's cascade deletes its backlog row (a row trigger, fired before the
--     chunks' statement trigger) and counts its lexemes, which the delete trigger then subtracts;
--   - the rebuild and TRUNCATE: no triggers, the rebuild recounts every chunk.

CREATE OR REPLACE FUNCTION search_postings_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT p.lexeme, p.impact, n.id FROM new_chunks n, cite_chunk_postings(n.tsv) p
  WHERE NOT EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = n.id);
  -- Last: the term rows stay locked until the transaction ends, and every writer needs the common ones.
  -- ORDER BY lexeme: concurrent writers lock term rows in the same order, so they never deadlock.
  INSERT INTO search_terms (lexeme, df)
  SELECT u.lexeme, count(*) FROM new_chunks n, unnest(n.tsv) u
  WHERE NOT EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = n.id)
  GROUP BY u.lexeme ORDER BY u.lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = search_terms.df + EXCLUDED.df;
  RETURN NULL;
END
$$;

CREATE FUNCTION search_postings_backlog_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a chunk's cascade runs one delete per chunk, most of them of no backlog row
  IF NOT EXISTS (SELECT 1 FROM gone) THEN
    RETURN NULL;
  END IF;
  INSERT INTO search_terms (lexeme, df)
  SELECT u.lexeme, count(*) FROM gone g, unnest(g.lexemes) AS u(lexeme) GROUP BY u.lexeme ORDER BY u.lexeme
  ON CONFLICT (lexeme) DO UPDATE SET df = search_terms.df + EXCLUDED.df;
  RETURN NULL;
END
$$;

CREATE TRIGGER search_postings_backlog_delete AFTER DELETE ON postings_backlog
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION search_postings_backlog_after_delete();

-- Every lexeme a chunk's terms are counted by, backlog included: df for IDF, as search computes it.
CREATE VIEW search_term_df AS
SELECT lexeme, sum(df)::integer AS df FROM (
  SELECT lexeme, df FROM search_terms
  UNION ALL
  SELECT u.lexeme, count(*)::integer FROM postings_backlog b, unnest(b.lexemes) AS u(lexeme) GROUP BY u.lexeme
) x GROUP BY lexeme;

-- Chunks waiting when this migration runs were counted by 0290's trigger: they now count from the backlog.
UPDATE search_terms t SET df = greatest(t.df - w.n, 0)
FROM (SELECT u.lexeme, count(*)::integer AS n FROM postings_backlog b, unnest(b.lexemes) AS u(lexeme) GROUP BY u.lexeme) w
WHERE t.lexeme = w.lexeme;
