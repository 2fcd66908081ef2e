/**
 * Runs a database test suite on every database mode available: always the embedded PGlite
 * (in memory), and the PostgreSQL server when DATABASE_URL is set. Each suite gets a fresh,
 * migrated database: a new PGlite, or a new throw-away database on the server.
 * Under CI=true, a missing DATABASE_URL is a failure, not a silent skip.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Database } from '../db/database.js';
import { openEmbeddedDatabase } from '../db/embedded-database.js';
import { migrate } from '../db/migrations.js';
import { openServerDatabase } from '../db/server-database.js';

export type DbMode = 'embedded' | 'server';

export function availableModes(): DbMode[] {
  return process.env.DATABASE_URL ? ['embedded', 'server'] : ['embedded'];
}

/** Creates an empty database on the server named after the suite; returns its URL and a drop function. */
export async function createServerDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cite_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Opens a fresh migrated database of the given mode; `dispose` closes (and drops) it. */
export async function openTestDatabase(
  mode: DbMode,
  options: { migrate?: boolean; dataDir?: string } = {},
): Promise<{ db: Database; url?: string; dispose: () => Promise<void> }> {
  if (mode === 'server') {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('DATABASE_URL is required for server-mode tests');
    const { url, drop } = await createServerDatabase(base);
    const db = await openServerDatabase(url, 5);
    if (options.migrate !== false) await migrate(db);
    return {
      db,
      url,
      dispose: async () => {
        await db.close();
        await drop();
      },
    };
  }
  const db = await openEmbeddedDatabase(options.dataDir ?? 'memory://');
  if (options.migrate !== false) await migrate(db);
  return { db, dispose: () => db.close() };
}

/**
 * `describeEachDatabase('search', (ctx) => { it('…', async () => { ctx.db … }) })`
 * declares the suite once per mode; `ctx.db` is ready inside tests.
 */
export function describeEachDatabase(
  name: string,
  body: (ctx: { readonly db: Database; readonly mode: DbMode; readonly url?: string }) => void,
  options: { migrate?: boolean } = {},
): void {
  if (process.env.CI === 'true' && !process.env.DATABASE_URL) {
    describe(`${name} [server]`, () => {
      it('needs DATABASE_URL under CI', () => {
        throw new Error('CI=true but DATABASE_URL is not set: the server-mode suite cannot run');
      });
    });
  }
  for (const mode of availableModes()) {
    describe(`${name} [${mode}]`, () => {
      const ctx = { db: undefined as unknown as Database, mode, url: undefined as string | undefined };
      let dispose: () => Promise<void> = async () => {};
      beforeAll(async () => {
        const opened = await openTestDatabase(mode, options);
        ctx.db = opened.db;
        ctx.url = opened.url;
        dispose = opened.dispose;
      });
      afterAll(async () => {
        await dispose();
      });
      body(ctx);
    });
  }
}
