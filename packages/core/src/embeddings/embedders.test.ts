import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Embedder } from './embedder.js';
import { HashEmbedder } from './hash-embedder.js';
import { OpenAIEmbedder } from './openai-embedder.js';
import { embedderContract } from './testing/embedder-contract.js';
import { startScriptedEmbeddingsServer, type ScriptedServer } from './testing/scripted-embeddings-server.js';
import { writeTinyModel } from './testing/tiny-onnx-model.js';
import { TransformersEmbedder } from './transformers-embedder.js';

describe('hash embedder', () => {
  const e = new HashEmbedder();
  embedderContract(() => e, { dimension: 384, idPrefix: 'hash' });
});

describe('transformers embedder (tiny offline ONNX model)', () => {
  let e: Embedder;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-models-'));
    writeTinyModel(dir, 'test/tiny-e5', 16);
    e = await TransformersEmbedder.load({ model: 'test/tiny-e5', modelsDir: dir, allowDownload: false });
  });
  afterAll(async () => {
    await e?.close?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  embedderContract(() => e, { dimension: 16, idPrefix: 'transformers:test/tiny-e5' });
});

describe('openai-compatible embedder (scripted server)', () => {
  let server: ScriptedServer;
  let e: Embedder;
  beforeAll(async () => {
    server = await startScriptedEmbeddingsServer(32);
    e = await new OpenAIEmbedder({ baseUrl: server.baseUrl, model: 'bge-m3', batchSize: 2 }).init();
  });
  afterAll(() => server.close());
  embedderContract(() => e, { dimension: 32, idPrefix: 'openai:bge-m3' });
});
