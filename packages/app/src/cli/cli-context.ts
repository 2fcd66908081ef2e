/**
 * What CLI commands share: validated configuration, the database (opened and migrated), or — when
 * the embedded database is held by a running `cite start` — the running engine's API.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
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
  /** Named by CITE_URL and CITE_API_KEY (else found through DATA_DIR): errors then name those variables. */
  fromEnv?: boolean;
}

/**
 * The running engine to talk to instead of opening the database: `CITE_URL` + `CITE_API_KEY` when set,
 * else, in embedded mode, the engine that holds DATA_DIR (its engine.json).
 */
export function remoteEngine(cfg: Config = cliConfig()): RemoteEngine | undefined {
  const { CITE_URL, CITE_API_KEY } = process.env;
  if (CITE_URL && CITE_API_KEY) return { url: CITE_URL.replace(/\/$/, ''), key: CITE_API_KEY, fromEnv: true };
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

/**
 * How long a call to the engine may take: the engine ends a request after REQUEST_TIMEOUT_MS (answers
 * wait on the model within it); past that and a margin, no answer is coming (a proxy that holds the
 * connection, a wrong CITE_URL that never answers) and the CLI says so rather than hang.
 */
export const engineCallTimeoutMs = (cfg: Pick<Config, 'REQUEST_TIMEOUT_MS'> = config()) =>
  cfg.REQUEST_TIMEOUT_MS + 10_000;
/**
 * The same for an answer, which the engine does not time out (its routes are long-running): a model on a
 * small machine may write for minutes. As long as `cite mcp` waits for a tool call.
 */
export const ANSWER_CALL_TIMEOUT_MS = 10 * 60_000;

/** The reason under fetch's "fetch failed": ECONNREFUSED and the like. */
export function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

export interface EngineCallOptions {
  /** Past this, ENGINE_TIMEOUT (default engineCallTimeoutMs()). */
  timeoutMs?: number;
  /** What the caller reads of a successful answer (engine-answer-shapes.ts); without it, nothing is read. */
  shape?: z.ZodType;
  /** The body is a string sent as it is, of this type, rather than JSON. */
  contentType?: string;
}

/**
 * Calls the running engine's API; errors come back as CiteError with the server's code. What is not the
 * engine's JSON (a proxy's HTML page, a redirect, garbage, silence, JSON of another shape) is an error naming
 * CITE_URL, not a stack trace: redirects are not followed, as no engine route redirects and a POST would not
 * survive one.
 */
export async function callEngine<T>(
  engine: RemoteEngine,
  method: string,
  pathName: string,
  body?: unknown,
  options: EngineCallOptions = {},
): Promise<T> {
  const { timeoutMs = engineCallTimeoutMs(), shape, contentType } = options;
  const where = `the engine at ${engine.url}${engine.fromEnv ? ' (CITE_URL)' : ''}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${engine.url}${pathName}`, {
      method,
      headers: {
        authorization: `Bearer ${engine.key}`,
        ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }),
      },
      body: body === undefined ? undefined : contentType ? String(body) : JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') {
      const seconds = Math.round(timeoutMs / 1000);
      throw new CiteError('ENGINE_TIMEOUT', `No answer from ${where} within ${seconds} s`, { status: 504, cause: e });
    }
    throw new CiteError('ENGINE_UNREACHABLE', `Cannot reach ${where}: ${causeOf(e)}`, { status: 502, cause: e });
  }
  if (res.status >= 300 && res.status < 400) {
    const to = res.headers.get('location');
    const answer = `HTTP ${res.status}${to ? ` to ${to}` : ''}`;
    throw new CiteError('ENGINE_ANSWER_INVALID', `${where} redirected (${answer}): give the address it answers on`, {
      status: 502,
    });
  }
  let parsed: unknown;
  try {
    parsed = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    const type = res.headers.get('content-type')?.split(';')[0] || 'no content type';
    const answer = `HTTP ${res.status} (${type})`;
    const message = `${where} answered ${answer}, not Cité's JSON: is it the engine's address?`;
    throw new CiteError('ENGINE_ANSWER_INVALID', message, { status: 502 });
  }
  if (!res.ok) {
    type ErrorBody = { code?: unknown; message?: unknown; details?: unknown };
    const err = (parsed && typeof parsed === 'object' ? parsed : {}) as ErrorBody;
    const code = typeof err.code === 'string' ? err.code : 'ENGINE_ERROR';
    const message = typeof err.message === 'string' ? err.message : `Engine answered ${res.status}`;
    // a refused key: say which setting holds it
    const hint = res.status === 401 && engine.fromEnv ? ' (CITE_API_KEY)' : '';
    throw new CiteError(code, `${message}${hint}`, { status: res.status, details: err.details });
  }
  if (shape) {
    const checked = shape.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      // the path holds the shape's own keys and array indexes only: no text of the answer's
      const at = issue.path.length ? issue.path.join('.') : 'the body';
      const answer = `HTTP ${res.status} with JSON that is not Cité's answer to ${method} ${pathName.split('?')[0]}`;
      const message = `${where} answered ${answer} (${at}: ${issue.message}): is it the engine's address?`;
      throw new CiteError('ENGINE_ANSWER_INVALID', message, { status: 502 });
    }
  }
  // the answer as it came, not the shape's parse: the shape strips what it does not read
  return parsed as T;
}

export const isTTY = () => Boolean(process.stdout.isTTY);
