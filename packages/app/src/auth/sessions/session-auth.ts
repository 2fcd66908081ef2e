/**
 * Browser sessions opened by an OpenID Connect sign-in: the cookie, the person it stands for, and the CSRF
 * check of cookie-authenticated writes. The app's one authentication path (http/app.ts) calls
 * `sessionCaller` when a request carries no API key, so every route that takes a key takes a session.
 *
 * CSRF: the cookie is SameSite=Lax, which keeps it off cross-site POSTs, but "site" means the registrable
 * domain: a page on any other *.gouv.fr host is same-site and could post to Cité with it. So writes made with
 * the cookie must also carry the session's CSRF token in `X-CSRF-Token` (a synchronizer token, read from
 * GET /auth/session): another origin can neither read that answer (no CORS for it) nor set a custom header
 * without a preflight it does not pass. An Origin check alone would not do: browsers omit Origin on some
 * requests and proxies may rewrite it.
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '@cite/core/config/config.js';
import type { Queryable } from '@cite/core/db/database.js';
import { CiteError } from '@cite/core/errors.js';
import type { Caller } from '@cite/core/auth/roles.js';
import * as repo from './sessions-repo.js';

export const SESSION_COOKIE = 'cite_session';
/**
 * The session cookie's name behind https. A browser takes a `__Host-` cookie only from this host, Secure, for
 * Path=/ and without Domain: another host of the site (any *.gouv.fr page, as above) could otherwise plant its
 * own `cite_session` for the parent domain and a longer path, which the browser sends first, so that the
 * console worked in the planter's account and the planter read what was asked there.
 */
export const SECURE_SESSION_COOKIE = '__Host-cite_session';

/** The name the session cookie has on this request: `__Host-` behind https, where browsers honour it. */
export function sessionCookie(config: Config, req: Request): string {
  return secureCookies(config, req) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const hashToken = (secret: string): string => crypto.createHash('sha256').update(secret).digest('hex');
export const randomSecret = (): string => crypto.randomBytes(32).toString('base64url');

/** One cookie of the request, or undefined. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Secure cookies behind https: the request came over TLS (directly or through a trusted proxy), or the public address is https. */
export function secureCookies(config: Config, req: Request): boolean {
  return req.secure || /^https:/i.test(config.PUBLIC_URL ?? '');
}

export function setCookie(res: Response, name: string, value: string, opts: { secure: boolean; maxAgeSeconds: number; path?: string }): void {
  const attributes = [`${name}=${value}`, `Path=${opts.path ?? '/'}`, `Max-Age=${opts.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.secure) attributes.push('Secure');
  res.append('Set-Cookie', attributes.join('; '));
}

export function clearCookie(res: Response, name: string, opts: { secure: boolean; path?: string }): void {
  setCookie(res, name, '', { ...opts, maxAgeSeconds: 0 });
}

export interface OpenedSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function openSession(
  db: Queryable,
  config: Config,
  s: { userId: number; idToken: string | null; ip: string | null },
  now = new Date(),
): Promise<OpenedSession> {
  const token = randomSecret();
  const csrfToken = randomSecret();
  const expiresAt = new Date(now.getTime() + config.OIDC_SESSION_HOURS * 3_600_000);
  await repo.insertSession(db, { tokenHash: hashToken(token), userId: s.userId, csrfToken, idToken: s.idToken, expiresAt, ip: s.ip });
  return { token, csrfToken, expiresAt };
}

export interface SessionCaller {
  caller: Caller;
  userId: number;
  csrfToken: string;
  email: string;
}

/** How a person appears in the audit log and in lists: name and e-mail. */
export const personLabel = (p: { name: string; email: string }): string =>
  p.name && p.email ? `${p.name} <${p.email}>` : p.name || p.email;

/**
 * The caller behind the request's session cookie: undefined without a cookie, 'ended' when the cookie names
 * no live session (expired, signed out, revoked, person disabled).
 */
export async function sessionCaller(
  db: Queryable,
  config: Config,
  req: Request,
  now = new Date(),
): Promise<SessionCaller | 'ended' | undefined> {
  const token = readCookie(req, sessionCookie(config, req));
  if (!token) return undefined;
  if (token.length > 200) return 'ended';
  const p = await repo.findLiveSession(db, hashToken(token), now);
  if (!p) return 'ended';
  return {
    caller: { keyId: p.api_key_id, name: personLabel(p), role: p.role, collections: p.collections },
    userId: p.user_id,
    csrfToken: p.csrf_token,
    email: p.email,
  };
}

/** Cookie-authenticated writes carry the session's CSRF token (see the top of this file); throws CSRF_TOKEN_INVALID (403). */
export function requireCsrfToken(req: Request, expected: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  const given = req.headers[CSRF_HEADER];
  const a = crypto.createHash('sha256').update(typeof given === 'string' ? given : '').digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  if (typeof given !== 'string' || !crypto.timingSafeEqual(a, b)) {
    throw new CiteError('CSRF_TOKEN_INVALID', `A write made with the session cookie must carry the session's token in X-CSRF-Token (GET /auth/session gives it)`, {
      status: 403,
    });
  }
}

/** Ends the request's session, if any; returns the provider's ID token it was opened with. */
export async function endSession(db: Queryable, config: Config, req: Request): Promise<{ idToken: string | null } | undefined> {
  const token = readCookie(req, sessionCookie(config, req));
  if (!token || token.length > 200) return undefined;
  const ended = await repo.revokeSession(db, hashToken(token));
  return ended && { idToken: ended.id_token };
}
