import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEngine, type RemoteEngine } from './cli-context.js';
import * as shapes from './engine-answer-shapes.js';
import { CITE_BIN } from './node-flags.js';

/** An address CITE_URL may name that is not a working engine: each path answers one way. */
const answers: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  '/garbage': (_req, res) => res.end('\u0000\u0001{not json'),
  '/proxy-page': (_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>'),
  '/loop': (req, res) => res.writeHead(302, { location: req.url }).end(),
  '/silence': () => {},
  '/bad-key': (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"UNAUTHENTICATED","message":"Invalid API key"}'),
  '/odd-error': (_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":{"x":1},"message":[1]}'),
};

/** `/shape/<base64url JSON>/…`: that JSON with a 200, whatever the route, as a service that is not Cité might. */
const answerInPath = (req: http.IncomingMessage, res: http.ServerResponse) => {
  const encoded = /^\/shape\/([\w-]+)\//.exec(req.url ?? '')?.[1];
  if (!encoded) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from(encoded, 'base64url'));
};
const answering = (json: string) => `/shape/${Buffer.from(json).toString('base64url')}`;

describe('callEngine against an address that is not a working engine', () => {
  let server: http.Server;
  let engine: RemoteEngine;
  beforeAll(async () => {
    server = http.createServer((req, res) => (answers[req.url ?? ''] ?? answerInPath)(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    engine = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: 'k', fromEnv: true };
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const refusal = async (path: string, timeoutMs?: number) => {
    try {
      await callEngine(engine, 'POST', path, { query: 'x' }, { timeoutMs });
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

  it('JSON of another shape than the answer read: ENGINE_ANSWER_INVALID, one line saying where', async () => {
    const search = { ...engine, url: engine.url + answering('{"data": [null]}') };
    const e = await callEngine(search, 'POST', '/v1/search', { query: 'x' }, { shape: shapes.searchAnswerShape }).then(
      () => undefined,
      (err: Error & { code?: string }) => err,
    );
    expect(e?.code).toBe('ENGINE_ANSWER_INVALID');
    expect(e?.message).toMatch(/^the engine at http:\/\/127\.0\.0\.1:\d+\/shape\/[\w-]+ \(CITE_URL\) answered /);
    expect(e?.message).toContain(' answered HTTP 200 with JSON');
    expect(e?.message).toMatch(/ with JSON that is not Cité's answer to POST \/v1\/search \(data\.0: .*object.*\): /);
    expect(e?.message).toMatch(/: is it the engine's address\?$/);
    // no answer any shape expects is null, nor a list of nulls
    for (const [name, shape] of Object.entries(shapes)) {
      for (const json of ['null', '[null]', '"Cité"']) {
        const at = { ...engine, url: engine.url + answering(json) };
        await expect(callEngine(at, 'GET', '/x', undefined, { shape }), `${name} ${json}`).rejects.toMatchObject({
          code: 'ENGINE_ANSWER_INVALID',
          message: expect.not.stringContaining('\n'),
        });
      }
    }
    // without a shape, nothing is read: an empty 200 (DELETE) is fine
    await expect(callEngine({ ...engine, url: engine.url + answering('{}') }, 'DELETE', '/x')).resolves.toEqual({});
  });
});

describe('the commands that read an engine answer, given JSON of another shape (CITE_URL)', () => {
  const run = promisify(execFile);
  let server: http.Server;
  let base: string;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    server = http.createServer(answerInPath);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-wrong-shape-'));
    const data = path.join(dir, 'data');
    env = { ...(process.env as Record<string, string>), DATA_DIR: data, LOG_LEVEL: 'silent', CITE_API_KEY: 'k' };
    delete env.DATABASE_URL;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ args: string[]; json: string; route: string; at: string }> = [
    { args: ['search', 'congés'], json: '{"data": null}', route: 'POST /v1/search', at: 'data' },
    { args: ['search', 'congés'], json: '{"data": [null]}', route: 'POST /v1/search', at: 'data.0' },
    { args: ['search', 'congés', '--json'], json: '[]', route: 'POST /v1/search', at: 'the body' },
    {
      args: ['search', 'congés'],
      json: '{"data": [{"text": "t"}], "timings": {}}',
      route: 'POST /v1/search',
      at: 'data.0.heading_path',
    },
    { args: ['ask', 'Combien de congés ?'], json: '{"data": null}', route: 'POST /v1/answers', at: 'answer' },
    { args: ['keys', 'list'], json: '{"data": []}', route: 'GET /admin/api/api-keys', at: 'the body' },
    {
      args: ['keys', 'create', '--role', 'agent', '--name', 'n'],
      json: '[]',
      route: 'POST /admin/api/api-keys',
      at: 'the body',
    },
    { args: ['data', 'purge'], json: '{"deleted": null}', route: 'POST /admin/api/retention/purge', at: 'deleted' },
    { args: ['crawl', 'https://exemple.gouv.fr/'], json: '{"id": "1"}', route: 'POST /admin/api/sources', at: 'id' },
  ];

  it('fail with ENGINE_ANSWER_INVALID on one line and a non-zero exit, no stack trace', async () => {
    const outcomes = await Promise.all(
      cases.map(async (c) => {
        const cited = { ...env, CITE_URL: base + answering(c.json) };
        const failed = await run(process.execPath, [CITE_BIN, ...c.args], { env: cited, timeout: 120_000 }).then(
          () => ({ code: 0, stderr: '' }),
          (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr ?? '' }),
        );
        return { ...c, ...failed };
      }),
    );
    for (const o of outcomes) {
      const what = `cite ${o.args.join(' ')} given ${o.json}`;
      expect(o.code, what).toBe(1);
      const lines = o.stderr.split('\n').filter(Boolean);
      expect(lines, what).toHaveLength(1);
      expect(lines[0], what).toContain(`cite: ENGINE_ANSWER_INVALID: the engine at ${base}/shape/`);
      const answered = `(CITE_URL) answered HTTP 200 with JSON that is not Cité's answer to ${o.route} (${o.at}: `;
      expect(lines[0], what).toContain(answered);
      expect(o.stderr, what).not.toMatch(/TypeError|\n\s+at /);
    }
  }, 180_000);
});
