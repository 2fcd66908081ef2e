-- No column statistics where no query filters, joins or sorts on the column: chunk texts, their tsvector,
-- their vectors. ANALYZE spent most of its time on them (sorting ~1 KB texts for a histogram, counting
-- the lexemes of every sampled tsvector) for figures no plan reads: the lexical branch reads
-- search_postings, the vector branch the HNSW index. The embedded database analyzes its tables itself
-- (packages/core/src/db/embedded-upkeep.ts), on the database's only thread, while a crawl writes: there
-- ANALYZE chunks took ~75 ms for 6,000 chunks.
ALTER TABLE chunks ALTER COLUMN text SET STATISTICS 0;
ALTER TABLE chunks ALTER COLUMN context SET STATISTICS 0;
ALTER TABLE chunks ALTER COLUMN heading_path SET STATISTICS 0;
ALTER TABLE chunks ALTER COLUMN locator SET STATISTICS 0;
ALTER TABLE chunks ALTER COLUMN tsv SET STATISTICS 0;
ALTER TABLE chunks ALTER COLUMN embedding SET STATISTICS 0;
ALTER TABLE vector_backlog ALTER COLUMN embedding SET STATISTICS 0;
