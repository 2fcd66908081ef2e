import { service, type AppContext } from '../http/app-context.js';
import { createEmbedder } from './create-embedder.js';
import type { Embedder } from './embedder.js';

/** The engine process's one embedder (search queries, uploads), built on first use from the configuration. */
export function appEmbedder(app: AppContext): Promise<Embedder> {
  return service(app, 'embedder', () => createEmbedder(app.config, app.log.child({ component: 'embedder' })));
}
