-- Evaluation inside the product: sets of questions with graded gold sources, runs of a set under one
-- configuration (executed in the background, resumable), and per-question results kept for comparison.

CREATE TABLE eval_sets (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  -- where the set came from: an imported JSONL file, built by hand, or from reviewed answers
  origin      text NOT NULL DEFAULT 'manual' CHECK (origin IN ('import', 'manual', 'answers')),
  -- sha256 of the imported file, so `cite eval --queries FILE --save` reuses the same set
  source_hash text,
  created_by  bigint REFERENCES api_keys(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX eval_sets_source_hash_idx ON eval_sets (source_hash);

CREATE TABLE eval_items (
  id              bigserial PRIMARY KEY,
  set_id          bigint NOT NULL REFERENCES eval_sets(id) ON DELETE CASCADE,
  -- the id in the imported file (`q0004`, `spf-F34355`), stable across re-imports
  external_id     text NOT NULL,
  question        text NOT NULL,
  -- other phrasings of the same need (typos, abbreviations, synonyms), each evaluated
  phrasings       text[] NOT NULL DEFAULT '{}',
  -- [{url, grade}] with grade 1..3 (3 = most relevant)
  gold            jsonb NOT NULL DEFAULT '[]',
  expected_answer text,
  -- the reviewed answer the item was made from, if any
  answer_id       uuid REFERENCES answers(id) ON DELETE SET NULL,
  position        integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (set_id, external_id)
);
CREATE INDEX eval_items_set_idx ON eval_items (set_id, position, id);

CREATE TABLE eval_runs (
  id           bigserial PRIMARY KEY,
  set_id       bigint NOT NULL REFERENCES eval_sets(id) ON DELETE CASCADE,
  name         text NOT NULL DEFAULT '',
  -- {mode, k, weights:{lexical,vector}, rrf_k, reranker, embeddings, answers, llm_model, judge, judge_model}
  config       jsonb NOT NULL DEFAULT '{}',
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  origin       text NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'console', 'cli')),
  total        integer NOT NULL DEFAULT 0,
  done         integer NOT NULL DEFAULT 0,
  errors       integer NOT NULL DEFAULT 0,
  -- metric name -> value, over the questions evaluated so far (final once succeeded)
  aggregates   jsonb NOT NULL DEFAULT '{}',
  error        text,
  -- times the run was claimed by a runner; a run that keeps dying is marked failed
  attempts     integer NOT NULL DEFAULT 0,
  locked_by    text,
  heartbeat_at timestamptz,
  created_by   bigint REFERENCES api_keys(id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX eval_runs_set_idx ON eval_runs (set_id, created_at DESC);
CREATE INDEX eval_runs_claim_idx ON eval_runs (id) WHERE status IN ('queued', 'running');

CREATE TABLE eval_results (
  id          bigserial PRIMARY KEY,
  run_id      bigint NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  -- the item may be edited or deleted later: the question as evaluated is kept here
  item_id     bigint REFERENCES eval_items(id) ON DELETE SET NULL,
  external_id text NOT NULL,
  question    text NOT NULL,
  status      text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'error')),
  -- metric name -> value for this question (averaged over its phrasings)
  metrics     jsonb NOT NULL DEFAULT '{}',
  -- per phrasing: {q, results: [top URLs], gold_ranks: {url: rank}, metrics, latency_ms}
  phrasings   jsonb NOT NULL DEFAULT '[]',
  -- {answer, citations:[url], unsupported, sentences, abstained, latency_ms, judge?}
  answer      jsonb,
  latency_ms  double precision,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, external_id)
);
CREATE INDEX eval_results_item_idx ON eval_results (item_id);
