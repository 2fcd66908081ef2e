/**
 * What the pipeline needs to process a URL, built from the configuration: the guarded fetcher, the
 * browser renderer when Chromium is installed, the robots.txt cache, and the extraction limits.
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { Fetcher } from '../fetch/fetcher.js';
import { PIPELINE_DEFAULTS, type PipelineDeps } from '../pipeline.js';
import { Renderer } from '../render/renderer.js';
import { RobotsCache } from '../robots/robots.js';
import { parseFilesRoots } from '../sources/files-roots.js';
import type { PageIndexer } from './page-indexer.js';
import type { WorkerOptions } from './worker-options.js';

export function crawlDeps(a: {
  db: Database;
  config: Config;
  log: Logger;
  indexer: PageIndexer;
  opts: Pick<WorkerOptions, 'perHostConcurrency' | 'fetcher' | 'pipeline'>;
}): { deps: PipelineDeps; close(): Promise<void> } {
  const { config, opts } = a;
  const outboundAllow = config.OUTBOUND_ALLOW.split(',').map((s) => s.trim()).filter(Boolean);
  const fetcher = new Fetcher({
    userAgent: config.CRAWLER_USER_AGENT,
    allowPrivateNetworks: config.CRAWLER_ALLOW_PRIVATE_NETWORKS,
    timeoutMs: config.CRAWLER_TIMEOUT_MS,
    connectTimeoutMs: config.CRAWLER_CONNECT_TIMEOUT_MS,
    maxBytes: config.CRAWLER_MAX_BYTES,
    outboundAllow,
    connectionsPerOrigin: Math.max(opts.perHostConcurrency, 2),
    ...opts.fetcher,
  });
  const renderer = fs.existsSync(config.CHROMIUM_PATH)
    ? new Renderer(
        {
          chromiumPath: config.CHROMIUM_PATH,
          userAgent: config.CRAWLER_USER_AGENT,
          allowPrivateNetworks: config.CRAWLER_ALLOW_PRIVATE_NETWORKS,
          // the browser is held to the fetcher's rules (issue 21): same OUTBOUND_ALLOW
          outboundAllow,
          timeoutMs: config.CRAWLER_TIMEOUT_MS,
        },
        a.log.child({ part: 'renderer' }),
      )
    : null;
  const deps: PipelineDeps = {
    db: a.db,
    fetcher,
    robots: new RobotsCache(a.db, fetcher, { userAgent: config.CRAWLER_USER_AGENT }),
    renderer,
    indexer: a.indexer,
    log: a.log,
    options: {
      ...PIPELINE_DEFAULTS,
      maxArchiveBytes: Math.max(config.INGEST_MAX_FILE_BYTES, PIPELINE_DEFAULTS.maxArchiveBytes),
      // same limits as extractOptionsFromConfig, without loading the extractors before they are needed
      extract: {
        maxFileBytes: config.INGEST_MAX_FILE_BYTES,
        maxPdfPages: config.INGEST_MAX_PDF_PAGES,
        maxPdfDecompressedBytes: config.INGEST_PDF_MAX_DECOMPRESSED_BYTES,
      },
      filesRoots: parseFilesRoots(config.FILES_ROOTS),
      ...opts.pipeline,
    },
  };
  return {
    deps,
    close: async () => {
      await fetcher.close();
      await renderer?.close();
    },
  };
}
