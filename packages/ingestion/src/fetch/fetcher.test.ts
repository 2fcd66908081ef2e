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
  it('decodes stacked content codings last first, as header lines or one list, fails on more than three, and stops at an unknown one', async () => {
    const text = 'Décret relatif aux congés. '.repeat(40);
    const gz = (b: Buffer | string) => zlib.gzipSync(b);
    const server = http.createServer((req, res) => {
      const reply = (encoding: string | string[], body: Buffer) => {
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.setHeader('content-encoding', encoding);
        res.end(body);
      };
      if (req.url === '/gzip-gzip') reply('gzip, gzip', gz(gz(text)));
      else if (req.url === '/gzip-br') reply('x-gzip, br', zlib.brotliCompressSync(gz(text)));
      else if (req.url === '/lines') reply(['deflate', 'identity', 'GZIP'], gz(zlib.deflateSync(text)));
      else if (req.url === '/four') reply('gzip, gzip, gzip, gzip', gz(gz(gz(gz(text)))));
      else if (req.url === '/unknown') reply('utf-8', Buffer.from(text)); // a server's mistake: browsers read the page
      else if (req.url === '/unknown-inside') reply('compress, gzip', gz(text));
      else if (req.url === '/unknown-many') reply('none, none, none, none', Buffer.from(text)); // no layer to undo
      else if (req.url === '/gzip-empty') reply('gzip', Buffer.alloc(0));
      else if (req.url === '/bad-layer') reply('gzip, br', gz(text)); // the outer layer is not brotli
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const f = fetcher();
    try {
      const { port } = server.address() as AddressInfo;
      const at = (path: string) => f.fetch({ url: `http://127.0.0.1:${port}${path}` });
      for (const path of ['/gzip-gzip', '/gzip-br', '/lines']) expect((await at(path)).body.toString('utf8'), path).toBe(text);
      await expect(at('/four')).rejects.toMatchObject({ code: 'FETCH_TOO_MANY_ENCODINGS', retryable: false });
      // an unknown coding: what is left is passed on as it is (the format detection refuses it if still compressed)
      for (const path of ['/unknown', '/unknown-inside', '/unknown-many']) expect((await at(path)).body.toString('utf8'), path).toBe(text);
      expect((await at('/gzip-empty')).body.length).toBe(0);
      await expect(at('/bad-layer')).rejects.toMatchObject({ code: 'FETCH_BAD_ENCODING', retryable: false });
    } finally {
      await f.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  it('holds every layer of a stacked coding to the size cap', async () => {
    // a bomb in the inner layer: 1 MB of zeros, 1 KB on the wire
    site.routes.set('/bomb', { headers: { 'content-encoding': 'gzip, gzip', 'content-type': 'text/plain' }, body: zlib.gzipSync(zlib.gzipSync(Buffer.alloc(1 << 20))) });
    // a middle layer of 20,000 empty deflate blocks (100 KB) decoding to nothing: 200 bytes on the wire
    const empty = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), ...Array.from({ length: 20_000 }, () => Buffer.from([0, 0, 0, 0xff, 0xff])), Buffer.from([3, 0]), Buffer.alloc(8)];
    site.routes.set('/hollow', { headers: { 'content-encoding': 'gzip, gzip', 'content-type': 'text/plain' }, body: zlib.gzipSync(Buffer.concat(empty)) });
    const f = fetcher();
    try {
      await expect(f.fetch({ url: `${site.url}/bomb` })).rejects.toMatchObject({ code: 'FETCH_TOO_LARGE' });
      await expect(f.fetch({ url: `${site.url}/hollow` })).rejects.toMatchObject({ code: 'FETCH_TOO_LARGE' });
      // the same layers within the cap are read
      expect((await f.fetch({ url: `${site.url}/hollow`, maxBytes: 200_000 })).body.length).toBe(0);
    } finally {
      await f.close();
    }
  });
  it('ends a compressed body that stops mid-way at the deadline', async () => {
    // the decoder was piped: the deadline's abort of the body never reached it, and the fetch waited for ever
    const server = http.createServer((_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.write(zlib.gzipSync('x'.repeat(100_000)).subarray(0, 50));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const f = new Fetcher({ allowPrivateNetworks: true, timeoutMs: 300 });
    try {
      const { port } = server.address() as AddressInfo;
      await expect(f.fetch({ url: `http://127.0.0.1:${port}/` })).rejects.toMatchObject({ code: 'FETCH_TIMEOUT' });
    } finally {
      await f.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 3_000);
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
