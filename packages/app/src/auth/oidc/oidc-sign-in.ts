/**
 * Sign-in with OpenID Connect (ProConnect): authorization code flow with PKCE, state and nonce, through
 * openid-client. The login step keeps what the callback must check in a row (oidc_logins) named by the hash of
 * a short-lived cookie, so the callback is bound to the browser that started it, works on any engine replica,
 * and is taken once: a replayed callback finds nothing.
 */
import * as oidc from 'openid-client';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { OIDC_CLOCK_TOLERANCE_SECONDS } from '@cite/core/config/config.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { signInUser } from '../../users/users-service.js';
import type { UserRow } from '../../users/users-repo.js';
import { emailDomainAllowed, emailUnverified, listOf, type Claims } from './claims-mapping.js';
import { oidcConfiguration, postLogoutUrl, redirectUrl } from './oidc-client.js';
import { hashToken, openSession, personLabel, randomSecret, type OpenedSession } from '../sessions/session-auth.js';
import * as sessions from '../sessions/sessions-repo.js';

/** Time a person has to sign in at the provider. */
export const LOGIN_TTL_SECONDS = 600;

/** Only a path of this engine (never another site: no open redirect through the sign-in). */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/console/';
}

/** The `claims` request parameter: each configured claim asked for the userinfo answer, where ProConnect gives them. */
function claimsRequest(names: string[]): string {
  return JSON.stringify({ userinfo: Object.fromEntries(names.map((n) => [n, { essential: true }])) });
}

export interface StartedSignIn {
  /** Secret of the browser's sign-in cookie. */
  loginSecret: string;
  /** The provider's authorization URL to redirect to. */
  url: string;
}

export async function startSignIn(app: AppContext, returnTo: unknown): Promise<StartedSignIn> {
  const cfg = app.config;
  const config = await oidcConfiguration(app);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: redirectUrl(cfg),
    scope: cfg.OIDC_SCOPES,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  if (cfg.OIDC_ACR_VALUES) params.acr_values = cfg.OIDC_ACR_VALUES;
  const claims = listOf(cfg.OIDC_CLAIMS);
  if (claims.length) params.claims = claimsRequest(claims);
  const loginSecret = randomSecret();
  await sessions.deleteStale(app.db);
  await sessions.insertLogin(app.db, {
    id: hashToken(loginSecret),
    state,
    nonce,
    code_verifier: codeVerifier,
    return_to: safeReturnPath(returnTo),
    expiresAt: new Date(Date.now() + LOGIN_TTL_SECONDS * 1000),
  });
  return { loginSecret, url: oidc.buildAuthorizationUrl(config, params).href };
}

export interface FinishedSignIn {
  user: UserRow;
  session: OpenedSession;
  returnTo: string;
}

const FORBIDDEN_CODES = new Set(['OIDC_EMAIL_DOMAIN_REFUSED', 'OIDC_EMAIL_NOT_VERIFIED']);
const refused = (code: string, message: string, cause?: unknown) =>
  new CiteError(code, message, { status: FORBIDDEN_CODES.has(code) ? 403 : 400, cause });

/**
 * Checks the provider's answer (the login row of this browser, state, PKCE, the ID token's signature,
 * issuer, audience and nonce, the userinfo answer, signed or not, and its subject), the e-mail domain, then
 * finds or creates the person and opens a session. Throws a CiteError naming what failed.
 */
