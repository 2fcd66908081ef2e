/** Sign-in with OpenID Connect: the console's sign-in options, login, callback, logout and the current session. */
import { z } from 'zod';
import { isCiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { ROLES } from '@cite/core/auth/roles.js';
import { oidcEnabled } from './oidc-client.js';
import { finishSignIn, LOGIN_TTL_SECONDS, providerLogoutUrl, startSignIn } from './oidc-sign-in.js';
import {
  clearCookie,
  endSession,
  readCookie,
  requireCsrfToken,
  secureCookies,
  sessionCaller,
  sessionCookie,
  setCookie,
} from '../sessions/session-auth.js';

/** The sign-in cookie only travels to /auth (the callback), for the time a sign-in may take. */
const LOGIN_COOKIE = 'cite_oidc_login';
const LOGIN_COOKIE_PATH = '/auth';

export const oidcRoutes = [
  defineRoute({
    method: 'get',
    path: '/auth/config',
    access: 'public',
    summary: 'How people sign in to the console: with the OpenID Connect provider when one is configured, and with an API key',
    tags: ['auth'],
    response: z.object({ oidc: z.boolean(), provider_name: z.string().nullable() }),
    handler: ({ app }) => ({ oidc: oidcEnabled(app.config), provider_name: oidcEnabled(app.config) ? app.config.OIDC_PROVIDER_NAME : null }),
  }),
  defineRoute({
    method: 'get',
    path: '/auth/login',
    access: 'public',
    summary: 'Starts a sign-in: redirects to the OpenID Connect provider (PKCE, state, nonce); `return_to` is a path of this engine',
    tags: ['auth'],
    query: z.object({ return_to: z.string().max(2000).optional() }),
    raw: true,
    perAddressLimit: true,
    handler: async ({ app, query, req, res }) => {
      const started = await startSignIn(app, query.return_to);
      setCookie(res, LOGIN_COOKIE, started.loginSecret, { secure: secureCookies(app.config, req), maxAgeSeconds: LOGIN_TTL_SECONDS, path: LOGIN_COOKIE_PATH });
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, started.url);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/auth/callback',
    access: 'public',
    summary: "The provider's answer: checked, then a session is opened (cookie) and the browser goes back to the console; a refusal goes to the console's sign-in page with `auth_error`",
    tags: ['auth'],
    raw: true,
    perAddressLimit: true,
    handler: async ({ app, req, res, ip, requestId, log }) => {
      const secure = secureCookies(app.config, req);
      clearCookie(res, LOGIN_COOKIE, { secure, path: LOGIN_COOKIE_PATH });
      res.setHeader('Cache-Control', 'no-store');
      const query = new URL(req.originalUrl, 'http://callback').searchParams;
      try {
        const { session, returnTo } = await finishSignIn(app, { loginSecret: readCookie(req, LOGIN_COOKIE), query, ip, requestId });
        setCookie(res, sessionCookie(app.config, req), session.token, { secure, maxAgeSeconds: app.config.OIDC_SESSION_HOURS * 3600 });
        res.redirect(302, returnTo);
      } catch (e) {
        if (!isCiteError(e) || e.status >= 500) throw e;
        log.warn({ code: e.code, reason: e.message }, 'sign-in refused');
        res.redirect(302, `/console/login?auth_error=${encodeURIComponent(e.code)}`);
      }
    },
  }),
  defineRoute({
    method: 'get',
    path: '/auth/session',
    access: 'public',
    summary: 'The signed-in person of this browser and the CSRF token its writes carry in X-CSRF-Token; both null without a live session',
    tags: ['auth'],
    response: z.object({
      user: z
        .object({ id: z.number(), name: z.string(), email: z.string(), role: z.enum(ROLES), collections: z.array(z.number()).nullable(), key_id: z.number() })
        .nullable(),
      csrf_token: z.string().nullable(),
    }),
    handler: async ({ app, req, res }) => {
      res.setHeader('Cache-Control', 'no-store');
      const found = await sessionCaller(app.db, app.config, req);
      // not an error: the console asks on every fresh load, signed in or not
      if (!found || found === 'ended') return { user: null, csrf_token: null };
      const { caller, userId, email, csrfToken } = found;
      return {
        user: { id: userId, name: caller.name, email, role: caller.role, collections: caller.collections, key_id: caller.keyId },
        csrf_token: csrfToken,
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/logout',
    access: 'public',
    summary: "Ends this browser's session here, and gives the provider's sign-out address (`logout_url`) to end it there too",
    tags: ['auth'],
    response: z.object({ logout_url: z.string().nullable() }),
    handler: async ({ app, req, res }) => {
      const found = await sessionCaller(app.db, app.config, req);
      if (found && found !== 'ended') requireCsrfToken(req, found.csrfToken);
      const ended = await endSession(app.db, app.config, req);
      clearCookie(res, sessionCookie(app.config, req), { secure: secureCookies(app.config, req) });
      const logoutUrl = ended && oidcEnabled(app.config) ? await providerLogoutUrl(app, ended.idToken) : undefined;
      return { logout_url: logoutUrl ?? null };
    },
  }),
];
