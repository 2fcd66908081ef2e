-- Vector backlog: a crawl writes a chunk's vector here instead of into `embedding`, so that the HNSW insert
-- (most of what writing a chunk costs the database) leaves the crawl's critical path. The worker moves
-- backlog vectors into `embedding` (and so into the HNSW index) whenever it has nothing to crawl, and the
-- vector branch of search scores backlog vectors exactly meanwhile, so a chunk is searchable either way.
-- Unconstrained dimension: `cite reembed` resizes `embedding`, and clears this column when it does.
ALTER TABLE chunks ADD COLUMN pending_embedding vector;
-- Kept in the row (text and tsv go to TOAST first): the exact scan reads every backlog vector, and fetching
-- each from the TOAST table doubled its cost (10,000 vectors of 384 dimensions: 34 → 17 ms).
ALTER TABLE chunks ALTER COLUMN pending_embedding SET STORAGE MAIN;
-- The backlog in id order, for the exact branch of search and for the worker that empties it.
CREATE INDEX chunks_pending_embedding_idx ON chunks (id) WHERE pending_embedding IS NOT NULL;
