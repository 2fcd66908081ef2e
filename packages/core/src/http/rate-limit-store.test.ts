import { beforeEach, expect, it } from 'vitest';
import type { Queryable } from '../db/database.js';
import { statementText } from '../db/database.js';
import { describeEachDatabase } from '../testing/databases.js';
import { DatabaseRateLimitStore, leaseSizeFor } from './rate-limit-store.js';

/** The database as a store sees it, counting the statements that write counters. */
function counting(db: Queryable): Queryable & { writes: number } {
  const wrapped = {
    writes: 0,
    query: ((sql, params) => {
      if (/^\s*INSERT INTO rate_limits/.test(statementText(sql))) wrapped.writes++;
      return db.query(sql, params);
    }) as Queryable['query'],
  };
  return wrapped;
}

describeEachDatabase('rate-limit store', (ctx) => {
  beforeEach(async () => {
    await ctx.db.query('DELETE FROM rate_limits');
  });

  it('sizes a lease at a twentieth of the limit, at least one hit', () => {
    expect([1, 6, 19, 20, 600, 1_000_000].map(leaseSizeFor)).toEqual([1, 1, 1, 1, 30, 50_000]);
  });

  it('counts every hit of one replica exactly, one write per lease', async () => {
    const db = counting(ctx.db);
    const store = new DatabaseRateLimitStore(db, 60_000, { leaseSize: 5 });
    const hits: number[] = [];
    for (let i = 0; i < 12; i++) hits.push((await store.increment('key:1')).totalHits);
    expect(hits).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(db.writes).toBe(3);
    // the database holds what was reserved: the whole third lease
    expect((await store.get('key:1'))?.totalHits).toBe(15);
    expect((await store.increment('key:2')).totalHits).toBe(1); // another key, its own counter
  });

  it('gives each number once when requests arrive together, sharing one refill', async () => {
    const db = counting(ctx.db);
    const store = new DatabaseRateLimitStore(db, 60_000, { leaseSize: 4 });
    const hits = await Promise.all(Array.from({ length: 10 }, () => store.increment('key:1')));
    expect(hits.map((h) => h.totalHits).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(db.writes).toBe(3);
  });

  it('never lets more than the limit pass across replicas, and loses at most a lease per replica', async () => {
    const limit = 40;
    const replicas = [0, 1, 2].map(() => new DatabaseRateLimitStore(counting(ctx.db), 60_000, { leaseSize: 5 }));
    const passed: number[] = [];
    let order = 7;
    for (let i = 0; i < 120; i++) {
      order = (order * 1103515245 + 12345) % 2147483648; // a fixed shuffle of which replica serves each request
      const { totalHits } = await replicas[order % 3]!.increment('key:7');
      if (totalHits <= limit) passed.push(totalHits);
    }
    expect(new Set(passed).size).toBe(passed.length); // no number handed out twice
    expect(passed.length).toBeLessThanOrEqual(limit);
    expect(passed.length).toBeGreaterThanOrEqual(limit - 3 * 4);
  });

  it('counts every hit in the database with a lease of one (replicas see each other at once)', async () => {
    const a = new DatabaseRateLimitStore(ctx.db, 60_000);
    const b = new DatabaseRateLimitStore(ctx.db, 60_000);
    expect((await a.increment('addr:x')).totalHits).toBe(1);
    expect((await b.increment('addr:x')).totalHits).toBe(2);
    expect((await a.get('addr:x'))?.totalHits).toBe(2);
  });

  it('starts over when the window ends, leaving the unused numbers of the old lease', async () => {
    const store = new DatabaseRateLimitStore(ctx.db, 300, { leaseSize: 10 });
    expect((await store.increment('key:1')).totalHits).toBe(1);
    expect((await store.increment('key:1')).totalHits).toBe(2);
    await new Promise((r) => setTimeout(r, 400));
    const next = await store.increment('key:1');
    expect(next.totalHits).toBe(1);
    expect(next.resetTime!.getTime()).toBeGreaterThan(Date.now());
  });

  it('gives a number back to the lease on decrement, and forgets the key on reset', async () => {
    const db = counting(ctx.db);
    const store = new DatabaseRateLimitStore(db, 60_000, { leaseSize: 5 });
    await store.increment('key:1');
    await store.increment('key:1');
    await store.decrement('key:1');
    expect((await store.increment('key:1')).totalHits).toBe(2);
    await store.resetKey('key:1');
    expect(await store.get('key:1')).toBeUndefined();
    expect((await store.increment('key:1')).totalHits).toBe(1);
    expect(db.writes).toBe(2);
  });
});
