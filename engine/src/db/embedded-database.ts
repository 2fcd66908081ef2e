import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Database, Queryable, QueryResult } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';

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
    pg = await PGlite.create({
      dataDir: dbPath,
      extensions: { vector, unaccent, pg_trgm },
    });
  } catch (e) {
    await release();
    throw e;
  }

  const wrap = (runner: Pick<PGlite, 'query'>): Queryable => ({
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await runner.query<T>(sql, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? 0 };
    },
  });

  return {
    mode: 'embedded',
    ...wrap(pg),
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
