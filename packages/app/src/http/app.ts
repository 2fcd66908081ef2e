/**
 * The Express application: turns route declarations into handlers with one path for
 * authentication, role checks, rate limits, validation, errors, logs and metrics.
 */
import crypto from 'node:crypto';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { roleAtLeast, type Caller } from '@cite/core/auth/roles.js';
import { asRequestStartedAt } from '@cite/core/db/admission.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import { authenticate, noteKeyUsed } from '../keys/api-keys.js';
import { addressGuard, clientAddressKey, type AddressGuard } from './address-guard.js';
import { bodyDeadline, bodyProgress } from './body-deadline.js';
import { requireCsrfToken, sessionCaller } from '../auth/sessions/session-auth.js';
import { authFailures, httpDuration, httpRequests } from '@cite/core/observability/metrics.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { rejectControlCharacters } from '@cite/core/http/control-characters.js';
import { DatabaseRateLimitStore, leaseSizeFor, retryAfterSeconds } from '@cite/core/http/rate-limit-store.js';
import { redactUrl } from '@cite/core/http/redact-url.js';
import type { RouteDef } from '@cite/core/http/route.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    caller?: Caller;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;
const RATE_WINDOW_MS = 60_000;

export interface CreateAppOptions {
  routes: RouteDef[];
  /** Extra mounts after the API routes (console static files). */
  mount?: (app: express.Express) => void;
}

export function createApp(ctx: AppContext, options: CreateAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from the proxies TRUST_PROXY names (none by default)
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.locals.routes = options.routes;
  app.use(bodyDeadline(ctx.config.REQUEST_TIMEOUT_MS));

  app.use(
    pinoHttp({
      logger: ctx.log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: redactUrl(String(req.url ?? '')) }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // the console (MUI/emotion) injects style elements; scripts stay same-origin only
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
        },
      },
    }),
  );
  const origins = ctx.config.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean);
  app.use(cors({ origin: origins.length ? origins : false, exposedHeaders: ['Content-Range', 'X-Request-Id', 'Retry-After'] }));

  const jsonParser = express.json({ limit: ctx.config.BODY_LIMIT, type: JSON_TYPES });
  // Counters in the database, so that N replicas share one budget per key and per client address; a key's
  // hits leased by blocks (rate-limit-store.ts), so a busy key does not cost a write per request.
  const store = new DatabaseRateLimitStore(ctx.db, RATE_WINDOW_MS, { leaseSize: leaseSizeFor(ctx.config.RATE_LIMIT_PER_MINUTE) });
  const limiter = rateLimit({
    windowMs: RATE_WINDOW_MS,
    limit: ctx.config.RATE_LIMIT_PER_MINUTE,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    keyGenerator: rateKey,
    // keyed by API key, not by address: the address checks do not apply
    validate: { xForwardedForHeader: false, forwardedHeader: false, trustProxy: false },
    handler: (req, _res, next) => next(rateLimited(resetTimeOf(req), 'for this API key')),
  });
  const guard = addressGuard(ctx, RATE_WINDOW_MS);
  const addressLimiter = publicAddressLimiter(ctx);

  for (const route of options.routes) {
    const handlers: express.RequestHandler[] = [timing(route)];
    if (route.access !== 'public') handlers.push(asRequest(authenticateRequest(ctx, route, guard)), asRequest(limiter));
    else if (route.perAddressLimit) handlers.push(asRequest(addressLimiter));
    if (!route.longRunning) handlers.push(requestTimeout(ctx.config.REQUEST_TIMEOUT_MS));
    else handlers.unshift(bodyProgress(ctx.config.REQUEST_TIMEOUT_MS));
    if (route.body && !route.bodyContentType) handlers.push(requireJsonBody, jsonParser);
    handlers.push(rejectControlCharacters());
    if (route.rateCost && route.access !== 'public') handlers.push(asRequest(chargeRateCost(route.rateCost, store, ctx.config.RATE_LIMIT_PER_MINUTE)));
    handlers.push(asRequest(runRoute(ctx, route)));
    app[route.method](route.path, ...handlers);
  }

  options.mount?.(app);

  app.use((req, _res, next) => next(new CiteError('NOT_FOUND', `No route for ${req.method} ${req.path}`, { status: 404 })));
  app.use(errorHandler(ctx));
  return app;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Whose budget a request spends: its key's (a static token's requests share one). */
