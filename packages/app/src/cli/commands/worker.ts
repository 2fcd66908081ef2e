/**
 * `cite worker`: a standalone background worker (crawls, scheduled recrawls, evaluation runs) against the
 * PostgreSQL server. Run as many as needed, on as many machines: they coordinate through Postgres only.
 */
import type { Command } from 'commander';
import { startBackground } from '@cite/core/background.js';
import { backgroundParts } from '../../background-parts.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openDatabase } from '@cite/core/db/open-database.js';
import { CiteError } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { logger } from '@cite/core/observability/logger.js';
import { cliConfig } from '../cli-context.js';
import { fail, stopOnSignal } from '../main.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run a crawler/background worker against DATABASE_URL (embedded mode runs it inside `cite start`)')
    .option('--concurrency <n>', 'URLs fetched at once by this worker (default CRAWLER_CONCURRENCY)')
    .action(async (opts: { concurrency?: string }) => {
      try {
        let cfg = cliConfig();
        if (!cfg.DATABASE_URL) {
          throw new CiteError(
            'WORKER_NEEDS_SERVER',
            '`cite worker` needs a PostgreSQL server (DATABASE_URL). With the embedded database the worker runs inside `cite start`.',
          );
        }
        if (opts.concurrency !== undefined) {
          const n = Number(opts.concurrency);
          if (!Number.isInteger(n) || n < 1 || n > 256) throw new CiteError('INVALID_OPTION', '--concurrency takes a whole number between 1 and 256');
          cfg = { ...cfg, CRAWLER_CONCURRENCY: n };
        }
        const db = await openDatabase(cfg);
        await migrate(db);
        const app: AppContext = { db, config: cfg, log: logger(), services: new Map() };
        const stop = await startBackground(app, await backgroundParts());
        app.log.info({ pid: process.pid }, 'worker started');
        stopOnSignal(async () => {
          await stop();
          await db.close();
        });
      } catch (e) {
        fail(e);
      }
    });
}
