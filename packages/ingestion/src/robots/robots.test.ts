/**
 * RobotsCache against a real server on loopback, on both database modes: a robots.txt that cannot be read is
 * remembered for a moment (callers get the same retryable error without a new request), then asked again,
 * and read once it answers.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { Fetcher } from '../fetch/fetcher.js';
import { startTestSite, type TestSite } from '../testing/test-site.js';
import { RobotsCache } from './robots.js';

describeEachDatabase('robots.txt cache', (ctx) => {
  let site: TestSite;
  let fetcher: Fetcher;
  beforeAll(async () => {
    site = await startTestSite();
    fetcher = new Fetcher({ allowPrivateNetworks: true, timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await fetcher?.close();
    await site?.close();
  });

  it('remembers an unreachable robots.txt for a moment instead of asking again on every URL, then reads it once it answers', async () => {
    site.routes.set('/robots.txt', { status: 503 });
    const robots = new RobotsCache(ctx.db, fetcher, { userAgent: 'CiteBot/0.1', unreachableMemoryMs: 400 });
    const before = site.count('/robots.txt');
    for (let i = 0; i < 30; i++) {
      await expect(robots.rulesFor(`${site.url}/page-${i}`)).rejects.toMatchObject({ code: 'ROBOTS_UNREACHABLE', retryable: true });
    }
    expect(site.count('/robots.txt') - before).toBe(1);
    // past the moment, asked again: it now answers
    site.routes.set('/robots.txt', { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nDisallow: /private\n' });
    await new Promise((resolve) => setTimeout(resolve, 450));
    const rules = await robots.rulesFor(`${site.url}/page`);
    expect(rules.isAllowed(`${site.url}/private/x`)).toBe(false);
    expect(rules.isAllowed(`${site.url}/public`)).toBe(true);
    expect(site.count('/robots.txt') - before).toBe(2);
  });
});
