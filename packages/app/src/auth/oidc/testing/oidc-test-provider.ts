/**
 * A real OpenID Connect provider (oidc-provider, the certified library) on a loopback port, configured as
 * ProConnect is: PKCE, `acr_values` (eidas1), the `claims` parameter, userinfo answered as a signed JWT
 * (RS256), RP-initiated logout. Its development login form accepts any account id; `signIn` drives it as a
 * browser would (cookies per origin, redirects followed by hand) and stops at the engine's callback.
 * Its signing key is made here, so a test may sign what the provider would and rewrite its token and
 * userinfo answers on their way out (a forged or tampered JWT reaching the engine as from the provider).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  email: string;
  /** Given with the email scope when set; a provider open to self-registration says false until proved. */
  email_verified?: boolean;
  given_name?: string;
  usual_name?: string;
  uid?: string;
  siret?: string;
  /** Role names, read through OIDC_ROLE_CLAIM=groups. */
  groups?: string[];
  /** Collection names, read through OIDC_COLLECTIONS_CLAIM=cite_collections. */
  cite_collections?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by id (the login typed in the provider's form); tests add to it. */
  accounts: Map<string, TestAccount>;
  /** When set, the token endpoint's ID token and the userinfo JWT pass through these before leaving. */
  rewrite: { idToken?: (jwt: string) => string; userinfo?: (jwt: string) => string };
  /** Signs a JWT with the provider's own key (the one its JWKS publishes). */
  signAsProvider(payload: Record<string, unknown>): string;
  stop(): Promise<void>;
}

/** The key id the provider publishes; a forged JWT claims it too. */
export const PROVIDER_KID = 'test-provider-key';

export function rsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 JWT signed with `key`, naming `kid` as its key. */
export function signJwt(payload: Record<string, unknown>, key: KeyObject, kid = PROVIDER_KID): string {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

/** The same JWT, header and signature kept, its payload changed: what a tampering middleman sends. */
export function tamperJwt(jwt: string, change: Record<string, unknown>): string {
  const [header, , signature] = jwt.split('.');
  return `${header}.${b64url({ ...jwtPayload(jwt), ...change })}.${signature}`;
}

/** Marks the provider's own request for the answer a rewrite starts from. */
const PASSTHROUGH = 'x-test-passthrough';

/** Answers the provider's token or userinfo request after rewriting it, or returns false to let the provider answer. */
async function rewritten(provider: TestProvider, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
  const path = new URL(req.url ?? '/', provider.issuer).pathname;
  const which = path === '/token' ? 'idToken' : path === '/me' ? 'userinfo' : undefined;
  const rewrite = which && provider.rewrite[which];
  if (!rewrite || req.headers[PASSTHROUGH]) return false;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = { [PASSTHROUGH]: '1' };
  for (const name of ['authorization', 'content-type', 'accept']) if (req.headers[name]) headers[name] = String(req.headers[name]);
  const original = await fetch(`${provider.issuer}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
  let body = await original.text();
  if (original.ok && which === 'idToken') {
    const tokens = JSON.parse(body) as { id_token: string };
    body = JSON.stringify({ ...tokens, id_token: rewrite(tokens.id_token) });
  } else if (original.ok) body = rewrite(body);
  res.writeHead(original.status, { 'content-type': original.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' });
  res.end(body);
  return true;
}

export async function startTestProvider(engineUrl: string): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  const clientId = 'cite-test';
  const clientSecret = 'a-test-client-secret-of-some-length';
  const key = rsaKey();
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...key.export({ format: 'jwk' }), kid: PROVIDER_KID, alg: 'RS256', use: 'sig' }] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [`${engineUrl}/auth/callback`],
        post_logout_redirect_uris: [`${engineUrl}/console/`],
        token_endpoint_auth_method: 'client_secret_post',
        userinfo_signed_response_alg: 'RS256',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    // ProConnect's scopes are named after the claims they give
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      given_name: ['given_name'],
      usual_name: ['usual_name'],
      uid: ['uid'],
      siret: ['siret'],
      groups: ['groups', 'cite_collections'],
    },
    acrValues: ['eidas1'],
    features: {
      devInteractions: { enabled: true },
      claimsParameter: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    cookies: { keys: ['test-provider-cookie-key'] },
    findAccount: async (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      return account && { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    // consent is given at once: every scope and claim the client asks for
    loadExistingGrant: async (ctx: {
      oidc: { client: { clientId: string }; session: { accountId: string }; requestParamScopes: Set<string>; requestParamClaims: Set<string> };
    }) => {
      const grant = new provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
      grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
  });
  const answer = provider.callback();
  const testProvider: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    rewrite: {},
    signAsProvider: (payload) => signJwt(payload, key),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req, res) => {
    rewritten(testProvider, req, res).then(
      (done) => done || answer(req, res),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  return testProvider;
}

/**
 * The response's Set-Cookie lines. Within the engine's process fetch goes through the outbound guard's
 * dispatcher, which hands them over joined by commas: split them again (not inside an Expires date).
 */
export function setCookies(res: Response): string[] {
  return res.headers.getSetCookie().flatMap((line) => line.split(/,(?=\s*[^;,=\s]+=)/)).map((l) => l.trim());
}

/** A cookie jar per origin, and requests that never follow redirects on their own. */
export class Browser {
  private jars = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    jar.set(name, value);
  }

  async fetch(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin);
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (jar?.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { method: init.method ?? 'GET', body: init.body, headers, redirect: 'manual' });
    for (const line of setCookies(res)) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.jars.get(origin)?.delete(name);
      else this.setCookie(origin, name, value);
    }
    return res;
  }

  /** Follows redirects from `url` until one leads to `stopAt` (not fetched), returning that URL. */
  async followUntil(url: string, stopAt: string): Promise<string> {
    let next = url;
    for (let i = 0; i < 20; i++) {
      if (next.startsWith(stopAt)) return next;
      const res = await this.fetch(next);
      const location = res.headers.get('location');
      if (!location) throw new Error(`${next} answered ${res.status} without a redirect: ${(await res.text()).slice(0, 300)}`);
      next = new URL(location, next).href;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/**
 * Signs in at the provider as `accountId`, from the engine's /auth/login to the provider's redirect back:
 * returns the callback URL (not yet fetched), so a test may fetch it, tamper with it or replay it.
 */
export async function signInAtProvider(browser: Browser, engineUrl: string, accountId: string, loginPath = '/auth/login'): Promise<string> {
  const callback = `${engineUrl}/auth/callback`;
  let next = `${engineUrl}${loginPath}`;
  for (let i = 0; i < 20; i++) {
    if (next.startsWith(callback)) return next;
    const res = await browser.fetch(next);
    const location = res.headers.get('location');
    if (location) {
      next = new URL(location, next).href;
      continue;
    }
    const page = await res.text();
    const prompt = /name="prompt" value="(login|consent)"/.exec(page)?.[1];
    if (res.status !== 200 || !prompt) throw new Error(`${next} answered ${res.status}: ${page.slice(0, 300)}`);
    const form = new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt });
    const submitted = await browser.fetch(next, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const after = submitted.headers.get('location');
    if (!after) throw new Error(`the provider's ${prompt} form answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
    next = new URL(after, next).href;
  }
  throw new Error('the sign-in did not come back to the engine');
}
