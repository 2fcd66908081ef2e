-- Crawler additions: frontier entry kinds, trap guard key, run phases and config snapshots,
-- worker registry (heartbeats decide which claims are stale), indexes for the claim query.

ALTER TABLE frontier ADD COLUMN kind text NOT NULL DEFAULT 'page'
  CHECK (kind IN ('page', 'sitemap', 'archive', 'jsonl', 'file', 'revalidate'));
-- URL without its query: calendar-like traps multiply queries on one path.
ALTER TABLE frontier ADD COLUMN path_key text;
ALTER TABLE frontier ADD COLUMN content_type text;
ALTER TABLE frontier ADD COLUMN fetched_at timestamptz;
-- validators of what was fetched (archives are re-downloaded only when they change)
ALTER TABLE frontier ADD COLUMN etag text;
ALTER TABLE frontier ADD COLUMN last_modified text;
-- entries holding many documents (zips, JSONL): {total, indexed, unchanged, failed, deleted}
ALTER TABLE frontier ADD COLUMN counts jsonb;
CREATE INDEX frontier_pending_order_idx ON frontier (depth, id) WHERE status = 'pending';
CREATE INDEX frontier_host_claimed_idx ON frontier (host) WHERE status = 'claimed';
CREATE INDEX frontier_path_key_idx ON frontier (run_id, path_key);
CREATE INDEX frontier_run_status_idx ON frontier (run_id, status);

-- 'crawl' then 'revalidate' (known documents no longer linked are refetched: 404/410 → deleted).
ALTER TABLE crawl_runs ADD COLUMN phase text NOT NULL DEFAULT 'crawl' CHECK (phase IN ('crawl', 'revalidate'));
-- The source configuration the run started with (later edits do not change a running crawl).
ALTER TABLE crawl_runs ADD COLUMN config jsonb NOT NULL DEFAULT '{}';
ALTER TABLE crawl_runs ADD COLUMN created_by text;

CREATE TABLE crawl_workers (
  id           text PRIMARY KEY,
  hostname     text NOT NULL,
  pid          integer NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sources_schedule_idx ON sources (next_run_at) WHERE schedule IS NOT NULL AND enabled AND deleted_at IS NULL;
