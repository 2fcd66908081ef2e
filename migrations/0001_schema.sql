-- Cité schema: everything the design needs. Never edit once applied; add a new numbered file.

CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- French full text with accents folded: "État" and "etat", "démarches" and "demarche" meet.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'cite_french') THEN
    CREATE TEXT SEARCH CONFIGURATION cite_french (COPY = french);
    ALTER TEXT SEARCH CONFIGURATION cite_french
      ALTER MAPPING FOR hword, hword_part, word, asciiword, asciihword, hword_asciipart
      WITH unaccent, french_stem;
  END IF;
END
$$;

CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('agent', 'evaluator', 'admin')),
  -- sha256 of the secret; the secret itself is shown once and never stored.
  key_hash     text NOT NULL UNIQUE,
  -- first characters of the key, to recognise it in lists.
  prefix       text NOT NULL,
  -- NULL = every collection; otherwise the only collection ids this key may read.
  collections  bigint[],
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   bigint REFERENCES api_keys(id) ON DELETE SET NULL,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz
);

CREATE TABLE collections (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sources (
  id            bigserial PRIMARY KEY,
  collection_id bigint NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  name          text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('website', 'sitemap', 'service-public', 'jsonl', 'files')),
  -- start URLs, include/exclude globs, max depth/pages, rate, render mode, masking… (validated by the API)
  config        jsonb NOT NULL DEFAULT '{}',
  schedule      text,
  enabled       boolean NOT NULL DEFAULT true,
  status        text NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'queued', 'crawling', 'failed', 'deleted')),
  last_run_id   bigint,
  next_run_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
CREATE INDEX sources_collection_idx ON sources (collection_id);

CREATE TABLE crawl_runs (
  id           bigserial PRIMARY KEY,
  source_id    bigint NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  trigger      text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'schedule', 'cli', 'upload')),
  discovered   integer NOT NULL DEFAULT 0,
  fetched      integer NOT NULL DEFAULT 0,
  indexed      integer NOT NULL DEFAULT 0,
  unchanged    integer NOT NULL DEFAULT 0,
  skipped      integer NOT NULL DEFAULT 0,
  failed       integer NOT NULL DEFAULT 0,
  deleted      integer NOT NULL DEFAULT 0,
  -- reason -> count, for skipped and failed URLs
  skip_reasons jsonb NOT NULL DEFAULT '{}',
  fail_reasons jsonb NOT NULL DEFAULT '{}',
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  heartbeat_at timestamptz
);
CREATE INDEX crawl_runs_source_idx ON crawl_runs (source_id, created_at DESC);
CREATE INDEX crawl_runs_status_idx ON crawl_runs (status) WHERE status IN ('queued', 'running');

-- The frontier: one row per URL of a run, claimed by workers with FOR UPDATE SKIP LOCKED.
CREATE TABLE frontier (
  id          bigserial PRIMARY KEY,
  run_id      bigint NOT NULL REFERENCES crawl_runs(id) ON DELETE CASCADE,
  url         text NOT NULL,
  host        text NOT NULL,
  depth       integer NOT NULL DEFAULT 0,
  parent_url  text,
  status      text NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'claimed', 'done', 'failed', 'skipped')),
  attempts    integer NOT NULL DEFAULT 0,
  not_before  timestamptz NOT NULL DEFAULT now(),
  claimed_by  text,
  claimed_at  timestamptz,
  outcome     text,
  error       text,
  http_status integer,
  created_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (run_id, url)
);
CREATE INDEX frontier_claim_idx ON frontier (run_id, not_before) WHERE status = 'pending';
CREATE INDEX frontier_claimed_idx ON frontier (claimed_at) WHERE status = 'claimed';

-- Per-host politeness shared by every worker: the earliest time the next request may start.
CREATE TABLE crawl_hosts (
  host         text PRIMARY KEY,
  next_fetch_at timestamptz NOT NULL DEFAULT now(),
  crawl_delay_ms integer,
  robots_txt   text,
  robots_fetched_at timestamptz
);

