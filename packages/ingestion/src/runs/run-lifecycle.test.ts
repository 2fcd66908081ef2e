/** Scheduling, bundle sources (JSONL file), Crawl-delay and per-host concurrency, on both database modes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { claim, enqueue } from '../frontier/frontier.js';
import { createSource, startCrawl } from '../sources/source-service.js';
import { crawlToEnd } from '../testing/crawl-helpers.js';
import { page, startTestSite, type TestSite } from '../testing/test-site.js';
import { scheduleDueSources, startQueuedRun } from './run-lifecycle.js';

describeEachDatabase('crawl runs lifecycle', (ctx) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('queues a run when a source cron schedule comes due, once, and moves next_run_at on', async () => {
    const s = await createSource(ctx.db, { name: 'cron', kind: 'website', collection: 'c-cron', start_urls: ['https://example.fr/'], schedule: '*/5 * * * *' });
    expect(s.next_run_at).not.toBeNull();
    const later = new Date(Date.parse(s.next_run_at!) + 1000);
    const queued = await scheduleDueSources(ctx.db, later);
    expect(queued).toHaveLength(1);
    expect(await scheduleDueSources(ctx.db, later)).toEqual([]);
    const src = await ctx.db.query<{ next_run_at: Date; status: string }>('SELECT next_run_at, status FROM sources WHERE id = $1', [s.id]);
    expect(new Date(src.rows[0]!.next_run_at).getTime()).toBeGreaterThan(later.getTime());
    expect(src.rows[0]!.status).toBe('queued');
    const run = await ctx.db.query<{ trigger: string }>('SELECT trigger FROM crawl_runs WHERE id = $1', [queued[0]]);
    expect(run.rows[0]!.trigger).toBe('schedule');
    await ctx.db.query(`UPDATE crawl_runs SET status = 'cancelled' WHERE id = $1`, [queued[0]]);
  });

  it('never gives a host more URLs at once than its concurrency, across claimers', async () => {
    const s = await createSource(ctx.db, { name: 'conc', kind: 'website', collection: 'c-conc', start_urls: ['https://conc.example/'], rate_per_host: 1000 });
    const runId = await startCrawl(ctx.db, s.id, 'manual');
    expect(await startQueuedRun(ctx.db)).toBe(runId);
    await enqueue(ctx.db, runId, Array.from({ length: 5 }, (_, i) => ({ url: `https://conc.example/${i}`, depth: 1, kind: 'page' as const })), { maxPages: 100, maxQueryVariants: 100 });
    const got = [];
    for (let i = 0; i < 6; i++) {
      const item = await claim(ctx.db, `w${i % 2}`, 2);
      if (item) got.push(item);
    }
    expect(got).toHaveLength(2);
    await ctx.db.query(`UPDATE crawl_runs SET status = 'cancelled' WHERE id = $1`, [runId]);
    await ctx.db.query(`UPDATE frontier SET status = 'done' WHERE run_id = $1`, [runId]);
  });

  it('waits Crawl-delay between requests to one host', async () => {
    site.routes.set('/robots.txt', { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nCrawl-delay: 1\n' });
    site.routes.set('/d/', page('Délai', 'Texte de la page d’accueil du site lent. '.repeat(5), ['a', 'b']));
    site.routes.set('/d/a', page('A', 'Texte de la page A. '.repeat(10)));
    site.routes.set('/d/b', page('B', 'Texte de la page B. '.repeat(10)));
    const s = await createSource(ctx.db, { name: 'delay', kind: 'website', collection: 'c-delay', start_urls: [`${site.url}/d/`], rate_per_host: 100 });
    const run = await crawlToEnd(ctx.db, s.id);
    expect(run.indexed).toBe(3);
    const times = site.log.filter((l) => l.path.startsWith('/d/')).map((l) => l.at);
    if (process.env.TEST_TIMELINE) console.log(site.log.map((l) => `${l.at - site.log[0]!.at} ${l.path}`).join('\n'));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);
  });

  it('indexes a JSONL bundle as a full sync: documents gone from the file leave search on the next run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-jsonl-'));
    const file = path.join(dir, 'fiches.jsonl');
    const line = (n: number) => JSON.stringify({ url: `https://fiches.example/${n}`, title: `Fiche ${n}`, text: `Contenu de la fiche numéro ${n} sur le droit du travail. `.repeat(5) });
    fs.writeFileSync(file, [1, 2, 3].map(line).join('\n'));
    const s = await createSource(ctx.db, { name: 'jsonl', kind: 'jsonl', collection: 'c-jsonl', start_urls: [file] });
    const first = await crawlToEnd(ctx.db, s.id);
    expect(first).toMatchObject({ status: 'succeeded', indexed: 3 });
    fs.writeFileSync(file, [1, 2].map(line).join('\n') + '\n{not json');
    const second = await crawlToEnd(ctx.db, s.id);
    expect(second).toMatchObject({ unchanged: 2, deleted: 1, failed: 1 });
    expect(second.errors.map((e) => e.reason)).toContain('JSONL_LINE_INVALID');
    const active = await ctx.db.query<{ url: string }>(`SELECT url FROM documents WHERE source_id = $1 AND status = 'active' ORDER BY url`, [s.id]);
    expect(active.rows.map((r) => r.url)).toEqual(['https://fiches.example/1', 'https://fiches.example/2']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
