import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { statementText, type Database, type NamedStatement, type Queryable, type QueryResult } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { SessionSettings } from './session-settings.js';
import { VectorArrayParam } from './vector-param.js';
import { CiteError } from '../errors.js';

/**
 * Creates a new PGlite data directory in a short-lived child process. PGlite's initdb starts a
 * second, in-memory PostgreSQL plus the initdb program, each with its own WASM memory, and copies
 * the result as a tarball: opening a fresh data directory in-process peaks near 900 MB, and the
 * engine keeps ~130 MB of it for good (WASM memory is never given back). In a child, the engine
 * itself only ever opens an existing directory (~350 MB).
 */
async function initDataDir(dbPath: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `require(process.argv[1]).PGlite.create({ dataDir: process.argv[2] }).then((pg) => pg.close()).catch((e) => { console.error(e && e.stack || e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script, entry, dbPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || !fs.existsSync(path.join(dbPath, 'PG_VERSION'))) {
    throw new CiteError('DATABASE_INIT_FAILED', `Could not create the embedded database in ${dbPath}: ${stderr.trim() || `exit code ${code}`}`);
  }
}

/**
 * Embedded PostgreSQL (PGlite, WASM) persisted under `<dataDir>/pgdata`, or in memory when
 * dataDir is 'memory://'. PGlite is single-connection: queries are serialised by PGlite itself,
 * and a transaction holds the connection, so other queries wait until it ends.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<Database> {
  const inMemory = dataDir === 'memory://';
  let release = async () => {};
  let dbPath: string | undefined;
  if (!inMemory) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = acquireDataDirLock(dataDir);
    dbPath = path.join(path.resolve(dataDir), 'pgdata');
  }
  let pg: PGlite;
  try {
    if (dbPath && !fs.existsSync(path.join(dbPath, 'PG_VERSION'))) await initDataDir(dbPath);
    pg = await PGlite.create({
      dataDir: dbPath,
      extensions: { vector, unaccent, pg_trgm },
    });
  } catch (e) {
    await release();
    throw e;
  }

  const wrap = (runner: Pick<PGlite, 'query'>): Queryable => ({
    async query<T>(sql: string | NamedStatement, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const values = params?.map((p) => (p instanceof VectorArrayParam ? p.toText() : p));
      const r = await runner.query<T>(statementText(sql), values);
      return { rows: r.rows, rowCount: r.affectedRows ?? 0 };
    },
  });

  const conn = wrap(pg);
  const session = new SessionSettings();
  // Statements with settings run one after another, so none runs under another's settings; statements
  // without settings may still interleave: they do not depend on them.
  let withSettings: Promise<unknown> = Promise.resolve();

  return {
    mode: 'embedded',
    ...conn,
    async queryWithSettings<T>(settings: Readonly<Record<string, string>>, sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const run = withSettings.then(async () => {
        await session.apply(conn, settings);
        return conn.query<T>(sql, params);
      });
      withSettings = run.catch(() => {});
      return run;
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(wrap(tx)));
    },
    async exec(sql: string): Promise<void> {
      await pg.exec(sql);
    },
    async close(): Promise<void> {
      try {
        await pg.close();
      } finally {
        await release();
      }
    },
  };
}
