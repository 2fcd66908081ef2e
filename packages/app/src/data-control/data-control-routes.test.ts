import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { createKey } from '../keys/api-keys.js';
import { findById, setKeyGrant } from '../keys/api-keys-repo.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';

for (const mode of availableModes()) {
  describe(`data-control admin API [${mode}]`, () => {
    let e: TestEngine;
    let agentId = 0;
    beforeAll(async () => {
      e = await startTestEngine(mode, { RETENTION_ANSWERS_DAYS: '30', OUTBOUND_ALLOW: '*.gouv.fr', LLM_BASE_URL: 'http://llm.internal:8000/v1' });
      const me = await (await e.fetch('/v1/me', { role: 'agent' })).json() as { id?: number; key_id?: number; name: string };
      const row = await e.db.query<{ id: number }>(`SELECT id FROM api_keys WHERE name = 'test-agent'`);
      agentId = Number(row.rows[0]!.id);
      expect(me.name).toBe('test-agent');
      await e.db.query(
        `INSERT INTO answers (api_key_id, question, answer, created_at) VALUES ($1, 'Quelle durée pour le congé paternité ?', '25 jours [1]', now()),
                                                                          ($1, 'Question ancienne', 'x', now() - interval '40 days')`,
        [agentId],
      );
    });
    afterAll(async () => e?.stop());

    it('exports a key as an attachment and audits the export with counts only', async () => {
      const res = await e.fetch(`/admin/api/api-keys/${agentId}/export`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="cite-api-key-${agentId}-export.json"`);
      const body = (await res.json()) as { answers: Array<{ question: string }>; api_key: { id: number } };
      expect(body.api_key.id).toBe(agentId);
      expect(body.answers.map((a) => a.question)).toEqual(['Question ancienne', 'Quelle durée pour le congé paternité ?']);
      const audit = await e.db.query<{ after: unknown; target_id: string }>(`SELECT after, target_id FROM audit_log WHERE action = 'data.export'`);
      expect(audit.rows).toEqual([{ target_id: String(agentId), after: { answers: 2, feedback: 0, eval_items: 0, activity: 0 } }]);
      expect((await e.fetch('/admin/api/api-keys/424242/export')).status).toBe(404);
    });

    it('shows the retention policy and purges on demand', async () => {
      const before = (await (await e.fetch('/admin/api/retention')).json()) as { policy: Record<string, number>; last_purge: unknown };
      expect(before.policy).toEqual({ answers: 30, feedback: 0, crawl_logs: 90, audit: 0, web: 30 });
      const purge = await e.fetch('/admin/api/retention/purge', { method: 'POST', body: {} });
      expect(purge.status).toBe(200);
      expect(((await purge.json()) as { deleted: { answers: number } }).deleted.answers).toBe(1);
      const after = (await (await e.fetch('/admin/api/retention')).json()) as { last_purge: { deleted: { answers: number } } };
      expect(after.last_purge.deleted.answers).toBe(1);
    });

    it('shows the outbound destinations', async () => {
      const res = (await (await e.fetch('/admin/api/outbound')).json()) as Record<string, unknown>;
      expect(res).toEqual({
        models: [{ purpose: 'llm', host: 'llm.internal', configuredBy: 'LLM_BASE_URL' }],
        crawl_sites: [],
        outbound_allow: ['*.gouv.fr'],
        enforced: true,
      });
    });

    it('leaves to unrestricted admins a key whose answers reach beyond the caller’s collections', async () => {
      const mairie = await collectionByName(e.db, 'mairie');
      const prefecture = await collectionByName(e.db, 'prefecture');
      await seedDocuments(e.db, new HashEmbedder(), [
        {
          collectionId: prefecture,
          url: 'https://www.prefecture.gouv.fr/sejour',
          title: 'Titre de séjour',
          format: 'html',
          chunks: [{ text: 'Le renouvellement du titre de séjour se demande en préfecture deux mois avant.' }],
        },
      ]);
      const person = await createKey(e.db, { name: 'person', role: 'agent', collections: [mairie, prefecture] });
      const question = 'Quand renouveler le titre de séjour en préfecture ?';
      const asked = await e.fetch('/v1/answers', { key: person.key, body: { question } });
      expect(asked.status).toBe(200);
      // the person's grant narrows to the mairie, as PUT /admin/api/users does: the key is now within a mairie admin's
      await setKeyGrant(e.db, person.row.id, { role: 'agent', collections: [mairie] });
      const { key: mairieAdmin } = await createKey(e.db, { name: 'mairie', role: 'admin', collections: [mairie] });
      const keyPath = `/admin/api/api-keys/${person.row.id}`;
      const exported = await e.fetch(`${keyPath}/export`, { key: mairieAdmin });
      expect(exported.status).toBe(403);
      expect(await exported.json()).toMatchObject({ code: 'UNRESTRICTED_ONLY' });
      const erased = await e.fetch(`${keyPath}/erase`, { key: mairieAdmin, body: { confirm: true } });
      expect(erased.status).toBe(403);
      expect((await e.db.query(`SELECT 1 FROM answers WHERE api_key_id = $1`, [person.row.id])).rows).toHaveLength(1);
      // an unrestricted admin exports it all
      const all = (await (await e.fetch(`${keyPath}/export`)).json()) as { answers: unknown[] };
      expect(all.answers).toHaveLength(1);
    });

    it('erases only with confirmation, and records who erased what', async () => {
      const unconfirmed = await e.fetch(`/admin/api/api-keys/${agentId}/erase`, { method: 'POST', body: {} });
      expect(unconfirmed.status).toBe(400);
      expect((await e.db.query(`SELECT 1 FROM answers WHERE api_key_id = $1`, [agentId])).rows).toHaveLength(1);
      const res = await e.fetch(`/admin/api/api-keys/${agentId}/erase`, { method: 'POST', body: { confirm: true } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ api_key_id: agentId, erased: { answers: 1, feedback: 0 } });
      expect((await e.db.query(`SELECT 1 FROM answers WHERE api_key_id = $1`, [agentId])).rows).toHaveLength(0);
      const line = await e.db.query<{ actor_name: string }>(`SELECT actor_name FROM audit_log WHERE action = 'data.erase'`);
      expect(line.rows.map((r) => r.actor_name)).toEqual(['test-admin']);
      expect(await findById(e.db, agentId)).toBeDefined();
    });
  });
}
