/**
 * Runs a database test suite on every database mode available: always the embedded PGlite
 * (in memory), and the PostgreSQL server when DATABASE_URL is set. Each suite gets a fresh,
 * migrated database: a new PGlite, or a new throw-away database on the server, each a copy of a
 * template migrated once per change of the migrations.
 * Under CI=true, a missing DATABASE_URL is a failure, not a silent skip.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Admission } from '../db/admission.js';
import type { Database } from '../db/database.js';
import { openEmbeddedDatabase } from '../db/embedded-database.js';
import { migrate } from '../db/migrations.js';
import { openServerDatabase } from '../db/server-database.js';
import { embeddedTemplate, ensureServerTemplate, TEST_DATABASE_PREFIX, withAdmin, withDatabase } from './database-templates.js';

export type DbMode = 'embedded' | 'server';

export function availableModes(): DbMode[] {
  return process.env.DATABASE_URL ? ['embedded', 'server'] : ['embedded'];
}

/**
 * Creates a throw-away database on the server (in the `cite_test_%` family CI drops): a copy of the
 * migrated template when `migrated` is set, else empty. Returns its URL and a drop function.
 */
export async function createServerDatabase(
  baseUrl: string,
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const template = options.migrated ? await ensureServerTemplate(baseUrl) : undefined;
  const name = `${TEST_DATABASE_PREFIX}${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(baseUrl, (admin) => admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`));
  return {
    url: withDatabase(baseUrl, name),
    drop: () => withAdmin(baseUrl, async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

/**
 * Opens a fresh database of the given mode, `dispose` closes (and drops) it. Migrated unless `migrate` is
 * false: a copy of the template the current migrations built (database-templates.ts), not a new migration.
 */
export async function openTestDatabase(
  mode: DbMode,
  options: { migrate?: boolean; dataDir?: string; admission?: Admission } = {},
): Promise<{ db: Database; url?: string; dispose: () => Promise<void> }> {
  const migrated = options.migrate !== false;
  if (mode === 'server') {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('DATABASE_URL is required for server-mode tests');
    const { url, drop } = await createServerDatabase(base, { migrated });
    const db = await openServerDatabase(url, 5, options.admission);
    if (migrated) await migrate(db); // a no-op on the template's copy: it checks the copy is current
    return {
      db,
      url,
      dispose: async () => {
        await db.close();
        await drop();
      },
    };
  }
  const db = await openEmbeddedDatabase(options.dataDir ?? 'memory://', {
    template: migrated ? await embeddedTemplate() : undefined,
    admission: options.admission,
  });
  if (migrated) await migrate(db);
  return { db, dispose: () => db.close() };
}

/** Under CI=true, a missing DATABASE_URL fails the suite's server half instead of leaving it out. */
export function failWithoutServerUnderCi(name: string): void {
  if (process.env.CI === 'true' && !process.env.DATABASE_URL) {
    describe(`${name} [server]`, () => {
      it('needs DATABASE_URL under CI', () => {
        throw new Error('CI=true but DATABASE_URL is not set: the server-mode suite cannot run');
      });
    });
  }
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
  failWithoutServerUnderCi(name);
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
