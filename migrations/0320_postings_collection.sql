-- Each posting carries its chunk's collection, so that a key limited to some collections reads the best
-- postings of those collections, not the best of the whole index.
--
-- The lexical branch reads each query term's best postings (SEARCH_TERM_DEPTH by impact), then drops the
-- chunks outside the caller's collections. For a limited key, the best postings of a common word could all
-- be other collections' chunks: its own then had no lexical vote at all (collection-statistics.test.ts:
-- 600 short notes of another collection on "préavis" left a limited key's own fiche on it out of the
-- branch), and what was left out told it what the others hold. Read through the collection, the branch is
-- exact again.
--
-- The collection is an INCLUDE column of the rank index: a limited search walks a term's postings in impact
-- order from the index alone, checking each one's collection, until it has its depth. Not a key column: a
-- search of every collection (nearly all) still reads one range of the index in impact order. A document
-- never changes collection (documents are keyed by collection and URL), so neither does a posting. The
-- tuple grows by 8 bytes, alignment included (32 → 40 in the index).
--
-- The table is rebuilt rather than updated in place: an UPDATE of every row would leave a dead copy of each
-- one, and its indexes updated row by row.

CREATE TABLE search_postings_next (
  lexeme        text COLLATE "C" NOT NULL,
  impact        real NOT NULL,
  chunk_id      bigint NOT NULL,
  collection_id bigint NOT NULL
);
INSERT INTO search_postings_next (lexeme, impact, chunk_id, collection_id)
SELECT sp.lexeme, sp.impact, sp.chunk_id, d.collection_id
FROM search_postings sp JOIN chunks c ON c.id = sp.chunk_id JOIN documents d ON d.id = c.document_id;
DROP TABLE search_postings;
ALTER TABLE search_postings_next RENAME TO search_postings;
CREATE INDEX search_postings_rank_idx ON search_postings (lexeme, impact DESC, chunk_id) INCLUDE (collection_id);
CREATE INDEX search_postings_chunk_idx ON search_postings (chunk_id);

CREATE OR REPLACE FUNCTION search_postings_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_postings (lexeme, impact, chunk_id, collection_id)
  SELECT p.lexeme, p.impact, n.id, d.collection_id
  FROM new_chunks n JOIN documents d ON d.id = n.document_id, cite_chunk_postings(n.tsv) p
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
  INSERT INTO search_postings (lexeme, impact, chunk_id, collection_id)
  SELECT p.lexeme, p.impact, n.id, d.collection_id
  FROM new_chunks n JOIN old_chunks o ON o.id = n.id JOIN documents d ON d.id = n.document_id, cite_chunk_postings(n.tsv) p
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

CREATE OR REPLACE FUNCTION search_rebuild_postings() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  LOCK TABLE chunks IN SHARE MODE;
  TRUNCATE search_postings, search_terms, postings_backlog;
  INSERT INTO search_terms (lexeme, collection_id, df)
  SELECT u.lexeme, d.collection_id, count(*) FROM chunks c JOIN documents d ON d.id = c.document_id, unnest(c.tsv) u
  GROUP BY u.lexeme, d.collection_id;
  INSERT INTO search_postings (lexeme, impact, chunk_id, collection_id)
  SELECT p.lexeme, p.impact, c.id, d.collection_id FROM chunks c JOIN documents d ON d.id = c.document_id, cite_chunk_postings(c.tsv) p;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
