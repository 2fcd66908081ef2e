-- Vector backlog: a crawl writes a chunk's vector here instead of into `embedding`, so that the HNSW insert
-- (most of what writing a chunk costs the database) leaves the crawl's critical path. The worker moves
-- backlog vectors into `embedding` (and so into the HNSW index) whenever it has nothing to crawl, and the
-- vector branch of search scores backlog vectors exactly meanwhile, so a chunk is searchable either way.
-- Unconstrained dimension: `cite reembed` resizes `embedding`, and clears this column when it does.
ALTER TABLE chunks ADD COLUMN pending_embedding vector;
-- The backlog in id order, for the exact branch of search and for the worker that empties it.
CREATE INDEX chunks_pending_embedding_idx ON chunks (id) WHERE pending_embedding IS NOT NULL;
