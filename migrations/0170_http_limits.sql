-- Request counters shared by every engine replica (issue 21): one row per limited client (an API key, or a
-- client address for unauthenticated and refused requests) and fixed window, bumped by one UPSERT per request.
-- Rows whose window has ended are reset by the next request and deleted now and then by the engines.
-- Unlogged: counters need no crash safety and should cost no WAL on every request.
CREATE TABLE rate_limits (
  key      text PRIMARY KEY,   -- `key:<api key id>` or `addr:<client address or IPv6 /56>`
  hits     integer NOT NULL,
  reset_at timestamptz NOT NULL
);
ALTER TABLE rate_limits SET UNLOGGED;

-- Refused requests are aggregated: one audit line per client address, reason, key and hour, with a count,
-- instead of one line per refusal (a flood of bad keys wrote 1,000 lines in 2.9 s).
ALTER TABLE audit_log ADD COLUMN count integer NOT NULL DEFAULT 1; -- refusals this line stands for (1 for other actions)
ALTER TABLE audit_log ADD COLUMN window_key text; -- set on aggregated lines only: what the count is per
CREATE UNIQUE INDEX audit_log_window_key_idx ON audit_log (window_key);
