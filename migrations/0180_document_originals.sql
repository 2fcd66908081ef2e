-- Originals of documents that come from files (uploads, `cite ingest` of files, folders and zips, FILES_ROOTS
-- server files), kept so that a citation can open them (issue 19): GET /v1/documents/:id/original.
-- Content-addressed: one row per distinct content (SHA-256 of the bytes), shared by every document holding
-- it (the same file in two collections is stored once). In the database rather than under DATA_DIR so that
-- every engine replica serves what any worker stored, and backups hold them with the index.
CREATE TABLE document_originals (
  sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text NOT NULL,
  byte_size    bigint NOT NULL,
  data         bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
-- The bytes are compressed already (PDF, DOCX) or small: no point in TOAST compressing them again.
ALTER TABLE document_originals ALTER COLUMN data SET STORAGE EXTERNAL;

ALTER TABLE documents ADD COLUMN original_sha256 text REFERENCES document_originals (sha256);
CREATE INDEX documents_original_idx ON documents (original_sha256) WHERE original_sha256 IS NOT NULL;

-- A document taken out of search (status 'deleted': admin delete, source deleted, file gone from a synced
-- folder) no longer holds its original; re-indexing it sets it again.
CREATE FUNCTION documents_release_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.original_sha256 := NULL;
  RETURN NEW;
END $$;
CREATE TRIGGER documents_release_original BEFORE UPDATE ON documents
  FOR EACH ROW WHEN (NEW.status = 'deleted' AND NEW.original_sha256 IS NOT NULL)
  EXECUTE FUNCTION documents_release_original();

-- The original goes with the last document holding it, whichever path deletes or releases it (collection
-- deleted, document rewritten with other bytes, released above). Two documents released at once by two
-- transactions may each still see the other: the retention sweep (originals no document holds) ends those.
CREATE FUNCTION documents_drop_unreferenced_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM document_originals o
   WHERE o.sha256 = OLD.original_sha256
     AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.original_sha256 = OLD.original_sha256);
  RETURN NULL;
END $$;
CREATE TRIGGER documents_drop_original_on_delete AFTER DELETE ON documents
  FOR EACH ROW WHEN (OLD.original_sha256 IS NOT NULL)
  EXECUTE FUNCTION documents_drop_unreferenced_original();
CREATE TRIGGER documents_drop_original_on_update AFTER UPDATE ON documents
  FOR EACH ROW WHEN (OLD.original_sha256 IS NOT NULL AND OLD.original_sha256 IS DISTINCT FROM NEW.original_sha256)
  EXECUTE FUNCTION documents_drop_unreferenced_original();
