/**
 * `cite mcp` spawned as a desktop host would (through the SDK's stdio client), relaying to a real engine
 * on loopback: the engine's tools with the key's collection limit, a clear error for a bad key or an
 * engine that is not there, and a clear refusal to start without CITE_URL / CITE_API_KEY.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_URL, SECRET_QUOTE, SECRET_URL, seedMcpCorpus, type McpCorpus } from '../../mcp/mcp-test-corpus.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../../testing/engine.js';

const run = promisify(execFile);
const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/cite.mjs');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-mcp-cli-'));

/** What a host's config gives the command: the engine and the key, nothing of the test's own environment. */
function hostEnv(url: string, key: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: os.homedir(), DATA_DIR: dataDir, LOG_LEVEL: 'silent', CITE_URL: url, CITE_API_KEY: key };
}

async function spawnCiteMcp(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'desktop-host', version: '0.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CITE, 'mcp'], env: hostEnv(url, key), stderr: 'pipe' }));
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

for (const mode of availableModes()) {
  // each test starts `cite mcp` through tsx: tens of seconds on a loaded machine
  describe(`cite mcp (stdio) [${mode}]`, { timeout: 180_000 }, () => {
    let e: TestEngine;
    let corpus: McpCorpus;
    const clients: Client[] = [];
    const spawned = async (url: string, key: string) => {
      const c = await spawnCiteMcp(url, key);
      clients.push(c);
      return c;
    };

    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      corpus = await seedMcpCorpus(e);
    });
    afterAll(async () => {
      for (const c of clients) await c.close();
      await e?.stop();
    });

    it("relays the engine's tools within the key's collections", async () => {
      const host = await spawned(e.url, corpus.limitedKey);
      const { tools } = await host.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['answer', 'get_document', 'list_collections', 'search']);

      const collections = await call(host, 'list_collections');
      expect((collections.structuredContent as { collections: Array<{ name: string }> }).collections.map((c) => c.name)).toEqual(['public']);

      const search = await call(host, 'search', { query: 'protocole Zorglub congés payés', k: 10 });
      expect(search.isError).toBeFalsy();
      expect((search.structuredContent as { results: Array<{ document: { url: string } }> }).results.map((r) => r.document.url)).toEqual([PUBLIC_URL]);
      expect(JSON.stringify(search)).not.toContain(SECRET_QUOTE);

      const answer = await call(host, 'answer', { question: 'Combien de jours de congés payés par mois de travail ?' });
      expect(answer.isError).toBeFalsy();
      expect(textOf(answer)).toMatch(/\[1\]/);
      expect((answer.structuredContent as { citations: Array<{ url: string; quote: string }> }).citations[0]).toMatchObject({ url: PUBLIC_URL });

      const hidden = await call(host, 'get_document', { id: corpus.secretDocument });
      expect(hidden.isError).toBe(true);
      expect(textOf(hidden)).toBe(`DOCUMENT_NOT_FOUND: No document with id ${corpus.secretDocument}`);
      expect(JSON.stringify(hidden)).not.toContain(SECRET_URL);
    });

    it('a bad key: listing fails and tool calls answer with an error naming CITE_API_KEY', async () => {
      const host = await spawned(e.url, 'cite_not-a-real-key');
      await expect(host.listTools()).rejects.toThrow(/UNAUTHENTICATED: .*refused the API key \(CITE_API_KEY\): Invalid, revoked or expired API key/);
      const res = await call(host, 'search', { query: 'congés' });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/^UNAUTHENTICATED: Cité at http:\/\/127\.0\.0\.1:\d+ \(CITE_URL\) refused the API key \(CITE_API_KEY\)/);
    });

    it('an engine that is not there: a tool error naming CITE_URL', async () => {
      const host = await spawned('http://127.0.0.1:9', e.keys.agent);
      const res = await call(host, 'list_collections');
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/^ENGINE_UNREACHABLE: cannot reach Cité at http:\/\/127\.0\.0\.1:9 \(CITE_URL\)/);
    });

    it('answers every call a host piped before closing its input, then exits', async () => {
      const child = spawn(process.execPath, [CITE, 'mcp'], { env: hostEnv(e.url, e.keys.agent), stdio: ['pipe', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const lines = [
        { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'script', version: '0' } } },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        ...[1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'search', arguments: { query: 'congé' } } })),
      ];
      child.stdin.end(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      expect(await exited).toBe(0);
      const answers = out.trim().split('\n').map((l) => JSON.parse(l) as { id: number; result?: { isError?: boolean } });
      expect(answers.map((a) => a.id).sort()).toEqual([0, 1, 2, 3]);
      expect(answers.filter((a) => a.id > 0).every((a) => a.result && !a.result.isError)).toBe(true);
    });

    it('answers a line not JSON with -32700, JSON that is no message with -32600, then serves on', async () => {
      const child = spawn(process.execPath, [CITE, 'mcp'], {
        env: hostEnv(e.url, e.keys.agent),
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const initialize = {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'script', version: '0' } },
      };
      const params = { name: 'search', arguments: { query: 'protocole Zorglub congés payés', k: 10 } };
      const search = { jsonrpc: '2.0', id: 1, method: 'tools/call', params };
      const invalid = ['[]', '42', '"tools/list"', '{"jsonrpc":"2.0","method":7}', '{"id":2,"method":"tools/list"}'];
      const lines = [
        JSON.stringify(initialize),
        JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        '{"jsonrpc":"2.0","id":3,"method":"tools/list"',
        ...invalid,
        JSON.stringify(search),
      ];
      child.stdin.end(lines.join('\n') + '\n');
      expect(await exited).toBe(0);
      const answers = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const refusal = (code: number, message: string) => ({ jsonrpc: '2.0', id: null, error: { code, message } });
      expect(answers.filter((a) => a.id === null)).toEqual([
        refusal(-32700, 'Parse error'),
        ...invalid.map(() => refusal(-32600, 'Invalid Request')),
      ]);
      type Searched = { result?: { isError?: boolean; structuredContent?: { results: Array<{ document: { url: string } }> } } };
      const searched = answers.find((a) => a.id === 1) as Searched | undefined;
      // the call after the refused lines was served, and found what the engine holds
      expect(searched?.result?.isError).toBeFalsy();
      expect(searched?.result?.structuredContent?.results.map((r) => r.document.url)).toContain(PUBLIC_URL);
      expect(answers).toHaveLength(2 + 1 + invalid.length);
    });

    it('without CITE_URL and CITE_API_KEY (and no local engine): exits 1 with what to set', async () => {
      const env = { ...hostEnv('', ''), DATA_DIR: path.join(dataDir, 'empty') };
      const failed = run(process.execPath, [CITE, 'mcp'], { env });
      await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/ENGINE_NOT_CONFIGURED: .*CITE_URL.*CITE_API_KEY/) });
    });
  });
}
