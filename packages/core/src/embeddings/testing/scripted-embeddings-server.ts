/**
 * A real OpenAI-compatible `/v1/embeddings` server on loopback for tests. It embeds with the hash
 * embedder (deterministic) and plays a script first: each queued step answers one request
 * (e.g. a 429 with Retry-After, a 500, a hang), then normal answers resume.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HashEmbedder } from '../hash-embedder.js';

export type ScriptStep =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hangMs: number };

export interface ScriptedServer {
  baseUrl: string;
  /** Requests received (inputs of each). */
  requests: { input: string[]; authorization?: string; model?: string }[];
  script: ScriptStep[];
  close(): Promise<void>;
}

export async function startScriptedEmbeddingsServer(dimension = 32): Promise<ScriptedServer> {
  const hash = new HashEmbedder(dimension);
  const state: ScriptedServer = { baseUrl: '', requests: [], script: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/embeddings' || req.method !== 'POST') {
        res.writeHead(404).end('not found');
        return;
      }
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { input: string[] | string; model?: string };
      const input = Array.isArray(body.input) ? body.input : [body.input];
      state.requests.push({ input, authorization: req.headers.authorization, model: body.model });
      const step = state.script.shift();
      if (step && 'hangMs' in step) {
        setTimeout(() => res.destroyed || res.end(), step.hangMs);
        return;
      }
      if (step) {
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers }).end(step.body ?? '{"error":"scripted"}');
        return;
      }
      // answers in reverse order with explicit indexes, as some servers do
      const data = input.map((t, index) => ({ object: 'embedding', index, embedding: Array.from(hash.embed(t)) })).reverse();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: body.model }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
