/**
 * `cite reembed [--json] [--batch-size N]`: re-embeds every chunk with the configured embedding model
 * (EMBEDDINGS), changing the vector column's dimension when needed. Resumable: run it again after an
 * interruption and it goes on with the chunks that have no vector yet.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { reembed } from '@cite/index/reembed.js';
import { createEmbedder } from '@cite/core/embeddings/create-embedder.js';
import { badRequest, CiteError } from '@cite/core/errors.js';
import { cliConfig, remoteEngine, withDatabase } from '../cli-context.js';
import { cliLogger } from './ingest.js';

export function register(program: Command): void {
  program
    .command('reembed')
    .description('Re-embed every chunk with the configured embedding model (after changing EMBEDDINGS)')
    .option('--batch-size <n>', 'chunks per batch', '256')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { batchSize: string; json?: boolean }) => {
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
        throw badRequest('INVALID_BATCH_SIZE', '--batch-size takes a whole number between 1 and 10000');
      }
      const cfg = cliConfig();
      if (!cfg.DATABASE_URL && remoteEngine(cfg)) {
        throw new CiteError(
          'DATA_DIR_LOCKED',
          `A running Cité engine holds the embedded database in ${cfg.DATA_DIR}: stop it, run \`cite reembed\`, then start it again.`,
          { status: 409 },
        );
      }
      const log = cliLogger(cfg, 'reembed');
      // no silent fallback here: re-embedding everything with the hash embedder by accident would be costly
      const embedder = await createEmbedder({ ...cfg, EMBEDDINGS_FALLBACK_TO_HASH: false }, log);
      let bar: cliProgress.SingleBar | undefined;
      let lastLine = 0;
      try {
        const summary = await withDatabase((db) =>
          reembed(db, embedder, {
            batchSize,
            log,
            onProgress: ({ done, total }) => {
              if (process.stderr.isTTY) {
                bar ??= new cliProgress.SingleBar(
                  { format: `Re-embedding with ${embedder.id} [{bar}] {value}/{total} chunks | {eta_formatted}`, stream: process.stderr },
                  cliProgress.Presets.shades_classic,
                );
                if (!bar.isActive) bar.start(total, 0);
                bar.update(done);
              } else if (Date.now() - lastLine > 10_000 || done === total) {
                lastLine = Date.now();
                process.stderr.write(`reembed: ${done}/${total} chunks\n`);
              }
            },
          }),
          { bulkWrites: true },
        );
        bar?.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else {
          process.stdout.write(
            `Re-embedded ${summary.chunks} chunks with ${summary.to.id} (${summary.to.dimension} dimensions)` +
              `${summary.from && summary.from.id !== summary.to.id ? `, replacing ${summary.from.id}` : ''} in ${(summary.ms / 1000).toFixed(1)} s\n`,
          );
        }
      } finally {
        bar?.stop();
        await embedder.close?.();
      }
    });
}
