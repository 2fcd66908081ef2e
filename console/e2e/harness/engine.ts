/**
 * The real engine for the browser tests: built console, fresh database (embedded in memory, or a
 * throw-away database on the server when DATABASE_URL is set), crawler worker in process, loopback
 * crawling allowed (the test site is on 127.0.0.1).
 */
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import type { DbMode } from '@cite/core/testing/databases.js';
// @ts-expect-error plain ESM script without type declarations
import { buildReason, main as buildConsole } from '../../../scripts/build-console-if-needed.mjs';

export function ensureConsoleBuilt(): void {
  const reason = buildReason();
  if (!reason) return;
  const problem = buildConsole({ log: () => {} });
  if (problem) throw new Error(`the console could not be built for the browser tests: ${problem}`);
}

export function startEngineForBrowser(mode: DbMode): Promise<TestEngine> {
  return startTestEngine(
    mode,
    { CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true', EMBEDDINGS: 'hash', RATE_LIMIT_PER_MINUTE: '100000' },
    { worker: true },
  );
}
