import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';
import type { ChunkRecord, DocumentRecord } from './documents-sql.js';

for (const mode of availableModes()) {
  describe(`admin documents and chunks API [${mode}]`, () => {
    let e: TestEngine;
    let docId: number;
    beforeAll(async () => {
      e = await startTestEngine(mode);
      const { rows: c } = await e.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('travail') RETURNING id`);
      const collectionId = Number(c[0]!.id);
      [docId] = (await seedDocuments(e.db, new HashEmbedder(), [
        {
          collectionId,
          url: 'https://t.fr/conges',
          title: 'Congés payés',
          format: 'html',
          metadata: { audience: 'particuliers' },
          chunks: [
            { text: 'Premier passage', headingPath: ['Congés payés', 'Durée'], locator: { anchor: 'duree' }, tokenCount: 2 },
            { text: 'Deuxième passage', headingPath: ['Congés payés', 'Prise'], locator: { anchor: 'prise' }, tokenCount: 3 },
          ],
        },
        { collectionId, url: 'https://t.fr/preavis', title: 'Préavis', format: 'pdf', chunks: [] },
      ])) as [number];
    });
    afterAll(async () => {
      await e?.stop();
    });

    it('lists with search, filters, sorting and Content-Range', async () => {
      const r = await e.fetch(`/admin/api/documents?filter=${encodeURIComponent('{"q":"congé"}')}&range=[0,9]&sort=["title","ASC"]`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-range')).toBe('documents 0-0/1');
      const rows = (await r.json()) as DocumentRecord[];
      expect(rows[0]).toMatchObject({ title: 'Congés payés', collection: 'travail', metadata: { audience: 'particuliers' } });
      const pdf = (await (await e.fetch(`/admin/api/documents?filter=${encodeURIComponent('{"format":"pdf"}')}`)).json()) as DocumentRecord[];
      expect(pdf.map((x) => x.title)).toEqual(['Préavis']);
      const bad = await e.fetch(`/admin/api/documents?filter=${encodeURIComponent('{"nope":1}')}`);
      expect(bad.status).toBe(400);
      expect((await e.fetch(`/admin/api/documents?sort=["text;drop","ASC"]`)).status).toBe(400);
    });

    it('gives one document and its chunks in order', async () => {
      const doc = (await (await e.fetch(`/admin/api/documents/${docId}`)).json()) as DocumentRecord;
      expect(doc).toMatchObject({ id: docId, url: 'https://t.fr/conges', chunk_count: 2 });
      const r = await e.fetch(`/admin/api/chunks?filter=${encodeURIComponent(JSON.stringify({ document_id: docId }))}&sort=["ord","ASC"]`);
      expect(r.headers.get('content-range')).toBe('chunks 0-1/2');
      const chunks = (await r.json()) as ChunkRecord[];
      expect(chunks.map((c) => c.text)).toEqual(['Premier passage', 'Deuxième passage']);
      expect(chunks[0]).toMatchObject({ heading_path: ['Congés payés', 'Durée'], locator: { anchor: 'duree' }, token_count: 2 });
      const missing = await e.fetch('/admin/api/documents/999999');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
    });

    it('is for admins only', async () => {
      expect((await e.fetch('/admin/api/documents', { role: 'evaluator' })).status).toBe(403);
      expect((await e.fetch('/admin/api/chunks', { role: 'agent' })).status).toBe(403);
    });

    it('deletes: the document leaves search (chunks gone, record marked deleted) and the action is audited', async () => {
      const r = await e.fetch(`/admin/api/documents/${docId}`, { method: 'DELETE' });
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ id: docId, status: 'deleted' });
      const { rows } = await e.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM chunks WHERE document_id = $1`, [docId]);
      expect(rows[0]!.n).toBe(0);
      const { rows: audit } = await e.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE target_id = $1`, [String(docId)]);
      expect(audit.map((a) => a.action)).toContain('document.delete');
    });
  });
}
