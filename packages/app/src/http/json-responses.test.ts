/**
 * JSON results: a GET's carry an ETag (a client revalidates them: 304), the others are written as they are,
 * without one, with the same headers otherwise (app.ts `sendUnrevalidated`).
 */
import pino from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { defineRoute } from '@cite/core/http/route.js';
import { serveApp, type ServedApp } from '../testing/serve-app.js';

// longer than the 1,000 characters past which Express hashes a body, with characters of two and three bytes
const VALUE = { text: 'Préavis de démission — « durée » '.repeat(60), items: [1, 2, 3] };

describe('JSON responses', () => {
  let served: ServedApp;

  beforeAll(async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: 'memory://' });
    const routes = [
      defineRoute({ method: 'get', path: '/test/value', access: 'public', summary: 'The value', handler: () => VALUE }),
      defineRoute({ method: 'post', path: '/test/value', access: 'public', summary: 'The value', body: z.object({}), handler: () => VALUE }),
      defineRoute({ method: 'post', path: '/test/created', access: 'public', summary: 'Created', status: 201, handler: () => ({ id: 7 }) }),
      defineRoute({ method: 'delete', path: '/test/value', access: 'public', summary: 'Nothing', handler: () => undefined }),
    ];
    // public routes: the database is never reached
    served = await serveApp({ db: {} as Database, config, log: pino({ level: 'silent' }), services: new Map() }, routes);
  });
  afterAll(async () => {
    await served?.close();
  });

  const post = (path: string) => fetch(`${served.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

  it('writes a POST result whole, typed and sized, without an ETag', async () => {
    const res = await post('/test/value');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('etag')).toBeNull();
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.length).toBeGreaterThan(JSON.stringify(VALUE).length); // multi-byte characters counted as bytes
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(VALUE);
  });

  it("keeps a route's status, and sends null for no result", async () => {
    const created = await post('/test/created');
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 7 });
    const deleted = await fetch(`${served.url}/test/value`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toBe('null');
  });

  it('gives a GET result an ETag that a conditional GET revalidates', async () => {
    const res = await fetch(`${served.url}/test/value`);
    expect(await res.json()).toEqual(VALUE);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^W\/"/);
    // as a browser revalidates (fetch() would add « Cache-Control: no-cache » to a conditional request)
    const again = await fetch(`${served.url}/test/value`, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });
});
