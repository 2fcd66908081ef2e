import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { namedStatement, type Database, type Queryable } from './database.js';
import { openServerDatabase } from './server-database.js';

/**
 * A statement the database refuses leaves the connection usable, with its prepared statements: issue 21,
 * where after one error every claim of the embedded crawler failed with `prepared statement
 * "frontier_claim" already exists` until a restart.
 */
describeEachDatabase(
  'pool database: statements after a failed one',
  (ctx) => {
    let db: Database;
    let own: Database | undefined;
    beforeAll(async () => {
      await ctx.db.exec(`CREATE TABLE pool_errors (id int PRIMARY KEY, label text)`);
      // one connection, as embedded: what one statement's failure does to it is what the next one meets
      db = ctx.mode === 'server' ? (own = await openServerDatabase(ctx.url!, 1)) : ctx.db;
    });
    afterAll(async () => {
      await own?.close();
    });

    const failures: Array<[string, (q: Queryable) => Promise<unknown>, string]> = [
      ['a NUL byte in a text parameter', (q) => q.query(`SELECT length($1::text) AS n`, ['association\u0000x ?']), '22021'],
      ['a unique violation', (q) => q.query(`INSERT INTO pool_errors (id, label) VALUES (1, $1)`, ['again']), '23505'],
      ['a unique violation of a named statement', (q) => q.query(namedStatement('pool_errors_insert', `INSERT INTO pool_errors (id, label) VALUES ($1, $2)`), [1, 'named']), '23505'],
    ];
    let round = 0;
    const prepared = async (name: string) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = $1`, [name])).rows[0]!.n;
    const runsAfter = async (before: ReturnType<typeof namedStatement>) => {
      expect((await db.query<{ n: number }>(before, [10])).rows).toEqual([{ n: 11 }]);
      const after = namedStatement(`pool_errors_after_${++round}`, `SELECT $1::int + 2 AS n`);
      expect((await db.query<{ n: number }>(after, [10])).rows).toEqual([{ n: 12 }]);
      expect((await db.query<{ n: number }>(after, [20])).rows).toEqual([{ n: 22 }]);
      expect((await db.query<{ n: number }>(`SELECT $1::int AS n`, [7])).rows).toEqual([{ n: 7 }]);
      // the connection kept its session: the statement prepared before is still there, not prepared again
      expect(await prepared(before.name)).toBe(1);
    };

    it('a row the named statements of the tests find', async () => {
      await db.query(namedStatement('pool_errors_insert', `INSERT INTO pool_errors (id, label) VALUES ($1, $2)`), [1, 'first']);
    });

    for (const [what, fail, code] of failures) {
      it(`outside a transaction: named statements prepared before and after ${what} run`, async () => {
        const before = namedStatement(`pool_errors_before_${what.replace(/\W+/g, '_')}`, `SELECT $1::int + 1 AS n`);
        expect((await db.query<{ n: number }>(before, [0])).rows).toEqual([{ n: 1 }]);
        await expect(fail(db)).rejects.toMatchObject({ code });
        await runsAfter(before);
        // several times in a row (the crawler's claim failed at every poll)
        for (let i = 0; i < 3; i++) await expect(fail(db)).rejects.toMatchObject({ code });
        await runsAfter(before);
      });

      it(`inside a transaction: named statements prepared before, within, and after ${what} run`, async () => {
        const before = namedStatement(`pool_errors_tx_before_${what.replace(/\W+/g, '_')}`, `SELECT $1::int + 1 AS n`);
        const within = namedStatement(`pool_errors_tx_within_${what.replace(/\W+/g, '_')}`, `SELECT $1::int + 1 AS n`);
        expect((await db.query<{ n: number }>(before, [0])).rows).toEqual([{ n: 1 }]);
        await expect(
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO pool_errors (id, label) VALUES (2, 'rolled back')`);
            expect((await tx.query<{ n: number }>(within, [1])).rows).toEqual([{ n: 2 }]);
            await fail(tx);
          }),
        ).rejects.toMatchObject({ code });
        expect((await db.query(`SELECT 1 FROM pool_errors WHERE id = 2`)).rows).toHaveLength(0);
        await runsAfter(before);
        // prepared in the transaction that failed: a prepared statement outlives it, as on any PostgreSQL
        expect((await db.query<{ n: number }>(within, [5])).rows).toEqual([{ n: 6 }]);
        // and a transaction after it works with them
        await db.transaction(async (tx) => {
          expect((await tx.query<{ n: number }>(before, [2])).rows).toEqual([{ n: 3 }]);
          expect((await tx.query<{ n: number }>(within, [2])).rows).toEqual([{ n: 3 }]);
        });
      });
    }

    it('session settings stay in force after a failed statement', async () => {
      const setting = () => db.queryWithSettings<{ v: string }>({ 'cite_test.after_error': 'kept' }, `SELECT current_setting('cite_test.after_error', true) AS v`);
      expect((await setting()).rows).toEqual([{ v: 'kept' }]);
      await expect(failures[0]![1](db)).rejects.toMatchObject({ code: '22021' });
      expect((await db.query<{ v: string }>(`SELECT current_setting('cite_test.after_error', true) AS v`)).rows).toEqual([{ v: 'kept' }]);
      expect((await setting()).rows).toEqual([{ v: 'kept' }]);
    });
  },
  { migrate: false },
);

