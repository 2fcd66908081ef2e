/**
 * A route declares its method, path, the role it requires, and zod schemas for what it accepts and
 * returns. The app builds Express handlers, access control, validation and the OpenAPI document from
 * these declarations, so no route can exist without a declared role.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AuditEntry } from '../audit/audit-repo.js';
import type { Access, Caller } from '../auth/roles.js';
import type { Config } from '../config/config.js';
import type { AppContext } from './app-context.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteContext<B, Q, P> {
  app: AppContext;
  body: B;
  query: Q;
  params: P;
  /** The authenticated caller; undefined only on 'public' routes. */
  caller: Caller | undefined;
  log: Logger;
  requestId: string;
  ip: string;
  /** Records an admin action in the audit log, signed with the caller, its address and the request id. */
  audit(entry: Omit<AuditEntry, 'actorKeyId' | 'actorName' | 'ip' | 'requestId'>): Promise<void>;
  /** Aborted when the client goes away or the request times out (REQUEST_TIMEOUT_MS, 503): pass it to searches and model calls. */
  signal: AbortSignal;
  /** For routes that stream (SSE) or set headers themselves; most routes just return a value. */
  req: Request;
  res: Response;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `RouteDef[]` holds routes of every body/query/params type; `handler` takes them contravariantly, so only `any` erases them
export interface RouteDef<B = any, Q = any, P = any> {
  method: Method;
  /** Express path, e.g. `/v1/answers/:id/feedback`. */
  path: string;
  access: Access;
  summary: string;
  tags?: string[];
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** Response schema for the OpenAPI document (documentation only). */
  response?: z.ZodType;
  /** Success status (default 200, or 201 for POST returning a created record if set). */
  status?: number;
  /** The handler writes the response itself (SSE, files, list headers); its return value is ignored. */
  raw?: boolean;
  /** Content types the body may have besides JSON (e.g. multipart/form-data for uploads). */
  bodyContentType?: string;
  /** Exempt from the per-request timeout (long streams). */
  longRunning?: boolean;
  /**
   * How many requests this one counts for against the caller's rate limit, read from its validated body
   * (a JSON-RPC batch: one per message). Default 1.
   */
  rateCost?: (body: unknown) => number;
  /**
   * A public route each call of which writes or leads to a write (a sign-in start stores its login): limited per
   * client address to RATE_LIMIT_PER_MINUTE, since it has no key to count against.
   */
  perAddressLimit?: boolean;
  /**
   * A configured static bearer token that also opens this route, besides API keys of its role (a metrics
   * scraper's token); unset or undefined = keys only. The caller is then undefined.
   */
  bearerToken?: (config: Config) => string | undefined;
  handler: (ctx: RouteContext<B, Q, P>) => Promise<unknown> | unknown;
}

/** Identity function that keeps the handler's types tied to its schemas. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(def: RouteDef<B, Q, P>): RouteDef<B, Q, P> {
  return def;
}
