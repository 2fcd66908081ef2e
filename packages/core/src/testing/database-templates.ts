/**
 * Migrated databases for the tests, built once and copied per suite. Creating a database and migrating
 * it for every suite cost, per suite, ~5 s of CPU in embedded mode (PGlite's initdb) and ~0.6 s of
 * migrations on the server; a copy costs a fraction of that. Each template is named after a hash of the
 * migration files (and, embedded, of the PGlite build), so a new or changed migration gets a new template
 * on the next run; migrations.test.ts still migrates from empty, so the production path keeps its tests.
 *
 * - server: the database `cite_test_tmpl_<hash>` (in the `cite_test_%` family CI drops), cloned with
 *   `CREATE DATABASE … TEMPLATE`. Built under another name and renamed, so a clone never sees a half-built one.
 * - embedded: a tarball of PGlite's data directory under node_modules/.cache/cite-test, written to a
 *   temporary file and renamed, loaded by each new in-memory database instead of initdb.
 * The vitest global setup builds both before any worker starts; a worker that finds none builds it itself.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { dumpEmbeddedDatabase, openEmbeddedDatabase } from '../db/embedded-database.js';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../db/migrations.js';
import { installedVersion } from '../db/pglite-datadir-template.js';
import { openServerDatabase } from '../db/server-database.js';

export const TEST_DATABASE_PREFIX = 'cite_test_';
const TEMPLATE_PREFIX = `${TEST_DATABASE_PREFIX}tmpl_`;
/** A template of other migrations is dropped once unused for this long (another run may still clone it). */
const STALE_TEMPLATE_MS = 60 * 60 * 1000;

/** Names and contents of the migration files, in order: any change gives another hash. */
export function migrationsHash(dir = MIGRATIONS_DIR): string {
  const h = crypto.createHash('sha256');
  for (const m of readMigrations(dir)) h.update(`${m.name}\0${m.checksum}\0`);
  return h.digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------- server

export function serverTemplateName(dir = MIGRATIONS_DIR): string {
  return `${TEMPLATE_PREFIX}${migrationsHash(dir)}`;
}

export function withDatabase(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withAdmin<T>(baseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function databaseExists(c: pg.Client, name: string): Promise<boolean> {
  return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
}

/** Ensures the migrated template database of the current migrations exists on the server; returns its name. */
export async function ensureServerTemplate(baseUrl: string, dir = MIGRATIONS_DIR): Promise<string> {
  const name = serverTemplateName(dir);
  return withAdmin(baseUrl, async (admin) => {
    if (await databaseExists(admin, name)) return name;
    // one builder at a time among the runs sharing this base database; others wait, then find it built
    const lockKey = 0x43495454; // "CITT"
    await admin.query('SELECT pg_advisory_lock($1)', [lockKey]);
    try {
      if (await databaseExists(admin, name)) return name;
      const building = `${TEST_DATABASE_PREFIX}build_${crypto.randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${building}`);
      try {
        const db = await openServerDatabase(withDatabase(baseUrl, building), 2);
        try {
          await migrate(db, dir);
        } finally {
          await db.close();
        }
        await admin.query(`COMMENT ON DATABASE ${building} IS '${new Date().toISOString()}'`);
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      } catch (e) {
        await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
        // a run on another base database (its own lock) built it first
        if ((e as { code?: string }).code === '42P04' && (await databaseExists(admin, name))) return name;
        throw e;
      }
      await dropStaleTemplates(admin, name);
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    }
  });
}

/** Templates of earlier migrations, built more than an hour ago (the comment holds the build time). */
async function dropStaleTemplates(admin: pg.Client, keep: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string; built: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS built FROM pg_database WHERE datname LIKE $1 AND datname <> $2`,
    [`${TEMPLATE_PREFIX}%`, keep],
  );
  for (const r of rows) {
    const built = Date.parse(r.built ?? '');
    if (Number.isFinite(built) && Date.now() - built < STALE_TEMPLATE_MS) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => {});
  }
}

// ---------------------------------------------------------------- embedded

/** The PGlite build and its extensions: a data directory is only valid for the build that wrote it. */
function pgliteBuild(): string {
  return ['@electric-sql/pglite', '@electric-sql/pglite-pgvector'].map((p) => `${p}@${installedVersion(p)}`).join(',');
}

export function embeddedTemplatePath(dir = MIGRATIONS_DIR): string {
  const key = crypto.createHash('sha256').update(`${migrationsHash(dir)}\0${pgliteBuild()}`).digest('hex').slice(0, 16);
  return path.join(MIGRATIONS_DIR, '..', 'node_modules', '.cache', 'cite-test', `pglite-${key}.tar`);
}

let loaded: { file: string; bytes: Promise<Uint8Array> } | undefined;

/** The migrated embedded template's tarball, built on first use and kept on disk for the next runs. */
export function embeddedTemplate(dir = MIGRATIONS_DIR): Promise<Uint8Array> {
  const file = embeddedTemplatePath(dir);
  if (loaded?.file !== file) {
    loaded = { file, bytes: readOrBuild(file, dir) };
    loaded.bytes.catch(() => (loaded = undefined));
  }
  return loaded.bytes;
}

async function readOrBuild(file: string, dir: string): Promise<Uint8Array> {
  try {
    const bytes = new Uint8Array(await fs.promises.readFile(file));
    // its time is its last use: tarballs unused for an hour are dropped (dropStaleTarballs)
    const now = new Date();
    await fs.promises.utimes(file, now, now).catch(() => {});
    return bytes;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const db = await openEmbeddedDatabase('memory://');
  let bytes: Uint8Array;
  try {
    await migrate(db, dir);
    bytes = await dumpEmbeddedDatabase(db);
  } finally {
    await db.close();
  }
  // written aside and renamed: concurrent builders each write a whole file, readers never see half of one
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`;
  await fs.promises.writeFile(partial, bytes);
  await fs.promises.rename(partial, file);
  dropStaleTarballs(file);
  return bytes;
}

/** Tarballs of other migrations (40 MB each) no run has read for an hour. */
function dropStaleTarballs(keep: string): void {
  const dir = path.dirname(keep);
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (file === keep || !/^pglite-.*\.(tar|partial)$/.test(name)) continue;
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > STALE_TEMPLATE_MS) fs.rmSync(file, { force: true });
    } catch {
      /* removed by another run meanwhile */
    }
  }
}
