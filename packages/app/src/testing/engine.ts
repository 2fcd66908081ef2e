/**
 * A real engine on a loopback port over a fresh database, for HTTP tests:
 * `const e = await startTestEngine(mode)` → `e.url`, `e.keys.admin|evaluator|agent`, `e.fetch(path, init)`.
 */
import { loadConfig, type Config } from '@cite/core/config/config.js';
import type { Role } from '@cite/core/auth/roles.js';
import { createKey } from '../keys/api-keys.js';
import { startEngine, type RunningEngine } from '../server.js';
import { admissionFor } from '@cite/core/db/open-database.js';
import { openTestDatabase, type DbMode } from '@cite/core/testing/databases.js';

export interface TestEngine {
  engine: RunningEngine;
  url: string;
  db: RunningEngine['app']['db'];
  config: Config;
  keys: Record<Role, string>;
  /** fetch relative to the engine with a role's key (default admin); JSON bodies serialised. */
  fetch(path: string, init?: { method?: string; body?: unknown; role?: Role | null; key?: string; headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestEngine(
  mode: DbMode,
  env: Record<string, string> = {},
  /** admission: the database behind admission control built from `env`, as `cite start` opens it. */
  options: { worker?: boolean; admission?: boolean } = {},
): Promise<TestEngine> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: 'memory://', ...env });
  const opened = await openTestDatabase(mode, { admission: options.admission ? admissionFor(mode, config) : undefined });
  const engine = await startEngine({ config, db: opened.db, announce: () => {}, worker: options.worker ?? false });
  const keys = {} as Record<Role, string>;
  for (const role of ['agent', 'evaluator', 'admin'] as const) keys[role] = (await createKey(opened.db, { name: `test-${role}`, role })).key;
  return {
    engine,
    url: engine.url,
    db: opened.db,
    config,
    keys,
    fetch(path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      const key = init.key ?? (init.role === null ? undefined : keys[init.role ?? 'admin']);
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${engine.url}${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
    },
    async stop() {
      await engine.stop();
      await opened.dispose();
    },
  };
}
