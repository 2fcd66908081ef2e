import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import type { Admission } from './admission.js';
import type { Database } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { embeddedSharedBuffersMb } from './embedded-buffers.js';
import { TableUpkeep, type UpkeepOptions } from './table-upkeep.js';
import { readWholeTemplate, shippedTemplate, shippedTemplateBytes } from './pglite-datadir-template.js';
import { PgliteThread } from './pglite-thread.js';
import { poolDatabase } from './pool-database.js';
import { CiteError } from '../errors.js';
import { componentLogger } from '../observability/logger.js';

/**
 * Creates a new PGlite data directory in a short-lived child process: from the shipped tarball of the
 * installed PGlite when there is one (pglite-datadir-template.ts, ~420 MB at its peak), else by PGlite's
 * initdb, which starts a second, in-memory PostgreSQL plus the initdb program, each with its own WASM
 * memory (~860 MB). In-process, the engine would keep part of that for good (WASM memory is never given
 * back); in a child, the engine itself only ever opens an existing directory (~350 MB).
 *
 * The child writes beside `dbPath` and the directory is renamed when complete: a start killed halfway
 * (or a damaged tarball) leaves no half-made database that every later start would fail to open.
 */
export async function initDataDir(dbPath: string, template: string | null = shippedTemplate() ?? null): Promise<void> {
  // a damaged tarball (its checksum) must not keep the engine from starting: initdb makes the same directory.
  // Only then: another failure (a full disk) would fail initdb too, at twice the memory, and hide its cause.
  await createDataDir(dbPath, template && readWholeTemplate(template) ? template : null);
}

async function createDataDir(dbPath: string, template: string | null): Promise<void> {
  const partial = `${dbPath}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  if (fs.existsSync(dbPath)) {
    // without PG_VERSION: an empty directory (made by hand) is replaced, anything else is not ours to remove
    if (!fs.lstatSync(dbPath).isDirectory()) {
      throw new CiteError('DATABASE_INIT_FAILED', `${dbPath} is not a folder: move it away, and Cité creates a new database there`);
    }
    if (fs.readdirSync(dbPath).length > 0) {
      throw new CiteError('DATABASE_INIT_FAILED', `${dbPath} holds files but no database: move it away, and Cité creates a new one`);
    }
    fs.rmdirSync(dbPath);
  }
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  // The child ends when its stdin does: killed -9, the engine leaves no orphan writing into a folder the
  // next start (which takes the lock over) makes anew.
  const script = `const [entry, dataDir, template] = process.argv.slice(1);
    process.stdin.on('end', () => process.exit(1)).resume();
    const loadDataDir = template ? new Blob([require('node:zlib').brotliDecompressSync(require('node:fs').readFileSync(template))]) : undefined;
    require(entry).PGlite.create({ dataDir, loadDataDir }).then((pg) => pg.close()).then(() => process.exit(0), (e) => { console.error(e && e.stack || e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script, entry, partial, ...(template ? [template] : [])], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || !fs.existsSync(path.join(partial, 'PG_VERSION'))) {
    fs.rmSync(partial, { recursive: true, force: true });
    const from = template ? `from ${template}` : 'with initdb';
    throw new CiteError('DATABASE_INIT_FAILED', `Could not create the embedded database in ${dbPath} ${from}: ${stderr.trim() || `exit code ${code}`}`);
  }
  fs.renameSync(partial, dbPath);
}

const threads = new WeakMap<Database, PgliteThread>();

export interface EmbeddedOptions {
  /**
   * A new database (in memory, or a data directory without one) starts as a copy of this tarball, made by
   * `dumpEmbeddedDatabase`, instead of being created by initdb: the tests open a migrated copy per suite
   * (a new in-memory database and its migrations cost ~8.6 s of CPU, a copy ~3.3 s). An existing data directory is
   * opened as it is.
   */
  template?: Uint8Array;
  /** Statements in flight and their queue (open-database.ts); none: the one connection's own queue. */
  admission?: Admission;
  /** Vacuums and analyzes tables as PostgreSQL's autovacuum would (table-upkeep.ts), unless false. */
  upkeep?: false | Partial<Pick<UpkeepOptions, 'everyMs'>>;
  /** The buffer cache in MB; by default sized from the data directory (embedded-buffers.ts). */
  sharedBuffersMb?: number;
}

/**
 * Embedded PostgreSQL (PGlite, WASM) persisted under `<dataDir>/pgdata`, or in memory when
 * dataDir is 'memory://'. PGlite runs one backend: the pool has one connection, a transaction holds
 * it, and other statements wait until it ends.
 */
export async function openEmbeddedDatabase(dataDir: string, options: EmbeddedOptions = {}): Promise<Database> {
  const inMemory = dataDir === 'memory://';
  let release = async () => {};
  let dbPath: string | undefined;
  if (!inMemory) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = acquireDataDirLock(dataDir);
    dbPath = path.join(path.resolve(dataDir), 'pgdata');
  }
  let thread: PgliteThread;
  try {
    if (dbPath && !options.template && !fs.existsSync(path.join(dbPath, 'PG_VERSION'))) await initDataDir(dbPath);
    // in memory, PGlite's initdb would run in this process, and part of its ~860 MB would stay
    const template = options.template ?? (inMemory ? shippedTemplateBytes() : undefined);
    thread = await PgliteThread.start(dbPath, template, options.sharedBuffersMb ?? embeddedSharedBuffersMb(dbPath));
  } catch (e) {
    await release();
    throw e;
  }

  // Statements go through node-postgres, as on the server: named statements are planned once (the crawl's
  // claim spent 2 of its 4.7 ms in PGlite's planner), vectors go in binary, and PGlite's own query() would
  // add a Describe round trip to every statement. One connection: a transaction holds it and other
  // statements wait for it to end.
  const pool = new pg.Pool({ stream: () => thread.socket(), user: 'postgres', database: 'postgres', max: 1, idleTimeoutMillis: 0 });
  pool.on('error', () => {
    /* surfaces on the next statement */
  });
  let upkeep: TableUpkeep | undefined;
  const db = poolDatabase(
    pool,
    'embedded',
    async () => {
      try {
        await upkeep?.stop();
        await pool.end();
        await thread.close();
      } finally {
        await release();
      }
    },
    options.admission,
  );
  threads.set(db, thread);
  if (options.upkeep !== false) upkeep = new TableUpkeep(db, { ...options.upkeep, log: componentLogger('database') }).start();
  return db;
}

/** An embedded database's data directory as a tarball, to open copies of it with `{ template }`. */
export function dumpEmbeddedDatabase(db: Database): Promise<Uint8Array> {
  const thread = threads.get(db);
  if (!thread) throw new CiteError('DATABASE_NOT_EMBEDDED', 'Only an embedded database can be dumped to a tarball.');
  return thread.dump();
}
