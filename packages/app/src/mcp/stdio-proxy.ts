/**
 * `cite mcp`: Cité's MCP tools over stdio, for desktop hosts that start a command rather than open a URL.
 * A relay to a running engine's POST /mcp: tools/list and tools/call go there with the API key, so the
 * tools, their rights and their answers are the engine's own, and this process holds no database and no
 * model. The engine's endpoint is stateless, so an engine restart or another replica changes nothing here.
 * What goes wrong between here and the engine (unreachable, refused key) becomes a message naming
 * CITE_URL or CITE_API_KEY: hosts show it to the user, who can fix it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { ZodError } from 'zod';

export interface EngineAddress {
  url: string;
  key: string;
}

/** How long one tool call may take: an answer from a slow model, not the SDK's 60 s default. */
const CALL_TIMEOUT_MS = 10 * 60_000;

export class EngineRelay {
  private client: Promise<Client> | undefined;

  constructor(private readonly engine: EngineAddress) {}

  async listTools() {
    try {
      return await (await this.connected()).listTools();
    } catch (e) {
      throw new McpError(ErrorCode.InternalError, this.explain(e));
    }
  }

  async callTool(params: { name: string; arguments?: Record<string, unknown> }, signal: AbortSignal): Promise<CallToolResult> {
    try {
      const client = await this.connected();
      return (await client.callTool(params, undefined, { signal, timeout: CALL_TIMEOUT_MS })) as CallToolResult;
    } catch (e) {
      return { content: [{ type: 'text', text: this.explain(e) }], isError: true };
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await (await client?.catch(() => undefined))?.close();
  }

  private connected(): Promise<Client> {
    this.client ??= this.connect();
    const pending = this.client;
    // a failed connection (engine down, bad key) is tried again on the next call
    pending.catch(() => {
      if (this.client === pending) this.client = undefined;
    });
    return pending;
  }

  private async connect(): Promise<Client> {
    const client = new Client({ name: 'cite-mcp-stdio', version: '0.1.0' });
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', `${this.engine.url}/`), {
      requestInit: { headers: { authorization: `Bearer ${this.engine.key}` } },
    });
    await client.connect(transport as Transport);
    return client;
  }

  /** The engine's refusal or the network failure, as a user fixes it. */
  private explain(e: unknown): string {
    const where = `Cité at ${this.engine.url} (CITE_URL)`;
    if (e instanceof StreamableHTTPError) {
      const body = engineError(e.message);
      if (e.code === 401) return `UNAUTHENTICATED: ${where} refused the API key (CITE_API_KEY): ${body?.message ?? 'invalid, revoked or expired'}`;
      if (e.code === 403) return `FORBIDDEN: ${where} refused the API key (CITE_API_KEY): ${body?.message ?? 'role too low'}`;
      if (body) return `${body.code}: ${body.message}`;
      return `ENGINE_ERROR: ${where} answered ${e.code ?? 'an error'}: ${e.message}`;
    }
    if (e instanceof McpError) return `ENGINE_ERROR: ${e.message}`;
    const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
    if (e instanceof TypeError || cause?.code) {
      return `ENGINE_UNREACHABLE: cannot reach ${where}: ${cause?.code ?? cause?.message ?? (e as Error).message}. Is the engine running (cite start)?`;
    }
    return `ENGINE_ERROR: ${(e as Error)?.message ?? String(e)}`;
  }
}

/** The API's error body inside the SDK's "Error POSTing to endpoint: <body>" message, when there is one. */
function engineError(message: string): { code: string; message: string } | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const body = JSON.parse(message.slice(start)) as { code?: unknown; message?: unknown };
    return typeof body.code === 'string' && typeof body.message === 'string' ? { code: body.code, message: body.message } : undefined;
  } catch {
    return undefined;
  }
}

/** Serves the engine's tools on stdin/stdout until the host closes the pipe. */
export async function serveStdio(engine: EngineAddress): Promise<void> {
  const relay = new EngineRelay(engine);
  // Server, not McpServer: the tools are the engine's, relayed as they are, not registered here
  const server = new Server(
    { name: 'cite', version: '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions: 'Cité searches official French public-sector sources and answers with citations: prefer answer for questions, search and get_document to explore.',
    },
  );
  const inFlight = new Set<Promise<unknown>>();
  const tracked = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    work.then(done, done);
    return work;
  };
  server.setRequestHandler(ListToolsRequestSchema, () => tracked(relay.listTools()));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => tracked(relay.callTool(request.params, extra.signal)));
  const transport = new StdioServerTransport();
  // The SDK's reader drops a line it cannot take and only tells onerror; JSON-RPC 2.0 wants it answered (a host
  // would otherwise wait for it forever), and the lines after it are still read.
  transport.onerror = (error) => {
    const refusal = unreadableLineAnswer(error);
    if (refusal) void transport.send(refusal);
  };
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // The SDK's stdio transport does not watch for the end of input: a host that closes the pipe ends us, once
  // what it asked before is answered (a script piping its calls then closing got only the first answer).
  process.stdin.once('end', () => void settled(inFlight).then(() => server.close()));
  await server.connect(transport);
  await closed;
  await relay.close();
}

/**
 * JSON-RPC's answer to a line the SDK's stdio reader refused: JSON.parse threw (not JSON), or the message schema
 * did (JSON, but no request, notification or response). Its id is null, as JSON-RPC 2.0 requires when the id
 * could not be read. Any other error (stdin failing, a handler's) is not about a line: undefined.
 */
export function unreadableLineAnswer(error: Error): JSONRPCMessage | undefined {
  const refusal = (code: number, message: string) =>
    // the SDK's message type has no null id, which JSON-RPC's answer to an unreadable line needs
    ({ jsonrpc: '2.0', id: null, error: { code, message } }) as unknown as JSONRPCMessage;
  if (error instanceof SyntaxError) return refusal(ErrorCode.ParseError, 'Parse error');
  if (error instanceof ZodError) return refusal(ErrorCode.InvalidRequest, 'Invalid Request');
  return undefined;
}

/** Once every request in `inFlight` (and any its lines started meanwhile) is answered and written. */
async function settled(inFlight: Set<Promise<unknown>>): Promise<void> {
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  await tick(); // the last lines' handlers start in the turn that read them
  while (inFlight.size) await Promise.allSettled([...inFlight]);
  await tick(); // each answer is written in the turn after its handler settles
}
