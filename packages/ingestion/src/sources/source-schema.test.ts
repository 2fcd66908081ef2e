import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isValidCron, nextCronRun } from './source-schema.js';

describe('source schedules', () => {
  it('accepts cron expressions of 5 or 6 fields, refuses the rest, and finds the next run in UTC', () => {
    expect(isValidCron('0 3 * * *')).toBe(true);
    expect(isValidCron('*/30 * * * * *')).toBe(true);
    for (const bad of ['0 3 * *', 'tous les jours', '61 * * * *', '']) expect(isValidCron(bad), bad).toBe(false);
    expect(nextCronRun('0 3 * * *', new Date('2026-12-02T10:00:00Z')).toISOString()).toBe('2026-12-03T03:00:00.000Z');
  });

  it('loads the cron parser only when a schedule is read, not with the schema (the crawl worker imports it)', () => {
    // a process of its own: the test runner's module cache may hold it already
    const schema = fileURLToPath(new URL('./source-schema.ts', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/luxon/') || k.includes('/cron-parser/'));
      const m = await import(${JSON.stringify(schema)});
      console.log('imported', loaded());
      m.isValidCron('0 3 * * *');
      console.log('used', loaded());`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim().split('\n')).toEqual(['imported false', 'used true']);
  }, 90_000);
});
