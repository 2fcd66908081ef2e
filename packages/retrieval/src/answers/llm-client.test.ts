import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONFIG_DEFAULTS } from '@cite/core/config/config.js';
import { startScriptedLlm, toChunks, type ScriptedLlm } from '@cite/core/testing/scripted-llm.js';
import { LlmClient } from './llm-client.js';

const messages = [{ role: 'user' as const, content: 'Bonjour' }];

describe('LlmClient against a scripted OpenAI-compatible server', () => {
  let llm: ScriptedLlm;
  const client = (over: Partial<ConstructorParameters<typeof LlmClient>[0]> = {}) =>
    new LlmClient({ baseUrl: llm.baseUrl, apiKey: 'sk-test', model: 'm', timeoutMs: 1000, maxRetries: 2, backoffMs: 10, ...over });

  beforeAll(async () => {
    llm = await startScriptedLlm({ content: 'x' }, { apiKey: 'sk-test' });
  });
  afterAll(() => llm.close());

  it('streams deltas and returns the whole text', async () => {
    llm.setScript({ content: 'Le préavis est d’un mois [1].', chunks: ['Le préavis ', 'est d’un ', 'mois [1].'] });
    const deltas: string[] = [];
    const r = await client().complete({ messages, onToken: (d) => deltas.push(d) });
    expect(deltas).toEqual(['Le préavis ', 'est d’un ', 'mois [1].']);
    expect(r.text).toBe('Le préavis est d’un mois [1].');
    expect(r.finishReason).toBe('stop');
    expect(llm.requests.at(-1)!.stream).toBe(true);
    expect(llm.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test');
  });

  it('works without streaming', async () => {
    llm.setScript({ content: 'Réponse [1].' });
    const r = await client().complete({ messages });
    expect(r.text).toBe('Réponse [1].');
    expect(llm.requests.at(-1)!.stream).toBe(false);
  });

  it('drops NUL, other control characters and unpaired surrogates from model text, keeping a pair split over two deltas', async () => {
    // PostgreSQL refuses NUL in text and unpaired surrogates in jsonb: the answer's record failed (or, streamed, stayed pending)
    llm.setScript({ content: '', chunks: ['Le préavis\u0000 est', ' d’un mois \ud83d', '\ude00 \udc00[1].\u001b', '\ud800'] });
    const deltas: string[] = [];
    const streamed = await client().complete({ messages, onToken: (d) => deltas.push(d) });
    expect(streamed.text).toBe('Le préavis est d’un mois 😀 [1].');
    expect(deltas.join('')).toBe(streamed.text);
    llm.setScript({ content: 'Réponse\u0000 \ud800[1].\n\tFin 😀.' });
    expect((await client().complete({ messages })).text).toBe('Réponse [1].\n\tFin 😀.');
  });

  it('retries a 500 then succeeds', async () => {
    llm.setScript([{ status: 500 }, { status: 503, headers: { 'retry-after': '0' } }, { content: 'ok' }]);
    const before = llm.requests.length;
    const r = await client().complete({ messages });
    expect(r.text).toBe('ok');
    expect(r.attempts).toBe(3);
    expect(llm.requests.length - before).toBe(3);
  });

  it('backs off when the server gives no Retry-After (not a zero wait), and waits what a Retry-After asks', async () => {
    llm.setScript([{ status: 503 }, { content: 'ok' }]);
    let t0 = Date.now();
    expect((await client({ backoffMs: 400 }).complete({ messages })).attempts).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300); // 400 ms ± 25 % jitter
    llm.setScript([{ status: 429, headers: { 'retry-after': '1' } }, { content: 'ok' }]);
    t0 = Date.now();
    expect((await client({ backoffMs: 10 }).complete({ messages })).attempts).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after the retries with a clear error', async () => {
    llm.setScript({ status: 500, errorBody: { error: { message: 'CUDA out of memory' } } });
    await expect(client({ maxRetries: 1 }).complete({ messages })).rejects.toMatchObject({
      code: 'LLM_HTTP_ERROR',
      status: 502,
      message: expect.stringContaining('CUDA out of memory'),
    });
  });

  it('times out a server that never answers', async () => {
    llm.setScript({ hang: true });
    const t0 = Date.now();
    await expect(client({ timeoutMs: 1000, maxRetries: 1 }).complete({ messages })).rejects.toMatchObject({ code: 'LLM_TIMEOUT', status: 504 });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('times out a stream that sends only keep-alives and empty deltas, never a word', async () => {
    llm.setScript({ keepAliveOnlyMs: 100 });
    const t0 = Date.now();
    const before = llm.requests.length;
    await expect(client({ timeoutMs: 1000, maxRetries: 0 }).complete({ messages, onToken: () => {} })).rejects.toMatchObject({
      code: 'LLM_TIMEOUT',
      status: 504,
    });
    expect(Date.now() - t0).toBeLessThan(3000);
    await vi.waitFor(() => expect(llm.abandoned).toContain(before)); // the connection to the model is closed
  });

  it('ends a stream whose words keep coming past LLM_STREAM_MAX_MS, each within LLM_TIMEOUT_MS', async () => {
    const slow = 'Le préavis est d’un mois. '.repeat(20);
    llm.setScript({ content: slow, chunks: toChunks(slow, 2), chunkDelayMs: 200 });
    const deltas: string[] = [];
    const t0 = Date.now();
    await expect(client({ timeoutMs: 1000, streamMaxMs: 1500, maxRetries: 0 }).complete({ messages, onToken: (d) => deltas.push(d) })).rejects.toMatchObject({
      code: 'LLM_TIMEOUT',
      status: 504,
      message: expect.stringContaining('LLM_STREAM_MAX_MS'),
    });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(deltas.length).toBeGreaterThan(3); // words did arrive, each well within the wait allowed
  });

  it('does not retry bad credentials, and names the variable to check', async () => {
    const before = llm.requests.length;
    await expect(client({ apiKey: 'wrong' }).complete({ messages })).rejects.toMatchObject({
      code: 'LLM_AUTH_FAILED',
      message: expect.stringContaining('LLM_API_KEY'),
    });
    expect(llm.requests.length).toBe(before); // refused before the script runs
  });

  it('reports a stream cut after tokens were shown, without retrying', async () => {
    llm.setScript({ content: 'Une réponse assez longue pour plusieurs morceaux.', dropAfterChunks: 2 });
    const deltas: string[] = [];
    const before = llm.requests.length;
    await expect(client().complete({ messages, onToken: (d) => deltas.push(d) })).rejects.toMatchObject({ code: 'LLM_STREAM_INTERRUPTED' });
    expect(deltas.length).toBe(2);
    expect(llm.requests.length - before).toBe(1);
  });

  it('asks for LLM_MAX_TOKENS, and stops reading an answer that runs past them, streamed or not', async () => {
    llm.setScript({ content: 'Réponse [1].' });
    await client().complete({ messages });
    expect(llm.requests.at(-1)!.body.max_tokens).toBe(CONFIG_DEFAULTS.LLM_MAX_TOKENS);
    await client({ maxTokens: 64 }).complete({ messages, maxTokens: 32 });
    expect(llm.requests.at(-1)!.body.max_tokens).toBe(32);
    // a server that ignores max_tokens, or a model that does not stop: 64 tokens are read as 512 characters at most
    const runaway = 'Le préavis est d’un mois. '.repeat(400);
    llm.setScript({ content: runaway, chunks: toChunks(runaway, 50), chunkDelayMs: 1 });
    const deltas: string[] = [];
    const before = llm.requests.length;
    const streamed = client({ maxTokens: 64 }).complete({ messages, onToken: (d) => deltas.push(d) });
    await expect(streamed).rejects.toMatchObject({ code: 'LLM_ANSWER_TOO_LONG', status: 502 });
    expect(deltas.join('').length).toBeLessThanOrEqual(512);
    expect(llm.requests.length - before).toBe(1); // not retried
    await vi.waitFor(() => expect(llm.abandoned).toContain(before)); // the rest was not read
    llm.setScript({ content: runaway });
    await expect(client({ maxTokens: 64 }).complete({ messages })).rejects.toMatchObject({ code: 'LLM_ANSWER_TOO_LONG' });
    // within the budget, the same answer is read whole
    expect((await client({ maxTokens: 2048 }).complete({ messages })).text).toBe(runaway);
  });

  it('reports an unreachable server', async () => {
    await expect(
      new LlmClient({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 1000, maxRetries: 0 }).complete({ messages }),
    ).rejects.toMatchObject({ code: 'LLM_UNREACHABLE' });
  });
});