CREATE TABLE documents (
  id            bigserial PRIMARY KEY,
  collection_id bigint NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  source_id     bigint REFERENCES sources(id) ON DELETE SET NULL,
  url           text NOT NULL,
  title         text NOT NULL DEFAULT '',
  lang          text NOT NULL DEFAULT 'fr',
  description   text,
  format        text NOT NULL,
  content_hash  text NOT NULL,
  -- fetch validators for conditional requests on recrawl
  etag          text,
  last_modified text,
  published_at  timestamptz,
  modified_at   timestamptz,
  fetched_at    timestamptz,
  metadata      jsonb NOT NULL DEFAULT '{}',
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted', 'error')),
  error         text,
  chunk_count   integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  UNIQUE (collection_id, url)
);
CREATE INDEX documents_source_idx ON documents (source_id);
CREATE INDEX documents_status_idx ON documents (status);
CREATE INDEX documents_metadata_idx ON documents USING gin (metadata jsonb_path_ops);

-- Per-document ingestion failures (the document may not exist yet).
CREATE TABLE ingest_errors (
  id         bigserial PRIMARY KEY,
  source_id  bigint REFERENCES sources(id) ON DELETE CASCADE,
  run_id     bigint REFERENCES crawl_runs(id) ON DELETE CASCADE,
  location   text NOT NULL,
  code       text NOT NULL,
  message    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chunks (
  id           bigserial PRIMARY KEY,
  document_id  bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  -- position inside the document
  ord          integer NOT NULL,
  -- the text shown to people
  text         text NOT NULL,
  heading_path text[] NOT NULL DEFAULT '{}',
  -- document title + heading path: indexed and embedded with the text, weighted above it
  context      text NOT NULL DEFAULT '',
  -- {page?, anchor?, paragraph?, start?, end?}
  locator      jsonb NOT NULL DEFAULT '{}',
  token_count  integer NOT NULL,
  hash         text NOT NULL,
  tsv          tsvector GENERATED ALWAYS AS (
                 setweight(to_tsvector('cite_french'::regconfig, context), 'A') ||
                 setweight(to_tsvector('cite_french'::regconfig, text), 'B')
               ) STORED,
  -- dimension of the model recorded in settings('embedding'); `cite reembed` changes it
  embedding    vector(384),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (document_id, ord)
);
CREATE INDEX chunks_tsv_idx ON chunks USING gin (tsv);
CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX chunks_hash_idx ON chunks (document_id, hash);

CREATE TABLE answers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  api_key_id  bigint REFERENCES api_keys(id) ON DELETE SET NULL,
  question    text NOT NULL,
  -- earlier turns (chat completions, follow-ups)
  conversation jsonb NOT NULL DEFAULT '[]',
  answer      text NOT NULL DEFAULT '',
  citations   jsonb NOT NULL DEFAULT '[]',
  unsupported jsonb NOT NULL DEFAULT '[]',
  abstained   boolean NOT NULL DEFAULT false,
  -- [{chunk_id, score}] in rank order
  retrieved   jsonb NOT NULL DEFAULT '[]',
  mode        text NOT NULL DEFAULT 'extractive' CHECK (mode IN ('extractive', 'llm')),
  model       text,
  settings    jsonb NOT NULL DEFAULT '{}',
  timings     jsonb NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'ok' CHECK (status IN ('pending', 'ok', 'error')),
  error       text,
  -- collections the asking key could read, so reviewers never widen access
  collections bigint[],
  reviewed_at timestamptz,
  reviewed_by bigint REFERENCES api_keys(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX answers_key_idx ON answers (api_key_id, created_at DESC);
CREATE INDEX answers_created_idx ON answers (created_at);

CREATE TABLE feedback (
  id          bigserial PRIMARY KEY,
  answer_id   uuid NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
  api_key_id  bigint REFERENCES api_keys(id) ON DELETE SET NULL,
  rating      text NOT NULL CHECK (rating IN ('up', 'down')),
  reasons     text[] NOT NULL DEFAULT '{}',
  comment     text,
  -- [{n, verdict: supports|does_not_support|irrelevant}]
  citations   jsonb NOT NULL DEFAULT '[]',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (answer_id, api_key_id)
);
CREATE INDEX feedback_created_idx ON feedback (created_at);

CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_key_id bigint,
  actor_name  text,
  action      text NOT NULL,
  target_type text,
  target_id   text,
  before      jsonb,
  after       jsonb,
  ip          text,
  request_id  text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

-- Background jobs (uploads, reindex, reembed, evaluations, purges) shared by workers.
CREATE TABLE jobs (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  run_after    timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  locked_by    text,
  heartbeat_at timestamptz,
  progress     jsonb NOT NULL DEFAULT '{}',
  result       jsonb,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX jobs_queue_idx ON jobs (run_after) WHERE status = 'queued';
