/**
 * Background work of an engine process in embedded mode (and of `cite worker`): crawl runs, scheduled
 * recrawls, interrupted ingestions, evaluation runs, the retention purge. Each part registers here;
 * returns one stop function.
 */
import { inBackgroundLane } from './db/admission.js';
import type { AppContext } from './http/app-context.js';

export type BackgroundPart = (app: AppContext) => Promise<() => Promise<void>>;

const parts: BackgroundPart[] = [];

/** Called by the modules that provide background work (crawler worker, job runner, retention purge). */
export function registerBackground(part: BackgroundPart): void {
  parts.push(part);
}

export async function startBackground(app: AppContext): Promise<() => Promise<void>> {
  await import('./background-parts.js');
  const stops: Array<() => Promise<void>> = [];
  // everything a part starts (its timers, its loops) yields to requests at the database
  for (const part of parts) stops.push(await inBackgroundLane(() => part(app)));
  return async () => {
    for (const stop of stops.reverse()) await stop().catch((e) => app.log.error({ err: e }, 'background stop failed'));
  };
}
