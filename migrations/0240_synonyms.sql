-- Synonym and acronym lists admins curate (issue 24), in the Solr/Elasticsearch synonym syntax, applied at query
-- time (nothing is re-indexed when a list changes). collection_id NULL = the global list(s), applied to every
-- search; otherwise applied to searches over that collection. `content` is the list as written (comments
-- included) and the only copy: engines parse it and cache the parsed form, re-reading when max(updated_at) or
-- the row count changes (checked at most once a second per engine), so every replica sees a change within a second.
CREATE TABLE synonym_lists (
  id            bigserial PRIMARY KEY,
  name          text NOT NULL,
  collection_id bigint REFERENCES collections(id) ON DELETE CASCADE,
  content       text NOT NULL DEFAULT '',
  enabled       boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- clock_timestamp() on every write (not now()): two writes in one transaction still move the stamp
  updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX synonym_lists_name_idx ON synonym_lists (coalesce(collection_id, 0), name);
