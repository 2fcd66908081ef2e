/**
 * The embedded database's upkeep (PGlite has no autovacuum): tables past autovacuum's thresholds are
 * found, analyzed and vacuumed; a table just upkept is left alone for a while; an embedded database opened
 * by the engine does it on its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { openEmbeddedDatabase } from './embedded-database.js';
import { dueTables, TableUpkeep, upkeepStatement } from './table-upkeep.js';
import { dbUpkeepSeconds } from '../observability/metrics.js';
import { waitFor } from '../testing/wait-for.js';

/** PostgreSQL publishes a backend's table counters at most once a second: polls until `check` holds. */
const eventually = <T>(what: string, check: () => Promise<T | undefined>) => waitFor(what, check, 15_000, 200);

async function upkeepSeconds(statement: string): Promise<number> {
  return (await dbUpkeepSeconds.get()).values.find((v) => v.labels.statement === statement)?.value ?? 0;
}

async function tableState(db: Database, table: string) {
  const { rows } = await db.query<{ reltuples: number; dead: number; analyzed: boolean; vacuumed: boolean }>(
    `SELECT c.reltuples, s.n_dead_tup AS dead, s.last_analyze IS NOT NULL AS analyzed, s.last_vacuum IS NOT NULL AS vacuumed
       FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = $1`,
    [table],
  );
  return rows[0]!;
}

describe('embedded database upkeep', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openEmbeddedDatabase('memory://', { upkeep: false });
  });
  afterAll(async () => {
    await db.close();
  });

  it('names the statement for what is due', () => {
    expect(upkeepStatement({ table: 'public.t', vacuum: true, analyze: true })).toEqual({ kind: 'vacuum_analyze', sql: 'VACUUM (ANALYZE) public.t' });
    expect(upkeepStatement({ table: 'public.t', vacuum: true, analyze: false })).toEqual({ kind: 'vacuum', sql: 'VACUUM public.t' });
    expect(upkeepStatement({ table: 'public.t', vacuum: false, analyze: true })).toEqual({ kind: 'analyze', sql: 'ANALYZE public.t' });
  });

  it('analyzes a table that grew and vacuums one with dead rows, so the planner sees their size', async () => {
    await db.exec(`CREATE TABLE grown (id int PRIMARY KEY, v text); CREATE TABLE "Churned" (id int PRIMARY KEY, n int)`);
    await db.exec(`INSERT INTO grown SELECT g, 'x' FROM generate_series(1, 2000) g`);
    await db.exec(`INSERT INTO "Churned" SELECT g, 0 FROM generate_series(1, 30) g`);
    for (let i = 0; i < 5; i++) await db.exec(`UPDATE "Churned" SET n = n + 1`);
    // never analyzed: the planner knows nothing of either table
    expect((await tableState(db, 'grown')).reltuples).toBe(-1);

    const due = await eventually('both tables due', async () => {
      const d = await dueTables(db);
      return d.some((t) => t.table === 'public."Churned"') && d.some((t) => t.table === 'public.grown') ? d : undefined;
    });
    // 2,000 inserts: past the analyze threshold (50) and the insert-vacuum one (1,000); 150 dead rows of 30
    expect(due.find((t) => t.table === 'public.grown')).toEqual({ table: 'public.grown', vacuum: true, analyze: true });
    expect(due.find((t) => t.table === 'public."Churned"')).toEqual({ table: 'public."Churned"', vacuum: true, analyze: true });

    const secondsBefore = await upkeepSeconds('vacuum_analyze');
    const ran = await new TableUpkeep(db).pass();
    expect(ran).toEqual(expect.arrayContaining(['VACUUM (ANALYZE) public.grown', 'VACUUM (ANALYZE) public."Churned"']));
    // the time it took is in /metrics
    expect(await upkeepSeconds('vacuum_analyze')).toBeGreaterThan(secondsBefore);
    const grown = await tableState(db, 'grown');
    expect(grown).toMatchObject({ reltuples: 2000, analyzed: true, vacuumed: true });
    const churned = await eventually('the vacuum counted', async () => {
      const s = await tableState(db, 'Churned');
      return s.vacuumed ? s : undefined;
    });
    expect(churned).toMatchObject({ reltuples: 30, dead: 0 });
    // upkept: no longer due
    expect((await dueTables(db)).map((t) => t.table)).not.toContain('public.grown');
  });

  it('leaves a table it just upkept alone for a multiple of what that took', async () => {
    await db.exec(`CREATE TABLE busy (id int PRIMARY KEY)`);
    const churn = async (from: number) => db.exec(`INSERT INTO busy SELECT g FROM generate_series(${from}, ${from + 199}) g`);
    const busyDue = () => eventually('busy due', async () => ((await dueTables(db)).some((t) => t.table === 'public.busy') ? true : undefined));

    const paused = new TableUpkeep(db, { pauseFactor: 1e9 });
    await churn(1);
    await busyDue();
    expect(await paused.pass()).toContain('ANALYZE public.busy');
    await churn(1000);
    await busyDue();
    // due again, but within the pause: left out
    expect(await paused.pass()).not.toContain('ANALYZE public.busy');
    // without a pause it is taken
    expect(await new TableUpkeep(db, { pauseFactor: 0 }).pass()).toContain('ANALYZE public.busy');
  });
});

describe('a reopened embedded database', () => {
  it('takes at its first pass what an earlier process left undone, though PGlite forgot the counters', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-upkeep-'));
    try {
      const first = await openEmbeddedDatabase(dir, { upkeep: false });
      await first.exec(`CREATE TABLE loaded (id int PRIMARY KEY, v text); INSERT INTO loaded SELECT g, repeat('x', 100) FROM generate_series(1, 3000) g`);
      await first.close();

      const db = await openEmbeddedDatabase(dir, { upkeep: false });
      try {
        expect(await dueTables(db)).toEqual([]); // the counters start from zero
        const upkeep = new TableUpkeep(db);
        expect(await upkeep.pass()).toContain('VACUUM (ANALYZE) public.loaded');
        expect(await tableState(db, 'loaded')).toMatchObject({ reltuples: 3000 });
        const { rows } = await db.query<{ visible: boolean }>(
          `SELECT relallvisible = relpages AND relpages > 0 AS visible FROM pg_class WHERE relname = 'loaded'`,
        );
        expect(rows[0]!.visible).toBe(true);
        // later passes read the counters only: nothing left to do
        expect(await upkeep.pass()).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an embedded database opened by the engine', () => {
  it('upkeeps its tables on its own', async () => {
    const db = await openEmbeddedDatabase('memory://', { upkeep: { everyMs: 100 } });
    try {
      await db.exec(`CREATE TABLE filled (id int PRIMARY KEY); INSERT INTO filled SELECT generate_series(1, 500)`);
      const state = await eventually('filled analyzed by the upkeep', async () => {
        const s = await tableState(db, 'filled');
        return s.analyzed ? s : undefined;
      });
      expect(state.reltuples).toBe(500);
    } finally {
      await db.close();
    }
  });
});
