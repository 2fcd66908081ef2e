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
import { recordAudit } from '../audit/audit-repo.js';
import { roleAtLeast, type Caller } from '../auth/roles.js';
import { CiteError, isCiteError } from '../errors.js';
import { authenticate, noteKeyUsed } from '../keys/api-keys.js';
import { authFailures, httpDuration, httpRequests } from '../observability/metrics.js';
import type { AppContext } from './app-context.js';
import type { RouteDef } from './route.js';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    caller?: Caller;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export interface CreateAppOptions {
  routes: RouteDef[];
  /** Extra mounts after the API routes (console static files). */
  mount?: (app: express.Express) => void;
}

export function createApp(ctx: AppContext, options: CreateAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.locals.routes = options.routes;

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
        req: (req) => ({ id: req.id, method: req.method, url: req.url }),
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

  const jsonParser = express.json({ limit: ctx.config.BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: ctx.config.RATE_LIMIT_PER_MINUTE,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `key:${req.caller?.keyId ?? 'anonymous'}`,
    handler: (req, res) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
      res.setHeader('Retry-After', String(seconds));
      res.status(429).json({ code: 'RATE_LIMITED', message: `Too many requests for this API key; retry in ${seconds} s` });
    },
  });

  for (const route of options.routes) {
    const handlers: express.RequestHandler[] = [timing(route)];
    if (route.access !== 'public') handlers.push(authenticateRequest(ctx, route), limiter);
    if (!route.longRunning) handlers.push(requestTimeout(ctx.config.REQUEST_TIMEOUT_MS));
    if (route.body && !route.bodyContentType) handlers.push(jsonParser);
    handlers.push(runRoute(ctx, route));
    app[route.method](route.path, ...handlers);
  }

  options.mount?.(app);

  app.use((req, _res, next) => next(new CiteError('NOT_FOUND', `No route for ${req.method} ${req.path}`, { status: 404 })));
  app.use(errorHandler(ctx));
  return app;
}

function timing(route: RouteDef): express.RequestHandler {
  return (req, res, next) => {
    const end = httpDuration.startTimer({ method: route.method.toUpperCase(), route: route.path });
    res.on('finish', () => {
      end();
      httpRequests.inc({ method: route.method.toUpperCase(), route: route.path, status: String(res.statusCode) });
    });
    next();
  };
}

function authenticateRequest(ctx: AppContext, route: RouteDef): express.RequestHandler {
  return async (req, _res, next) => {
    try {
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) {
        authFailures.inc({ reason: 'missing' });
        throw new CiteError('UNAUTHENTICATED', 'An API key is required: send Authorization: Bearer <key>', { status: 401 });
      }
      const result = await authenticate(ctx.db, match[1]!);
      if (!result.ok) {
        authFailures.inc({ reason: result.reason });
        await recordAudit(ctx.db, {
          actorKeyId: result.keyId ?? null,
          action: `auth.refused.${result.reason}`,
          targetType: 'route',
          targetId: `${route.method.toUpperCase()} ${route.path}`,
          ip: req.ip,
          requestId: req.id,
        }).catch((e) => ctx.log.warn({ err: e }, 'audit write failed'));
        throw new CiteError('UNAUTHENTICATED', 'Invalid, revoked or expired API key', { status: 401 });
      }
      const caller = result.caller;
      if (route.access !== 'public' && !roleAtLeast(caller.role, route.access)) {
        authFailures.inc({ reason: 'forbidden' });
        throw new CiteError('FORBIDDEN', `This action requires the ${route.access} role; your key has the ${caller.role} role`, {
          status: 403,
        });
      }
      req.caller = caller;
      noteKeyUsed(ctx.db, caller.keyId).catch(() => {});
      next();
    } catch (e) {
      next(e);
    }
  };
}

function requestTimeout(ms: number): express.RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (!res.headersSent) {
        res.status(503).json({ code: 'REQUEST_TIMEOUT', message: `The request took longer than ${ms} ms` });
      }
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
    const issues = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
    throw new CiteError('VALIDATION_FAILED', issues.map((i) => `${i.path}: ${i.message}`).join('; '), {
      status: 400,
      details: issues,
    });
  }
  return r.data;
}

function runRoute(ctx: AppContext, route: RouteDef): express.RequestHandler {
  return async (req, res, next) => {
    try {
      const controller = new AbortController();
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
      res.status(route.status ?? res.statusCode).json(result ?? null);
    } catch (e) {
      next(e);
    }
  };
}

function errorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const body = toErrorBody(err);
    if (body.status >= 500) (req as Request & { log?: AppContext['log'] }).log?.error({ err }, 'request failed') ?? ctx.log.error({ err });
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(body.status).json({ code: body.code, message: body.message, ...(body.details ? { details: body.details } : {}), request_id: req.id });
  };
}

/** Maps any thrown value to what the client may see: never a stack trace or SQL. */
export function toErrorBody(err: unknown): { status: number; code: string; message: string; details?: unknown } {
  if (isCiteError(err)) return { status: err.status, code: err.code, message: err.message, details: err.details };
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e?.type === 'entity.parse.failed') return { status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON' };
  if (e?.type === 'entity.too.large') return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return { status: 415, code: 'UNSUPPORTED_ENCODING', message: 'Unsupported body encoding' };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose)
    return { status: e.status, code: 'BAD_REQUEST', message: 'The request could not be processed' };
  return { status: 500, code: 'INTERNAL', message: 'Internal error; the request id identifies it in the logs' };
}
