-- A chunk's tsvector may come with its row, computed by the engine; the database computes it otherwise.
--
-- In the embedded database, PostgreSQL's text-search parser runs in WebAssembly on the database's one
-- thread: analysing a chunk of 1,500 characters cost 340 µs of its 530 µs insert, and the crawl waits on
-- that thread. The engine now analyses the chunks whose words all have shapes it knows, with what it
-- learnt from this database and checked against it (packages/index/src/text-analysis), and sends the
-- tsvector with the row. A row sent without one gets `cite_french`'s analysis, as the generated column gave.
ALTER TABLE chunks ALTER COLUMN tsv DROP EXPRESSION;

CREATE FUNCTION chunks_analyse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := setweight(to_tsvector('cite_french'::regconfig, NEW.context), 'A') ||
             setweight(to_tsvector('cite_french'::regconfig, NEW.text), 'B');
  RETURN NEW;
END
$$;

CREATE TRIGGER chunks_analyse_insert BEFORE INSERT ON chunks
  FOR EACH ROW WHEN (NEW.tsv IS NULL) EXECUTE FUNCTION chunks_analyse();
-- a changed text is analysed again, whatever tsvector the statement gave
CREATE TRIGGER chunks_analyse_update BEFORE UPDATE OF text, context ON chunks
  FOR EACH ROW WHEN (NEW.text IS DISTINCT FROM OLD.text OR NEW.context IS DISTINCT FROM OLD.context)
  EXECUTE FUNCTION chunks_analyse();
