-- Issue 24: DILA LEGI and KALI dumps. A source of kind 'dila' reads the dumps of a server directory (a mirror
-- of echanges.dila.gouv.fr); `cite ingest` reads them too, into a 'dila' source of the collection.
ALTER TABLE sources DROP CONSTRAINT IF EXISTS sources_kind_check;
ALTER TABLE sources ADD CONSTRAINT sources_kind_check
  CHECK (kind IN ('website', 'sitemap', 'service-public', 'jsonl', 'files', 'dila'));

-- The dumps applied to a source, one row per archive read whole: the latest dumped_at of a base (LEGI, KALI)
-- is the last increment applied; an archive dumped at or before it is not applied again.
CREATE TABLE dila_imports (
  id          bigserial PRIMARY KEY,
  source_id   bigint NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  base        text NOT NULL CHECK (base IN ('LEGI', 'KALI')),
  dump_type   text NOT NULL CHECK (dump_type IN ('full', 'increment')),
  archive     text NOT NULL,
  dumped_at   timestamptz NOT NULL,
  run_id      bigint REFERENCES crawl_runs(id) ON DELETE SET NULL,
  articles    integer NOT NULL DEFAULT 0,
  removed     integer NOT NULL DEFAULT 0,
  failed      integer NOT NULL DEFAULT 0,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dila_imports_source_idx ON dila_imports (source_id, base, dumped_at DESC);
