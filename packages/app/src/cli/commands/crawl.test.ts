/**
 * `cite crawl` killed -9 mid-crawl, then run again: the second resumes the first's run from its frontier
 * (it was refused with CRAWL_ALREADY_RUNNING for good), while a crawl whose process is alive is still refused,
 * and another source's crawl left by a dead worker is not taken over by it. Real child processes, a real
 * HTTP server on loopback, both database modes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@cite/core/db/database.js';
import { openEmbeddedDatabase } from '@cite/core/db/embedded-database.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { availableModes, createServerDatabase } from '@cite/core/testing/databases.js';
import { startQueuedRun } from '@cite/ingestion/runs/run-lifecycle.js';
import type { CrawlRunDetail } from '@cite/ingestion/runs/run-repo.js';
import { createSource, startCrawl } from '@cite/ingestion/sources/source-service.js';
import { page, serveTree, startTestSite, type TestSite } from '@cite/ingestion/testing/test-site.js';
import { WRITE_BACKLOG_FACTOR } from '@cite/ingestion/worker/worker.js';
import { waitFor } from '@cite/core/testing/wait-for.js';

const run = promisify(execFile);
const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/cite.mjs');
const PAGES = 60;
const CONCURRENCY = 2;

describe.each(availableModes())('cite crawl after a kill -9 [%s]', (mode) => {
  let dir: string;
  let env: Record<string, string>;
  let site: TestSite;
  let drop = async () => {};
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-crawl-'));
    env = {
      ...(process.env as Record<string, string>),
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'warn',
      CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
      EMBEDDINGS: 'hash',
      CRAWLER_CONCURRENCY: String(CONCURRENCY),
      CRAWLER_HEARTBEAT_MS: '300',
      CRAWLER_STALE_AFTER_MS: '1000',
      CI: '',
    };
    delete env.DATABASE_URL;
    delete env.CITE_URL;
    delete env.CITE_API_KEY;
    if (mode === 'server') {
      const created = await createServerDatabase(process.env.DATABASE_URL!, { migrated: true });
      env.DATABASE_URL = created.url;
      drop = created.drop;
    }
    site = await startTestSite();
    // a tree of PAGES pages, each answered after 80 ms so that the kill lands mid-crawl
    serveTree(site, PAGES, 80);
    site.routes.set('/orphan/', page('Orphelin', 'Une page qu’aucun cite crawl de kr ne doit lire.'));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await site?.close();
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The test's own connection, between CLI runs (the embedded database is one process's at a time). */
  const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
    const db = mode === 'server' ? await openServerDatabase(env.DATABASE_URL!, 2) : await openEmbeddedDatabase(env.DATA_DIR!);
    try {
      await migrate(db);
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  const crawlArgs = [CITE, 'crawl', '', '--max-pages', '400', '--collection', 'kr', '--rate', '10', '--json'];
  const fetchedPages = () => [...site.hits.keys()].filter((k) => k.startsWith('/k/')).length;

  it('resumes the run of the killed crawl with no page lost or fetched twice but those held, refuses a live one, leaves other sources alone', async () => {
    crawlArgs[2] = `${site.url}/k/0`;
    // another source's crawl, running, its worker dead: not this command's to take over
    const orphanRun = await withDb(async (db) => {
      const other = await createSource(db, { name: 'orphan', kind: 'website', collection: 'autre', start_urls: [`${site.url}/orphan/`] });
      const runId = await startCrawl(db, other.id, 'manual');
      expect(await startQueuedRun(db, 'ghost')).toBe(runId);
      await db.query(`UPDATE crawl_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [runId]);
      return runId;
    });

    const first = spawn(process.execPath, crawlArgs, { env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(first);
    first.stderr?.on('data', (d) => process.env.TEST_LOG_LEVEL && process.stderr.write(`[first] ${d}`));
    await waitFor('15 pages fetched', async () => (fetchedPages() >= 15 || undefined), 60_000, 20);

    if (mode === 'server') {
      // the first is alive and beating for its run: a second `cite crawl` of the source is refused
      const refused = await run(process.execPath, crawlArgs, { env, cwd: dir, timeout: 60_000 }).then(
        () => null,
        (e: { code?: number; stderr?: string }) => e,
      );
      expect(refused?.code).toBe(1);
      expect(refused?.stderr).toMatch(/CRAWL_ALREADY_RUNNING/);
    }

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(fetchedPages()).toBeLessThan(PAGES);
    // server: the run goes stale once no worker beat for it twice over the counts refresh (3 s)
    if (mode === 'server') await new Promise((r) => setTimeout(r, 6_500));

    const { stdout } = await run(process.execPath, crawlArgs, { env, cwd: dir, timeout: 120_000 });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as CrawlRunDetail;
    expect(summary).toMatchObject({ status: 'succeeded', indexed: PAGES, failed: 0 });

    // every page fetched, and again only those the killed process held (fetched, not yet written)
    expect(fetchedPages()).toBe(PAGES);
    const fetches = [...site.hits.entries()].filter(([k]) => k.startsWith('/k/')).reduce((n, [, c]) => n + c, 0);
    expect(fetches).toBeLessThanOrEqual(PAGES + CONCURRENCY * (1 + WRITE_BACKLOG_FACTOR));
    expect(site.count('/orphan/')).toBe(0);

    await withDb(async (db) => {
      const runs = await db.query<{ id: number; status: string }>(
        `SELECT r.id, r.status FROM crawl_runs r JOIN sources s ON s.id = r.source_id WHERE s.name = $1 ORDER BY r.id`,
        [crawlArgs[2]],
      );
      // one run, resumed, not a second one
      expect(runs.rows.map((r) => ({ id: Number(r.id), status: r.status }))).toEqual([{ id: summary.id, status: 'succeeded' }]);
      const docs = await db.query<{ n: number; urls: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT d.url)::int AS urls FROM documents d JOIN collections c ON c.id = d.collection_id
          WHERE c.name = 'kr' AND d.status = 'active'`,
      );
      expect(docs.rows[0]).toEqual({ n: PAGES, urls: PAGES });
      const orphan = await db.query<{ status: string; locked_by: string }>('SELECT status, locked_by FROM crawl_runs WHERE id = $1', [orphanRun]);
      expect(orphan.rows[0]).toEqual({ status: 'running', locked_by: 'ghost' });
    });
  }, 240_000);
});
