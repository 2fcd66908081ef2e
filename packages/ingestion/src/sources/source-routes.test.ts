/** Admin API of sources and crawl runs, through a real engine on loopback (simple REST conventions). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { FAST_WORKER, testConfig, testLogger, waitForRun } from '../testing/crawl-helpers.js';
import { page, startTestSite, type TestSite } from '../testing/test-site.js';
import { startWorker } from '../worker/worker.js';

for (const mode of availableModes()) {
  describe(`admin API: sources and crawl runs [${mode}]`, () => {
    let e: TestEngine;
    let site: TestSite;
    beforeAll(async () => {
      e = await startTestEngine(mode, { CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true' });
      site = await startTestSite({
        '/': page('Accueil', 'Bienvenue sur le site des démarches administratives. '.repeat(5), ['/a', '/missing']),
        '/a': page('Page A', 'Le permis de conduire se renouvelle en ligne. '.repeat(5)),
      });
    });
    afterAll(async () => {
      await site?.close();
      await e?.stop();
    });

    const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any, headers: res.headers });

    it('creates, lists (Content-Range), gets, updates and validates sources; only admins may', async () => {
      const created = await json(await e.fetch('/admin/api/sources', { body: { name: 'Site test', kind: 'website', collection: 'api', start_urls: [`${site.url}/`], include: ['/**'], schedule: '0 3 * * *', rate_per_host: 50 } }));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Site test', kind: 'website', collection: 'api', render: 'auto', enabled: true, mask_personal_data: false, status: 'idle', last_run: null });
      expect(created.body.next_run_at).toMatch(/T03:00:00/);
      const second = await json(await e.fetch('/admin/api/sources', { body: { name: 'Dila', kind: 'service-public', collection: 'api', start_urls: ['https://lecomarquage.service-public.fr/vdd/3.3/part/zip/vosdroits-latest.zip'] } }));
      expect(second.status).toBe(201);

      const list = await e.fetch('/admin/api/sources?sort=["name","ASC"]&range=[0,0]&filter={"collection_id":' + created.body.collection_id + '}');
      expect(list.headers.get('content-range')).toBe('sources 0-0/2');
      expect(((await list.json()) as any[]).map((s) => s.name)).toEqual(['Dila']);
      const many = (await (await e.fetch(`/admin/api/sources?filter=${encodeURIComponent(JSON.stringify({ id: [created.body.id] }))}`)).json()) as any[];
      expect(many.map((s) => s.id)).toEqual([created.body.id]);

      const updated = await json(await e.fetch(`/admin/api/sources/${created.body.id}`, { method: 'PUT', body: { ...created.body, max_pages: 5, render: 'never' } }));
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ max_pages: 5, render: 'never', include: ['/**'] });

      const bad = await json(await e.fetch('/admin/api/sources', { body: { name: 'x', kind: 'website', collection: 'api', start_urls: ['ftp://nope'], schedule: 'every day' } }));
      expect(bad.status).toBe(400);
      const badKind = await json(await e.fetch(`/admin/api/sources/${created.body.id}`, { method: 'PUT', body: { kind: 'sitemap' } }));
      expect(badKind.body.code).toBe('SOURCE_KIND_IMMUTABLE');
      const missing = await json(await e.fetch('/admin/api/sources/999999'));
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('SOURCE_NOT_FOUND');
      expect((await e.fetch('/admin/api/sources', { role: 'evaluator' })).status).toBe(403);
      expect((await e.fetch('/admin/api/crawl-runs', { role: 'agent' })).status).toBe(403);
    });

    it('queues a crawl (409 when one is active), shows run counts, errors by reason, and deletes a source out of search', async () => {
      const src = await json(await e.fetch('/admin/api/sources', { body: { name: 'Crawl me', kind: 'website', collection: 'api-crawl', start_urls: [`${site.url}/`], rate_per_host: 100 } }));
      const queued = await json(await e.fetch(`/admin/api/sources/${src.body.id}/crawl`, { method: 'POST' }));
      expect(queued.status).toBe(202);
      expect(queued.body.status).toBe('queued');
      const again = await json(await e.fetch(`/admin/api/sources/${src.body.id}/crawl`, { method: 'POST' }));
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('CRAWL_ALREADY_RUNNING');

      const worker = await startWorker({ db: e.db, config: testConfig(), embedder: new HashEmbedder(), log: testLogger(), options: FAST_WORKER });
      try {
        await waitForRun(e.db, queued.body.id);
      } finally {
        await worker.stop();
      }
      const detail = await json(await e.fetch(`/admin/api/crawl-runs/${queued.body.id}`));
      expect(detail.body).toMatchObject({ status: 'succeeded', indexed: 2, failed: 1, fail_reasons: { HTTP_404: 1 } });
      expect(detail.body.errors[0]).toMatchObject({ reason: 'HTTP_404', count: 1 });
      expect(detail.body.failed_urls[0].url).toBe(`${site.url}/missing`);
      expect(detail.body.duration_ms).toBeGreaterThan(0);
      const runs = await e.fetch(`/admin/api/crawl-runs?filter={"source_id":${src.body.id}}`);
      expect(runs.headers.get('content-range')).toBe('crawl-runs 0-0/1');
      const got = await json(await e.fetch(`/admin/api/sources/${src.body.id}`));
      expect(got.body.last_run).toMatchObject({ id: queued.body.id, status: 'succeeded', indexed: 2 });

      const disabled = await json(await e.fetch(`/admin/api/sources/${src.body.id}/disable`, { method: 'POST' }));
      expect(disabled.body.enabled).toBe(false);
      expect((await json(await e.fetch(`/admin/api/sources/${src.body.id}/crawl`, { method: 'POST' }))).body.code).toBe('SOURCE_DISABLED');

      const del = await json(await e.fetch(`/admin/api/sources/${src.body.id}`, { method: 'DELETE' }));
      expect(del.status).toBe(200);
      expect(del.body.documents_removed).toBe(2);
      const left = await e.db.query(`SELECT 1 FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source_id = $1`, [src.body.id]);
      expect(left.rows).toEqual([]);
      // the documents say they hold no chunk any more (the console shows chunk_count)
      const counts = await e.db.query<{ status: string; chunk_count: number }>(`SELECT status, chunk_count FROM documents WHERE source_id = $1`, [src.body.id]);
      expect(counts.rows).toHaveLength(2);
      expect(counts.rows.every((r) => r.status === 'deleted' && Number(r.chunk_count) === 0)).toBe(true);
      expect((await e.fetch(`/admin/api/sources/${src.body.id}`)).status).toBe(404);
      const audit = await e.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE target_type = 'source' AND target_id = $1 ORDER BY id`, [String(src.body.id)]);
      expect(audit.rows.map((r) => r.action)).toEqual(['source.create', 'source.crawl', 'source.disable', 'source.delete']);
    });
  });
}