const rateKey = (req: Request): string => (req.caller ? `key:${req.caller.keyId}` : 'token');

/**
 * The budget of a public route that writes (RouteDef.perAddressLimit), per client address: without it, anyone
 * could start sign-ins as fast as the engine answers (260 stored logins a second, measured). As generous as a
 * key's budget: agents behind one ministry gateway share an address.
 */
function publicAddressLimiter(ctx: AppContext) {
  return rateLimit({
    windowMs: RATE_WINDOW_MS,
    limit: ctx.config.RATE_LIMIT_PER_MINUTE,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new DatabaseRateLimitStore(ctx.db, RATE_WINDOW_MS),
    keyGenerator: (req) => `public:${clientAddressKey(req)}`,
    // req.ip follows TRUST_PROXY, as the address guard's does; the library's own proxy warnings would repeat it
    validate: { xForwardedForHeader: false, forwardedHeader: false, trustProxy: false },
    handler: (req, _res, next) => next(rateLimited(resetTimeOf(req), 'from this address')),
  });
}

/** When the window of the budget express-rate-limit just refused ends. */
const resetTimeOf = (req: Request): Date | undefined => (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;

/** A limiter's refusal: `whose` budget is spent ("for this API key"), and when the next request may come. */
function rateLimited(resetTime: Date | undefined, whose: string): CiteError {
  const seconds = retryAfterSeconds(resetTime, RATE_WINDOW_MS);
  return new CiteError('RATE_LIMITED', `Too many requests ${whose}; retry in ${seconds} s`, { status: 429, retryAfterSeconds: seconds });
}

/**
 * The hits of a request that counts for more than one (RouteDef.rateCost: an MCP batch of 100 tool calls
 * spent one hit and ran 100 searches), beyond the one the limiter counted, refused past the limit as it does.
 */
function chargeRateCost(cost: (body: unknown) => number, store: DatabaseRateLimitStore, limit: number): express.RequestHandler {
  return async (req, _res, next) => {
    try {
      const extra = Math.max(0, Math.trunc(cost(req.body)) - 1);
      for (let i = 0; i < extra; i++) {
        const info = await store.increment(rateKey(req));
        if (info.totalHits > limit) return next(rateLimited(info.resetTime, 'for this API key'));
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}

/**
 * A body of another type would reach a JSON route as no body at all, and the client would read that a
 * required field is missing: it is refused for what it is (a request without a body is the route's to judge).
 */
const requireJsonBody: express.RequestHandler = (req, _res, next) => {
  // false: a body of another type; null: no body
  if (req.is(JSON_TYPES) !== false) return next();
  next(
    new CiteError('UNSUPPORTED_MEDIA_TYPE', `${req.method} ${req.path} takes a JSON body (Content-Type: application/json), not ${req.headers['content-type'] ?? 'an untyped one'}`, {
      status: 415,
    }),
  );
};

/** When each request arrived (performance.now()), stamped by `timing`, its first handler. */
const requestStarts = new WeakMap<Request, number>();

/**
 * Runs a handler that reads the database as part of its request: the admission queue serves the
 * statements of older requests first (admission.ts). Given per handler, not once for the whole chain:
 * the body parser calls the next handler from the socket's events, outside any context set before it.
 */
function asRequest(handler: express.RequestHandler): express.RequestHandler {
  return (req, res, next) => asRequestStartedAt(requestStarts.get(req) ?? performance.now(), () => handler(req, res, next));
}

function timing(route: RouteDef): express.RequestHandler {
  return (req, res, next) => {
    requestStarts.set(req, performance.now());
    const end = httpDuration.startTimer({ method: route.method.toUpperCase(), route: route.path });
    res.on('finish', () => {
      end();
      httpRequests.inc({ method: route.method.toUpperCase(), route: route.path, status: String(res.statusCode) });
    });
    next();
  };
}

/** The route's static token (METRICS_TOKEN) presented: compared in constant time. */
function tokenMatches(ctx: AppContext, route: RouteDef, presented: string): boolean {
  const expected = route.bearerToken?.(ctx.config);
  if (!expected) return false;
  const a = crypto.createHash('sha256').update(presented).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function requireRole(route: RouteDef, caller: Caller): void {
  if (route.access !== 'public' && !roleAtLeast(caller.role, route.access)) {
    authFailures.inc({ reason: 'forbidden' });
    throw new CiteError('FORBIDDEN', `This action requires the ${route.access} role; your key has the ${caller.role} role`, {
      status: 403,
    });
  }
}

function authenticateRequest(ctx: AppContext, route: RouteDef, guard: AddressGuard): express.RequestHandler {
  return async (req, res, next) => {
    try {
      await guard.check(req, res);
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) {
        // no key: a console session (OpenID Connect sign-in) opens the same routes, its writes CSRF-checked
        const session = await sessionCaller(ctx.db, ctx.config, req);
        if (session && session !== 'ended') {
          requireRole(route, session.caller);
          requireCsrfToken(req, session.csrfToken);
          req.caller = session.caller;
          noteKeyUsed(ctx.db, session.caller.keyId).catch(() => {});
          return next();
        }
        await guard.refused(req, route, session === 'ended' ? 'session_ended' : 'missing');
        const message =
          session === 'ended'
            ? 'The session has ended: sign in again'
            : header
              ? 'The Authorization header is not « Bearer <key> » (one key, nothing after it)'
              : 'An API key is required: send Authorization: Bearer <key>';
        throw new CiteError('UNAUTHENTICATED', message, { status: 401 });
      }
      if (tokenMatches(ctx, route, match[1]!)) return next();
      const result = await authenticate(ctx.db, match[1]!);
      if (!result.ok) {
        await guard.refused(req, route, result.reason, result.keyId);
        throw new CiteError('UNAUTHENTICATED', 'Invalid, revoked or expired API key', { status: 401 });
      }
      const caller = result.caller;
      requireRole(route, caller);
      req.caller = caller;
      noteKeyUsed(ctx.db, caller.keyId).catch(() => {});
      next();
    } catch (e) {
      next(e);
    }
  };
}

/**
 * Each request's AbortController, shared by the timeout and the route: aborted when the client goes away
 * or the request times out, so the route's `signal` stops its searches and model calls.
 */
const requestAborts = new WeakMap<Request, AbortController>();
function requestAbort(req: Request): AbortController {
  let controller = requestAborts.get(req);
  if (!controller) requestAborts.set(req, (controller = new AbortController()));
  return controller;
}

/** Answers 503 after `ms` if nothing was sent yet, and aborts the route's signal so its work stops. */
function requestTimeout(ms: number): express.RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const message = `The request took longer than ${ms} ms`;
      res.status(503).json({ code: 'REQUEST_TIMEOUT', message, request_id: req.id });
      // an AbortError, as when the client goes away: model clients report it as REQUEST_ABORTED, not a model failure
      requestAbort(req).abort(new DOMException(message, 'AbortError'));
    }, ms);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    next();
  };
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: where === 'query' ? queryIssueMessage(i, value) : i.message }));
    throw new CiteError('VALIDATION_FAILED', issues.map((i) => `${i.path}: ${i.message}`).join('; '), {
      status: 400,
      details: issues,
    });
  }
  return r.data;
}

