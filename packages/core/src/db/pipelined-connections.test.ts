import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes, createServerDatabase, failWithoutServerUnderCi } from '../testing/databases.js';
import { freePort } from '../testing/free-port.js';
import { Admission } from './admission.js';
import { namedStatement, type Database } from './database.js';
import { PipelinedConnections } from './pipelined-connections.js';
import { openServerDatabase } from './server-database.js';

describe('pipelined connections, no database reached', () => {
  it('fails the statement of a connection that cannot open, and opens a new one for the next', async () => {
    const port = await freePort(); // nothing listens there
    let opened = 0;
    const pipes = new PipelinedConnections(() => {
      opened++;
      return new pg.Client({ host: '127.0.0.1', port, user: 'cite', database: 'cite', pipeline: true });
    }, 1);
    try {
      await expect(pipes.query({}, { text: 'SELECT 1' }, undefined)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(pipes.query({}, { text: 'SELECT 1' }, undefined)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(opened).toBe(2);
      expect(pipes.inFlight).toBe(0);
    } finally {
      await pipes.close();
    }
  });
});

/**
 * The rest needs a PostgreSQL server: the embedded database has one backend behind one connection, and
 * nothing to pipeline. Declared where one is (DATABASE_URL); under CI without one, the failure
 * failWithoutServerUnderCi declares stands in for them.
 */
failWithoutServerUnderCi('pipelined connections');
for (const mode of availableModes().filter((m) => m === 'server')) {
  const base = process.env.DATABASE_URL!;
  describe(`pipelined connections [${mode}]`, () => {
    let url: string;
    let drop: () => Promise<void>;
    let pipes: PipelinedConnections;
    const connect = () => new pg.Client({ connectionString: url, pipeline: true });
    beforeAll(async () => {
      ({ url, drop } = await createServerDatabase(base));
      pipes = new PipelinedConnections(connect, 2);
    });
    afterAll(async () => {
      await pipes.close();
      await drop();
    });

    const backendPid = { name: 'pipes_pid', text: 'SELECT pg_backend_pid() AS pid' };
    const setting = { name: 'pipes_setting', text: `SELECT current_setting('cite_test.v', true) AS v, $1::int AS i` };

    it('sends a statement behind a running one on the least busy connection, and answers each with its own rows', async () => {
      const sleeping = [pipes.query<{ pid: number }>({}, { text: 'SELECT pg_backend_pid() AS pid, pg_sleep(0.2)' }, undefined), pipes.query<{ pid: number }>({}, { text: 'SELECT pg_backend_pid() AS pid, pg_sleep(0.2)' }, undefined)];
      expect(pipes.inFlight).toBe(2);
      // both connections hold one: the third goes behind one of them, written before it finishes
      const behind = pipes.query<{ pid: number }>({}, backendPid, undefined);
      expect(pipes.inFlight).toBe(3);
      const [a, b] = await Promise.all(sleeping);
      const pids = [a!.rows[0]!.pid, b!.rows[0]!.pid];
      expect(new Set(pids).size).toBe(2);
      expect(pids).toContain((await behind).rows[0]!.pid);
      expect(pipes.inFlight).toBe(0);
    });

    it('runs each statement with its own settings, however many are pipelined with others between them', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => pipes.query<{ v: string; i: number }>({ 'cite_test.v': `value ${i % 3}` }, setting, [i])),
      );
      for (const [i, r] of results.entries()) expect(r.rows).toEqual([{ v: `value ${i % 3}`, i }]);
    });

    it('fails a statement the database refuses alone: those around it, on the same connection, are answered', async () => {
      const one = new PipelinedConnections(connect, 1);
      try {
        const [before, refused, after] = await Promise.allSettled([
          one.query<{ n: number }>({}, { name: 'pipes_before', text: 'SELECT $1::int + 1 AS n' }, [1]),
          one.query({}, { text: 'SELECT 1 / $1::int AS n' }, [0]),
          one.query<{ n: number }>({}, { name: 'pipes_before', text: 'SELECT $1::int + 1 AS n' }, [2]),
        ]);
        expect(before).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 2 }] } });
        expect(refused).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
        expect(after).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 3 }] } });
        // and a setting that cannot be set fails its statement, not the next one
        const [unset, next] = await Promise.allSettled([
          one.query({ statement_timeout: 'not a number' }, { text: 'SELECT 1 AS n' }, undefined),
          one.query<{ n: number }>({}, { text: 'SELECT 2 AS n' }, undefined),
        ]);
        expect(unset).toMatchObject({ status: 'rejected' });
        expect(next).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 2 }] } });
      } finally {
        await one.close();
      }
    });

    it('replaces a connection whose backend ended: what it held fails, the next statement runs on a new one', async () => {
      const one = new PipelinedConnections(connect, 1);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const { rows } = await one.query<{ pid: number }>({ 'cite_test.v': 'before' }, backendPid, undefined);
        const pid = rows[0]!.pid;
        const held = one.query({}, { text: 'SELECT pg_sleep(5)' }, undefined).then(
          () => 'answered',
          (e: unknown) => e,
        );
        await new Promise((r) => setTimeout(r, 100));
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        expect(await held).toMatchObject({ code: '57P01', severity: 'FATAL' });
        const again = await one.query<{ pid: number; v: string | null }>({ 'cite_test.v': 'before' }, { text: `SELECT pg_backend_pid() AS pid, current_setting('cite_test.v', true) AS v` }, undefined);
        expect(again.rows[0]!.pid).not.toBe(pid);
        // a new session: its settings are set again
        expect(again.rows[0]!.v).toBe('before');
      } finally {
        await admin.end();
        await one.close();
      }
    });
  });

  describe(`pipelined statements through admission [${mode}]`, () => {
    let url: string;
    let drop: () => Promise<void>;
    let db: Database;
    const admission = new Admission({ limit: 2, queueMax: 100, queueTimeoutMs: 10_000, pipeline: { connections: 2, depth: 2 } });
    beforeAll(async () => {
      ({ url, drop } = await createServerDatabase(base));
      db = await openServerDatabase(url, 5, admission);
    });
    afterAll(async () => {
      await db.close();
      await drop();
    });

    it('holds four statements in flight on two backends, with their generic plans on those connections only', async () => {
      const hot = namedStatement('pipes_hot', `SELECT pg_backend_pid() AS pid, current_setting('plan_cache_mode') AS mode, pg_sleep(0.15) FROM generate_series(1, $1) AS n LIMIT 1`, { genericPlan: true });
      const watcher = new pg.Client({ connectionString: url });
      await watcher.connect();
      let inFlight = 0;
      let running = 0;
      let watching = true;
      const watched = (async () => {
        while (watching) {
          inFlight = Math.max(inFlight, admission.inFlight);
          const { rows } = await watcher.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(0.15)%' AND pid <> pg_backend_pid()`);
          running = Math.max(running, rows[0]!.n);
        }
      })();
      try {
        const results = await Promise.all(Array.from({ length: 8 }, () => db.queryWithSettings<{ pid: number; mode: string }>({ 'cite_test.v': 'x' }, hot, [3])));
        expect(new Set(results.map((r) => r.rows[0]!.pid)).size).toBe(2);
        expect(results.every((r) => r.rows[0]!.mode === 'force_generic_plan')).toBe(true);
      } finally {
        watching = false;
        await watched;
        await watcher.end();
      }
      expect(inFlight).toBe(4);
      expect(running).toBe(2);
      // every other statement on the main pool, with PostgreSQL's own plan choice
      expect((await db.query<{ mode: string }>(`SELECT current_setting('plan_cache_mode') AS mode`)).rows).toEqual([{ mode: 'auto' }]);
    });
  });
}
