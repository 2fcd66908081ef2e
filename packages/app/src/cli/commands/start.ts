import type { Command } from 'commander';
import { startEngine } from '../../server.js';
import { fail, stopOnSignal } from '../main.js';
import { cliConfig } from '../cli-context.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('Serve the API and the console (embedded mode also runs the crawler worker)')
    .option('--port <port>', 'HTTP port (default PORT or 8080)')
    .action(async (opts: { port?: string }) => {
      try {
        if (opts.port) process.env.PORT = opts.port;
        const engine = await startEngine({ config: cliConfig() });
        process.stdout.write(`Cité is listening on ${engine.url} (console: ${engine.url}/console, API docs: ${engine.url}/docs)\n`);
        stopOnSignal(() => engine.stop());
      } catch (e) {
        fail(e);
      }
    });
}
