import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { startTestSite, type TestSite } from '../testing/test-site.js';
import { isPrivateAddress } from './address-guard.js';
import { Fetcher } from './fetcher.js';

describe('address guard', () => {
  it('classifies private, loopback, link-local and mapped addresses', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '100.64.0.1'])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['8.8.8.8', '193.17.0.1', '2a01:e0a::1', '::ffff:8.8.8.8']) expect(isPrivateAddress(ip), ip).toBe(false);
  });
});

describe('Fetcher', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite({
      '/gz': { headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' }, body: zlib.gzipSync('é'.repeat(1000)) },
      '/big': { body: 'x'.repeat(5000) },
      '/r0': { status: 301, headers: { location: '/r1' } },
      '/r1': { status: 302, headers: { location: '/gz' } },
      '/etag': (req) => (req.headers['if-none-match'] === '"v1"' ? { status: 304 } : { headers: { etag: '"v1"' }, body: 'hello' }),
      '/busy': { status: 429, headers: { 'retry-after': '7' } },
    });
    for (let i = 0; i < 12; i++) site.routes.set(`/chain${i}`, { status: 302, headers: { location: `/chain${i + 1}` } });
    site.routes.set('/loop-a', { status: 302, headers: { location: '/loop-b' } });
    site.routes.set('/loop-b', { status: 301, headers: { location: '/loop-a' } });
  });
  afterAll(() => site.close());
  const fetcher = () => new Fetcher({ allowPrivateNetworks: true, timeoutMs: 3000, maxBytes: 4096 });

  it('decodes gzip, follows redirects and reports the final URL', async () => {
    const f = fetcher();
    const r = await f.fetch({ url: `${site.url}/r0` });
    expect(r.status).toBe(200);
    expect(r.url).toBe(`${site.url}/gz`);
    expect(r.redirects).toEqual([`${site.url}/r1`, `${site.url}/gz`]);
    expect(r.body.toString('utf8')).toBe('é'.repeat(1000));
    await f.close();
  });
  it('caps the body size, the number of redirects, and refuses private addresses by default', async () => {
    const f = fetcher();
    await expect(f.fetch({ url: `${site.url}/big` })).rejects.toMatchObject({ code: 'FETCH_TOO_LARGE' });
    await expect(f.fetch({ url: `${site.url}/chain0` })).rejects.toMatchObject({ code: 'FETCH_TOO_MANY_REDIRECTS' });
    // the loop from where it started: a → b → a
    await expect(f.fetch({ url: `${site.url}/loop-a` })).rejects.toMatchObject({
      code: 'FETCH_REDIRECT_LOOP',
      message: `Redirect loop: ${site.url}/loop-a → ${site.url}/loop-b → ${site.url}/loop-a`,
    });
    await f.close();
    const strict = new Fetcher({ allowPrivateNetworks: false });
    const err = await strict.fetch({ url: `${site.url}/gz` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CiteError);
    expect((err as CiteError).code).toBe('FETCH_PRIVATE_ADDRESS');
    await expect(strict.fetch({ url: 'http://localhost:1/' })).rejects.toMatchObject({ code: 'FETCH_PRIVATE_ADDRESS' });
    await strict.close();
    expect(site.count('/gz')).toBe(1);
  });
  it('sends validators and reports 304; parses Retry-After', async () => {
    const f = fetcher();
    expect((await f.fetch({ url: `${site.url}/etag`, etag: '"v1"' })).status).toBe(304);
    const busy = await f.fetch({ url: `${site.url}/busy` });
    expect(busy.retryAfterMs).toBe(7000);
    await f.close();
  });
  it('asks checkRedirect about each redirect target before requesting it; its error ends the fetch', async () => {
    const f = fetcher();
    const asked: string[] = [];
    const before = { r1: site.count('/r1'), gz: site.count('/gz') };
    const refused = new CiteError('TEST_REFUSED', 'no');
    const checkRedirect = async (target: URL) => {
      asked.push(target.pathname);
      if (target.pathname === '/gz') throw refused;
    };
    await expect(f.fetch({ url: `${site.url}/r0`, checkRedirect })).rejects.toBe(refused);
    expect(asked).toEqual(['/r1', '/gz']);
    expect(site.count('/r1')).toBe(before.r1 + 1);
    expect(site.count('/gz')).toBe(before.gz);
    await f.close();
  });
  it('refuses response headers that are too large, at once and as not retryable', async () => {
    const before = site.count('/huge-headers');
    site.routes.set('/huge-headers', { headers: { 'x-padding': 'x'.repeat(200_000) }, body: 'x' });
    const f = fetcher();
    const err = await f.fetch({ url: `${site.url}/huge-headers` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FETCH_HEADERS_TOO_LARGE', retryable: false });
    expect(site.count('/huge-headers')).toBe(before + 1);
    await f.close();
  });
  it('reports X-Robots-Tag header lines one by one', async () => {
    // two lines of one header: an agent named in the first must not reach the second
    const server = http.createServer((_req, res) => {
      res.setHeader('x-robots-tag', ['otherbot: noindex', 'nofollow']);
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const f = fetcher();
    try {
      const { port } = server.address() as AddressInfo;
      expect((await f.fetch({ url: `http://127.0.0.1:${port}/` })).robotsTags).toEqual(['otherbot: noindex', 'nofollow']);
      expect((await f.fetch({ url: `${site.url}/gz` })).robotsTags).toEqual([]);
    } finally {
      await f.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
