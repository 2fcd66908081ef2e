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
    const changed = this.changed(settings);
    if (!changed.length) return;
    // forgotten first: should the statement fail halfway, the next call sets them all again
    for (const [name] of changed) this.values.delete(name);
    await conn.query(...setStatement(changed));
    for (const [name, value] of changed) this.values.set(name, value);
  }

  /**
   * On a pipelined connection: writes the statement that sets those of `settings` it does not have yet
   * (undefined when none), and counts them as set at once, for every statement written after it. Should it
   * fail, they are forgotten, and the next call sets them again.
   */
  write(send: (sql: string, params: unknown[]) => Promise<unknown>, settings: Readonly<Record<string, string>>): Promise<unknown> | undefined {
    const changed = this.changed(settings);
    if (!changed.length) return undefined;
    const sent = send(...setStatement(changed));
    for (const [name, value] of changed) this.values.set(name, value);
    sent.catch(() => {
      for (const [name, value] of changed) if (this.values.get(name) === value) this.values.delete(name);
    });
    return sent;
  }

  private changed(settings: Readonly<Record<string, string>>): Array<[string, string]> {
    return Object.entries(settings).filter(([name, value]) => this.values.get(name) !== value);
  }
}

/** One statement setting them all: set_config takes the name and value as parameters, nothing is spliced into the SQL text. */
function setStatement(changed: ReadonlyArray<[string, string]>): [string, string[]] {
  const calls = changed.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`);
  return [`SELECT ${calls.join(', ')}`, changed.flat()];
}
