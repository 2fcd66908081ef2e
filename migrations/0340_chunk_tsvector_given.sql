-- A chunk's tsvector may come with its row, computed by the engine; the database computes it otherwise.
--
-- In the embedded database, PostgreSQL's text-search parser runs in WebAssembly on the database's one
-- thread: analysing a chunk of 1,500 characters cost 340 µs of its 530 µs insert, and the crawl waits on
-- that thread. The engine now analyses the chunks whose words all have shapes it knows, with what it
-- learnt from this database and checked against it (packages/index/src/text-analysis), and sends the
-- tsvector with the row. A row sent without one gets `cite_french`'s analysis, as the generated column gave.
ALTER TABLE chunks ALTER COLUMN tsv DROP EXPRESSION;

-- A chunk's tsvector, as the generated column computed it: the trigger fills rows with it, and the engine
-- checks its own analysis against it before using it.
CREATE FUNCTION cite_chunk_tsvector(context text, body text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN setweight(to_tsvector('cite_french'::regconfig, context), 'A') || setweight(to_tsvector('cite_french'::regconfig, body), 'B');

CREATE FUNCTION chunks_analyse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := cite_chunk_tsvector(NEW.context, NEW.text);
  RETURN NEW;
END
$$;

CREATE TRIGGER chunks_analyse_insert BEFORE INSERT ON chunks
  FOR EACH ROW WHEN (NEW.tsv IS NULL) EXECUTE FUNCTION chunks_analyse();
-- a changed text is analysed again, whatever tsvector the statement gave
CREATE TRIGGER chunks_analyse_update BEFORE UPDATE OF text, context ON chunks
  FOR EACH ROW WHEN (NEW.text IS DISTINCT FROM OLD.text OR NEW.context IS DISTINCT FROM OLD.context)
  EXECUTE FUNCTION chunks_analyse();
