/**
 * The young generation of Cité's worker threads (the embedded database's, the PDF, DOCX and HTML readers').
 * V8 gives every isolate semi-spaces of up to 16 MB (a young generation of 48 MB with its large-object space),
 * and a crawl on the embedded database fills its database thread's. Each thread is capped where it is
 * created; the engine's main thread is not: it serves the searches, where a small young generation cost
 * throughput. Measured (bench:search-compare, 100,000 chunks, c=16, 2 cores, 3 rounds, main thread's
 * semi-spaces capped at 4 MB as all threads' were, then 16 and 32 MB): 575.6 requests/s, +7.0%, +11.3%; the
 * engine's CPU a request 0.96, 0.84, 0.76 ms; its scavenges over the run 2,197, 610, 313.
 *
 * A thread's own cap holds only while node runs without `--max-semi-space-size`: the flag overrides every
 * isolate's limit (bin/cite.mjs's first line carries none; app/src/cli/node-flags.test.ts holds both).
 */
import type { ResourceLimits } from 'node:worker_threads';

/** 12 MB: semi-spaces of 4 MB, what the whole process had under `--max-semi-space-size=4`. */
export const WORKER_YOUNG_GENERATION_MB = 12;

/** The resource limits of a Cité worker thread: the young generation's cap, plus `limits`. */
export function workerResourceLimits(limits: ResourceLimits = {}): ResourceLimits {
  return { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, ...limits };
}
