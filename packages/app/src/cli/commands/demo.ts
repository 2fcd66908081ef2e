/**
 * `cite demo` (`npm run demo`): `cite start` with the bundled demo corpus (demo/) loaded once into the
 * collection demo/questions.json names, in the configured database (embedded: DATA_DIR, default ./data,
 * so that the CLI commands it suggests reach this engine without any setting). Loading happens before
 * the engine listens, while this process alone holds the database; later starts reuse the collection
 * (see load-demo.ts); a running `cite start` holds the embedded database, and the demo then stops with
 * DATA_DIR_LOCKED. Prints the admin key on a first start, as `cite start` does, then where to go and
 * what to ask.
 */
import type { Command } from 'commander';
import { readDemoQuestions, demoFilePaths } from '../../demo/demo-corpus.js';
import { demoBanner } from '../../demo/demo-banner.js';
import { loadDemo } from '../../demo/load-demo.js';
import type { Database } from '@cite/core/db/database.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openDatabase } from '@cite/core/db/open-database.js';
import { createEmbedder } from '@cite/core/embeddings/create-embedder.js';
import { startEngine } from '../../server.js';
import { cliConfig } from '../cli-context.js';
import { indexingProgress } from '../ingest-progress.js';
import { fail, stopOnSignal } from '../main.js';
import { cliLogger } from './ingest.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('Serve the engine with the bundled demo corpus loaded (once) and print questions to try')
    .option('--port <port>', 'HTTP port (default PORT or 8080)')
    .action(async (opts: { port?: string }) => {
      let db: Database | undefined;
      try {
        if (opts.port) process.env.PORT = opts.port;
        const cfg = cliConfig();
        const questions = readDemoQuestions();
        db = await openDatabase(cfg);
        await migrate(db);
        const embedder = await createEmbedder(cfg, cliLogger(cfg, 'demo'));
        const progress = indexingProgress(process.stderr);
        let load;
        try {
          process.stderr.write(`Demo corpus: checking the collection "${questions.collection}" (loaded on the first start only)…\n`);
          load = await loadDemo(db, embedder, { collection: questions.collection, files: demoFilePaths(), config: cfg, onProgress: progress.update });
        } finally {
          progress.stop();
          await embedder.close?.();
        }
        const engine = await startEngine({ config: cfg, db });
        process.stdout.write(`${demoBanner(engine.url, questions.collection, load, questions)}\n`);
        const opened = db;
        stopOnSignal(async () => {
          await engine.stop();
          await opened.close();
        });
      } catch (e) {
        await db?.close().catch(() => {});
        fail(e);
      }
    });
}
