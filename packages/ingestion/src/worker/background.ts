/** Runs the crawl worker as a background part of an engine process (embedded mode, `cite start`). */
import type { AppContext } from '@cite/core/http/app-context.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import { startWorker } from './worker.js';

export async function startCrawlWorker(app: AppContext): Promise<() => Promise<void>> {
  const worker = await startWorker({
    db: app.db,
    config: app.config,
    // the worker binds its own component (crawler) and id
    log: app.log,
    embedder: () => appEmbedder(app),
  });
  return worker.stop;
}
