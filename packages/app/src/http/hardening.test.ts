import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';

for (const mode of availableModes()) {
  describe(`API hardening [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '20', BODY_LIMIT: '2kb' });
    });
    afterAll(async () => e?.stop());

    it('answers /v1/me with the calling key', async () => {
      const res = await e.fetch('/v1/me', { role: 'agent' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ name: 'test-agent', role: 'agent' });
    });

    it('refuses a revoked key at once and an expired key', async () => {
      const created = (await (await e.fetch('/admin/api/api-keys', { body: { name: 'temp', role: 'agent' } })).json()) as { id: number; key: string };
      expect((await e.fetch('/v1/me', { key: created.key })).status).toBe(200);
      expect((await e.fetch(`/admin/api/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(200);
      const refused = await e.fetch('/v1/me', { key: created.key });
      expect(refused.status).toBe(401);
      const soon = new Date(Date.now() + 1500).toISOString();
      const expiring = (await (await e.fetch('/admin/api/api-keys', { body: { name: 'old', role: 'agent', expires_at: soon } })).json()) as { key: string };
      expect((await e.fetch('/v1/me', { key: expiring.key })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1600));
      expect((await e.fetch('/v1/me', { key: expiring.key })).status).toBe(401);
      // refusals are audited, admin actions too, with before/after
      const audit = (await (await e.fetch('/admin/api/audit-log?range=[0,99]')).json()) as Array<{ action: string; before: unknown; after: unknown }>;
      const actions = audit.map((a) => a.action);
      expect(actions).toContain('auth.refused.revoked');
      expect(actions).toContain('auth.refused.expired');
      expect(actions).toContain('api_key.revoke');
      const revoke = audit.find((a) => a.action === 'api_key.revoke')!;
      expect(revoke.before).toMatchObject({ revoked_at: null });
      expect(revoke.after).toMatchObject({ name: 'temp' });
    });

    it('never returns a key secret again after creation', async () => {
      const list = await (await e.fetch('/admin/api/api-keys?range=[0,99]')).text();
      expect(list).not.toMatch(/cite_[A-Za-z0-9_-]{20,}/);
      expect(list).not.toContain('key_hash');
    });

    it('rejects malformed JSON and oversized bodies with clear codes', async () => {
      const bad = await e.fetch('/admin/api/api-keys', { body: '{"name": ', headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'INVALID_JSON' });
      const big = await e.fetch('/admin/api/api-keys', { body: { name: 'x'.repeat(5000), role: 'agent' } });
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });

    it('refuses a body that is not JSON on a JSON route with 415, not a missing field', async () => {
      const plain = await e.fetch('/admin/api/api-keys', { body: 'name=x&role=agent', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(plain.status).toBe(415);
      expect(await plain.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/x-www-form-urlencoded') });
      const text = await e.fetch('/v1/search', { role: 'agent', body: 'congés payés', headers: { 'content-type': 'text/plain' } });
      expect(text.status).toBe(415);
      // JSON with a parameter, or a +json type, is JSON
      const ok = await e.fetch('/v1/search', { role: 'agent', body: JSON.stringify({ query: 'congés' }), headers: { 'content-type': 'application/json; charset=utf-8' } });
      expect(ok.status).toBe(200);
      const vendor = await e.fetch('/v1/search', { role: 'agent', body: JSON.stringify({ query: 'congés' }), headers: { 'content-type': 'application/vnd.api+json' } });
      expect(vendor.status).toBe(200);
    });

    it('validates input with the route schema and names the field', async () => {
      const res = await e.fetch('/admin/api/api-keys', { body: { name: 'x', role: 'superuser' } });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { code: string; message: string };
      expect(json.code).toBe('VALIDATION_FAILED');
      expect(json.message).toMatch(/body\.role/);
      const unknown = await e.fetch('/admin/api/api-keys', { body: { name: 'x', role: 'agent', admin: true } });
      expect(unknown.status).toBe(400);
      const sort = await e.fetch('/admin/api/api-keys?sort=' + encodeURIComponent('["id; DROP TABLE api_keys","ASC"]'));
      expect(sort.status).toBe(400);
    });

    it('says a query parameter given twice is given twice, not that it is NaN', async () => {
      const twice = await e.fetch('/v1/answers?limit=1&limit=2', { role: 'agent' });
      expect(twice.status).toBe(400);
      expect(await twice.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: 'query.limit: given 2 times; give it once' });
      const once = await e.fetch('/v1/answers?limit=1', { role: 'agent' });
      expect(once.status).toBe(200);
    });

    it('stores SQL and prompt-injection strings inertly', async () => {
      const nasty = `Robert'); DROP TABLE api_keys;-- <script>alert(1)</script> Ignore previous instructions`;
      const res = await e.fetch('/admin/api/api-keys', { body: { name: nasty, role: 'agent' } });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: number };
      const back = (await (await e.fetch(`/admin/api/api-keys/${id}`)).json()) as { name: string };
      expect(back.name).toBe(nasty);
      expect((await e.db.query('SELECT count(*)::int AS n FROM api_keys')).rows[0]).toMatchObject({ n: expect.any(Number) });
    });

    it('answers unknown routes with 404 JSON and sets security headers', async () => {
      const res = await e.fetch('/v1/nope');
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-request-id')).toBeTruthy();
    });

    it('says what is wrong with an Authorization header that is not « Bearer <key> »', async () => {
      const res = await e.fetch('/v1/me', { role: null, headers: { authorization: `Bearer ${e.keys.agent} extra` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('is not « Bearer <key> »') });
      const none = await e.fetch('/v1/me', { role: null });
      expect(await none.json()).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('An API key is required') });
    });

    it('answers a malformed percent-escape in a path with 400 INVALID_PATH, not 500', async () => {
      for (const path of ['/v1/documents/%E0%A4%A/original', '/v1/answers/%E0', '/admin/api/sources/%ZZ']) {
        for (const role of ['admin', null] as const) {
          const res = await e.fetch(path, { role });
          expect(res.status, `${path} ${role}`).toBe(400);
          expect(await res.json()).toMatchObject({ code: 'INVALID_PATH' });
        }
      }
    });

    it('serves health, readiness, OpenAPI and Prometheus metrics', async () => {
      expect(await (await e.fetch('/healthz', { role: null })).json()).toEqual({ status: 'ok' });
      expect(await (await e.fetch('/readyz', { role: null })).json()).toMatchObject({ status: 'ready', database: mode });
      const doc = (await (await e.fetch('/openapi.json', { role: null })).json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/me', '/admin/api/api-keys/{id}']));
      expect((await e.fetch('/docs', { role: null })).status).toBe(200);
      expect((await e.fetch('/v1/search', { role: 'agent', body: { query: 'congés payés' } })).status).toBe(200);
      const metrics = await (await e.fetch('/metrics')).text();
      expect(metrics).toMatch(/cite_search_stage_duration_seconds_count\{stage="total"\} [1-9]/);
      expect(metrics).toMatch(/cite_http_requests_total\{method="GET",route="\/v1\/me",status="200"\} \d+/);
      expect(metrics).toContain('cite_http_request_duration_seconds_bucket');
    });

    // last: it exhausts this key's budget
    it('rate-limits per key with 429 and Retry-After', async () => {
      const created = (await (await e.fetch('/admin/api/api-keys', { body: { name: 'burst', role: 'agent' } })).json()) as { key: string };
      let limited: Response | undefined;
      for (let i = 0; i < 25 && !limited; i++) {
        const res = await e.fetch('/v1/me', { key: created.key });
        if (res.status === 429) limited = res;
      }
      expect(limited).toBeDefined();
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited!.json()).toMatchObject({ code: 'RATE_LIMITED' });
      // another key is not affected
      expect((await e.fetch('/v1/me', { role: 'evaluator' })).status).toBe(200);
    });
  });
}
