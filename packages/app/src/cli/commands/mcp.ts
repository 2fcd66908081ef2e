/**
 * `cite mcp`: Cité's MCP tools (search, answer, get_document, list_collections) on stdin/stdout, for
 * desktop MCP hosts. Talks to a running engine: CITE_URL and CITE_API_KEY, or, in embedded mode, the
 * local `cite start` of this DATA_DIR. Nothing but MCP messages may go to stdout.
 */
import type { Command } from 'commander';
import { CiteError } from '@cite/core/errors.js';
import { serveStdio } from '../../mcp/stdio-proxy.js';
import { remoteEngine } from '../cli-context.js';

export function register(program: Command): void {
  program
    .command('mcp')
    .description('Serve the MCP tools over stdio for desktop MCP hosts, relaying to a running engine (CITE_URL, CITE_API_KEY)')
    .action(async () => {
      const engine = remoteEngine();
      if (!engine) {
        throw new CiteError(
          'ENGINE_NOT_CONFIGURED',
          'cite mcp relays to a running engine: set CITE_URL (e.g. http://localhost:8080) and CITE_API_KEY (a key from `cite keys create --role agent --name …`)',
          { status: 400 },
        );
      }
      await serveStdio(engine);
    });
}
