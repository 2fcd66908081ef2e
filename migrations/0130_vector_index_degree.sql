-- The vector index's graph gets 12 neighbours a node instead of pgvector's default 16 (and 48 build
-- candidates instead of 64). Inserting a vector updates its neighbours' lists, at a cost that grows with
-- their square, and that was most of what a crawl cost PostgreSQL once the vector backlog was full:
-- 40% cheaper per vector (1.5 → 0.94 ms at 6,000 vectors), for the same search quality on the bench
-- corpus (hybrid nDCG@10 0.368 against 0.370) and the same search speed. packages/core/src/embeddings/
-- embedding-model-record.ts (HNSW_INDEX_OPTIONS) builds it the same way after a change of model.
DO $$
BEGIN
  -- A graph that fits in maintenance_work_mem is built in memory, many times faster than vector by vector
  -- (65,817 vectors: 9 s). Not on the embedded database, whose WASM memory is never given back.
  IF version() NOT LIKE '%emscripten%' THEN
    SET LOCAL maintenance_work_mem = '1GB';
  END IF;
END
$$;

DROP INDEX IF EXISTS chunks_embedding_idx;
CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 12, ef_construction = 48);
