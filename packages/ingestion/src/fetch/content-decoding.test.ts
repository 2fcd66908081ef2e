/**
 * Content-Encoding read as browsers read it, through the fetcher and a real server on loopback: raw deflate
 * under `deflate`, bytes after the end of a gzip stream ignored (in the same packet or a later one, a whole
 * page kept), while a body damaged inside its compressed data is still refused, and every coding is held to
 * the size cap.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fetcher } from './fetcher.js';
import { zlibHeader } from './content-decoding.js';

const TEXT = 'Décret relatif aux congés payés des agents publics. '.repeat(8_000); // 416 KB
const gz = (s: string | Buffer) => zlib.gzipSync(s);
/** A gzip member's trailer: CRC-32 and length of the data. */
const trailer = (s: string) => {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(zlib.crc32(s), 0);
  t.writeUInt32LE(Buffer.byteLength(s), 4);
  return t;
};

/** Each route: its Content-Encoding and the parts of its body, written 30 ms apart (separate packets). */
const ROUTES: Record<string, { encoding: string; parts: Buffer[] }> = {
  '/raw-deflate': { encoding: 'deflate', parts: [zlib.deflateRawSync(TEXT)] },
  '/zlib-deflate': { encoding: 'deflate', parts: [zlib.deflateSync(TEXT)] },
  '/gzip-junk': { encoding: 'gzip', parts: [Buffer.concat([gz(TEXT), Buffer.from('<!-- served in 12 ms -->\n')])] },
  '/gzip-junk-later': { encoding: 'gzip', parts: [gz(TEXT), Buffer.from('Warning: session_start(): headers already sent')] },
  '/gzip-magic-junk': { encoding: 'gzip', parts: [gz(TEXT), Buffer.from([0x1f, 0x8b, 0x07, 0x41, 0x42])] },
  '/deflate-gzip-junk': { encoding: 'deflate, gzip', parts: [Buffer.concat([gz(zlib.deflateRawSync(TEXT)), Buffer.from('trailer')])] },
  '/two-members': { encoding: 'gzip', parts: [gz('premier. '), gz('second.')] },
  '/gzip-named-split': {
    encoding: 'gzip',
    parts: (() => {
      const whole = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 8 | 16, 0, 0, 0, 0, 0, 3]), Buffer.from('conges.txt\0Fiche\0'), zlib.deflateRawSync(TEXT), trailer(TEXT)]);
      return [whole.subarray(0, 3), whole.subarray(3, 14), whole.subarray(14, 25), whole.subarray(25)];
    })(),
  },
  '/gzip-chunked-empty': { encoding: 'gzip', parts: [] },
  '/gzip-one-byte': { encoding: 'gzip', parts: [Buffer.from([0x1f])] },
  '/gzip-truncated': { encoding: 'gzip', parts: [gz(TEXT).subarray(0, 700)] }, // of 1,370 bytes
  '/gzip-no-trailer': { encoding: 'gzip', parts: [gz(TEXT).subarray(0, -8)] },
  // a file name that never ends: refused past 16 KB, not read to the size cap
  '/gzip-endless-name': { encoding: 'gzip', parts: [Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3]), Buffer.alloc(20_000, 0x61)] },
  '/junk-only': { encoding: 'gzip', parts: [Buffer.from('not compressed at all')] },
  '/raw-deflate-bomb': { encoding: 'deflate', parts: [zlib.deflateRawSync(Buffer.alloc(4 << 20))] },
  '/gzip-bomb-junk': { encoding: 'gzip', parts: [gz(Buffer.alloc(4 << 20)), Buffer.from('junk')] },
};
// damaged inside its data: a flipped byte in the middle of the deflate blocks
const damaged = gz(TEXT);
damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
ROUTES['/gzip-damaged'] = { encoding: 'gzip', parts: [damaged] };

describe('Content-Encoding as browsers read it', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      const route = ROUTES[req.url ?? ''];
      if (!route) {
        res.statusCode = 404;
        return res.end();
      }
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.setHeader('content-encoding', route.encoding);
      for (const part of route.parts) {
        res.write(part);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const fetcher = () => new Fetcher({ allowPrivateNetworks: true, timeoutMs: 5_000, maxBytes: 1 << 20 });

  it('reads raw deflate and zlib-wrapped deflate alike', async () => {
    const f = fetcher();
    try {
      for (const path of ['/raw-deflate', '/zlib-deflate']) expect((await f.fetch({ url: base + path })).body.toString('utf8'), path).toBe(TEXT);
    } finally {
      await f.close();
    }
  });

  it('ignores bytes after the end of a gzip stream, and keeps all of the page before them', async () => {
    const f = fetcher();
    try {
      for (const path of ['/gzip-junk', '/gzip-junk-later', '/gzip-magic-junk', '/deflate-gzip-junk']) {
        const body = (await f.fetch({ url: base + path })).body.toString('utf8');
        expect(body.length, path).toBe(TEXT.length);
        expect(body === TEXT, path).toBe(true);
      }
      // what follows the first gzip member is ignored, a second member included, as Chromium does
      expect((await f.fetch({ url: base + '/two-members' })).body.toString('utf8')).toBe('premier. ');
      // a gzip header with a file name and a comment, sent a few bytes at a time
      expect((await f.fetch({ url: base + '/gzip-named-split' })).body.toString('utf8')).toBe(TEXT);
      // an empty body sent chunked, without a Content-Length, is empty
      expect((await f.fetch({ url: base + '/gzip-chunked-empty' })).body.length).toBe(0);
    } finally {
      await f.close();
    }
  });

  it('still refuses a body that is damaged inside its compressed data, cut short, or not compressed at all', async () => {
    const f = fetcher();
    try {
      for (const path of ['/gzip-damaged', '/gzip-one-byte', '/gzip-truncated', '/gzip-no-trailer', '/gzip-endless-name', '/junk-only']) {
        await expect(f.fetch({ url: base + path }), path).rejects.toMatchObject({ code: 'FETCH_BAD_ENCODING', retryable: false });
      }
    } finally {
      await f.close();
    }
  });

  it('holds raw deflate, and gzip followed by junk, to the size cap', async () => {
    const f = fetcher();
    try {
      for (const path of ['/raw-deflate-bomb', '/gzip-bomb-junk']) {
        await expect(f.fetch({ url: base + path }), path).rejects.toMatchObject({ code: 'FETCH_TOO_LARGE' });
      }
    } finally {
      await f.close();
    }
  });

  it('tells a zlib header from raw deflate by its first two bytes', () => {
    expect(zlibHeader(zlib.deflateSync('x'))).toBe(true);
    expect(zlibHeader(zlib.deflateSync('x', { level: 9 }))).toBe(true);
    expect(zlibHeader(zlib.deflateRawSync('Décret relatif aux congés'))).toBe(false);
    expect(zlibHeader(Buffer.from([0x78]))).toBe(false);
    expect(zlibHeader(Buffer.from([0x78, 0x9d]))).toBe(false); // FCHECK wrong
  });
});
