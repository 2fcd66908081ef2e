/** Shared setup of crawler tests: a test configuration, and "crawl this source to the end". */
import fs from 'node:fs';
import os from 'node:os';
import pino from 'pino';
import { loadConfig, type Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { backlogSizes } from '@cite/index/documents-repo.js';
import { getRunDetail, type CrawlRunDetail } from '../runs/run-repo.js';
import { startCrawl } from '../sources/source-service.js';
import { startWorker } from '../worker/worker.js';
import type { WorkerOptions } from '../worker/worker-options.js';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: 'silent',
    DATA_DIR: 'memory://',
    EMBEDDINGS: 'hash',
    CRAWLER_TIMEOUT_MS: '3000',
    CRAWLER_CONNECT_TIMEOUT_MS: '2000',
    // test sources read their server files from temporary directories
    FILES_ROOTS: fs.realpathSync(os.tmpdir()),
    ...env,
  });
}

/** Silent unless TEST_LOG_LEVEL is set (debugging a failing crawl test). */
export function testLogger() {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export const FAST_WORKER: Partial<WorkerOptions> = {
  pollMs: 30,
  heartbeatMs: 300,
  staleMs: 3_000,
  scheduler: false,
  backlogIdleMs: 100,
  pipeline: { backoffBaseMs: 200 },
};

export async function waitForRun(db: Database, runId: number, timeoutMs = 60_000): Promise<CrawlRunDetail> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRunDetail(db, runId);
    if (run.status !== 'queued' && run.status !== 'running') return run;
    if (Date.now() > until) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Queues a crawl of the source, runs one in-process worker until the run ends, returns the run. With
 * `untilBacklogIndexed`, the worker also runs until it has moved every backlog vector and posting into the index.
 */
export async function crawlToEnd(
  db: Database,
  sourceId: number,
  options: { config?: Config; worker?: Partial<WorkerOptions>; timeoutMs?: number; untilBacklogIndexed?: boolean } = {},
): Promise<CrawlRunDetail> {
  const runId = await startCrawl(db, sourceId, 'manual');
  const worker = await startWorker({
    db,
    config: options.config ?? testConfig(),
    embedder: new HashEmbedder(),
    log: testLogger(),
    options: { ...FAST_WORKER, ...options.worker },
  });
  try {
    const run = await waitForRun(db, runId, options.timeoutMs);
    const until = Date.now() + (options.timeoutMs ?? 60_000);
    while (options.untilBacklogIndexed && Object.values(await backlogSizes(db)).some((n) => n > 0)) {
      if (Date.now() > until) throw new Error('the worker left chunks in the backlog');
      await new Promise((r) => setTimeout(r, 50));
    }
    return run;
  } finally {
    await worker.stop();
  }
}
