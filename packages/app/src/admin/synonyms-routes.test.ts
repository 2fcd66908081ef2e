/**
 * The synonym lists' admin API over real HTTP (both databases): a list with bad lines is refused with every
 * line named, a stored list changes what /v1/search finds at once (no re-indexing), and a key limited to
 * collections sees the global lists and its own, changes only its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../keys/api-keys.js';
import { loadTestCorpus } from '@cite/retrieval/search/test-corpus.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';

const U = (p: string) => `https://exemple.gouv.fr/${p}`;

for (const mode of availableModes()) {
  describe(`/admin/api/synonyms [${mode}]`, () => {
    let e: TestEngine;
    let limitedKey: string;
    let travail: number;
    beforeAll(async () => {
      e = await startTestEngine(mode, { EMBEDDINGS: 'hash' });
      const ids = await loadTestCorpus(e.db, [
        { url: U('cdd'), title: 'Contrat à durée déterminée', chunks: [{ text: 'Le contrat à durée déterminée ne peut pourvoir un emploi permanent.' }], collection: 'travail' },
        { url: U('rsa'), title: 'RSA', chunks: [{ text: 'Le RSA est versé par la caisse d’allocations familiales.' }], collection: 'social' },
        ...Array.from({ length: 5 }, (_, i) => ({ url: U(`f${i}`), title: `Fiche ${i}`, chunks: [{ text: 'Le salarié travaille selon son contrat.' }], collection: 'travail' })),
      ]);
      travail = ids.collections.get('travail')!;
      limitedKey = (await createKey(e.db, { name: 'admin-travail', role: 'admin', collections: [travail] })).key;
    });
    afterAll(async () => {
      await e?.stop();
    });

    const search = async (query: string, key?: string) => {
      const r = await e.fetch('/v1/search', { method: 'POST', body: { query, mode: 'lexical' }, ...(key ? { key } : { role: 'agent' }) });
      expect(r.status).toBe(200);
      return ((await r.json()) as { data: Array<{ document: { url: string } }> }).data.map((h) => h.document.url);
    };

    it('refuses a list with bad lines, naming each line', async () => {
      const r = await e.fetch('/admin/api/synonyms', { method: 'POST', body: { name: 'bad', content: 'cdd, contrat à durée déterminée\ncdi\na => b => c\n' } });
      expect(r.status).toBe(400);
      const body = (await r.json()) as { code: string; message: string; details: { errors: Array<{ line: number }> } };
      expect(body.code).toBe('SYNONYMS_INVALID');
      expect(body.details.errors.map((x) => x.line)).toEqual([2, 3]);
      expect(body.message).toMatch(/line 2: .*line 3: /);
      expect(((await (await e.fetch('/admin/api/synonyms')).json()) as unknown[]).length).toBe(0);
    });

    it('creates, changes and deletes a global list, each change searched at once', async () => {
      expect(await search('CDD')).toEqual([]);
      const created = await e.fetch('/admin/api/synonyms', { method: 'POST', body: { name: 'contrats', collection: null, content: '# contrats\ncdd, contrat à durée déterminée' } });
      expect(created.status).toBe(201);
      const list = (await created.json()) as { id: number; rules: number; collection: string | null };
      expect(list).toMatchObject({ rules: 1, collection: null });
      expect(await search('CDD')).toEqual([U('cdd')]);
      const again = await e.fetch('/admin/api/synonyms', { method: 'POST', body: { name: 'contrats', content: 'a, b' } });
      expect(again.status).toBe(409);
      const put = await e.fetch(`/admin/api/synonyms/${list.id}`, { method: 'PUT', body: { ...list, content: 'cdd => contrat de mission' } });
      expect(put.status).toBe(200);
      expect(await search('CDD')).toEqual([]);
      expect((await e.fetch(`/admin/api/synonyms/${list.id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await e.fetch(`/admin/api/synonyms/${list.id}`)).status).toBe(404);
    });

    it('gives a key limited to collections the global lists and its own, to read; its own to change', async () => {
      const global = (await (await e.fetch('/admin/api/synonyms', { method: 'POST', body: { name: 'global', content: 'allocation, aide' } })).json()) as { id: number };
      const social = (await (await e.fetch('/admin/api/synonyms', { method: 'POST', body: { name: 'social', collection: 'social', content: 'revenu de solidarité active, rsa' } })).json()) as { id: number };
      const asLimited = (path: string, init: { method?: string; body?: unknown } = {}) => e.fetch(path, { ...init, key: limitedKey });
      const seen = (await (await asLimited('/admin/api/synonyms')).json()) as Array<{ name: string }>;
      expect(seen.map((l) => l.name)).toEqual(['global']);
      expect((await asLimited(`/admin/api/synonyms/${social.id}`)).status).toBe(404);
      expect((await asLimited(`/admin/api/synonyms/${global.id}`, { method: 'PUT', body: { content: 'x, y' } })).status).toBe(403);
      const globalByLimited = await asLimited('/admin/api/synonyms', { method: 'POST', body: { name: 'mine', content: 'a, b' } });
      expect(globalByLimited.status).toBe(403);
      expect(await globalByLimited.json()).toMatchObject({ code: 'UNRESTRICTED_ONLY' });
      expect((await asLimited('/admin/api/synonyms', { method: 'POST', body: { name: 'mine', collection: 'social', content: 'a, b' } })).status).toBe(400);
      const own = await asLimited('/admin/api/synonyms', { method: 'POST', body: { name: 'mine', collection: 'travail', content: 'cdd, contrat à durée déterminée' } });
      expect(own.status).toBe(201);
      expect(await own.json()).toMatchObject({ collection_id: travail, collection: 'travail' });
      // the social collection's list applies to searches of social only
      expect(await search('revenu de solidarité active')).toEqual([U('rsa')]);
      expect(await search('CDD', limitedKey)).toEqual([U('cdd')]);
    });
  });
}
