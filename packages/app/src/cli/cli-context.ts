/**
 * What CLI commands share: validated configuration, the database (opened and migrated), or — when
 * the embedded database is held by a running `cite start` — the running engine's API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { config, type Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openDatabase } from '@cite/core/db/open-database.js';
import { upkeepWithoutAutovacuum } from '@cite/core/db/server-tuning.js';
import { CiteError } from '@cite/core/errors.js';
import { componentLogger } from '@cite/core/observability/logger.js';
import { applyHeapGrowth } from '@cite/core/system/heap-growth.js';
import { LOCAL_ENGINE_FILE } from '../local-engine-file.js';

/** The process configuration; its heap policy is applied on the first call (every command reads it first). */
export function cliConfig(): Config {
  const cfg = config();
  applyHeapGrowth(cfg.HEAP_GROWTH_PERCENT);
  return cfg;
}

/**
 * Opens the database, migrates it, runs `fn`, closes it. `bulkWrites`: `fn` fills tables (ingest, crawl,
 * reembed); on a server without autovacuum they are then vacuumed and analyzed before closing, as the
 * embedded database does on its own (server-tuning.ts). What `fn` wrote stays whatever that upkeep does.
 */
export async function withDatabase<T>(fn: (db: Database, cfg: Config) => Promise<T>, options: { bulkWrites?: boolean } = {}): Promise<T> {
  const cfg = cliConfig();
  const db = await openDatabase(cfg);
  try {
    await migrate(db);
    const result = await fn(db, cfg);
    if (options.bulkWrites) {
      await upkeepWithoutAutovacuum(db).catch((err: unknown) => {
        componentLogger('database').warn({ err }, 'vacuum and analyze after the writes failed (autovacuum is off)');
      });
    }
    return result;
  } finally {
    await db.close();
  }
}

/**
 * With no engine to talk to, `cite ask` and `cite search` read the database themselves: an empty one would
 * only answer "no source matches". What to run instead, or null when it holds documents.
 */
export async function emptyIndexNotice(db: Database, cfg: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<string | null> {
  const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM documents WHERE status = 'active') AS any`);
  if (rows[0]!.any) return null;
  return cfg.DATABASE_URL
    ? 'cite: the database at DATABASE_URL holds no documents yet: index sources with `cite ingest` or `cite crawl` first.'
    : `cite: no engine is running on ${cfg.DATA_DIR} and its database holds no documents yet: start \`npm run demo\` (or ` +
        '`cite start`) in another terminal, or index sources with `cite ingest`, then ask again.';
}

export interface RemoteEngine {
  url: string;
  key: string;
}

/**
 * The running engine to talk to instead of opening the database: `CITE_URL` + `CITE_API_KEY` when set,
 * else, in embedded mode, the engine that holds DATA_DIR (its engine.json).
 */
export function remoteEngine(cfg: Config = cliConfig()): RemoteEngine | undefined {
  if (process.env.CITE_URL && process.env.CITE_API_KEY) return { url: process.env.CITE_URL.replace(/\/$/, ''), key: process.env.CITE_API_KEY };
  if (cfg.DATABASE_URL) return undefined;
  const file = path.join(cfg.DATA_DIR, LOCAL_ENGINE_FILE);
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; url: string; key: string };
    process.kill(info.pid, 0);
    return { url: info.url, key: info.key };
  } catch {
    return undefined;
  }
}

/** Calls the running engine's API; errors come back as CiteError with the server's code. */
export async function callEngine<T>(engine: RemoteEngine, method: string, pathName: string, body?: unknown): Promise<T> {
  const res = await fetch(`${engine.url}${pathName}`, {
    method,
    headers: { authorization: `Bearer ${engine.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = parsed as { code?: string; message?: string } | undefined;
    throw new CiteError(err?.code ?? 'ENGINE_ERROR', err?.message ?? `Engine answered ${res.status}`, { status: res.status });
  }
  return parsed as T;
}

export const isTTY = () => Boolean(process.stdout.isTTY);
