import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEngine, type RemoteEngine } from './cli-context.js';

/** An address CITE_URL may name that is not a working engine: each path answers one way. */
const answers: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  '/garbage': (_req, res) => res.end('\u0000\u0001{not json'),
  '/proxy-page': (_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>'),
  '/loop': (req, res) => res.writeHead(302, { location: req.url }).end(),
  '/silence': () => {},
  '/bad-key': (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"UNAUTHENTICATED","message":"Invalid API key"}'),
  '/odd-error': (_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":{"x":1},"message":[1]}'),
};

describe('callEngine against an address that is not a working engine', () => {
  let server: http.Server;
  let engine: RemoteEngine;
  beforeAll(async () => {
    server = http.createServer((req, res) => answers[req.url ?? '']?.(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    engine = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: 'k', fromEnv: true };
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const refusal = async (path: string, timeoutMs?: number) => {
    try {
      await callEngine(engine, 'POST', path, { query: 'x' }, timeoutMs);
    } catch (e) {
      return e as Error & { code?: string };
    }
    throw new Error(`${path} was taken for an answer`);
  };

  it('garbage, or a proxy HTML page: ENGINE_ANSWER_INVALID naming CITE_URL, not a JSON stack trace', async () => {
    for (const path of ['/garbage', '/proxy-page']) {
      const e = await refusal(path);
      expect(e.code).toBe('ENGINE_ANSWER_INVALID');
      expect(e.message).toContain(`${engine.url} (CITE_URL)`);
    }
    expect((await refusal('/proxy-page')).message).toContain('HTTP 502 (text/html)');
  });

  it('a redirect (a loop here) is not followed: ENGINE_ANSWER_INVALID saying where it goes', async () => {
    const e = await refusal('/loop');
    expect(e.code).toBe('ENGINE_ANSWER_INVALID');
    expect(e.message).toContain('HTTP 302 to /loop');
  });

  it('silence: ENGINE_TIMEOUT in bounded time', async () => {
    const started = Date.now();
    const e = await refusal('/silence', 300);
    expect(e.code).toBe('ENGINE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("the engine's refusal keeps its code; a refused key names CITE_API_KEY; odd error bodies fall back", async () => {
    const e = await refusal('/bad-key');
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(e.message).toBe('Invalid API key (CITE_API_KEY)');
    const odd = await refusal('/odd-error');
    expect(odd.code).toBe('ENGINE_ERROR');
    expect(odd.message).toBe('Engine answered 500');
  });

  it('nothing listening: ENGINE_UNREACHABLE with the reason', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await expect(callEngine({ url, key: 'k' }, 'GET', '/v1/me')).rejects.toMatchObject({ code: 'ENGINE_UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') });
  });
});
