/**
 * POST /mcp: Cité as a Model Context Protocol server (Streamable HTTP), authenticated like the API.
 *
 * Stateless, one JSON response per request: each POST gets a fresh server and transport that know the
 * caller, and nothing outlives the request. Every tool is a plain request and answer, so sessions would
 * buy nothing but state to share between replicas; stateless, any engine replica behind a load balancer
 * serves any request, with no sticky routing. Hence no server-to-client stream: GET and DELETE /mcp
 * answer 405, which MCP clients read as "no stream, no session to end".
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Response } from 'express';
import { z } from 'zod';
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { registerCiteTools } from './mcp-tools.js';

const jsonRpcMessage = z
  .looseObject({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.string(), z.number()]).optional(),
    method: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('A JSON-RPC 2.0 message of the Model Context Protocol (initialize, tools/list, tools/call…)');
const mcpBody = z.union([jsonRpcMessage, z.array(jsonRpcMessage).min(1).max(100)]);

const notAllowed = ({ res }: { res: Response }) => {
  res.set('Allow', 'POST');
  throw new CiteError(
    'METHOD_NOT_ALLOWED',
    'This MCP endpoint is stateless: send each JSON-RPC message with POST /mcp (no server-sent stream, no session to end)',
    { status: 405 },
  );
};

export const mcpRoutes = [
  defineRoute({
    method: 'post',
    path: '/mcp',
    access: 'agent',
    summary: 'Model Context Protocol (Streamable HTTP, stateless, JSON responses): tools search, answer, get_document, list_collections',
    tags: ['mcp'],
    body: mcpBody,
    raw: true,
    // the answer tool runs as long as POST /v1/answers may
    longRunning: true,
    // each message of a batch is a request of its own (a search, an answer): each counts against the key's limit
    rateCost: (body) => (Array.isArray(body) ? body.length : 1),
    handler: async ({ app, caller, signal, log, req, res }) => {
      const server = new McpServer({ name: 'cite', version: '0.1.0' });
      registerCiteTools(server, { app, caller: caller!, signal, log });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      // the body as sent: the route's schema checked its shape, the transport reads the messages
      await transport.handleRequest(req, res, req.body);
    },
  }),
  defineRoute({ method: 'get', path: '/mcp', access: 'agent', summary: 'Not available: the MCP endpoint is stateless (405)', tags: ['mcp'], handler: notAllowed }),
  defineRoute({ method: 'delete', path: '/mcp', access: 'agent', summary: 'Not available: the MCP endpoint is stateless (405)', tags: ['mcp'], handler: notAllowed }),
];
