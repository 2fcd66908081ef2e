-- Term counts per collection: BM25's IDF for a key limited to some collections, made from those alone.
--
-- search_terms counted a lexeme's chunks over the whole index, and IDF is the log of their rarity. A key
-- limited to collection A, searching a word that one of A's chunks holds, got a score that moved with how
-- many chunks of collections B and C hold it: "durand" scored 14.17 against 15.01 for an invented word
-- in the same chunk, so the key learned that some other collection names Durand. Hiding scores would not
-- close that: the order of two of A's chunks moves the same.
--
-- Now a row counts a lexeme's chunks in one collection (key: lexeme, collection). An unrestricted search
-- sums the rows of its lexemes (a few per lexeme: an index has a handful of collections), a limited one
-- only those of its collections; N is then the chunks of its collections (search-service.ts).
--
-- The rule of 0300 stays (search_terms counts the chunks whose postings are written, the postings backlog
-- counts the waiting ones), with the collection taken from the chunk's document. Two ways out needed care,
-- where the document or the chunk is no longer there to say its collection:
--   - a deleted chunk subtracts the postings its delete removes (one per lexeme of a chunk whose postings
--     were written), not its whole tsvector; a waiting chunk has no postings, and its backlog row, deleted
--     by the foreign key's cascade once the chunk is gone, adds nothing (the chunk is not found): both
--     sides of 0300's add-then-subtract are gone;
--   - a deleted document (its collection deleted) first deletes its chunks, while its row still tells
--     their collection (documents_delete_chunks); the cascade from documents to chunks finds none left.
-- The crawl's group write is unchanged: its chunks wait in the backlog, and the insert trigger's count is
-- for the others.

DROP VIEW search_term_df;
ALTER TABLE search_terms DROP CONSTRAINT search_terms_pkey;
ALTER TABLE search_terms ADD COLUMN collection_id bigint;
TRUNCATE search_terms;
INSERT INTO search_terms (lexeme, collection_id, df)
SELECT u.lexeme, d.collection_id, count(*)
FROM chunks c JOIN documents d ON d.id = c.document_id, unnest(c.tsv) u
WHERE NOT EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = c.id)
GROUP BY u.lexeme, d.collection_id;
ALTER TABLE search_terms ALTER COLUMN collection_id SET NOT NULL;
ALTER TABLE search_terms ADD PRIMARY KEY (lexeme, collection_id);

