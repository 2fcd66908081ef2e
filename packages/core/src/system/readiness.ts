/**
 * What /readyz asks of the parts working in the background besides the database itself: each registers a
 * check that names its problem, or returns undefined when it works. Checks belong to the database the
 * part works on (one per engine process; a test process may hold several engines).
 */
import type { Database } from '../db/database.js';

/** Names what keeps the part from working (shown in /readyz's 503), or undefined when it works. */
export type ReadinessCheck = () => string | undefined;

const checks = new WeakMap<Database, Map<string, ReadinessCheck>>();

/** Adds `check` under `name` for the engine on `db`; returns the function that removes it. */
export function registerReadinessCheck(db: Database, name: string, check: ReadinessCheck): () => void {
  let own = checks.get(db);
  if (!own) checks.set(db, (own = new Map()));
  own.set(name, check);
  return () => {
    if (own.get(name) === check) own.delete(name);
  };
}

/** The problems the checks registered for `db` report now, each prefixed with its part's name. */
export function readinessProblems(db: Database): string[] {
  const problems: string[] = [];
  for (const [name, check] of checks.get(db) ?? []) {
    const problem = check();
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}