export async function finishSignIn(
  app: AppContext,
  input: { loginSecret: string | undefined; query: URLSearchParams; ip: string; requestId: string },
): Promise<FinishedSignIn> {
  const cfg = app.config;
  const pending = input.loginSecret ? await sessions.takeLogin(app.db, hashToken(input.loginSecret)) : undefined;
  if (!pending) throw refused('OIDC_LOGIN_NOT_FOUND', 'No sign-in in progress in this browser (expired, already used, or started elsewhere): sign in again');
  if (input.query.get('error')) {
    throw refused('OIDC_PROVIDER_REFUSED', `The provider refused the sign-in: ${input.query.get('error')} ${input.query.get('error_description') ?? ''}`.trim());
  }
  if (input.query.get('state') !== pending.state) throw refused('OIDC_STATE_MISMATCH', 'The sign-in answer does not carry the state this browser was given');
  const config = await oidcConfiguration(app);
  const currentUrl = new URL(redirectUrl(cfg));
  currentUrl.search = input.query.toString();
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.code_verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
  } catch (e) {
    throw refused('OIDC_CODE_REFUSED', `The sign-in could not be completed: ${(e as Error).message}`, e);
  }
  const idClaims = tokens.claims()!;
  // openid-client checks exp and nbf against the clock, iat only for its type: a token issued in the future
  // (minted in advance, or by a provider whose clock is off) would be taken for as long as its exp allows
  const ahead = idClaims.iat - Math.floor(Date.now() / 1000);
  if (ahead > OIDC_CLOCK_TOLERANCE_SECONDS) {
    const message = `The sign-in could not be completed: the ID token is issued ${ahead} s in the future`;
    throw refused('OIDC_CODE_REFUSED', message);
  }
  let claims: Claims & { sub: string } = { ...idClaims };
  if (config.serverMetadata().userinfo_endpoint) {
    try {
      // a signed JWT answer (ProConnect) is checked against the provider's keys (enableNonRepudiationChecks in
      // oidc-client.ts); its subject must be the ID token's
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...claims, ...userinfo, sub: idClaims.sub };
    } catch (e) {
      throw refused('OIDC_USERINFO_INVALID', `The provider's userinfo answer was refused: ${(e as Error).message}`, e);
    }
  }
  const email = typeof claims.email === 'string' ? claims.email : '';
  const issuer = config.serverMetadata().issuer;
  const domains = listOf(cfg.OIDC_ALLOWED_EMAIL_DOMAINS);
  // the domain gate is worth only what the address is: one the provider says nobody proved does not pass it
  const unverified = domains.length > 0 && emailUnverified(claims);
  if (unverified || !emailDomainAllowed(email, domains)) {
    const reason = unverified ? 'OIDC_EMAIL_NOT_VERIFIED' : 'OIDC_EMAIL_DOMAIN_REFUSED';
    await recordAudit(app.db, {
      actorName: email || claims.sub,
      action: 'user.sign_in_refused',
      targetType: 'user',
      after: { reason, email, issuer },
      ip: input.ip,
      requestId: input.requestId,
    });
    if (unverified) {
      throw refused(reason, `The provider has not verified the e-mail address ${email || 'of this account'}`);
    }
    throw refused(reason, `The e-mail domain of ${email || 'this account'} may not sign in here`);
  }
  let signedIn: Awaited<ReturnType<typeof signInUser>>;
  try {
    signedIn = await signInUser(app.db, cfg, issuer, claims);
  } catch (e) {
    if (isCiteError(e) && e.code === 'USER_DISABLED') {
      await recordAudit(app.db, { actorName: email, action: 'user.sign_in_refused', targetType: 'user', after: { reason: e.code }, ip: input.ip, requestId: input.requestId });
    }
    throw e;
  }
  const { user, created } = signedIn;
  const session = await openSession(app.db, cfg, { userId: user.id, idToken: tokens.id_token ?? null, ip: input.ip || null });
  const actor = { actorKeyId: user.api_key_id, actorName: personLabel(user), ip: input.ip, requestId: input.requestId };
  if (created) await recordAudit(app.db, { ...actor, action: 'user.create', targetType: 'user', targetId: user.id, after: user });
  await recordAudit(app.db, { ...actor, action: 'user.sign_in', targetType: 'user', targetId: user.id, after: { issuer, acr: idClaims.acr ?? null } });
  return { user, session, returnTo: pending.return_to };
}

/** Where to send the browser to sign out at the provider too (its end_session_endpoint), or undefined. */
export async function providerLogoutUrl(app: AppContext, idToken: string | null): Promise<string | undefined> {
  const config = await oidcConfiguration(app);
  if (!config.serverMetadata().end_session_endpoint) return undefined;
  const params: Record<string, string> = { post_logout_redirect_uri: postLogoutUrl(app.config), client_id: app.config.OIDC_CLIENT_ID! };
  if (idToken) params.id_token_hint = idToken;
  // ProConnect asks for a state on logout as on login
  params.state = oidc.randomState();
  return oidc.buildEndSessionUrl(config, params).href;
}
