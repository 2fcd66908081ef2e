/**
 * The Database interface over a node-postgres pool: the one implementation of queries, named statements,
 * binary vector parameters, session settings and transactions. The server connects the pool to
 * PostgreSQL; the embedded database connects it to PGlite on its thread (pglite-thread.ts), with one
 * connection (PGlite runs one backend), so that a transaction holding it makes other statements wait.
 */
import pg from 'pg';
import type { Database, NamedStatement, Queryable, QueryResult } from './database.js';
import { SessionSettings } from './session-settings.js';
import { VectorArrayParam } from './vector-param.js';

// int8 (counts) and numeric come back as strings by default; Cité's counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export function poolDatabase(pool: pg.Pool, mode: Database['mode'], close: () => Promise<void> = () => pool.end()): Database {
  // pgvector's type is the database's own: its OID is read once, when a statement first sends vectors
  let vectorOid: Promise<number> | undefined;
  const binaryParams = async (runner: pg.Pool | pg.PoolClient, params: readonly unknown[]): Promise<unknown[]> => {
    if (!params.some((p) => p instanceof VectorArrayParam)) return params as unknown[];
    vectorOid ??= runner.query<{ oid: number }>(`SELECT 'vector'::regtype::oid AS oid`).then(
      (r) => Number(r.rows[0]!.oid),
      (e) => {
        vectorOid = undefined;
        throw e;
      },
    );
    const oid = await vectorOid;
    return params.map((p) => (p instanceof VectorArrayParam ? p.toBinary(oid) : p));
  };

  const wrap = (runner: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string | NamedStatement, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const values = params && (await binaryParams(runner, params));
      const r = await (typeof sql === 'string' ? runner.query(sql, values) : runner.query({ name: sql.name, text: sql.text, values }));
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
  });

  const sessions = new WeakMap<pg.PoolClient, SessionSettings>();

  return {
    mode,
    ...wrap(pool),
    async queryWithSettings<T>(settings: Readonly<Record<string, string>>, sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const client = await pool.connect();
      try {
        let session = sessions.get(client);
        if (!session) sessions.set(client, (session = new SessionSettings()));
        await session.apply(wrap(client), settings);
        const r = await client.query(sql, params as unknown[] | undefined);
        return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async exec(sql: string): Promise<void> {
      await pool.query(sql);
    },
    close,
  };
}
