import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CiteError } from '../errors.js';
import { createEmbedder, type EmbedderConfig } from './create-embedder.js';
import { writeTinyModel } from './testing/tiny-onnx-model.js';
import { TransformersEmbedder } from './transformers-embedder.js';

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
    expect(e.id).toBe('hash');
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
