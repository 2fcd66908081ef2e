import type { Command } from 'commander';
import { migrate } from '@cite/core/db/migrations.js';
import { openDatabase } from '@cite/core/db/open-database.js';
import { cliConfig } from '../cli-context.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const db = await openDatabase(cliConfig());
      try {
        const applied = await migrate(db);
        if (opts.json) process.stdout.write(`${JSON.stringify({ applied })}\n`);
        else process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Database is up to date.\n');
      } finally {
        await db.close();
      }
    });
}
