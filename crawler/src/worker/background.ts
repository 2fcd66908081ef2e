/** Runs the crawl worker as a background part of an engine process (embedded mode, `cite start`). */
import { registerBackground } from '@cite/engine/background.js';
import { appEmbedder } from '@cite/engine/embeddings/app-embedder.js';
import { startWorker } from './worker.js';

registerBackground(async (app) => {
  const worker = await startWorker({
    db: app.db,
    config: app.config,
    // the worker binds its own component (crawler) and id
    log: app.log,
    embedder: () => appEmbedder(app),
  });
  return worker.stop;
});
