/**
 * POST /mcp through the SDK's own client against a real engine on loopback: the four tools, the
 * collection limit of the key (search, answer, get_document, list_collections), a bad key (401 with the
 * API's error body), tool arguments refused as tool errors, the body limit, 405 on GET, the OpenAPI entry.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';
import { connectMcp, PUBLIC_URL, SECRET_QUOTE, SECRET_URL, seedMcpCorpus, type McpCorpus } from './mcp-test-corpus.js';


const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

interface SearchData {
  results: Array<{ document: { id: number; url: string; title: string }; text: string }>;
}
interface AnswerData {
  answer: string;
  abstained: boolean;
  citations: Array<{ n: number; title: string; url: string; link: string; quote: string; document_id: number }>;
}

for (const mode of availableModes()) {
  describe(`MCP over Streamable HTTP [${mode}]`, () => {
    let e: TestEngine;
    let corpus: McpCorpus;
    let open: Client;
    let limited: Client;

    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      corpus = await seedMcpCorpus(e);
      open = await connectMcp(e.url, e.keys.agent);
      limited = await connectMcp(e.url, corpus.limitedKey);
    });
    afterAll(async () => {
      await open?.close();
      await limited?.close();
      await e?.stop();
    });

    it('lists the four tools with their input schemas', async () => {
      const { tools } = await open.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['answer', 'get_document', 'list_collections', 'search']);
      const search = tools.find((t) => t.name === 'search')!;
      expect(Object.keys(search.inputSchema.properties ?? {}).sort()).toEqual(['collections', 'k', 'query']);
      expect(search.inputSchema.required).toEqual(['query']);
    });

    it('search: an unrestricted key finds both collections; the limited key never sees the other, even by name', async () => {
      const all = await call(open, 'search', { query: 'protocole Zorglub congés payés', k: 10 });
      expect(all.isError).toBeFalsy();
      expect((all.structuredContent as unknown as SearchData).results.map((r) => r.document.url)).toContain(SECRET_URL);
      expect(textOf(all)).toContain(SECRET_URL);

      const mine = await call(limited, 'search', { query: 'protocole Zorglub congés payés', k: 10 });
      expect(mine.isError).toBeFalsy();
      const urls = (mine.structuredContent as unknown as SearchData).results.map((r) => r.document.url);
      expect(urls).toEqual([PUBLIC_URL]);
      expect(JSON.stringify(mine)).not.toContain(SECRET_QUOTE);

      const named = await call(limited, 'search', { query: 'protocole Zorglub', collections: ['confidentiel'] });
      expect(named.isError).toBe(true);
      expect(textOf(named)).toMatch(/^COLLECTION_NOT_FOUND: .*"confidentiel"/);
      expect(textOf(named)).not.toContain(SECRET_URL);
      const byId = await call(limited, 'search', { query: 'protocole Zorglub', collections: [corpus.secretCollection] });
      expect(textOf(byId)).toMatch(/^COLLECTION_NOT_FOUND/);
    });

    it('answer: text with [n] markers and citations (title, link, quote); the limited key never cites the other collection', async () => {
      const res = await call(open, 'answer', { question: 'Combien de jours de congés payés par mois de travail ?' });
      expect(res.isError).toBeFalsy();
      const data = res.structuredContent as unknown as AnswerData;
      expect(data.abstained).toBe(false);
      expect(data.answer).toMatch(/\[1\]/);
      expect(data.citations[0]).toMatchObject({ n: 1, title: 'Congés payés du salarié', url: PUBLIC_URL });
      expect(data.citations[0]!.link.startsWith(PUBLIC_URL)).toBe(true);
      expect(data.citations[0]!.quote).toContain('2,5 jours ouvrables');
      expect(textOf(res)).toContain(`[1] Congés payés du salarié — ${data.citations[0]!.link}`);

      const secret = await call(open, 'answer', { question: 'Que prévoit le protocole Zorglub pour les congés payés ?' });
      expect((secret.structuredContent as unknown as AnswerData).citations.map((c) => c.url)).toContain(SECRET_URL);
      const refused = await call(limited, 'answer', { question: 'Que prévoit le protocole Zorglub pour les congés payés ?' });
      expect(refused.isError).toBeFalsy();
      expect(JSON.stringify(refused)).not.toContain(SECRET_URL);
      expect(JSON.stringify(refused)).not.toContain(SECRET_QUOTE);
    });

    it('get_document: title, URL, text and passages with locators; another collection\'s document is not found', async () => {
      const res = await call(limited, 'get_document', { id: corpus.publicDocument });
      expect(res.isError).toBeFalsy();
      const doc = res.structuredContent as { title: string; url: string; text: string; passages: Array<{ heading_path: string[]; locator: object }> };
      expect(doc.title).toBe('Congés payés du salarié');
      expect(doc.url).toBe(PUBLIC_URL);
      expect(doc.text).toContain('2,5 jours ouvrables');
      expect(doc.passages[0]!.heading_path).toEqual(['Congés payés du salarié', 'Durée des congés']);
      expect(doc.passages[0]!.locator).toBeTypeOf('object');

      const hidden = await call(limited, 'get_document', { id: corpus.secretDocument });
      expect(hidden.isError).toBe(true);
      expect(textOf(hidden)).toBe(`DOCUMENT_NOT_FOUND: No document with id ${corpus.secretDocument}`);
      const unknown = await call(limited, 'get_document', { id: 987654 });
      expect(textOf(unknown)).toBe('DOCUMENT_NOT_FOUND: No document with id 987654');
      // the unrestricted key reads it: the refusal above is the limit, not a broken tool
      const seen = await call(open, 'get_document', { id: corpus.secretDocument });
      expect((seen.structuredContent as { url: string }).url).toBe(SECRET_URL);
    });

    it('list_collections: only the collections the key may read', async () => {
      const all = (await call(open, 'list_collections')).structuredContent as { collections: Array<{ name: string; documents: number }> };
      expect(all.collections.map((c) => c.name)).toEqual(['confidentiel', 'public']);
      const mine = await call(limited, 'list_collections');
      expect(mine.structuredContent).toEqual({
        collections: [{ id: corpus.publicCollection, name: 'public', description: 'Collection public', documents: 1 }],
      });
      expect(textOf(mine)).not.toContain('confidentiel');
    });

    it('refuses invalid tool arguments as tool errors that name the argument', async () => {
      const big = await call(open, 'search', { query: 'congés', k: 1000 });
      expect(big.isError).toBe(true);
      expect(textOf(big)).toMatch(/Input validation error.*k/s);
      const empty = await call(open, 'answer', { question: '   ' });
      expect(empty.isError).toBe(true);
      expect(textOf(empty)).toContain('the question is empty');
    });

    it('a bad key: 401 with the API error body, and the SDK client cannot connect', async () => {
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
      const res = await e.fetch('/mcp', { key: 'cite_not-a-real-key', body: initialize, headers: { accept: 'application/json, text/event-stream' } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Invalid, revoked or expired API key' });
      const none = await e.fetch('/mcp', { role: null, body: initialize });
      expect(none.status).toBe(401);
      const failed = connectMcp(e.url, 'cite_not-a-real-key');
      await expect(failed).rejects.toBeInstanceOf(StreamableHTTPError);
      await expect(failed).rejects.toMatchObject({ code: 401 });
    });

    it('stateless: GET and DELETE answer 405; a body over BODY_LIMIT answers 413; the route is in the OpenAPI document', async () => {
      const get = await e.fetch('/mcp', { role: 'agent', headers: { accept: 'text/event-stream' } });
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
      expect(((await get.json()) as { code: string }).code).toBe('METHOD_NOT_ALLOWED');
      expect((await e.fetch('/mcp', { method: 'DELETE', role: 'agent' })).status).toBe(405);

      const huge = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search', arguments: { query: 'x'.repeat(2_000_000) } } };
      const tooLarge = await e.fetch('/mcp', { role: 'agent', body: huge, headers: { accept: 'application/json, text/event-stream' } });
      expect(tooLarge.status).toBe(413);
      expect(((await tooLarge.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');

      const notRpc = await e.fetch('/mcp', { role: 'agent', body: { hello: 'world' }, headers: { accept: 'application/json, text/event-stream' } });
      expect(notRpc.status).toBe(400);
      expect(((await notRpc.json()) as { code: string }).code).toBe('VALIDATION_FAILED');

      const openapi = (await (await e.fetch('/openapi.json', { role: null })).json()) as { paths: Record<string, Record<string, unknown>> };
      expect(Object.keys(openapi.paths['/mcp'] ?? {})).toContain('post');
    });
  });
}
