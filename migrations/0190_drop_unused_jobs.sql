-- The `jobs` table of the first schema was never used: background work is claimed and beaten for where it
-- lives (crawl runs and their frontier, ingest runs, evaluation runs), and a second, empty queue only
-- suggested otherwise (issue 18).
DROP TABLE IF EXISTS jobs;
