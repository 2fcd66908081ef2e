/**
 * The crawl's indexer, built on first use: loading an embedding model can take a while, and a worker
 * that finds nothing to crawl should not pay for it. A failed build is retried at the next page.
 */
import type { Logger } from 'pino';
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { ingestIndexer } from './ingest-indexer.js';
import type { PageIndexer } from './page-indexer.js';

export interface LazyIndexerArgs {
  db: Database;
  config: Config;
  log: Logger;
  /** The embedder to index with, or a getter; default: created from the configuration (and closed by `close`). */
  embedder?: Embedder | (() => Promise<Embedder>);
  /** Replaces the ingestion service (tests, benchmarks). */
  indexer?: PageIndexer;
}

export function lazyIndexer(args: LazyIndexerArgs): { indexer: PageIndexer; close(): Promise<void> } {
  let ownEmbedder: Embedder | undefined;
  let built: Promise<PageIndexer> | undefined = args.indexer ? Promise.resolve(args.indexer) : undefined;
  const get = (): Promise<PageIndexer> =>
    (built ??= (async () => {
      let embedder: Embedder;
      if (typeof args.embedder === 'function') embedder = await args.embedder();
      else if (args.embedder) embedder = args.embedder;
      else {
        const { createEmbedder } = await import('@cite/core/embeddings/create-embedder.js');
        embedder = ownEmbedder = await createEmbedder(args.config, args.log.child({ part: 'embedder' }));
      }
      return ingestIndexer(args.db, embedder, { chunkTokens: args.config.CHUNK_TOKENS, overlapTokens: args.config.CHUNK_OVERLAP_TOKENS, log: args.log });
    })().catch((e) => {
      built = undefined;
      throw e;
    }));
  const indexer: PageIndexer = {
    validators: async (c, u) => (await get()).validators(c, u),
    prepare: async (d, c) => (await get()).prepare(d, c),
    embed: async (p) => (await get()).embed(p),
    write: async (tx, p, v, placement) => (await get()).write(tx, p, v, placement),
    indexStream: async (o, c, del) => (await get()).indexStream(o, c, del),
    markDeleted: async (c, u) => (await get()).markDeleted(c, u),
    touch: async (c, u) => (await get()).touch?.(c, u),
  };
  return { indexer, close: async () => void (await ownEmbedder?.close?.()) };
}
