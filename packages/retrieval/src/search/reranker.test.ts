import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReranker, createReranker } from './reranker.js';

describe('HttpReranker (/rerank API)', () => {
  let server: http.Server;
  let base: string;
  const seen: unknown[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { model: string; query: string; documents: string[] };
        seen.push({ path: req.url, auth: req.headers.authorization, ...parsed });
        if (parsed.model === 'broken') return res.writeHead(500).end('{}');
        if (parsed.model === 'partial') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"index":0,"relevance_score":1}]}');
        // scores: passages mentioning the query word first, answered out of order as such servers do
        const results = parsed.documents
          .map((d, index) => ({ index, relevance_score: d.includes(parsed.query) ? 0.9 : 0.1 + index / 100 }))
          .sort((a, b) => b.relevance_score - a.relevance_score);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('returns one score per passage in input order', async () => {
    const reranker = new HttpReranker(base, 'bge-reranker', 'secret');
    const scores = await reranker.rerank('préavis', ['congés payés', 'le préavis de démission', 'télétravail']);
    expect(scores).toEqual([0.1, 0.9, expect.closeTo(0.12, 9)]);
    expect(seen.at(-1)).toMatchObject({ path: '/v1/rerank', auth: 'Bearer secret', model: 'bge-reranker', query: 'préavis' });
    expect(await reranker.rerank('x', [])).toEqual([]);
  });

  it('turns server failures into CiteErrors', async () => {
    await expect(new HttpReranker(base, 'broken').rerank('q', ['a'])).rejects.toMatchObject({ code: 'RERANKER_FAILED', retryable: true });
    await expect(new HttpReranker(base, 'partial').rerank('q', ['a', 'b'])).rejects.toMatchObject({ code: 'RERANKER_FAILED' });
    await expect(new HttpReranker('http://127.0.0.1:1/v1', 'm').rerank('q', ['a'])).rejects.toMatchObject({ code: 'RERANKER_UNAVAILABLE' });
  });

  it('is off unless configured, and needs a base URL for openai:', async () => {
    const cfg = { SEARCH_RERANKER: '', DATA_DIR: 'memory://', MODELS_ALLOW_DOWNLOAD: false } as const;
    expect(await createReranker(cfg)).toBeNull();
    await expect(createReranker({ ...cfg, SEARCH_RERANKER: 'openai:m' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect((await createReranker({ ...cfg, SEARCH_RERANKER: 'openai:m', EMBEDDINGS_BASE_URL: base }))!.id).toBe('openai:m');
  });
});
