import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import type { Queryable } from './database.js';
import { SessionSettings } from './session-settings.js';

describeEachDatabase(
  'queryWithSettings',
  (ctx) => {
    const setting = (v: Record<string, string>, name = 'cite_test.depth') =>
      ctx.db
        .queryWithSettings<{ v: string }>(v, `SELECT current_setting($1, true) AS v`, [name])
        .then((r) => r.rows[0]!.v);

    it('runs the statement with the settings in force', async () => {
      expect(await setting({ 'cite_test.depth': '100' })).toBe('100');
      expect(await setting({ 'cite_test.depth': '250', 'cite_test.mode': 'relaxed' }, 'cite_test.mode')).toBe('relaxed');
      expect(await setting({ 'cite_test.depth': '40' })).toBe('40');
      // pgvector's own settings, as search passes them
      expect(await setting({ 'hnsw.ef_search': '123' }, 'hnsw.ef_search')).toBe('123');
    });

    it('gives each concurrent statement its own settings', async () => {
      const values = Array.from({ length: 24 }, (_, i) => String(40 + (i % 5)));
      const seen = await Promise.all(values.map((v) => setting({ 'cite_test.depth': v })));
      expect(seen).toEqual(values);
    });

    it('keeps the session value after a transaction changed it locally', async () => {
      expect(await setting({ 'cite_test.depth': '70' })).toBe('70');
      // a pool of one connection in embedded mode; on the server, try every pooled connection
      for (let i = 0; i < 6; i++) {
        await ctx.db.transaction(async (tx) => {
          await tx.query(`SET LOCAL cite_test.depth = '999'`);
        });
      }
      const seen = await Promise.all(Array.from({ length: 8 }, () => setting({ 'cite_test.depth': '70' })));
      expect(seen.every((v) => v === '70')).toBe(true);
    });
  },
  { migrate: false },
);

it('SessionSettings sends only the settings that changed, in one statement', async () => {
  const sent: Array<{ sql: string; params?: readonly unknown[] }> = [];
  const conn: Queryable = {
    async query<T>(sql: string, params?: readonly unknown[]) {
      sent.push({ sql, params });
      return { rows: [] as T[], rowCount: 0 };
    },
  };
  const session = new SessionSettings();
  await session.apply(conn, { a: '1', b: 'x' });
  await session.apply(conn, { a: '1', b: 'x' });
  await session.apply(conn, { a: '2', b: 'x' });
  await session.apply(conn, {});
  expect(sent).toEqual([
    { sql: 'SELECT set_config($1, $2, false), set_config($3, $4, false)', params: ['a', '1', 'b', 'x'] },
    { sql: 'SELECT set_config($1, $2, false)', params: ['a', '2'] },
  ]);
});

it('SessionSettings sets again what a failed statement may not have set', async () => {
  let fail = true;
  const sent: string[] = [];
  const conn: Queryable = {
    async query<T>(_sql: string, params?: readonly unknown[]) {
      sent.push(String(params));
      if (fail) throw new Error('connection lost');
      return { rows: [] as T[], rowCount: 0 };
    },
  };
  const session = new SessionSettings();
  await expect(session.apply(conn, { a: '1' })).rejects.toThrow('connection lost');
  fail = false;
  await session.apply(conn, { a: '1' });
  expect(sent).toEqual(['a,1', 'a,1']);
});
