/** The `cite` CLI. Each command lives in commands/<name>.ts and exports `register(program)`. */
import { Command } from 'commander';
import { isCiteError } from '@cite/core/errors.js';
import { terminalText } from './terminal-text.js';
/**
 * Each top-level command and the module that registers it, in the order help lists them. A module is
 * loaded when its command runs (or for the whole help): loading them all (the server, ingestion, retrieval)
 * took most of a second of every `cite` process.
 */
const COMMANDS = {
  start: () => import('./commands/start.js'),
  demo: () => import('./commands/demo.js'),
  migrate: () => import('./commands/migrate.js'),
  keys: () => import('./commands/keys.js'),
  data: () => import('./commands/data.js'),
  ingest: () => import('./commands/ingest.js'),
  reembed: () => import('./commands/reembed.js'),
  ask: () => import('./commands/ask.js'),
  crawl: () => import('./commands/crawl.js'),
  worker: () => import('./commands/worker.js'),
  search: () => import('./commands/search.js'),
  eval: () => import('./commands/eval.js'),
  mcp: () => import('./commands/mcp.js'),
} satisfies Record<string, () => Promise<{ register(program: Command): void }>>;

const isCommand = (name: string | undefined): name is keyof typeof COMMANDS => name !== undefined && Object.hasOwn(COMMANDS, name);

/**
 * The `cite` program (its `commands` are what the CLI accepts): with `only` a command's name, that command
 * alone; otherwise every command.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('cite')
    .description('Cité: retrieval and grounded answers with verifiable citations')
    .showHelpAfterError()
    .exitOverride();
  const names = isCommand(only) ? [only] : (Object.keys(COMMANDS) as Array<keyof typeof COMMANDS>);
  for (const module of await Promise.all(names.map((name) => COMMANDS[name]()))) module.register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // argv[2] is the command when it names one: only its module is loaded (help, options or a typo: all)
  const program = await buildProgram(argv[2]);
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
    // messages may quote a file name, a URL or an engine's words: shown as text, never as terminal controls
    process.stderr.write(`cite: ${e.code}: ${terminalText(e.message)}\n`);
  } else {
    process.stderr.write(`cite: ${(e as Error)?.stack ?? String(e)}\n`);
  }
  process.exit(1);
}
