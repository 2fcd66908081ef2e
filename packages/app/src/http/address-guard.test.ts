import type { Request, Response } from 'express';
import { pino } from 'pino';
import { beforeEach, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { statementText } from '@cite/core/db/database.js';
import type { RouteDef } from '@cite/core/http/route.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { addressGuard, CLEAN_FOR_MS } from './address-guard.js';

const LIMIT = 3;
const route = { method: 'get', path: '/v1/me' } as RouteDef;

describeEachDatabase('address guard', (ctx) => {
  let reads = 0;
  /** The engine's database, counting the reads of the address counters. */
  const countingDb = () =>
    Object.assign(Object.create(ctx.db) as Database, {
      query: ((sql, params) => {
        if (/^SELECT hits, reset_at FROM rate_limits/.test(statementText(sql))) reads++;
        return ctx.db.query(sql, params);
      }) as Database['query'],
    });
  const guard = () =>
    addressGuard(
      {
        db: countingDb(),
        config: { ...loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent' }), RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: LIMIT },
        log: pino({ level: 'silent' }),
        services: new Map(),
      },
      60_000,
    );
  const request = (ip: string) => ({ ip, id: 'req-1', socket: {} }) as unknown as Request;
  const response = () => {
    const headers: Record<string, string> = {};
    return { headers, res: { setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value) } as unknown as Response };
  };

  beforeEach(async () => {
    reads = 0;
    await ctx.db.query('DELETE FROM rate_limits');
  });

  it('asks the database about an address never refused at most once per CLEAN_FOR_MS', async () => {
    const g = guard();
    for (let i = 0; i < 5; i++) await g.check(request('198.51.100.1'), response().res);
    expect(reads).toBe(1);
    await g.check(request('198.51.100.2'), response().res); // each address its own reading
    expect(reads).toBe(2);
    await new Promise((r) => setTimeout(r, CLEAN_FOR_MS + 50));
    await g.check(request('198.51.100.1'), response().res);
    expect(reads).toBe(3);
  });

  it('reads the count at every request once the address was refused here, and refuses past the budget', async () => {
    const g = guard();
    const ip = '198.51.100.3';
    for (let i = 0; i < LIMIT; i++) {
      await g.check(request(ip), response().res);
      await g.refused(request(ip), route, 'unknown');
    }
    expect(reads).toBe(LIMIT); // no clean reading kept once refused
    const { headers, res } = response();
    await expect(g.check(request(ip), res)).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
  });

  it('catches refusals counted by another replica once its clean reading is over', async () => {
    const here = guard();
    const elsewhere = guard();
    const ip = '198.51.100.4';
    await here.check(request(ip), response().res);
    for (let i = 0; i < LIMIT; i++) await elsewhere.refused(request(ip), route, 'unknown');
    await here.check(request(ip), response().res); // still within its clean reading
    await new Promise((r) => setTimeout(r, CLEAN_FOR_MS + 50));
    await expect(here.check(request(ip), response().res)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});