CREATE OR REPLACE FUNCTION search_postings_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT p.lexeme, p.impact, n.id FROM new_chunks n, cite_chunk_postings(n.tsv) p
  WHERE NOT EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = n.id);
  -- Last: the term rows stay locked until the transaction ends, and every writer needs the common ones.
  -- ORDER BY the key: concurrent writers lock term rows in the same order, so they never deadlock.
  INSERT INTO search_terms (lexeme, collection_id, df)
  SELECT u.lexeme, d.collection_id, count(*)
  FROM new_chunks n JOIN documents d ON d.id = n.document_id, unnest(n.tsv) u
  WHERE NOT EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = n.id)
  GROUP BY u.lexeme, d.collection_id ORDER BY u.lexeme, d.collection_id
  ON CONFLICT (lexeme, collection_id) DO UPDATE SET df = search_terms.df + EXCLUDED.df;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_postings_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH gone AS (
    DELETE FROM search_postings WHERE chunk_id IN (SELECT id FROM old_chunks) RETURNING lexeme, chunk_id
  )
  INSERT INTO search_terms (lexeme, collection_id, df)
  SELECT g.lexeme, d.collection_id, -count(*)
  FROM gone g JOIN old_chunks o ON o.id = g.chunk_id JOIN documents d ON d.id = o.document_id
  GROUP BY g.lexeme, d.collection_id ORDER BY g.lexeme, d.collection_id
  ON CONFLICT (lexeme, collection_id) DO UPDATE SET df = greatest(search_terms.df + EXCLUDED.df, 0);
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_postings_after_update() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv) THEN
    RETURN NULL;
  END IF;
  DELETE FROM search_postings WHERE chunk_id IN (
    SELECT n.id FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv);
  -- counts its old lexemes (search_postings_backlog_after_delete), subtracted below with the others'
  DELETE FROM postings_backlog WHERE chunk_id IN (
    SELECT n.id FROM new_chunks n JOIN old_chunks o ON o.id = n.id WHERE n.tsv IS DISTINCT FROM o.tsv);
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT p.lexeme, p.impact, n.id
  FROM new_chunks n JOIN old_chunks o ON o.id = n.id, cite_chunk_postings(n.tsv) p
  WHERE n.tsv IS DISTINCT FROM o.tsv;
  INSERT INTO search_terms (lexeme, collection_id, df)
  SELECT x.lexeme, d.collection_id, sum(x.d)::integer FROM (
    SELECT u.lexeme, n.document_id, -1 AS d
    FROM old_chunks o JOIN new_chunks n ON n.id = o.id, unnest(o.tsv) u WHERE n.tsv IS DISTINCT FROM o.tsv
    UNION ALL
    SELECT u.lexeme, n.document_id, 1 AS d
    FROM new_chunks n JOIN old_chunks o ON o.id = n.id, unnest(n.tsv) u WHERE n.tsv IS DISTINCT FROM o.tsv
  ) x JOIN documents d ON d.id = x.document_id
  GROUP BY x.lexeme, d.collection_id HAVING sum(x.d) <> 0 ORDER BY x.lexeme, d.collection_id
  ON CONFLICT (lexeme, collection_id) DO UPDATE SET df = greatest(search_terms.df + EXCLUDED.df, 0);
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_postings_backlog_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a chunk's cascade runs one delete per chunk, most of them of no backlog row
  IF NOT EXISTS (SELECT 1 FROM gone) THEN
    RETURN NULL;
  END IF;
  -- a row deleted by its chunk's cascade finds no chunk: a deleted chunk is counted nowhere
  INSERT INTO search_terms (lexeme, collection_id, df)
  SELECT u.lexeme, d.collection_id, count(*)
  FROM gone g JOIN chunks c ON c.id = g.chunk_id JOIN documents d ON d.id = c.document_id, unnest(g.lexemes) AS u(lexeme)
  GROUP BY u.lexeme, d.collection_id ORDER BY u.lexeme, d.collection_id
  ON CONFLICT (lexeme, collection_id) DO UPDATE SET df = search_terms.df + EXCLUDED.df;
  RETURN NULL;
END
$$;

CREATE FUNCTION documents_delete_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM chunks WHERE document_id = OLD.id;
  RETURN OLD;
END $$;
CREATE TRIGGER documents_delete_chunks BEFORE DELETE ON documents
  FOR EACH ROW EXECUTE FUNCTION documents_delete_chunks();

CREATE OR REPLACE FUNCTION search_rebuild_postings() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE chunks IN SHARE MODE;
  TRUNCATE search_postings, search_terms, postings_backlog;
  INSERT INTO search_terms (lexeme, collection_id, df)
  SELECT u.lexeme, d.collection_id, count(*) FROM chunks c JOIN documents d ON d.id = c.document_id, unnest(c.tsv) u
  GROUP BY u.lexeme, d.collection_id;
  INSERT INTO search_postings (lexeme, impact, chunk_id)
  SELECT p.lexeme, p.impact, c.id FROM chunks c, cite_chunk_postings(c.tsv) p;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- Every lexeme a chunk's terms are counted by, backlog included, over the whole index and per collection.
CREATE VIEW search_term_df_by_collection AS
SELECT lexeme, collection_id, sum(df)::integer AS df FROM (
  SELECT lexeme, collection_id, df FROM search_terms
  UNION ALL
  SELECT u.lexeme, c.collection_id, count(*)::integer
  FROM postings_backlog b JOIN chunks ch ON ch.id = b.chunk_id JOIN documents c ON c.id = ch.document_id,
       unnest(b.lexemes) AS u(lexeme)
  GROUP BY u.lexeme, c.collection_id
) x GROUP BY lexeme, collection_id;
CREATE VIEW search_term_df AS
SELECT lexeme, sum(df)::integer AS df FROM search_term_df_by_collection GROUP BY lexeme;
