/**
 * The session cookie behind https is `__Host-cite_session`, the only one read there: another host of the
 * same site cannot set such a cookie, where it could plant a `cite_session` of its own for the parent domain
 * that the browser sent first (cookie tossing). Plain http (loopback, tests) keeps `cite_session`.
 */
import type { Request } from 'express';
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { hashToken, openSession, sessionCaller, sessionCookie } from './session-auth.js';

describeEachDatabase('session cookie', (ctx) => {
  const config = loadConfig({ DATA_DIR: 'memory://' });
  const request = (cookie: string, secure: boolean) => ({ headers: { cookie }, secure }) as unknown as Request;
  let mine: string;
  let planted: string;

  beforeAll(async () => {
    const person = async (name: string) => {
      const key = await ctx.db.query<{ id: string }>(
        `INSERT INTO api_keys (name, role, key_hash, prefix) VALUES ($1, 'agent', $2, 'p') RETURNING id`,
        [name, hashToken(name)],
      );
      const user = await ctx.db.query<{ id: string }>(
        `INSERT INTO users (issuer, sub, role, api_key_id, email) VALUES ('https://idp', $1, 'agent', $2, $3) RETURNING id`,
        [name, key.rows[0]!.id, `${name}@travail.gouv.fr`],
      );
      return (await openSession(ctx.db, config, { userId: Number(user.rows[0]!.id), idToken: null, ip: null })).token;
    };
    mine = await person('marie');
    planted = await person('intrus');
  });

  it('behind https reads only __Host-cite_session, whatever cite_session another host planted first', async () => {
    const secure = (cookie: string) => sessionCaller(ctx.db, config, request(cookie, true));
    expect(sessionCookie(config, request('', true))).toBe('__Host-cite_session');
    const found = await secure(`cite_session=${planted}; __Host-cite_session=${mine}`);
    expect(found).toMatchObject({ email: 'marie@travail.gouv.fr' });
    expect(await secure(`cite_session=${planted}`)).toBeUndefined();
    // over plain http (no __Host- cookie can exist there) the plain name, as before
    expect(sessionCookie(config, request('', false))).toBe('cite_session');
    expect(await sessionCaller(ctx.db, config, request(`cite_session=${mine}`, false))).toMatchObject({ email: 'marie@travail.gouv.fr' });
  });

  it('behind an https PUBLIC_URL too, where the proxy in front does not say so', async () => {
    const https = loadConfig({ DATA_DIR: 'memory://', PUBLIC_URL: 'https://cite.travail.gouv.fr' });
    expect(sessionCookie(https, request('', false))).toBe('__Host-cite_session');
  });
});
