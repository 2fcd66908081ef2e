import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CiteError } from '../errors.js';
import { createEmbedder, type EmbedderConfig } from './create-embedder.js';
import { writeTinyModel } from './testing/tiny-onnx-model.js';
import { downloadProgress, TransformersEmbedder } from './transformers-embedder.js';

describe('transformers embedder, offline', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-models-'));
    writeTinyModel(dir, 'acme/tiny-e5', 12);
    writeTinyModel(dir, 'acme/tiny-plain', 12);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cfg = (over: Partial<EmbedderConfig>): EmbedderConfig => ({
    EMBEDDINGS: 'hash',
    MODELS_DIR: dir,
    MODELS_ALLOW_DOWNLOAD: false,
    DATA_DIR: dir,
    ...over,
  });

  it('loads from MODELS_DIR through createEmbedder and counts tokens with the model tokenizer', async () => {
    const e = await createEmbedder(cfg({ EMBEDDINGS: 'transformers:acme/tiny-plain' }));
    expect(e.id).toBe('transformers:acme/tiny-plain');
    expect(e.dimension).toBe(12);
    // [CLS] t ##r ##a ##v ##a ##u ##x [SEP]: the WordPiece vocabulary, not a word count
    expect(e.countTokens('travaux')).toBe(9);
    await e.close?.();
  });

  it('uses the e5 query/passage prefixes', async () => {
    const e5 = await TransformersEmbedder.load({ model: 'acme/tiny-e5', modelsDir: dir, allowDownload: false });
    const plain = await TransformersEmbedder.load({ model: 'acme/tiny-plain', modelsDir: dir, allowDownload: false });
    const [passage] = await e5.embedDocuments(['congés payés']);
    const query = await e5.embedQuery('congés payés');
    expect(Array.from(query)).not.toEqual(Array.from(passage!));
    // same weights without prefixes: query and passage vectors are identical
    const [p2] = await plain.embedDocuments(['congés payés']);
    expect(Array.from(await plain.embedQuery('congés payés'))).toEqual(Array.from(p2!));
    await e5.close();
    await plain.close();
  });

  it('puts exactly "query: " before queries and "passage: " before passages for e5 models', async () => {
    // both tiny models have the same weights: the e5 one on "x" is the plain one on the prefixed "x"
    const e5 = await TransformersEmbedder.load({ model: 'acme/tiny-e5', modelsDir: dir, allowDownload: false });
    const plain = await TransformersEmbedder.load({ model: 'acme/tiny-plain', modelsDir: dir, allowDownload: false });
    const text = 'durée du préavis de démission';
    expect(Array.from(await e5.embedQuery(text))).toEqual(Array.from(await plain.embedQuery(`query: ${text}`)));
    const [p] = await e5.embedDocuments([text]);
    const [q] = await plain.embedDocuments([`passage: ${text}`]);
    expect(Array.from(p!)).toEqual(Array.from(q!));
    // token counts (chunk budgets) are of the text itself, without the prefix
    expect(e5.countTokens(text)).toBe(plain.countTokens(text));
    await e5.close();
    await plain.close();
  });

  it('reports a missing model clearly when downloads are off', async () => {
    const err = (await TransformersEmbedder.load({ model: 'acme/absent', modelsDir: dir, allowDownload: false }).catch(
      (e: unknown) => e,
    )) as CiteError;
    expect(err).toBeInstanceOf(CiteError);
    expect(err.code).toBe('EMBEDDINGS_MODEL_UNAVAILABLE');
    expect(err.message).toMatch(/MODELS_ALLOW_DOWNLOAD/);
    expect(err.message).toContain(path.join(dir, 'acme/absent'));
  });

  it('falls back to the hash embedder with a warning, unless told not to', async () => {
    const warnings: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => {} } as never;
    const e = await createEmbedder(cfg({ EMBEDDINGS: 'transformers:acme/absent' }), log);
    expect(e.id).toBe('hash-v2');
    expect(warnings.join(' ')).toMatch(/falling back to the built-in hash embedder/);
    const err = (await createEmbedder(cfg({ EMBEDDINGS: 'transformers:acme/absent', EMBEDDINGS_FALLBACK_TO_HASH: false })).catch(
      (x: unknown) => x,
    )) as CiteError;
    expect(err.code).toBe('EMBEDDINGS_MODEL_UNAVAILABLE');
  });

  it('requires EMBEDDINGS_BASE_URL for openai', async () => {
    const err = (await createEmbedder(cfg({ EMBEDDINGS: 'openai:m' })).catch((x: unknown) => x)) as CiteError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/EMBEDDINGS_BASE_URL/);
  });
});

describe('transformers embedder, download progress', () => {
  it('downloads a missing model from the hub (a loopback one here), logging progress by tenths off a terminal', async () => {
    const hub = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-hub-'));
    const models = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-models-dl-'));
    writeTinyModel(hub, 'acme/tiny-dl', 8);
    const requested: string[] = [];
    // the hub's URL layout: /<org>/<model>/resolve/<revision>/<file>
    const server = http.createServer((req, res) => {
      const m = /^\/(.+?)\/resolve\/[^/]+\/(.+)$/.exec(decodeURIComponent(req.url ?? ''));
      const file = m ? path.join(hub, m[1]!, m[2]!) : '';
      requested.push(m ? m[2]! : String(req.url));
      if (!m || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = fs.readFileSync(file);
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { env } = await import('@huggingface/transformers');
    const remoteHost = env.remoteHost;
    env.remoteHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const lines: string[] = [];
    const log = { info: (_o: unknown, msg: string) => lines.push(msg), warn: () => {} } as never;
    try {
      const e = await TransformersEmbedder.load({ model: 'acme/tiny-dl', modelsDir: models, allowDownload: true, log });
      expect(e.dimension).toBe(8);
      expect(requested).toEqual(expect.arrayContaining(['onnx/model.onnx', 'tokenizer.json', 'config.json']));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/^downloading model \d+0?%$/);
      expect(lines.at(-1)).toBe('downloading model 100%');
      await e.close();
    } finally {
      env.remoteHost = remoteHost;
      server.close();
      fs.rmSync(hub, { recursive: true, force: true });
      fs.rmSync(models, { recursive: true, force: true });
    }
  });

  it('draws a bar in MB on a terminal and ignores the per-file events', () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (d: Buffer) => (written += d.toString()));
    const tty = Object.assign(out, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream;
    const lines: string[] = [];
    const p = downloadProgress('acme/big', { info: (_o: unknown, msg: string) => lines.push(msg) } as never, tty);
    p.callback({ status: 'initiate' });
    p.callback({ status: 'progress', progress: 50, loaded: 1, total: 2 });
    expect(written).toBe('');
    p.callback({ status: 'progress_total', progress: 25, loaded: 30e6, total: 120e6 });
    p.callback({ status: 'progress_total', progress: 50, loaded: 60e6, total: 120e6 });
    p.stop();
    expect(written).toContain('Downloading acme/big [');
    expect(written).toContain('50% 60/120 MB');
    expect(lines).toEqual([]); // a terminal gets the bar, not log lines
  });

  it('logs each tenth once off a terminal', () => {
    const lines: string[] = [];
    const notTty = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const p = downloadProgress('acme/big', { info: (_o: unknown, msg: string) => lines.push(msg) } as never, notTty);
    for (const progress of [0, 3, 12, 19, 55, 100]) p.callback({ status: 'progress_total', progress, loaded: progress * 1e6, total: 100e6 });
    p.stop();
    expect(lines).toEqual(['downloading model 0%', 'downloading model 10%', 'downloading model 50%', 'downloading model 100%']);
  });
});
