/**
 * The collections a search of the indexed sources reads: the caller's, the web collection left out
 * (index/collections/web-collection.ts says why), whatever the entry point: HTTP, MCP, the CLI, evaluation
 * runs. It was left out only where the engine had internet search registered: with WEB_SEARCH_PROVIDER unset
 * (the way to forbid it), the pages it had kept went to every key, and `cite ask` quoted them as indexed.
 */
import type { AppContext } from '@cite/core/http/app-context.js';
import { findWebCollection } from '@cite/index/collections/web-collection.js';
import type { WebSearchCapability } from './web-search.js';
import { cachedFor } from './per-database-cache.js';
import { collectionIdsExcept } from './web-search-repo.js';

/** Name of the capability in `app.services`, registered by the composition root when WEB_SEARCH_PROVIDER is set. */
export const WEB_SEARCH_SERVICE = 'web-search';

export async function webSearchCapability(app: Pick<AppContext, 'services'>): Promise<WebSearchCapability | null> {
  const registered = app.services.get(WEB_SEARCH_SERVICE) as Promise<WebSearchCapability> | undefined;
  return registered ? await registered : null;
}

/**
 * How long a process without internet search trusts what it read of the web collection. Only an engine
 * with it creates the collection (and knows its id at once, from the capability); another process may then
 * serve that engine's first pages for this long.
 */
const KNOWN_FOR_MS = 5_000;

async function webCollectionOf(app: Pick<AppContext, 'db' | 'services'>): Promise<number | null> {
  const web = await webSearchCapability(app);
  if (web) return web.webCollectionId();
  return cachedFor(app.db, 'web-collection', KNOWN_FOR_MS, () => findWebCollection(app.db));
}

/** The caller's collections (null: every one) without the web collection; null while there is none. */
export async function indexCollections(
  app: Pick<AppContext, 'db' | 'services'>,
  allowed: readonly number[] | null,
): Promise<readonly number[] | null> {
  const webId = await webCollectionOf(app);
  if (webId === null) return allowed;
  if (allowed) return allowed.filter((id) => id !== webId);
  return collectionIdsExcept(app.db, webId);
}
