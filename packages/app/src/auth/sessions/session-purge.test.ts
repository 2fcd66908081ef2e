import pino from 'pino';
import { expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { backgroundParts } from '../../background-parts.js';
import { startSessionPurge } from './session-purge.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describeEachDatabase('session purge (background part)', (ctx) => {
  it('deletes sessions ended or expired over a day ago and expired sign-ins, and keeps the rest', async () => {
    const db = ctx.db;
    const key = await db.query<{ id: string }>(`INSERT INTO api_keys (name, role, key_hash, prefix) VALUES ('Marie', 'agent', 'h-purge', 'p') RETURNING id`);
    const user = await db.query<{ id: string }>(`INSERT INTO users (issuer, sub, role, api_key_id) VALUES ('https://idp', 'marie', 'agent', $1) RETURNING id`, [key.rows[0]!.id]);
    const session = (name: string, expires: string, revoked: string | null) =>
      db.query(`INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, revoked_at) VALUES ($1, $2, 'c', $3, $4)`, [name, user.rows[0]!.id, expires, revoked]);
    await session('expired-2-days-ago', hoursAgo(48), null);
    await session('revoked-2-days-ago', hoursAgo(-5), hoursAgo(48));
    await session('live', hoursAgo(-5), null);
    await session('expired-an-hour-ago', hoursAgo(1), null); // within the day of grace
    await session('revoked-an-hour-ago', hoursAgo(-5), hoursAgo(1));
    const login = (id: string, expires: string) =>
      db.query(`INSERT INTO oidc_logins (id, state, nonce, code_verifier, expires_at) VALUES ($1, 's', 'n', 'v', $2)`, [id, expires]);
    await login('abandoned', hoursAgo(30));
    // expired a minute ago: of no use to anyone, and GET /auth/login makes them without a key
    await login('just-expired', hoursAgo(1 / 60));
    await login('in-progress', hoursAgo(-0.1));

    const app = { db, config: loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent' }), log: pino({ level: 'silent' }), services: new Map() };
    const stop = await startSessionPurge(app);
    await stop(); // waits for the pass the part runs at start

    const left = async (sql: string) => (await db.query<{ id: string }>(sql)).rows.map((r) => r.id).sort();
    expect(await left(`SELECT token_hash AS id FROM sessions`)).toEqual(['expired-an-hour-ago', 'live', 'revoked-an-hour-ago']);
    expect(await left(`SELECT id FROM oidc_logins`)).toEqual(['in-progress']);
  });

  it('is one of the background parts', async () => {
    expect(await backgroundParts()).toContain(startSessionPurge);
  });
});