/**
 * A query parameter given twice (`?limit=1&limit=2`) reaches the schema as an array, and a number read
 * from it is NaN: « expected number, received NaN » does not tell the caller what to change.
 */
function queryIssueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code !== 'invalid_type') return issue.message;
  let at: unknown = input;
  for (const key of issue.path) at = at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return Array.isArray(at) ? `given ${at.length} times; give it once` : issue.message;
}

function runRoute(ctx: AppContext, route: RouteDef): express.RequestHandler {
  return async (req, res, next) => {
    const controller = requestAbort(req);
    if (controller.signal.aborted) return; // timed out before the route started
    try {
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      const params = parse(route.params, req.params, 'params');
      const query = parse(route.query, req.query, 'query');
      const body = parse(route.body, route.bodyContentType ? undefined : req.body ?? {}, 'body');
      const result = await route.handler({
        app: ctx,
        body,
        query,
        params,
        caller: req.caller,
        log: (req as Request & { log: AppContext['log'] }).log ?? ctx.log,
        requestId: req.id,
        ip: req.ip ?? '',
        audit: (entry) =>
          recordAudit(ctx.db, {
            ...entry,
            actorKeyId: req.caller?.keyId ?? null,
            actorName: req.caller?.name ?? null,
            ip: req.ip,
            requestId: req.id,
          }),
        signal: controller.signal,
        req,
        res,
      });
      if (route.raw || res.headersSent) return;
      if (controller.signal.aborted) return; // timed out (503 already sent) or the client is gone
      const status = route.status ?? res.statusCode;
      if (req.method === 'GET' || req.method === 'HEAD') res.status(status).json(result ?? null);
      else sendUnrevalidated(res, status, result ?? null);
    } catch (e) {
      if (controller.signal.aborted) {
        // the failure is the abort itself: the 503 is sent or nobody is listening
        if (res.headersSent && !res.writableEnded) res.end();
        return;
      }
      next(e);
    }
  };
}

