/**
 * Connections that take statements pipelined (node-postgres `pipeline: true`): a statement is written to
 * its connection while the one before it still runs, and the backend starts it as soon as it finishes the
 * other, instead of waiting for the engine to read the result and send the next. Each statement keeps its
 * own Sync, so a statement the database refuses fails alone.
 *
 * On a pooled connection a backend stood idle between two statements, for the result's trip to the engine
 * and the next statement's trip back: on 2 cores the machine stayed 7–8% idle under the hybrid search
 * statement alone (2 connections), and pipelined two deep it was busy 99% and ran 8% more statements a second
 * (5 rounds alternated with 2 and 4 plain connections, 100,000 synthetic chunks). The engine at c=16
 * (bench:search-compare, 6 rounds): 219.5 → 240.3 requests/s two deep (+9.5%), the machine busy 90.6 → 96%.
 *
 * The server's statements that keep their generic plan (the hot search statement, database.ts) run here:
 * they are read-only, one statement each, and need their own sessions anyway (plan_cache_mode). Admission
 * (admission.ts, `pipeline`) holds how many are sent; each goes to the connection holding the fewest.
 */
import pg from 'pg';
import type { QueryResult } from './database.js';
import { SessionSettings } from './session-settings.js';

/** One pipelined connection and what it holds. */
interface Line {
  client: pg.Client;
  connected: Promise<void>;
  /** Statements written to it and not answered yet. */
  inFlight: number;
  /** Session settings as the statements written so far leave them (written, so in force for the next). */
  settings: SessionSettings;
  broken?: Error;
}

export class PipelinedConnections {
  private readonly lines: Array<Line | undefined>;

  constructor(
    private readonly connect: () => pg.Client,
    readonly size: number,
  ) {
    if (!(size >= 1)) throw new RangeError('pipelined connections: at least one');
    this.lines = Array.from({ length: size }, () => undefined);
  }

  /** Statements written and not answered yet, on every connection. */
  get inFlight(): number {
    return this.lines.reduce((n, l) => n + (l?.inFlight ?? 0), 0);
  }

  /**
   * Runs `statement` with `settings` in force, on the connection holding the fewest statements. `params`
   * come ready to send (no promise between the settings and the statement: what runs between them on
   * the same connection is exactly what was written between them).
   */
  async query<T>(settings: Readonly<Record<string, string>>, statement: { name?: string; text: string }, params: unknown[] | undefined): Promise<QueryResult<T>> {
    const line = this.least();
    line.inFlight++;
    try {
      await line.connected;
      const set = line.settings.write((sql, values) => line.client.query(sql, values), settings);
      const result = line.client.query(statement.name ? { name: statement.name, text: statement.text, values: params } : { text: statement.text, values: params });
      if (set) {
        // a statement whose settings could not be set ran without them: its result is not the one asked for
        const [setting, ran] = await Promise.allSettled([set, result]);
        if (setting.status === 'rejected') throw setting.reason;
        if (ran.status === 'rejected') throw ran.reason;
        return { rows: ran.value.rows as T[], rowCount: ran.value.rowCount ?? 0 };
      }
      const r = await result;
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    } catch (e) {
      // a refused statement (an ERROR) leaves its connection as it was; anything else ends it (a FATAL:
      // its backend was terminated; a socket error), and the statement after it would fail the same way
      // before the socket's own event says so
      if (!(e instanceof pg.DatabaseError) || e.severity !== 'ERROR') line.broken ??= e as Error;
      throw e;
    } finally {
      line.inFlight--;
    }
  }

  async close(): Promise<void> {
    const open = this.lines.filter((l): l is Line => l !== undefined);
    this.lines.fill(undefined);
    await Promise.all(open.map((l) => l.client.end().catch(() => {})));
  }

  /** The connection holding the fewest statements (opened if it is not yet; replaced once it broke and is empty). */
  private least(): Line {
    let best = 0;
    let bestLoad = Infinity;
    for (let i = 0; i < this.lines.length; i++) {
      let line = this.lines[i];
      if (line?.broken && line.inFlight === 0) {
        // its socket may still be open (a statement's failure said it was broken before the socket did)
        line.client.end().catch(() => {});
        line = this.lines[i] = undefined;
      }
      const load = !line ? 0 : line.broken ? Infinity : line.inFlight;
      if (load < bestLoad) [best, bestLoad] = [i, load];
    }
    return (this.lines[best] ??= this.open());
  }

  private open(): Line {
    const client = this.connect();
    const line: Line = { client, connected: Promise.resolve(), inFlight: 0, settings: new SessionSettings() };
    // a connection that failed (its socket, its backend ended) fails what it holds, and is replaced
    client.on('error', (e) => (line.broken ??= e));
    client.on('end', () => (line.broken ??= new Error('pipelined connection ended')));
    line.connected = client.connect().then(
      () => undefined,
      (e: unknown) => {
        line.broken ??= e as Error;
        throw e;
      },
    );
    return line;
  }
}
