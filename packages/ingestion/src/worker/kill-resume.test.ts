/**
 * Several `cite worker` processes share one crawl through the server database; kill -9 at any point
 * loses no page, and only the URLs the killed worker held at that instant can be fetched again.
 * Needs the PostgreSQL server (separate processes cannot share the embedded database).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes, openTestDatabase } from '@cite/core/testing/databases.js';
import type { Database } from '@cite/core/db/database.js';
import { createSource, startCrawl } from '../sources/source-service.js';
import { WRITE_BACKLOG_FACTOR } from './worker.js';
import { waitForRun } from '../testing/crawl-helpers.js';
import { serveTree, startTestSite, type TestSite } from '../testing/test-site.js';
import { waitFor } from '@cite/core/testing/wait-for.js';

const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../app/bin/cite.mjs');
const PAGES = 80;

for (const mode of availableModes().filter((m) => m === 'server')) {
  describe(`crawl survives kill -9 of workers [${mode}]`, () => {
    let db: Database;
    let url: string;
    let dispose: () => Promise<void>;
    let site: TestSite;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      const opened = await openTestDatabase(mode);
      db = opened.db;
      url = opened.url!;
      dispose = opened.dispose;
      site = await startTestSite();
      // a tree of PAGES pages, each answered after 120 ms so that kills land mid-fetch
      serveTree(site, PAGES, 120);
    });
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await site?.close();
      await dispose?.();
    });

    const startWorkerProcess = (name: string) => {
      const child = spawn(process.execPath, [CITE, 'worker'], {
        env: {
          ...process.env,
          DATABASE_URL: url,
          CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
          CRAWLER_CONCURRENCY: '3',
          CRAWLER_PER_HOST_CONCURRENCY: '4',
          CRAWLER_HEARTBEAT_MS: '300',
          CRAWLER_STALE_AFTER_MS: '2000',
          EMBEDDINGS: 'hash',
          LOG_LEVEL: 'warn',
          CI: '',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr?.on('data', (d) => process.env.TEST_LOG_LEVEL && process.stderr.write(`[${name}] ${d}`));
      children.push(child);
      return child;
    };
    const fetchedPages = () => [...site.hits.keys()].filter((k) => k.startsWith('/k/')).length;

    it('two workers share the crawl; each is killed -9 in turn; a third finishes it with no page lost or fetched twice', async () => {
      const source = await createSource(db, {
        name: 'kill',
        kind: 'website',
        collection: 'c-kill',
        start_urls: [`${site.url}/k/0`],
        rate_per_host: 1000,
        max_depth: 20,
      });
      const runId = await startCrawl(db, source.id, 'manual');
      const a = startWorkerProcess('a');
      const b = startWorkerProcess('b');
      await waitFor('20 pages fetched', async () => (fetchedPages() >= 20 || undefined), 60_000, 20);
      a.kill('SIGKILL');
      await waitFor('45 pages fetched', async () => (fetchedPages() >= 45 || undefined), 60_000, 20);
      b.kill('SIGKILL');
      startWorkerProcess('c');
      const run = await waitForRun(db, runId, 90_000);
      if (process.env.TEST_TIMELINE) console.log(site.log.map((l) => `${l.at - site.log[0]!.at} ${l.path}`).join('\n'));

      expect(run.status).toBe('succeeded');
      // no page lost
      for (let i = 0; i < PAGES; i++) expect(site.count(`/k/${i}`), `/k/${i}`).toBeGreaterThanOrEqual(1);
      const docs = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents WHERE status = 'active'`);
      expect(docs.rows[0]!.n).toBe(PAGES);
      expect(run.indexed + run.unchanged).toBe(PAGES);
      // fetched twice only when a killed worker held it uncommitted: at most its 3 fetch slots and the
      // pages waiting for their group's write, per kill
      const twice = [...site.hits.entries()].filter(([k, n]) => k.startsWith('/k/') && n > 1).map(([k]) => k);
      expect(twice.length).toBeLessThanOrEqual(2 * 3 * (1 + WRITE_BACKLOG_FACTOR));
      const requeued = await db.query<{ url: string }>(`SELECT url FROM frontier WHERE run_id = $1 AND attempts > 1`, [runId]);
      const requeuedPaths = new Set(requeued.rows.map((r) => new URL(r.url).pathname));
      for (const p of twice) expect(requeuedPaths.has(p), `${p} fetched twice without being requeued`).toBe(true);
      // the three workers all took part
      const by = await db.query<{ claimed_by: string }>(`SELECT DISTINCT claimed_by FROM frontier WHERE run_id = $1 AND status = 'done'`, [runId]);
      expect(by.rows.length).toBeGreaterThanOrEqual(2);
    }, 180_000);
  });
}