/**
 * A statement that asks for its generic plan gets it every time, without giving generic plans to the other
 * statements (plan_cache_mode is a session setting): on the server it runs on connections of its own.
 */
describeEachDatabase(
  'pool database: statements that keep their generic plan',
  (ctx) => {
    let db: Database;
    let own: Database | undefined;
    beforeAll(async () => {
      db = ctx.mode === 'server' ? (own = await openServerDatabase(ctx.url!, 1)) : ctx.db;
    });
    afterAll(async () => {
      await own?.close();
    });

    it('plans it once, generic, and leaves plan_cache_mode as it was for every other statement', async () => {
      // a LIMIT parameter: PostgreSQL's automatic choice keeps re-planning such a statement for its values
      const hot = namedStatement('pool_generic_series', `SELECT n FROM generate_series(1, 1000) AS n ORDER BY n DESC LIMIT $1`, { genericPlan: true });
      for (let i = 1; i <= 8; i++) {
        const { rows } = await db.queryWithSettings<{ n: number }>({ 'cite_test.lane': 'hot' }, hot, [i]);
        expect(rows.map((r) => r.n)).toEqual(Array.from({ length: i }, (_, j) => 1000 - j));
      }
      const plans = namedStatement(
        'pool_generic_plans',
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = $1`,
        { genericPlan: true },
      );
      const [counts] = (await db.query<{ generic: number; custom: number }>(plans, [hot.name])).rows;
      // the embedded database has one session: the statement is named there, planned as PostgreSQL chooses
      if (ctx.mode === 'server') expect(counts).toEqual({ generic: 8, custom: 0 });
      else expect(counts!.generic + counts!.custom).toBe(8);

      const mode = `SELECT current_setting('plan_cache_mode') AS mode`;
      expect((await db.query(mode)).rows).toEqual([{ mode: 'auto' }]);
      expect((await db.queryWithSettings({ 'cite_test.lane': 'hot' }, mode)).rows).toEqual([{ mode: 'auto' }]);
      const plain = namedStatement('pool_plain_series', `SELECT n FROM generate_series(1, 1000) AS n ORDER BY n DESC LIMIT $1`);
      for (let i = 1; i <= 8; i++) await db.query(plain, [i]);
      // on the server, prepared on the other pool's connection, where PostgreSQL chose custom plans
      if (ctx.mode === 'server') expect((await db.query(plans, [plain.name])).rows).toEqual([]);
      const [plainCounts] = (await db.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = $1`,
        [plain.name],
      )).rows;
      expect(plainCounts!.custom).toBeGreaterThan(0);
    });
  },
  { migrate: false },
);
