/**
 * Walks every registered route: each declares an access level, and answers a caller below it with
 * 401 (no key, wrong key) or 403 (role too low) before anything else happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@cite/core/auth/roles.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';
import { allRoutes } from './routes.js';

const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'GET /openapi.json', 'GET /docs', 'GET /docs/*asset']);
// sign-in (issue 23): each reads the session cookie itself, and logout checks its CSRF token
for (const route of ['GET /auth/config', 'GET /auth/login', 'GET /auth/callback', 'GET /auth/session', 'POST /auth/logout']) PUBLIC.add(route);

function concretePath(p: string): string {
  return p.replace(/:([A-Za-z_]+)/g, (_m, name: string) => (name === 'id' ? '1' : 'x')).replace(/\*[A-Za-z_]+/g, 'x');
}

describe('every route declares its access', () => {
  it('has a known access level, and only the expected routes are public', () => {
    for (const r of allRoutes()) {
      expect(['public', ...ROLES], `${r.method} ${r.path}`).toContain(r.access);
      const id = `${r.method.toUpperCase()} ${r.path}`;
      if (r.access === 'public') expect(PUBLIC.has(id) || r.path.startsWith('/console'), `${id} is public`).toBe(true);
    }
  });
});

for (const mode of availableModes()) {
  describe(`role × route matrix [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      // every route is asked twice without a valid key: more refusals than one address may make by default
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '100000' });
    });
    afterAll(async () => e?.stop());

    it('refuses lower roles with 401/403 on every protected route', async () => {
      const protectedRoutes = allRoutes().filter((r) => r.access !== 'public');
      expect(protectedRoutes.length).toBeGreaterThan(3);
      for (const r of protectedRoutes) {
        const path = concretePath(r.path);
        const method = r.method.toUpperCase();
        const body = method === 'GET' || method === 'DELETE' ? undefined : {};
        const none = await e.fetch(path, { method, body, role: null });
        expect(none.status, `${method} ${r.path} without key`).toBe(401);
        const wrong = await e.fetch(path, { method, body, key: 'cite_not-a-real-key' });
        expect(wrong.status, `${method} ${r.path} with a wrong key`).toBe(401);
        const required = r.access as Role;
        for (const role of ROLES.slice(0, ROLES.indexOf(required))) {
          const res = await e.fetch(path, { method, body, role });
          expect(res.status, `${method} ${r.path} as ${role}`).toBe(403);
          const json = (await res.json()) as { code: string };
          expect(json.code).toBe('FORBIDDEN');
        }
        const allowed = await e.fetch(path, { method, body, role: required });
        expect([401, 403], `${method} ${r.path} as ${required} must pass auth`).not.toContain(allowed.status);
      }
    });
  });
}
