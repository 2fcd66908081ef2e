/**
 * A real OpenID Connect provider (oidc-provider, the certified library) on a loopback port, configured as
 * ProConnect is: PKCE, `acr_values` (eidas1), the `claims` parameter, userinfo answered as a signed JWT
 * (RS256), RP-initiated logout. Its development login form accepts any account id; `signIn` drives it as a
 * browser would (cookies per origin, redirects followed by hand) and stops at the engine's callback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  email: string;
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
  stop(): Promise<void>;
}

/** A free loopback port (the engine's must be known before the provider registers its redirect URL). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startTestProvider(engineUrl: string): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  const clientId = 'cite-test';
  const clientSecret = 'a-test-client-secret-of-some-length';
  const provider = new Provider(issuer, {
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
      email: ['email'],
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
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
