import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { waitFor } from '@cite/core/testing/wait-for.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { page, startTestSite, type TestSite } from '../testing/test-site.js';
import { ClaimHealth } from './claim-health.js';

describe('claim health', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('reports claims failing with no success for longer than the grace, and forgets them at the next success', () => {
    const c = clock();
    const health = new ClaimHealth({ graceMs: 5_000, now: c.now });
    expect(health.problem()).toBeUndefined();
    health.failed(new Error('prepared statement "frontier_claim" already exists'));
    c.advance(4_000);
    health.failed(new Error('prepared statement "frontier_claim" already exists'));
    expect(health.problem()).toBeUndefined();
    c.advance(1_500);
    expect(health.problem()).toBe('cannot claim work: 2 claims failed in 6 s, the last with "prepared statement "frontier_claim" already exists"');
    health.succeeded();
    expect(health.problem()).toBeUndefined();
    // a new run of failures counts from its own first one
    health.failed(new Error('deadlock detected'));
    c.advance(3_000);
    expect(health.problem()).toBeUndefined();
  });

  it('asks to log the first failure of a run, then one a minute', () => {
    const c = clock();
    const health = new ClaimHealth({ now: c.now });
    const logged: number[] = [];
    for (let i = 0; i < 500; i++) {
      if (health.failed(new Error('down'))) logged.push(i);
      c.advance(270);
    }
    expect(logged).toEqual([0, 223, 446]);
    expect(health.failuresInARow).toBe(500);
    health.succeeded();
    expect(health.failed(new Error('down'))).toBe(true);
  });
});

for (const mode of availableModes())
  describe(`engine with its crawler, after requests that fail in the database [${mode}]`, () => {
    let e: TestEngine;
    let site: TestSite;
    beforeAll(async () => {
      site = await startTestSite({ '/': page('Accueil', 'Les congés payés sont acquis chaque mois.', ['suite']), '/suite': page('Suite', 'La période de référence court du 1er juin au 31 mai.') });
      e = await startTestEngine(mode, { EMBEDDINGS: 'hash', CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true' }, { worker: true });
    }, 120_000);
    afterAll(async () => {
      await e?.stop();
      await site?.close();
    });

    const readyz = async () => {
      const res = await e.fetch('/readyz', { role: null });
      return { status: res.status, body: (await res.json()) as { status?: string; code?: string; message?: string } };
    };

    it('crawls to the end (issue 21: every claim failed until a restart)', { timeout: 120_000 }, async () => {
      // the worker has claimed (found nothing) at least once: its claim is a prepared statement of its connection
      if (mode === 'embedded') {
        await waitFor('the first claim', async () => ((await e.db.query(`SELECT 1 FROM pg_prepared_statements WHERE name = 'frontier_claim'`)).rows.length ? true : undefined), 30_000);
      } else await new Promise((r) => setTimeout(r, 1_000));

      // a unique violation behind an API request (409), and a text parameter the database refuses
      expect((await e.fetch('/admin/api/eval-sets', { body: { name: 'issue 21' } })).status).toBe(201);
      expect((await e.fetch('/admin/api/eval-sets', { body: { name: 'issue 21' } })).status).toBe(409);
      await expect(e.db.query(`SELECT length($1::text)`, ['association\u0000x ?'])).rejects.toMatchObject({ code: '22021' });
      // the worker's polls meet the connection these left
      await new Promise((r) => setTimeout(r, 600));

      const created = await e.fetch('/admin/api/sources', { body: { name: 'after errors', kind: 'website', collection: 'c-after-errors', start_urls: [`${site.url}/`], rate_per_host: 100 } });
      expect(created.status).toBe(201);
      const source = (await created.json()) as { id: number };
      const queued = await e.fetch(`/admin/api/sources/${source.id}/crawl`, { method: 'POST' });
      expect(queued.status).toBe(202);
      const runId = ((await queued.json()) as { id: number }).id;
      const run = await waitFor(
        'the crawl to end',
        async () => {
          const r = (await (await e.fetch(`/admin/api/crawl-runs/${runId}`)).json()) as { status: string; indexed: number };
          return r.status === 'queued' || r.status === 'running' ? undefined : r;
        },
        60_000,
      );
      expect(run).toMatchObject({ status: 'succeeded', indexed: 2 });
      expect(site.count('/suite')).toBe(1);
      expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', database: mode } });
    });

    it('is not ready while its crawler cannot claim, and ready again once it can', { timeout: 60_000 }, async () => {
      await e.db.exec(`ALTER TABLE frontier RENAME TO frontier_hidden`);
      try {
        const notReady = await waitFor('/readyz to report the crawler', async () => {
          const r = await readyz();
          return r.status === 503 ? r : undefined;
        }, 20_000);
        expect(notReady.body.code).toBe('NOT_READY');
        expect(notReady.body.message).toMatch(/^crawler: cannot claim work: \d+ claims failed in \d+ s, the last with ".*frontier.*"$/);
      } finally {
        await e.db.exec(`ALTER TABLE frontier_hidden RENAME TO frontier`);
      }
      await waitFor('/readyz to be ready again', async () => ((await readyz()).status === 200 ? true : undefined), 10_000);
    });
  });
