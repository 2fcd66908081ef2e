import { afterAll, beforeAll, expect, it } from 'vitest';
import { describe } from 'vitest';
import { createKey } from '@cite/app/keys/api-keys.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { loadTestCorpus } from './test-corpus.js';

for (const mode of availableModes()) {
  describe(`POST /v1/search [${mode}]`, () => {
    let e: TestEngine;
    let ids: Awaited<ReturnType<typeof loadTestCorpus>>;
    beforeAll(async () => {
      e = await startTestEngine(mode);
      ids = await loadTestCorpus(e.db);
    });
    afterAll(async () => {
      await e?.stop();
    });

    const post = (body: unknown, init: { key?: string } = {}) => e.fetch('/v1/search', { method: 'POST', body, role: 'agent', ...init });

    it('answers an agent with the documented shape', async () => {
      const res = await post({ query: 'congés payés', k: 3 });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: Array<Record<string, any>>; timings: Record<string, number> };
      expect(body.data).toHaveLength(3);
      expect(Object.keys(body.data[0]!).sort()).toEqual(['chunk_id', 'document', 'heading_path', 'locator', 'score', 'text']);
      expect(Object.keys(body.data[0]!.document).sort()).toEqual(['fetched_at', 'id', 'metadata', 'title', 'updated_at', 'url']);
      expect(body.data[0]!.document.url).toBe('https://exemple.gouv.fr/conges-payes');
      expect(body.timings.total_ms).toBeGreaterThan(0);
    });

    it('returns per-branch ranks and timings with debug', async () => {
      const body = (await (await post({ query: 'préavis de démission', debug: true })).json()) as { data: any[]; timings: any };
      expect(body.data[0].ranks).toMatchObject({ fused: { rank: 1 } });
      expect(body.data.some((h) => h.ranks.lexical && h.ranks.vector)).toBe(true);
      expect(body.timings).toMatchObject({ embed_ms: expect.any(Number), sql_ms: expect.any(Number) });
    });

    it('is described in the OpenAPI document', async () => {
      const doc = (await (await e.fetch('/openapi.json', { role: null })).json()) as { paths: Record<string, any> };
      const body = doc.paths['/v1/search'].post.requestBody.content['application/json'].schema;
      expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['query', 'k', 'mode', 'filters', 'debug', 'group_by_document']));
    });

    it('needs a key', async () => {
      const res = await e.fetch('/v1/search', { method: 'POST', body: { query: 'congés' }, role: null });
      expect(res.status).toBe(401);
    });

    it('keeps a collection-limited key inside its collections', async () => {
      const sp = ids.collections.get('service-public')!;
      const { key } = await createKey(e.db, { name: 'limited', role: 'agent', collections: [sp] });
      const body = (await (await post({ query: 'salarié prud’hommes licenciement congés', k: 50 }, { key })).json()) as { data: any[] };
      expect(body.data.length).toBeGreaterThan(0);
      expect(body.data.every((h) => ['https://exemple.gouv.fr/conges-payes', 'https://exemple.gouv.fr/preavis-demission'].includes(h.document.url))).toBe(true);
    });

    it.each([
      ['an empty query', { query: '  ' }, /empty/],
      ['a 10 KB query', { query: 'congé '.repeat(2000) }, /longer/],
      ['k out of range', { query: 'congés', k: 0 }, /k/],
      ['k too large', { query: 'congés', k: 101 }, /k/],
      ['an unknown filter key', { query: 'congés', filters: { colour: 'red' } }, /colour/],
      ['an unknown body key', { query: 'congés', limit: 3 }, /limit/],
      ['SQL as a metadata key', { query: 'congés', filters: { metadata: { "a'); DROP TABLE chunks; --": 1 } } }, /metadata/],
      ['a non-numeric collection id', { query: 'congés', filters: { collections: ['1 OR 1=1'] } }, /collections/],
      ['an unknown mode', { query: 'congés', mode: 'fuzzy' }, /mode/],
      // sent as text: an object literal would take __proto__ as its prototype, not as a key
      ['__proto__ as a metadata key', '{"query":"congés","filters":{"metadata":{"__proto__":{"in":["x"]}}}}', /proto/],
    ])('refuses %s with 400 and a message', async (_name, body, message) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      const err = (await res.json()) as { code: string; message: string };
      expect(err.code).toMatch(/^[A-Z_]+$/);
      expect(err.message).toMatch(message);
    });

    it('treats SQL in filter values as data', async () => {
      // index-boundary: not a write (an injection probe sent as a filter)
      const res = await post({ query: 'congés', filters: { metadata: { theme: "x' OR '1'='1" }, audience: "'; DELETE FROM documents; --" } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: unknown[] }).data).toEqual([]);
      const { rows } = await e.db.query<{ n: string }>('SELECT count(*) AS n FROM documents');
      expect(Number(rows[0]!.n)).toBe(ids.documents.size);
    });
  });
}
