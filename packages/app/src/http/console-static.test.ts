import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCiteError } from '@cite/core/errors.js';
import { consoleStatic } from './console-static.js';

async function serve(distDir: string) {
  const app = express();
  app.use('/console', consoleStatic({ distDir }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (isCiteError(err)) res.status(err.status).json({ code: err.code, message: err.message });
    else res.status(500).json({ code: 'INTERNAL', message: 'internal error' });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise((r) => server.close(r)) };
}

describe('console static serving', () => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-console-'));
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div><script src="/console/assets/app-1a2b.js"></script>');
    fs.writeFileSync(path.join(dist, 'assets', 'app-1a2b.js'), 'console.log("cite")');
    // a bundle-sized asset, to see it compressed on the wire
    fs.writeFileSync(path.join(dist, 'assets', 'vendor-3c4d.js'), 'export const x = "react-admin";\n'.repeat(40_000));
    fs.writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    srv = await serve(dist);
  });
  afterAll(async () => {
    await srv.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it('serves the shell at /console/ and redirects /console to it', async () => {
    const root = await fetch(`${srv.base}/console/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('id="root"');
    const bare = await fetch(`${srv.base}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('answers deep links with the shell so a refresh does not 404', async () => {
    for (const p of ['/console/sources/3', '/console/sources/3/show', '/console/ask?q=cong%C3%A9s', '/console/crawl-runs']) {
      const r = await fetch(srv.base + p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expect(r.headers.get('cache-control')).toBe('no-cache');
      expect(await r.text()).toContain('id="root"');
    }
  });

  it('serves hashed assets with long caching, and 404s missing files instead of masking them', async () => {
    const js = await fetch(`${srv.base}/console/assets/app-1a2b.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toContain('cite');
    expect((await fetch(`${srv.base}/console/favicon.svg`)).status).toBe(200);
    const missing = await fetch(`${srv.base}/console/assets/gone-9z.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await fetch(`${srv.base}/console/robots.txt`)).status).toBe(404);
  });

  it('compresses what it sends to a browser that accepts gzip, and only then', async () => {
    const http = await import('node:http');
    const get = (encoding?: string) =>
      new Promise<{ status: number; encoding?: string; bytes: number }>((resolve, reject) => {
        const req = http.get(`${srv.base}/console/assets/vendor-3c4d.js`, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
          let bytes = 0;
          res.on('data', (d: Buffer) => (bytes += d.length));
          res.on('end', () => resolve({ status: res.statusCode!, encoding: res.headers['content-encoding'], bytes }));
        });
        req.on('error', reject);
      });
    const plain = await get();
    expect(plain).toMatchObject({ status: 200, encoding: undefined, bytes: 40_000 * 32 });
    const gzipped = await get('gzip, deflate, br');
    expect(gzipped.status).toBe(200);
    expect(gzipped.encoding).toMatch(/^(gzip|br|deflate)$/);
    expect(gzipped.bytes).toBeLessThan(plain.bytes / 20);
  });

  it('says the console is not built rather than 404 when dist is missing', async () => {
    const empty = await serve(path.join(dist, 'nope'));
    try {
      const r = await fetch(`${empty.base}/console/documents`);
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ code: 'CONSOLE_NOT_BUILT' });
    } finally {
      await empty.close();
    }
  });
});
