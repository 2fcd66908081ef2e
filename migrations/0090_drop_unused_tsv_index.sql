-- The GIN index on chunks.tsv served the first lexical branch (ts_rank_cd over `tsv @@ query`). Since 0030
-- the lexical branch reads search_postings, and no query of the engine filters on `tsv`: the index was only
-- paid for, on every chunk written (its pending list is merged into the tree in the writer's transaction).
-- The column stays: the postings triggers read it.
DROP INDEX IF EXISTS chunks_tsv_idx;
