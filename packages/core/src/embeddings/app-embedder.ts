import { service, type AppContext } from '../http/app-context.js';
import { createEmbedder } from './create-embedder.js';
import type { Embedder } from './embedder.js';
import { withQueryCache } from './query-cache.js';

/**
 * The engine process's one embedder (search queries, uploads), built on first use from the configuration,
 * with recent query vectors kept (query-cache.ts).
 */
export function appEmbedder(app: AppContext): Promise<Embedder> {
  return service(app, 'embedder', async () => withQueryCache(await createEmbedder(app.config, app.log.child({ component: 'embedder' }))));
}
