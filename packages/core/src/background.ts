/**
 * Background work of an engine process in embedded mode (and of `cite worker`): crawl runs, scheduled
 * recrawls, interrupted ingestions, evaluation runs, the retention purge. The composition root passes
 * the parts in the order they start (packages/app/src/background-parts.ts); they stop in reverse.
 */
import { inBackgroundLane } from './db/admission.js';
import type { AppContext } from './http/app-context.js';

export type BackgroundPart = (app: AppContext) => Promise<() => Promise<void>>;

export async function startBackground(app: AppContext, parts: readonly BackgroundPart[]): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  // everything a part starts (its timers, its loops) yields to requests at the database
  for (const part of parts) stops.push(await inBackgroundLane(() => part(app)));
  return async () => {
    for (const stop of stops.reverse()) await stop().catch((e) => app.log.error({ err: e }, 'background stop failed'));
  };
}
