import pg from 'pg';
import { CiteError } from '../errors.js';
import type { Database, NamedStatement, Queryable, QueryResult } from './database.js';
import { SessionSettings } from './session-settings.js';
import { VectorArrayParam } from './vector-param.js';

// int8 (counts) and numeric come back as strings by default; Cité's counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export async function openServerDatabase(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {
    /* idle client errors surface on the next query; keep the process alive */
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw new CiteError(
      'DATABASE_UNREACHABLE',
      `DATABASE_URL: cannot connect to PostgreSQL at ${redact(url)}: ${(e as Error).message}`,
      { cause: e, retryable: true },
    );
  }

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
    mode: 'server',
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
    async close(): Promise<void> {
      await pool.end();
    },
  };
}

/** Hides the password of a connection URL in messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
