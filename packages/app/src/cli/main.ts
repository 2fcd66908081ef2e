/** The `cite` CLI. Each command lives in commands/<name>.ts and exports `register(program)`. */
import { Command } from 'commander';
import { isCiteError } from '@cite/core/errors.js';
import * as ask from './commands/ask.js';
import * as data from './commands/data.js';
import * as demo from './commands/demo.js';
import * as ingest from './commands/ingest.js';
import * as keys from './commands/keys.js';
import * as mcp from './commands/mcp.js';
import * as migrate from './commands/migrate.js';
import * as reembed from './commands/reembed.js';
import * as search from './commands/search.js';
import * as evalCommand from './commands/eval.js';
import * as start from './commands/start.js';
import * as crawl from './commands/crawl.js';
import * as worker from './commands/worker.js';

const commands: Array<{ register(program: Command): void }> = [start, demo, migrate, keys, data, ingest, reembed, ask, crawl, worker, search, evalCommand, mcp];

/** The `cite` program with every command registered (its `commands` are what the CLI accepts). */
export function buildProgram(): Command {
  const program = new Command('cite')
    .description('Cité: retrieval and grounded answers with verifiable citations')
    .showHelpAfterError()
    .exitOverride();
  for (const c of commands) c.register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
    fail(e);
  }
}

/**
 * The long-running commands (start, worker, demo) stop on SIGTERM or SIGINT: `stop` once, however many
 * signals come, then exit 0, or print its error and exit 1.
 */
export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (e) => fail(e),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** Prints an error the way a user should see it (code + message, no stack) and exits non-zero. */
export function fail(e: unknown): never {
  if (isCiteError(e)) {
    process.stderr.write(`cite: ${e.code}: ${e.message}\n`);
  } else {
    process.stderr.write(`cite: ${(e as Error)?.stack ?? String(e)}\n`);
  }
  process.exit(1);
}
