-- One model for background work (packages/core/src/background-work): crawl runs, ingest runs and evaluation runs
-- are claimed, beaten for, reclaimed, cancelled and finished by the same statements, over tables with the
-- same columns (status, error, attempts, locked_by, heartbeat_at, started_at, finished_at). eval_runs has
-- them already; crawl_runs gains the claimer and the claim count, and says which work a row is: a crawl
-- (queued, seeded into the frontier, run by every worker) or an ingestion (`cite ingest`, an upload, the
-- demo loader: run by the process that started it). The trigger could not tell them apart: `cite crawl`
-- runs have trigger 'cli' too (issue 18).
ALTER TABLE crawl_runs ADD COLUMN locked_by text;
ALTER TABLE crawl_runs ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN work text NOT NULL DEFAULT 'crawl' CHECK (work IN ('crawl', 'ingest'));
UPDATE crawl_runs SET work = 'ingest' WHERE trigger IN ('cli', 'upload') AND NOT (config ? 'kind') AND status <> 'queued';
