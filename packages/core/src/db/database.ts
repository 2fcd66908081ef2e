/**
 * The one query interface used everywhere. Two implementations: embedded PGlite and a pg pool.
 * Code above this layer never knows which one it talks to; SQL is written once, for PostgreSQL.
 */
import type { ChannelHandlers, ChannelSubscription } from './channel-listener.js';

export interface QueryResult<T> {
  rows: T[];
  /** Rows affected by INSERT/UPDATE/DELETE. */
  rowCount: number;
}

/**
 * A statement run often enough that the database should keep its plan: it becomes a named prepared
 * statement of each connection (PGlite's one included), planned there once instead of at every call (the
 * crawl's claim spent as long in the planner as in execution). Only for statements whose best plan does
 * not depend on their parameters: after five runs PostgreSQL may keep a generic plan.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
  /**
   * Always run its generic plan. PostgreSQL keeps planning a statement anew when the generic plan's
   * estimates look worse than the custom ones (a LIMIT, a set-returning function of a parameter), even
   * when both plans are the same: the search statement spent ~1 ms of its ~7 in the planner. The setting
   * (plan_cache_mode) belongs to a session and would give other statements generic plans too, so on the
   * server such statements run on connections of their own, pipelined (pipelined-connections.ts); the
   * embedded database (one session) runs them as plain named statements. (In a transaction, they run on
   * its connection as any statement.)
   */
  readonly genericPlan?: boolean;
}

export function namedStatement(name: string, text: string, options: { genericPlan?: boolean } = {}): NamedStatement {
  return options.genericPlan ? { name, text, genericPlan: true } : { name, text };
}

export function statementText(sql: string | NamedStatement): string {
  return typeof sql === 'string' ? sql : sql.text;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string | NamedStatement, params?: readonly unknown[]): Promise<QueryResult<T>>;
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
    sql: string | NamedStatement,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>;
  /**
   * Server only: notifications of `channel` (LISTEN), on a connection of the subscription's own, until it
   * or the database is closed. The embedded database has none: one process holds it, so every change
   * it could be told of is that process's own.
   */
  listen?(channel: string, handlers: ChannelHandlers): ChannelSubscription;
  /** Runs several statements separated by ';' (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