/**
 * The JSON result of a request no client can revalidate (If-None-Match is a GET's, and Express answers 304
 * only to GET and HEAD), written as it is. Through `res.json`, Express copies each body of 1,000 characters
 * or more into a Buffer and hashes all of it (SHA-1) for an ETag nobody reads. Under 16 clients searching
 * (POST, 18.7 KB a result), the engine's CPU a request 2.10 → 1.98 ms. Node sets the Content-Length of a
 * body given whole to end().
 */
function sendUnrevalidated(res: Response, status: number, value: unknown): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(value));
}

function errorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const body = toErrorBody(err);
    if (body.status >= 500) {
      // the request's logger (it carries the request id), else the app's: once, not on both
      const reqLog = (req as Request & { log?: AppContext['log'] }).log;
      if (reqLog) reqLog.error({ err }, 'request failed');
      else ctx.log.error({ err });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (isCiteError(err) && err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(body.status).json({ code: body.code, message: body.message, ...(body.details ? { details: body.details } : {}), request_id: req.id });
  };
}

/** Maps any thrown value to what the client may see: never a stack trace or SQL. */
export function toErrorBody(err: unknown): { status: number; code: string; message: string; details?: unknown } {
  if (isCiteError(err)) return { status: err.status, code: err.code, message: err.message, details: err.details };
  // the router's decoding of a path parameter (« %E0%A4%A »): the client's mistake, not the engine's
  if (err instanceof URIError) return { status: 400, code: 'INVALID_PATH', message: 'The path holds a malformed percent-escape' };
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e?.type === 'entity.parse.failed') return { status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON' };
  if (e?.type === 'entity.too.large') return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return { status: 415, code: 'UNSUPPORTED_ENCODING', message: 'Unsupported body encoding' };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose)
    return { status: e.status, code: 'BAD_REQUEST', message: 'The request could not be processed' };
  return { status: 500, code: 'INTERNAL', message: 'Internal error; the request id identifies it in the logs' };
}
