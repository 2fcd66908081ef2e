/**
 * `cite start`: opens the database, applies migrations, ensures a bootstrap key, serves HTTP,
 * and in embedded mode runs the background worker in the same process.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openDatabase } from '@cite/core/db/open-database.js';
import { autovacuumAdvice, bufferCacheAdvice, readAutovacuum, readServerMemory } from '@cite/core/db/server-tuning.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { createApp } from './http/app.js';
import { allRoutes } from './http/routes.js';
import { mountConsole } from './http/console-mount.js';
import { createKey, ensureBootstrapKey } from './keys/api-keys.js';
import { logger } from '@cite/core/observability/logger.js';
import { startBackground } from '@cite/core/background.js';
import { backgroundParts } from './background-parts.js';
import { installOutboundGuard } from '@cite/core/outbound/outbound-guard.js';
import { registerWebSearch } from './web-search/register-web-search.js';
import { LOCAL_ENGINE_FILE } from './local-engine-file.js';
import { CiteError } from '@cite/core/errors.js';

export interface RunningEngine {
  app: AppContext;
  server: Server;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, stops the worker, closes the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  /** Reuse an open database (tests); otherwise opened from config. */
  db?: Database;
  /** Print the bootstrap key here (default: stdout). */
  announce?: (line: string) => void;
  /** Run the background worker in this process (default: embedded mode only). */
  worker?: boolean;
}

export async function startEngine(opts: StartOptions): Promise<RunningEngine> {
  const cfg = opts.config;
  const log = logger().child({}, { level: cfg.LOG_LEVEL });
  const announce = opts.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
  const db = opts.db ?? (await openDatabase(cfg));
  let stopBackground: () => Promise<void> = async () => {};
  let uninstallOutbound = () => {};
  let closeWebSearch = async () => {};
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    if (db.mode === 'server') {
      for (const advice of [bufferCacheAdvice(await readServerMemory(db)), autovacuumAdvice(await readAutovacuum(db))]) {
        if (advice) log.warn(advice);
      }
    }

    const bootstrap = await ensureBootstrapKey(db);
    if (bootstrap) {
      announce('');
      announce('  First start: an admin API key was created. It is shown once; keep it safe:');
      announce(`    ${bootstrap}`);
      announce('  Use it as "Authorization: Bearer <key>", or sign in to the console with it.');
      announce('');
    }

    const app: AppContext = { db, config: cfg, log, services: new Map() };
    // Model calls of the HTTP engine (embeddings, LLM) go through the outbound policy too.
    uninstallOutbound = await installOutboundGuard(app);
    closeWebSearch = registerWebSearch(app);
    const routes = allRoutes();
    const expressApp = createApp(app, { routes, mount: (a) => mountConsole(a) });
    const server = await listen(expressApp, cfg.PORT, cfg.HOST);
    // bodies are timed by the app, by route (http/body-deadline.ts): Node's timer would cut off slow uploads
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.PORT;
    const url = `http://${cfg.HOST === '0.0.0.0' || cfg.HOST === '::' ? '127.0.0.1' : cfg.HOST}:${port}`;

    if (db.mode === 'embedded' && !cfg.DATA_DIR.startsWith('memory://')) await writeLocalEngineFile(db, cfg, url);
    if (opts.worker ?? db.mode === 'embedded') stopBackground = await startBackground(app, await backgroundParts());
    log.info({ url, database: db.mode }, 'Cité engine listening');

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        log.info('shutting down: finishing in-flight requests');
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 25_000);
        force.unref();
        await closed;
        clearTimeout(force);
        await stopBackground();
        await closeWebSearch();
        uninstallOutbound();
        removeLocalEngineFile(cfg);
        if (!opts.db) await db.close();
        log.info('stopped');
      })());
    return { app, server, url, stop };
  } catch (e) {
    await stopBackground();
    await closeWebSearch();
    uninstallOutbound();
    if (!opts.db) await db.close().catch(() => {});
    throw e;
  }
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, port, host)));
  });
}

/** What a user can do about a port the engine cannot listen on, rather than a stack trace. */
function listenError(e: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `${host}:${port}`;
  if (e.code === 'EADDRINUSE') {
    const message = `${where} is already in use (another Cité engine, or another program): stop it, or choose another port (PORT, or --port)`;
    return new CiteError('PORT_IN_USE', message, { cause: e });
  }
  if (e.code === 'EACCES') {
    const message = `This user may not listen on ${where} (ports below 1024 need privileges): choose another port (PORT, or --port)`;
    return new CiteError('PORT_NOT_ALLOWED', message, { cause: e });
  }
  if (e.code === 'EADDRNOTAVAIL') {
    const message = `${host} is not an address of this machine: set HOST to one of its addresses (or 0.0.0.0)`;
    return new CiteError('HOST_NOT_AVAILABLE', message, { cause: e });
  }
  return e;
}

/**
 * In embedded mode only this process may open the data directory. CLI commands run meanwhile reach
 * the engine through its API with a per-start admin key kept next to the data (same trust boundary:
 * whoever can read DATA_DIR can read the database itself).
 */
async function writeLocalEngineFile(db: Database, cfg: Config, url: string): Promise<void> {
  await db.query(`UPDATE api_keys SET revoked_at = now() WHERE name = 'local-cli' AND revoked_at IS NULL`);
  const { key } = await createKey(db, { name: 'local-cli', role: 'admin' });
  const file = path.join(cfg.DATA_DIR, LOCAL_ENGINE_FILE);
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, url, key }), { mode: 0o600 });
}
function removeLocalEngineFile(cfg: Config): void {
  fs.rmSync(path.join(cfg.DATA_DIR, LOCAL_ENGINE_FILE), { force: true });
}
