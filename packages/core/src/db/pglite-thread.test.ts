import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_YOUNG_GENERATION_MB } from '../system/thread-heap.js';
import { PgliteThread } from './pglite-thread.js';

describe('embedded database thread', () => {
  let thread: PgliteThread;
  beforeAll(async () => {
    thread = await PgliteThread.start(undefined);
  });
  afterAll(async () => {
    await thread?.close();
  });

  const connect = async () => {
    const client = new pg.Client({ stream: () => thread.socket(), user: 'postgres', database: 'postgres' });
    await client.connect();
    return client;
  };

  // the engine's main thread keeps V8's young generation (node-flags.test.ts); this thread, which a crawl
  // fills, is capped
  it("caps the thread's young generation", () => {
    expect(thread.resourceLimits.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_GENERATION_MB);
  });

  // node-postgres' pool closes a connection after an error and opens another; PGlite, one backend for
  // all, kept the first one's session: the new client prepared its named statements again and each one
  // failed with `prepared statement "…" already exists` (issue 21)
  it('gives each new connection a new session: no prepared statements, settings or transaction of the last one', async () => {
    const first = await connect();
    await first.query({ name: 'thread_named', text: 'SELECT $1::int + 1 AS n', values: [1] });
    await first.query(`SET application_name = 'first connection'`);
    await first.query('BEGIN');
    await first.query('CREATE TEMP TABLE left_behind (id int)');
    await first.end();

    const second = await connect();
    expect((await second.query({ name: 'thread_named', text: 'SELECT $1::int + 1 AS n', values: [2] })).rows).toEqual([{ n: 3 }]);
    expect((await second.query(`SELECT current_setting('application_name') AS v`)).rows).toEqual([{ v: '' }]);
    expect((await second.query(`SELECT to_regclass('left_behind') AS t`)).rows).toEqual([{ t: null }]);
    // not in the first one's transaction: this commits
    await second.query('CREATE TABLE thread_kept (id int)');
    await second.end();

    const third = await connect();
    expect((await third.query(`SELECT to_regclass('thread_kept') IS NOT NULL AS kept`)).rows).toEqual([{ kept: true }]);
    await third.end();
  });

  it('keeps a connection usable after a failed statement, its named statements included', async () => {
    const client = await connect();
    const named = { name: 'thread_after_error', text: 'SELECT $1::int * 2 AS n' };
    expect((await client.query({ ...named, values: [2] })).rows).toEqual([{ n: 4 }]);
    await expect(client.query('SELECT length($1::text)', ['a\u0000b'])).rejects.toMatchObject({ code: '22021' });
    await expect(client.query({ name: 'thread_bad', text: 'SELECT * FROM no_such_table WHERE id = $1', values: [1] })).rejects.toMatchObject({ code: '42P01' });
    expect((await client.query({ ...named, values: [3] })).rows).toEqual([{ n: 6 }]);
    expect((await client.query({ name: 'thread_new', text: 'SELECT $1::int * 3 AS n', values: [3] })).rows).toEqual([{ n: 9 }]);
    await client.end();
  });
});
