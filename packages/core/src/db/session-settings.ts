import type { Queryable } from './database.js';

/**
 * The settings one connection was given for its session by `Database.queryWithSettings`, so that they are
 * sent only when they change. Values set with SET LOCAL in a transaction revert at its end and leave
 * these untouched.
 */
export class SessionSettings {
  private readonly values = new Map<string, string>();

  /** Sets on `conn` (one statement) those of `settings` it does not have yet. */
  async apply(conn: Queryable, settings: Readonly<Record<string, string>>): Promise<void> {
    const changed = Object.entries(settings).filter(([name, value]) => this.values.get(name) !== value);
    if (!changed.length) return;
    // set_config takes the name and value as parameters: nothing is spliced into the SQL text
    const calls = changed.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`);
    // forgotten first: should the statement fail halfway, the next call sets them all again
    for (const [name] of changed) this.values.delete(name);
    await conn.query(`SELECT ${calls.join(', ')}`, changed.flat());
    for (const [name, value] of changed) this.values.set(name, value);
  }
}
