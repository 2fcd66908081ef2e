/**
 * The background parts of `cite start` (embedded) and `cite worker`, in the order they start. The
 * crawler is imported lazily so an engine that runs no background work never loads it.
 */
import type { BackgroundPart } from '@cite/core/background.js';
import { upkeepWithoutAutovacuumPart } from '@cite/core/db/server-tuning.js';
import { startEvalRuns } from '@cite/retrieval/eval/eval-runs-background.js';
import { startSessionPurge } from './auth/sessions/session-purge.js';
import { startRetentionSchedule } from './data-control/retention-schedule.js';
import { startOutboundGuard } from './outbound/outbound-background.js';

export async function backgroundParts(): Promise<readonly BackgroundPart[]> {
  const { startCrawlWorker } = await import('@cite/ingestion/worker/background.js');
  return [
    // the outbound guard first: every later part's network calls go through it
    startOutboundGuard,
    upkeepWithoutAutovacuumPart(),
    startRetentionSchedule,
    startSessionPurge,
    startEvalRuns,
    startCrawlWorker,
  ];
}
