/**
 * The Database interface over a node-postgres pool: the one implementation of queries, named statements,
 * binary vector parameters, session settings and transactions. The server connects the pool to
 * PostgreSQL; the embedded database connects it to PGlite on its thread (pglite-thread.ts), with one
 * connection (PGlite runs one backend), so that a transaction holding it makes other statements wait.
 */
import pg from 'pg';
import type { Admission } from './admission.js';
import type { Database, NamedStatement, Queryable, QueryResult } from './database.js';
import type { PipelinedConnections } from './pipelined-connections.js';
import { SessionSettings } from './session-settings.js';
import { VectorArrayParam } from './vector-param.js';

// int8 (counts) and numeric come back as strings by default; Cité's counts fit in a JS number. So do the
// int8[] columns (collection ids of keys, users, answers, evaluation runs), read once here for every table.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
const INT8_ARRAY = 1016 as Parameters<typeof pg.types.setTypeParser>[0]; // not in pg-types' list of builtins
const int8Array = pg.types.getTypeParser(INT8_ARRAY, 'text') as (v: string) => Array<string | null>;
pg.types.setTypeParser(INT8_ARRAY, (v: string) => int8Array(v).map((x) => (x === null ? null : Number(x))));

/**
 * Runs `fn` on one connection of the pool, then gives it back. A statement the database refused (an
 * ErrorResponse; node-postgres reads on to ReadyForQuery) leaves the connection as it was: it goes back to
 * the pool with its prepared statements and session settings. pg's own pool.query closes the connection at
 * any error, and every named statement is prepared again on the next. Only a connection that failed itself
 * (an 'error' event: its socket, or the embedded database's thread) is discarded.
 */
async function onPoolConnection<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (e: Error) => (broken ??= e);
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** What the pipelined connections hold for their whole session (database.ts, `genericPlan`). */
const GENERIC_PLAN_SETTINGS = { plan_cache_mode: 'force_generic_plan' } as const;

/**
 * `admission` holds the statements in flight to its limit (requests before background work); a
 * transaction counts as one statement for as long as it runs. `pipelined`, when given, runs the named
 * statements that ask for their generic plan, and only those, pipelined (pipelined-connections.ts); without
 * it they run on `pool` as any named statement.
 */
export function poolDatabase(
  pool: pg.Pool,
  mode: Database['mode'],
  close: () => Promise<void> = () => pool.end(),
  admission?: Admission,
  pipelined?: PipelinedConnections,
): Database {
  const onConnection = <T>(p: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    admission ? admission.run(() => onPoolConnection(p, fn)) : onPoolConnection(p, fn);
  const generic = (sql: string | NamedStatement): sql is NamedStatement => pipelined !== undefined && typeof sql !== 'string' && sql.genericPlan === true;
  // pgvector's type is the database's own: its OID is read once, when a statement first sends vectors
  let vectorOid: Promise<number> | undefined;
  const binaryParams = async (runner: pg.PoolClient | undefined, params: readonly unknown[]): Promise<unknown[]> => {
    if (!params.some((p) => p instanceof VectorArrayParam)) return params as unknown[];
    const oidQuery = `SELECT 'vector'::regtype::oid AS oid`;
    // without a connection of its own (a pipelined statement), read on the main pool
    vectorOid ??= (runner ? runner.query<{ oid: number }>(oidQuery) : onConnection(pool, (client) => client.query<{ oid: number }>(oidQuery))).then(
      (r) => Number(r.rows[0]!.oid),
      (e) => {
        vectorOid = undefined;
        throw e;
      },
    );
    const oid = await vectorOid;
    return params.map((p) => (p instanceof VectorArrayParam ? p.toBinary(oid) : p));
  };

  const query = async <T>(runner: pg.PoolClient, sql: string | NamedStatement, params?: readonly unknown[]): Promise<QueryResult<T>> => {
    const values = params && (await binaryParams(runner, params));
    const r = await (typeof sql === 'string' ? runner.query(sql, values) : runner.query({ name: sql.name, text: sql.text, values }));
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  const wrap = (runner: pg.PoolClient): Queryable => ({ query: (sql, params) => query(runner, sql, params) });

  const sessions = new WeakMap<pg.PoolClient, SessionSettings>();

  const withSettings = <T>(settings: Readonly<Record<string, string>>, sql: string | NamedStatement, params?: readonly unknown[]) =>
    generic(sql)
      ? pipelinedQuery<T>(settings, sql, params)
      : onConnection(pool, async (client): Promise<QueryResult<T>> => {
          let session = sessions.get(client);
          if (!session) sessions.set(client, (session = new SessionSettings()));
          await session.apply(wrap(client), settings);
          return query<T>(client, sql, params);
        });

  const pipelinedQuery = async <T>(settings: Readonly<Record<string, string>>, sql: NamedStatement, params?: readonly unknown[]): Promise<QueryResult<T>> => {
    const values = params && (await binaryParams(undefined, params));
    const run = () => pipelined!.query<T>({ ...settings, ...GENERIC_PLAN_SETTINGS }, sql, values);
    return admission ? admission.run(run, 'pipelined') : run();
  };

  return {
    mode,
    query: (sql, params) => (generic(sql) ? withSettings({}, sql, params) : onConnection(pool, (client) => query(client, sql, params))),
    queryWithSettings: withSettings,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      onConnection(pool, async (client): Promise<T> => {
        try {
          await client.query('BEGIN');
          const result = await fn(wrap(client));
          await client.query('COMMIT');
          return result;
        } catch (e) {
          await client.query('ROLLBACK').catch(() => {});
          throw e;
        }
      }),
    exec: (sql) => onConnection(pool, async (client) => void (await client.query(sql))),
    close: pipelined ? () => Promise.all([close(), pipelined.close()]).then(() => undefined) : close,
  };
}
