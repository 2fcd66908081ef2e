-- The page URLs a run has queued as pending: never fewer than what its max-pages budget counts (pages not
-- skipped; some are skipped only once fetched). Enqueue keeps it in the statement that inserts the URLs and
-- counts the run's pages exactly only when this bound comes near max_pages: the exact count reads every page
-- of the run, and ran at every write of a crawl (a 100,000-page crawl read up to 100,000 index entries per
-- group of pages written).
ALTER TABLE crawl_runs ADD COLUMN pages_enqueued integer NOT NULL DEFAULT 0;
UPDATE crawl_runs r
   SET pages_enqueued = (SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.kind = 'page' AND f.status <> 'skipped')
 WHERE r.status IN ('queued', 'running');
