import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';
import type { DashboardStats } from './stats-sql.js';

for (const mode of availableModes()) {
  describe(`GET /admin/api/stats [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode);
      const { rows } = await e.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('a'), ('b') RETURNING id`);
      const passages = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `Passage ${i + 1}` }));
      await seedDocuments(e.db, new HashEmbedder(), [
        { collectionId: Number(rows[0]!.id), url: 'https://x/1', title: 'x', format: 'html', chunks: passages(3) },
        { collectionId: Number(rows[1]!.id), url: 'https://y/1', title: 'y', format: 'html', chunks: passages(5) },
      ]);
    });
    afterAll(async () => {
      await e?.stop();
    });

    it('gives evaluators and admins the dashboard figures', async () => {
      for (const role of ['evaluator', 'admin'] as const) {
        const r = await e.fetch('/admin/api/stats', { role });
        expect(r.status, role).toBe(200);
        const body = (await r.json()) as DashboardStats;
        expect(body.totals).toMatchObject({ documents: 2, chunks: 8, collections: 2 });
        expect(body.activity).toHaveLength(30);
      }
    });

    it('refuses agents and anonymous callers', async () => {
      const agent = await e.fetch('/admin/api/stats', { role: 'agent' });
      expect(agent.status).toBe(403);
      expect(await agent.json()).toMatchObject({ code: 'FORBIDDEN' });
      expect((await e.fetch('/admin/api/stats', { role: null })).status).toBe(401);
    });

    it('validates its window and narrows to the key’s collections', async () => {
      expect((await e.fetch('/admin/api/stats?days=7')).status).toBe(200);
      const bad = await e.fetch('/admin/api/stats?days=0');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      const { rows } = await e.db.query<{ id: string }>(`SELECT id FROM collections WHERE name = 'b'`);
      const created = await e.fetch('/admin/api/api-keys', { body: { name: 'scoped', role: 'evaluator', collections: [Number(rows[0]!.id)] } });
      const { key } = (await created.json()) as { key: string };
      const scoped = await e.fetch('/admin/api/stats', { key });
      expect(((await scoped.json()) as DashboardStats).totals).toMatchObject({ documents: 1, chunks: 5, collections: 1 });
    });
  });
}
