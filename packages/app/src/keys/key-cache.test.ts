import { afterAll, beforeAll, expect, it } from 'vitest';
import { statementText, type Database } from '@cite/core/db/database.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { authenticate, createKey, revoke } from './api-keys.js';
import { setKeyGrant, touchLastUsed } from './api-keys-repo.js';
import { API_KEYS_CHANNEL } from './key-cache.js';

/** Polls `probe` until it returns true; fails after `ms`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * An engine process keeps the keys it authenticated, and every change of a key made anywhere (another
 * process, a tool, plain SQL) reaches it at commit. On the server the engine is its own database handle
 * (its own connections and listener), the admin another; the embedded database keeps no keys.
 */
describeEachDatabase('API keys kept by an engine process', (ctx) => {
  let base: Database;
  let engine: Database;
  const lookups: string[] = [];
  beforeAll(async () => {
    base = ctx.mode === 'server' ? await openServerDatabase(ctx.url!, 2) : ctx.db;
    // the engine's statements, counted (the statements are real)
    engine = new Proxy(base, {
      get: (target, key, receiver) =>
        key === 'query'
          ? (sql: Parameters<Database['query']>[0], params?: readonly unknown[]) => (lookups.push(statementText(sql)), target.query(sql, params))
          : Reflect.get(target, key, receiver),
    });
  });
  afterAll(async () => {
    if (base !== ctx.db) await base.close();
  });

  /** Statements one authentication ran. */
  const statementsOf = async (secret: string) => {
    const before = lookups.length;
    const result = await authenticate(engine, secret);
    return { result, statements: lookups.length - before };
  };
  /** On the server: authenticates until the key is served from memory (the listener is up). */
  const kept = (secret: string) => until('the key is kept', async () => (await statementsOf(secret)).statements === 0);

  it('looks a key up once, then serves it from memory (server); the embedded database looks it up each time', async () => {
    const { key } = await createKey(ctx.db, { name: 'kept', role: 'agent' });
    if (ctx.mode === 'embedded') {
      for (let i = 0; i < 3; i++) expect(await statementsOf(key)).toMatchObject({ result: { ok: true }, statements: 1 });
      return;
    }
    await kept(key);
    for (let i = 0; i < 3; i++) expect(await statementsOf(key)).toMatchObject({ result: { ok: true }, statements: 0 });
    // an unknown secret is never kept
    for (let i = 0; i < 2; i++) expect(await statementsOf(`${key}x`)).toMatchObject({ result: { ok: false, reason: 'unknown' }, statements: 1 });
  });

  it('refuses a key revoked by another process at once', async () => {
    const { key, row: { id } } = await createKey(ctx.db, { name: 'to revoke', role: 'agent' });
    if (ctx.mode === 'server') await kept(key);
    expect((await authenticate(engine, key)).ok).toBe(true);
    await revoke(ctx.db, id);
    // the notification arrives after the commit: within milliseconds, never after the cache's minute
    await until('refused', async () => (await authenticate(engine, key)).ok === false, 2_000);
    expect(await authenticate(engine, key)).toEqual({ ok: false, reason: 'revoked', keyId: id });
  });

  it('follows a new role and collections, and a key deleted in SQL', async () => {
    const { key, row: { id } } = await createKey(ctx.db, { name: 'regranted', role: 'agent' });
    if (ctx.mode === 'server') await kept(key);
    await setKeyGrant(ctx.db, id, { role: 'evaluator', collections: [] });
    await until('new grant', async () => {
      const r = await authenticate(engine, key);
      return r.ok && r.caller.role === 'evaluator' && r.caller.collections?.length === 0;
    }, 2_000);
    await ctx.db.query(`DELETE FROM api_keys WHERE id = $1`, [id]);
    await until('deleted', async () => (await authenticate(engine, key)).ok === false, 2_000);
  });

  it('is not told of last_used_at moving (once a minute per key in use)', async () => {
    const { key, row: { id } } = await createKey(ctx.db, { name: 'in use', role: 'agent' });
    const other = await createKey(ctx.db, { name: 'other', role: 'agent' });
    const heard: string[] = [];
    const subscription = ctx.db.listen?.(API_KEYS_CHANNEL, { message: (p) => heard.push(p), gap: () => {} });
    try {
      if (subscription) await until('listening', async () => subscription.live);
      await touchLastUsed(ctx.db, id);
      expect((await ctx.db.query<{ used: boolean }>(`SELECT last_used_at IS NOT NULL AS used FROM api_keys WHERE id = $1`, [id])).rows).toEqual([{ used: true }]);
      await ctx.db.query(`UPDATE api_keys SET name = 'renamed' WHERE id = $1`, [other.row.id]);
      if (!subscription) return; // embedded: nothing listens (the trigger ran: the statements did not fail)
      // notifications come in commit order: the touch, had it notified, would come first
      await until('the rename is heard', async () => heard.length > 0);
      expect(heard).toEqual([String(other.row.id)]);
      await kept(key);
    } finally {
      await subscription?.close();
    }
  });

  // the server's listener only: the embedded database has none to lose
  if (ctx.mode === 'server') it('forgets every key when its listening connection is lost, and keeps them again once it is back', async () => {
    const { key, row: { id } } = await createKey(ctx.db, { name: 'through a reconnection', role: 'agent' });
    await kept(key);
    const listener = `SELECT pid FROM pg_stat_activity WHERE application_name = 'cite listener ${API_KEYS_CHANNEL}' AND datname = current_database()`;
    const pids = (await ctx.db.query<{ pid: number }>(listener)).rows.map((r) => r.pid);
    expect(pids).toHaveLength(1);
    await ctx.db.query(`SELECT pg_terminate_backend($1)`, [pids[0]]);
    // a new listener (the cache emptied when the old one went)
    await until('listening again', async () => {
      const now = (await ctx.db.query<{ pid: number }>(listener)).rows.map((r) => r.pid);
      return now.length === 1 && now[0] !== pids[0];
    });
    expect((await statementsOf(key)).statements).toBe(1);
    await kept(key);
    await revoke(ctx.db, id);
    await until('refused after the reconnection', async () => (await authenticate(engine, key)).ok === false, 2_000);
  });
});
