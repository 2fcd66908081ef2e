/** The providers' answers read with a bound: a provider sending more than a results page is a fault, not a memory load. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROVIDER_BYTES } from './provider.js';
import { SearxngProvider } from './searxng.js';

describe('web search provider answers', () => {
  let server: http.Server;
  let base: string;
  const results = (n: number, pad = '') => JSON.stringify({ results: Array.from({ length: n }, (_, i) => ({ url: `https://a.gouv.fr/${i}`, title: `T${i}`, content: pad })) });
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q');
      if (q === 'petit') return res.writeHead(200, { 'content-type': 'application/json' }).end(`\ufeff${results(3)}`);
      // valid JSON, just too much of it: streamed without a length, or announced
      const big = results(2_000, 'x'.repeat(4_000));
      if (q === 'flux') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < big.length; i += 65_536) res.write(big.slice(i, i + 65_536));
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) }).end(big);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));

  it('reads a results page, and refuses an answer larger than MAX_PROVIDER_BYTES whether announced or streamed', async () => {
    const provider = new SearxngProvider({ url: base, timeoutMs: 5_000, userAgent: 'test' });
    expect((await provider.search('petit', { count: 9 })).map((r) => r.url)).toEqual(['https://a.gouv.fr/0', 'https://a.gouv.fr/1', 'https://a.gouv.fr/2']);
    for (const q of ['flux', 'annonce']) {
      await expect(provider.search(q, { count: 9 })).rejects.toMatchObject({
        code: 'WEB_SEARCH_UNAVAILABLE',
        message: expect.stringContaining(`more than ${MAX_PROVIDER_BYTES} bytes`),
      });
    }
  });
});
