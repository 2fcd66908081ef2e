/**
 * A scripted OpenAI-compatible chat server on loopback, for tests: `/v1/chat/completions`
 * (streamed or not) and `/v1/models`. Each request is answered by the script: a fixed reply, a
 * list consumed in order (the last one repeats), or a function of the request. Replies can be
 * slow, hang, fail with an HTTP status, or cut the stream, to exercise clients' error handling.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  stream: boolean;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

export interface ScriptedReply {
  /** The assistant's text. */
  content?: string;
  /** Stream deltas; default: `content` cut into small pieces. */
  chunks?: string[];
  /** Answer this HTTP status with an error body instead. */
  status?: number;
  errorBody?: unknown;
  headers?: Record<string, string>;
  /** Wait before answering (headers included). */
  delayMs?: number;
  /** Wait between stream chunks. */
  chunkDelayMs?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Streamed: after the headers, only SSE comments and empty deltas, this many ms apart, never a word nor an end. */
  keepAliveOnlyMs?: number;
  /** Close the connection after this many stream chunks, without [DONE]. */
  dropAfterChunks?: number;
  model?: string;
}

export type ScriptStep = ScriptedReply | ((request: ScriptedRequest, index: number) => ScriptedReply | Promise<ScriptedReply>);
export type Script = ScriptStep | ScriptStep[];

export interface ScriptedLlm {
  /** Base URL to use as LLM_BASE_URL, ending in /v1. */
  baseUrl: string;
  requests: ScriptedRequest[];
  /** Indexes (into `requests`) of the requests whose client closed the connection before the reply was complete. */
  abandoned: number[];
  setScript(script: Script): void;
  close(): Promise<void>;
}

/** Cuts text into deltas of a few characters, as real servers stream tokens. */
export function toChunks(text: string, size = 7): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startScriptedLlm(script: Script, options: { apiKey?: string } = {}): Promise<ScriptedLlm> {
  let steps: ScriptStep[] = Array.isArray(script) ? script : [script];
  let served = 0;
  const requests: ScriptedRequest[] = [];
  const abandoned: number[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = req.url ?? '';
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'invalid api key' } }));
      return;
    }
    if (req.method === 'GET' && url.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'scripted', object: 'model', created: 0, owned_by: 'test' }] }));
      return;
    }
    if (req.method !== 'POST' || !url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const request: ScriptedRequest = {
      model: String(body.model ?? ''),
      messages: (body.messages as ScriptedRequest['messages']) ?? [],
      stream: body.stream === true,
      body,
      headers: req.headers,
    };
    requests.push(request);
    const index = served++;
    res.on('close', () => {
      if (!res.writableFinished) abandoned.push(requests.indexOf(request));
    });
    const step = steps[Math.min(index, steps.length - 1)];
    const reply = typeof step === 'function' ? await step(request, index) : step;

    if (reply.hang) return; // the socket stays open until the client gives up or close()
    if (reply.delayMs) await wait(reply.delayMs);
    if (reply.status && reply.status >= 400) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.errorBody ?? { error: { message: `scripted failure ${reply.status}` } }));
      return;
    }
    const content = reply.content ?? '';
    const model = reply.model ?? request.model ?? 'scripted';
    const id = `chatcmpl-scripted-${index}`;
    if (!request.stream) {
      res.writeHead(200, { 'content-type': 'application/json', ...reply.headers });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: content.length, total_tokens: 10 + content.length },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
    const send = (delta: Record<string, unknown>, finish: string | null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    send({ role: 'assistant', content: '' }, null);
    if (reply.keepAliveOnlyMs) {
      for (let i = 0; !res.destroyed; i++) {
        await wait(reply.keepAliveOnlyMs);
        if (res.destroyed) break;
        if (i % 2) res.write(': keep-alive\n\n');
        else send({ content: '' }, null);
      }
      return;
    }
    const parts = reply.chunks ?? toChunks(content);
    for (let i = 0; i < parts.length; i++) {
      if (reply.dropAfterChunks !== undefined && i >= reply.dropAfterChunks) {
        await wait(30); // let the chunks already written reach the client first
        res.socket?.destroy();
        return;
      }
      if (reply.chunkDelayMs) await wait(reply.chunkDelayMs);
      if (res.destroyed) return;
      send({ content: parts[i] }, null);
    }
    send({}, 'stop');
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 10, completion_tokens: parts.length, total_tokens: 10 + parts.length } })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    abandoned,
    setScript(next: Script) {
      steps = Array.isArray(next) ? next : [next];
      served = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
