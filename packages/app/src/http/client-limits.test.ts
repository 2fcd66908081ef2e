/**
 * Issue 21 (HTTP layer): refused requests limited per client address before the key lookup and aggregated in
 * the audit log; rate limits shared by engine replicas through the database; X-Forwarded-For believed only
 * from TRUST_PROXY; /metrics closed to the public; keys born expired or given unknown collections refused;
 * credentials in URLs redacted from request logs and the audit log.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { loadConfig, type Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { createKey } from '../keys/api-keys.js';
import { startEngine, type RunningEngine } from '../server.js';
import { availableModes, openTestDatabase } from '@cite/core/testing/databases.js';
import { serveApp } from '../testing/serve-app.js';
import { allRoutes } from './routes.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

for (const mode of availableModes()) {
  describe(`client limits across two engine replicas [${mode}]`, () => {
    let opened: Awaited<ReturnType<typeof openTestDatabase>>;
    let secondDb: Database;
    let config: Config;
    let a: RunningEngine;
    let b: RunningEngine;
    let admin: string;
    let agent: string;

    const call = (engine: RunningEngine, path: string, init: { key?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
      fetch(`${engine.url}${path}`, {
        method: init.body === undefined ? 'GET' : 'POST',
        headers: {
          ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    const refusals = async () =>
      (
        await opened.db.query<{ action: string; count: number; ip: string }>(
          `SELECT action, count, ip FROM audit_log WHERE action LIKE 'auth.refused.%' ORDER BY action, ip`,
        )
      ).rows;

    beforeAll(async () => {
      opened = await openTestDatabase(mode);
      config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        DATA_DIR: 'memory://',
        RATE_LIMIT_PER_MINUTE: '6',
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '20',
        METRICS_TOKEN,
      });
      // two replicas: on the server each has its own connection pool, as separate processes would
      secondDb = mode === 'server' ? await openServerDatabase(opened.url!, 3) : opened.db;
      a = await startEngine({ config, db: opened.db, announce: () => {}, worker: false });
      b = await startEngine({ config, db: secondDb, announce: () => {}, worker: false });
      admin = (await createKey(opened.db, { name: 'admin', role: 'admin' })).key;
      agent = (await createKey(opened.db, { name: 'agent', role: 'agent' })).key;
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      if (mode === 'server') await secondDb?.close();
      await opened?.dispose();
    });
    // every request of these tests comes from 127.0.0.1: each test starts with fresh counters and audit
    beforeEach(async () => {
      await opened.db.query(`DELETE FROM rate_limits`);
      await opened.db.query(`DELETE FROM audit_log`);
    });

    it('shares the per-key limit between replicas (not N times the setting)', async () => {
      const { key } = await createKey(opened.db, { name: 'burst', role: 'agent' });
      for (let i = 0; i < 6; i++) expect((await call(i % 2 ? b : a, '/v1/me', { key })).status, `request ${i + 1}`).toBe(200);
      for (const engine of [a, b]) {
        const limited = await call(engine, '/v1/me', { key });
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
      }
      expect((await call(b, '/v1/me', { key: agent })).status).toBe(200); // another key has its own budget
    });

    it('counts each message of an MCP batch against the key’s limit', async () => {
      const { key } = await createKey(opened.db, { name: 'batch', role: 'agent' });
      const batch = (n: number, first: number) =>
        fetch(`${a.url}/mcp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: first + i, method: 'tools/call', params: { name: 'list_collections', arguments: {} } }))),
        });
      const four = await batch(4, 1);
      expect(four.status).toBe(200);
      expect(((await four.json()) as unknown[]).length).toBe(4);
      // 4 + 4 is past the limit of 6: refused as one request past it would be, before any tool runs
      const again = await batch(4, 5);
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await again.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await call(b, '/v1/me', { key })).status).toBe(429);
    });

    it('limits refused requests per client address before the key lookup, across replicas, and aggregates them in the audit log', async () => {
      for (let i = 0; i < 12; i++) expect((await call(i % 2 ? b : a, '/v1/me', { key: `cite_guess${i}` })).status).toBe(401);
      for (let i = 0; i < 8; i++) expect((await call(i % 2 ? b : a, '/v1/me')).status).toBe(401);
      for (const engine of [a, b]) {
        const limited = await call(engine, '/v1/me', { key: 'cite_guess-more' });
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
      }
      // refused before the key is looked up: even a valid key from this address waits for the window to end
      expect((await call(a, '/v1/me', { key: agent })).status).toBe(429);
      // 20 refusals → 2 audit lines with counts (the 429s after the budget write nothing)
      expect(await refusals()).toEqual([
        { action: 'auth.refused.missing', count: 8, ip: '127.0.0.1' },
        { action: 'auth.refused.unknown', count: 12, ip: '127.0.0.1' },
      ]);
      // another address is not limited by this one
      await opened.db.query(`DELETE FROM rate_limits WHERE key LIKE 'addr:%'`);
      expect((await call(a, '/v1/me', { key: agent })).status).toBe(200);
    });

    it('limits sign-in starts and callbacks per client address, across replicas, and no other public route', async () => {
      // no provider is configured here: each call is refused by the route (404), after the limiter counted it
      for (let i = 0; i < 6; i++) {
        const r = await call(i % 2 ? b : a, i < 3 ? '/auth/login' : '/auth/callback?code=x&state=y', {});
        expect(r.status, `request ${i + 1}`).not.toBe(429);
      }
      for (const engine of [a, b]) {
        const limited = await call(engine, '/auth/login');
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
      }
      // the console's own reads are not limited, nor are keys: the budget is this address's sign-ins only
      for (let i = 0; i < 8; i++) expect((await call(a, '/auth/config')).status).toBe(200);
      expect((await call(a, '/v1/me', { key: agent })).status).toBe(200);
      await opened.db.query(`DELETE FROM rate_limits WHERE key LIKE 'public:%'`);
      expect((await call(a, '/auth/login')).status).not.toBe(429);
    });

    it('keeps a revoked key on its own aggregated line, with its key id', async () => {
      const revoked = await createKey(opened.db, { name: 'gone', role: 'agent' });
      await opened.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [revoked.row.id]);
      for (let i = 0; i < 5; i++) expect((await call(i % 2 ? b : a, '/v1/me', { key: revoked.key })).status).toBe(401);
      const { rows } = await opened.db.query<{ actor_key_id: number; count: number; after: { last_route: string } }>(
        `SELECT actor_key_id, count, after FROM audit_log WHERE action = 'auth.refused.revoked'`,
      );
      expect(rows).toEqual([{ actor_key_id: revoked.row.id, count: 5, after: expect.objectContaining({ last_route: 'GET /v1/me' }) }]);
    });

    it('ignores X-Forwarded-For unless TRUST_PROXY names the peer', async () => {
      // by default a client cannot pick its address: forged headers neither escape the limit nor reach the audit
      let limitedAt = 0;
      for (let i = 1; i <= 22 && !limitedAt; i++) {
        const res = await call(a, '/v1/me', { key: 'cite_guess', headers: { 'x-forwarded-for': `203.0.113.${i}` } });
        if (res.status === 429) limitedAt = i;
      }
      expect(limitedAt).toBe(21);
      expect(await refusals()).toEqual([{ action: 'auth.refused.unknown', count: 20, ip: '127.0.0.1' }]);

      await opened.db.query(`DELETE FROM rate_limits`);
      await opened.db.query(`DELETE FROM audit_log`);
      const behindProxy = await startEngine({ config: { ...config, TRUST_PROXY: ['127.0.0.1'] }, db: opened.db, announce: () => {}, worker: false });
      try {
        expect((await call(behindProxy, '/v1/me', { key: 'cite_guess', headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' } })).status).toBe(401);
        expect(await refusals()).toEqual([{ action: 'auth.refused.unknown', count: 1, ip: '203.0.113.9' }]);
      } finally {
        await behindProxy.stop();
      }
    });

    it('reads TRUST_PROXY as Express does, without ever trusting every peer', () => {
      const parse = (v: string) => loadConfig({ TRUST_PROXY: v }).TRUST_PROXY;
      expect(loadConfig({}).TRUST_PROXY).toBe(false);
      expect(parse('false')).toBe(false);
      expect(parse('2')).toBe(2);
      expect(parse('10.0.0.5, 10.1.0.0/16, fd00::/8, loopback')).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8', 'loopback']);
      for (const bad of ['true', '10.0.0.300', '10.0.0.0/33', 'proxy.example']) expect(() => parse(bad), bad).toThrow(/TRUST_PROXY/);
    });

    it('serves /metrics to an admin key or METRICS_TOKEN only', async () => {
      expect((await call(a, '/metrics')).status).toBe(401);
      expect((await call(a, '/metrics', { key: agent })).status).toBe(403);
      expect((await call(a, '/metrics', { key: 'not-the-token-0123456789' })).status).toBe(401);
      // an admin of some collections only: the metrics speak of all of them (hosts crawled, routes)
      const { rows } = await opened.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('metrics-scope') RETURNING id`);
      const scoped = (await createKey(opened.db, { name: 'scoped-admin', role: 'admin', collections: [Number(rows[0]!.id)] })).key;
      const refused = await call(a, '/metrics', { key: scoped });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN' });
      for (const key of [admin, METRICS_TOKEN]) {
        const res = await call(a, '/metrics', { key });
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('cite_http_requests_total');
      }
    });

    it('refuses a key born expired or given collections that do not exist', async () => {
      const past = await call(a, '/admin/api/api-keys', { key: admin, body: { name: 'old', role: 'agent', expires_at: new Date(Date.now() - 1000).toISOString() } });
      expect(past.status).toBe(400);
      expect(await past.json()).toMatchObject({ code: 'KEY_EXPIRY_IN_PAST' });

      const { rows } = await opened.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('existing') RETURNING id`);
      const existing = Number(rows[0]!.id);
      const future = [existing + 1000, existing + 1001];
      const unknown = await call(a, '/admin/api/api-keys', { key: admin, body: { name: 'ahead', role: 'agent', collections: [existing, ...future] } });
      expect(unknown.status).toBe(400);
      const body = (await unknown.json()) as { code: string; message: string; details: { missing: number[] } };
      expect(body.code).toBe('KEY_COLLECTIONS_NOT_FOUND');
      expect(body.message).toContain(`${future[0]}, ${future[1]}`);
      expect(body.details.missing).toEqual(future);
      expect((await opened.db.query(`SELECT 1 FROM api_keys WHERE name IN ('old', 'ahead')`)).rows).toEqual([]);

      // the same collection given three times is kept once
      const ok = await call(a, '/admin/api/api-keys', { key: admin, body: { name: 'scoped', role: 'agent', collections: [existing, existing, existing], expires_at: new Date(Date.now() + 3_600_000).toISOString() } });
      expect(ok.status).toBe(201);
      // the collections as numbers, as the API declares them (the driver reads bigint[] as strings)
      const created = (await ok.json()) as { id: number; collections: unknown };
      expect(created.collections).toEqual([existing]);
      const listed = (await (await call(a, `/admin/api/api-keys/${created.id}`, { key: admin })).json()) as { collections: unknown };
      expect(listed.collections).toEqual([existing]);
    });

    it('stores URLs in the audit log with their credentials redacted', async () => {
      await recordAudit(opened.db, {
        action: 'source.create',
        targetId: 'https://intranet.example/export?token=s3cr3t&page=2',
        after: { url: 'https://bob:hunter2@intranet.example/feed?api_key=abc&lang=fr', name: 'feed' },
      });
      const { rows } = await opened.db.query<{ target_id: string; after: { url: string } }>(`SELECT target_id, after FROM audit_log`);
      expect(rows[0]!.target_id).toBe('https://intranet.example/export?token=[REDACTED]&page=2');
      expect(rows[0]!.after.url).toBe('https://bob:[REDACTED]@intranet.example/feed?api_key=[REDACTED]&lang=fr');
    });

    it('logs request URLs with credentials redacted', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const served = await serveApp({ db: opened.db, config, log: pino({ level: 'info' }, sink), services: new Map() }, allRoutes());
      try {
        await fetch(`${served.url}/v1/me?api_key=cite_leaked-secret&Access_Token=tok-123&q=conges`);
        await fetch(`${served.url}/v1/me?password=pw-456`, { headers: { authorization: `Bearer ${agent}` } });
      } finally {
        await served.close();
      }
      const logged = lines.join('');
      expect(logged).toContain('/v1/me?api_key=[REDACTED]&Access_Token=[REDACTED]&q=conges');
      expect(logged).toContain('/v1/me?password=[REDACTED]');
      expect(logged).not.toMatch(/leaked-secret|tok-123|pw-456/);
    });
  });
}
