-- Vector backlog: a crawl writes a chunk's vector here instead of into `chunks.embedding`, so that the HNSW
-- insert (most of what writing a chunk costs the database) leaves the crawl's critical path. The worker
-- moves backlog vectors into `embedding` (and so into the HNSW index) whenever it has nothing to crawl, and
-- the vector branch of search scores backlog vectors exactly meanwhile, so a chunk is searchable either way.
--
-- A table of its own, narrow, rather than a column of chunks: the exact scan reads every row of it, and
-- chunk rows are wide (text, tsv, vector: ~5 kB, one per page, the vector often in TOAST). Measured on
-- 10,000 vectors of 384 dimensions: 38 ms from a chunks column, 17 ms with the column kept in the row,
-- ~5 ms from this table.
CREATE TABLE vector_backlog (
  chunk_id  bigint PRIMARY KEY REFERENCES chunks (id) ON DELETE CASCADE,
  -- unconstrained dimension: `cite reembed` resizes chunks.embedding, and empties this table when it does
  embedding vector NOT NULL
);
-- kept in the row, uncompressed (vectors do not compress), for models of up to ~2,000 dimensions
ALTER TABLE vector_backlog ALTER COLUMN embedding SET STORAGE MAIN;
