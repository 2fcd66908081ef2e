import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CiteError } from '../errors.js';
import { OpenAIEmbedder } from './openai-embedder.js';
import { startScriptedEmbeddingsServer, type ScriptedServer } from './testing/scripted-embeddings-server.js';

describe('OpenAIEmbedder against a scripted server', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedEmbeddingsServer(8);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.script.length = 0;
  });

  const make = (extra: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) =>
    new OpenAIEmbedder({ baseUrl: server.baseUrl, model: 'm', dimension: 8, backoffMs: 10, ...extra });

  it('sends inputs in batches with the key, and keeps the order', async () => {
    const e = make({ batchSize: 3, apiKey: 'sk-test' });
    const texts = Array.from({ length: 7 }, (_, i) => `texte ${i}`);
    const vs = await e.embedDocuments(texts);
    expect(server.requests.map((r) => r.input.length)).toEqual([3, 3, 1]);
    expect(server.requests[0]!.authorization).toBe('Bearer sk-test');
    const [again] = await e.embedDocuments(['texte 5']);
    expect(Array.from(vs[5]!)).toEqual(Array.from(again!));
  });

  it('waits for Retry-After on 429, then succeeds', async () => {
    server.script.push({ status: 429, headers: { 'retry-after': '0.3' } });
    const started = Date.now();
    const vs = await make().embedDocuments(['a']);
    expect(vs).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('retries 5xx with backoff and gives up with a clear retryable error', async () => {
    server.script.push({ status: 503 }, { status: 502 });
    expect(await make().embedDocuments(['a'])).toHaveLength(1);
    expect(server.requests).toHaveLength(3);

    server.requests.length = 0;
    server.script.push({ status: 500 }, { status: 500 }, { status: 500 });
    const err = await make({ maxRetries: 2 }).embedDocuments(['a']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CiteError);
    expect((err as CiteError).code).toBe('EMBEDDINGS_SERVER_ERROR');
    expect((err as CiteError).retryable).toBe(true);
    expect((err as CiteError).message).toMatch(/gave up after 3 attempts/);
  });

  it('times out a hanging request and retries it', async () => {
    server.script.push({ hangMs: 2000 });
    const vs = await make({ timeoutMs: 200 }).embedDocuments(['a']);
    expect(vs).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    server.script.push({ hangMs: 2000 });
    const err = await make({ timeoutMs: 200, maxRetries: 0 }).embedDocuments(['a']).catch((e: unknown) => e);
    expect((err as CiteError).code).toBe('EMBEDDINGS_TIMEOUT');
  });

  it('does not retry refused credentials or bad requests', async () => {
    server.script.push({ status: 401, body: '{"error":"invalid key"}' });
    const err = await make().embedDocuments(['a']).catch((e: unknown) => e);
    expect((err as CiteError).code).toBe('EMBEDDINGS_AUTH_FAILED');
    expect((err as CiteError).message).toMatch(/EMBEDDINGS_API_KEY/);
    server.script.push({ status: 400, body: '{"error":"model not found"}' });
    const err2 = await make().embedDocuments(['a']).catch((e: unknown) => e);
    expect((err2 as CiteError).code).toBe('EMBEDDINGS_REQUEST_REFUSED');
    expect((err2 as CiteError).message).toMatch(/model not found/);
    expect(server.requests).toHaveLength(2);
  });

  it('rejects malformed answers and wrong dimensions', async () => {
    server.script.push({ status: 200, body: '<html>proxy</html>' });
    expect(((await make().embedDocuments(['a']).catch((e: unknown) => e)) as CiteError).code).toBe('EMBEDDINGS_BAD_RESPONSE');
    const wrongDim = new OpenAIEmbedder({ baseUrl: server.baseUrl, model: 'm', dimension: 16 });
    const err = (await wrongDim.embedDocuments(['a']).catch((e: unknown) => e)) as CiteError;
    expect(err.code).toBe('EMBEDDINGS_BAD_RESPONSE');
    expect(err.message).toMatch(/8 dimensions, expected 16/);
  });

  it('reports an unreachable server', async () => {
    const e = new OpenAIEmbedder({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', dimension: 8, maxRetries: 1, backoffMs: 1 });
    const err = (await e.embedDocuments(['a']).catch((x: unknown) => x)) as CiteError;
    expect(err.code).toBe('EMBEDDINGS_UNREACHABLE');
    expect(err.message).toContain('127.0.0.1:1');
  });

  it('adds e5 prefixes for e5 models', async () => {
    const e = make({ model: 'intfloat/multilingual-e5-large' });
    await e.embedDocuments(['doc']);
    await e.embedQuery('question');
    expect(server.requests.map((r) => r.input[0])).toEqual(['passage: doc', 'query: question']);
  });
});
