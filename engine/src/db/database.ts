/**
 * The one query interface used everywhere. Two implementations: embedded PGlite and a pg pool.
 * Code above this layer never knows which one it talks to; SQL is written once, for PostgreSQL.
 */
export interface QueryResult<T> {
  rows: T[];
  /** Rows affected by INSERT/UPDATE/DELETE. */
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export interface Database extends Queryable {
  readonly mode: 'embedded' | 'server';
  /** Runs `fn` in one transaction (BEGIN/COMMIT, ROLLBACK on throw) on a single connection. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs one statement with these settings (GUCs such as `hnsw.ef_search`) in force on its connection.
   * They are set for the session, and only when the connection does not have them already: a hot
   * statement whose settings rarely change costs one round trip instead of BEGIN, SET LOCAL, query,
   * COMMIT. Whoever depends on such a setting must pass it here (or SET LOCAL it in a transaction).
   */
  queryWithSettings<T = Record<string, unknown>>(
    settings: Readonly<Record<string, string>>,
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>;
  /** Runs several statements separated by ';' (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
