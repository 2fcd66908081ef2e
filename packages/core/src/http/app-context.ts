import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';

/**
 * What every route and background service of one engine process shares. Created once at start
 * (packages/app/src/server.ts) or by tests; routes receive it as `ctx.app`.
 */
export interface AppContext {
  db: Database;
  config: Config;
  log: Logger;
  /** Lazily-built, process-wide services keyed by name (embedder, llm client…), see `service()`. */
  services: Map<string, Promise<unknown>>;
}

/** Returns the process-wide instance of a service, creating it once on first use. */
export function service<T>(app: AppContext, name: string, create: () => Promise<T>): Promise<T> {
  let p = app.services.get(name) as Promise<T> | undefined;
  if (!p) {
    p = create();
    app.services.set(name, p);
    p.catch(() => app.services.delete(name)); // a failed creation is retried next time
  }
  return p;
}
