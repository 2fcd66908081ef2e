/**
 * Bodies sent slowly: an upload may take longer than REQUEST_TIMEOUT_MS while it keeps arriving (Node's
 * server-wide request timeout cut it off with a bare 408), a stalled one is closed, and an ordinary route's
 * body still has the request timeout (a slow-body client cannot hold a connection for good).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';

const TIMEOUT_MS = 1000;
const BOUNDARY = 'cite-slow-upload';

function multipart(text: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="collection"\r\n\r\nlente\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="lent.md"\r\nContent-Type: text/markdown\r\n\r\n${text}\r\n` +
      `--${BOUNDARY}--\r\n`,
  );
}

/** Sends the head, then the body in `pieces`, `gapMs` apart (stopping after `stopAfter` pieces); what came back, and when the socket closed. */
function trickle(
  url: string,
  head: string,
  body: Buffer,
  opts: { pieces: number; gapMs: number; stopAfter?: number; keepAlive?: boolean },
): Promise<{ response: string; closedAfterMs: number }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const t0 = Date.now();
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (response += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedAfterMs: Date.now() - t0 });
    });
    socket.on('connect', () => {
      socket.write(`${head}Content-Length: ${body.length}\r\nConnection: ${opts.keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`);
      const size = Math.ceil(body.length / opts.pieces);
      let i = 0;
      const next = () => {
        if (socket.destroyed) return;
        if (i >= opts.pieces || (opts.stopAfter !== undefined && i >= opts.stopAfter)) return;
        socket.write(body.subarray(i * size, (i + 1) * size));
        i++;
        timer = setTimeout(next, opts.gapMs);
      };
      next();
    });
    setTimeout(() => reject(new Error('the socket stayed open 30 s')), 30_000).unref();
  });
}

for (const mode of availableModes()) {
  describe(`request bodies sent slowly [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode, { REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
    });
    afterAll(async () => e?.stop());

    const uploadHead = () =>
      `POST /admin/api/uploads?wait=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${e.keys.admin}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n`;

    it('indexes an upload whose body arrives over several request timeouts, steadily', async () => {
      const body = multipart(`# Téléversement lent\n\n${'Une phrase sur le préavis de démission envoyée lentement. '.repeat(200)}`);
      const { response, closedAfterMs } = await trickle(e.url, uploadHead(), body, { pieces: 32, gapMs: 250 });
      expect(closedAfterMs).toBeGreaterThan(TIMEOUT_MS + 5_000); // past what Node's request timeout allowed
      expect(response).toMatch(/^HTTP\/1\.1 200/);
      const { rows } = await e.db.query<{ n: number }>("SELECT count(*)::int AS n FROM documents WHERE title = 'Téléversement lent' AND status = 'active'");
      expect(rows[0]!.n).toBe(1);
    });

    it('closes an upload whose body stops arriving', async () => {
      const body = multipart('# Arrêté\n\n' + 'Du texte. '.repeat(500));
      const { response, closedAfterMs } = await trickle(e.url, uploadHead(), body, { pieces: 10, gapMs: 100, stopAfter: 3 });
      expect(closedAfterMs).toBeLessThan(TIMEOUT_MS * 4);
      expect(response).not.toMatch(/^HTTP\/1\.1 2/);
    });

    it('still closes an ordinary route whose body takes longer than the request timeout', async () => {
      const body = Buffer.from(JSON.stringify({ query: `préavis ${'x'.repeat(200)}` }));
      const head = `POST /v1/search HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${e.keys.agent}\r\nContent-Type: application/json\r\n`;
      const { response, closedAfterMs } = await trickle(e.url, head, body, { pieces: 100, gapMs: 200, keepAlive: true });
      // the route's 503 at the request timeout, the connection closed a margin later, long before the body's 20 s
      expect(response).toMatch(/^HTTP\/1\.1 503/);
      expect(closedAfterMs).toBeLessThan(TIMEOUT_MS + 5_000 + 2_000);
    });
  });
}
