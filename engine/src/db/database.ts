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
  /** Runs several statements separated by ';' (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
