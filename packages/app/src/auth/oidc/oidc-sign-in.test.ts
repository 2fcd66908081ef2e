/**
 * Sign-in with OpenID Connect against a real provider (oidc-provider) on loopback, configured as ProConnect
 * is (acr_values, the claims parameter, userinfo as a signed JWT, RP-initiated logout): the session opens every
 * route a key opens, its writes need the CSRF token, and every check of the callback refuses what it must.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OIDC_CLOCK_TOLERANCE_SECONDS } from '@cite/core/config/config.js';
import { availableModes, failWithoutServerUnderCi } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../../testing/engine.js';
import { freePort } from '@cite/core/testing/free-port.js';
import { Browser, jwtPayload, rsaKey, setCookies, signInAtProvider, signJwt, startTestProvider, tamperJwt, type TestProvider } from './testing/oidc-test-provider.js';

failWithoutServerUnderCi('OpenID Connect sign-in');

for (const mode of availableModes()) {
  describe(`OpenID Connect sign-in [${mode}]`, () => {
    let e: TestEngine;
    let provider: TestProvider;
    let url: string;
    let rh: number;

    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      provider = await startTestProvider(url);
      provider.accounts.set('marie', { email: 'marie.dupont@travail.gouv.fr', given_name: 'Marie', usual_name: 'Dupont', uid: 'u-1', siret: '11000001700017' });
      provider.accounts.set('intrus', { email: 'intrus@example.com', given_name: 'Ian', usual_name: 'Trus' });
      provider.accounts.set('chef', { email: 'chef@interieur.gouv.fr', given_name: 'Claire', usual_name: 'Chef', groups: ['agent', 'admin'], cite_collections: ['rh', 'inconnue'] });
      provider.accounts.set('paul', { email: 'paul@travail.gouv.fr', given_name: 'Paul', usual_name: 'Martin' });
      // a provider open to self-registration: an address nobody proved, at an allowed domain
      provider.accounts.set('usurpe', { email: 'ministre@interieur.gouv.fr', email_verified: false });
      provider.accounts.set('prouve', { email: 'prouve@interieur.gouv.fr', email_verified: true });
      e = await startTestEngine(mode, {
        PORT: String(port),
        PUBLIC_URL: url,
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.clientId,
        OIDC_CLIENT_SECRET: provider.clientSecret,
        OIDC_SCOPES: 'openid email given_name usual_name uid siret groups',
        OIDC_ACR_VALUES: 'eidas1',
        OIDC_CLAIMS: 'given_name usual_name email uid siret',
        OIDC_USERINFO_SIGNED_RESPONSE_ALG: 'RS256',
        OIDC_ALLOWED_EMAIL_DOMAINS: '*.gouv.fr',
        OIDC_ROLE_CLAIM: 'groups',
        OIDC_COLLECTIONS_CLAIM: 'cite_collections',
        OIDC_SESSION_HOURS: '1',
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '10000',
      });
      const { rows } = await e.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('rh') RETURNING id`);
      rh = Number(rows[0]!.id);
    }, 180_000);

    afterAll(async () => {
      await e?.stop();
      await provider?.stop();
    });

    /** Signs `account` in with a fresh browser; returns the browser and the callback's answer. */
    async function signIn(account: string, returnTo?: string) {
      const browser = new Browser();
      const callback = await signInAtProvider(browser, url, account, returnTo ? `/auth/login?return_to=${encodeURIComponent(returnTo)}` : undefined);
      const res = await browser.fetch(callback);
      return { browser, callback, res };
    }

    const session = (b: Browser) => b.cookie(url, 'cite_session');
    const csrf = async (b: Browser) => ((await (await b.fetch(`${url}/auth/session`)).json()) as { csrf_token: string }).csrf_token;

    it('advertises the provider to the console', async () => {
      const res = await fetch(`${url}/auth/config`);
      expect(await res.json()).toEqual({ oidc: true, provider_name: 'ProConnect' });
    });

    it('asks the provider with PKCE, state, nonce, acr_values and the claims parameter', async () => {
      const res = await new Browser().fetch(`${url}/auth/login`);
      expect(res.status).toBe(302);
      const to = new URL(res.headers.get('location')!);
      expect(to.origin).toBe(provider.issuer);
      expect(to.searchParams.get('code_challenge_method')).toBe('S256');
      expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(to.searchParams.get('state')).toBeTruthy();
      expect(to.searchParams.get('nonce')).toBeTruthy();
      expect(to.searchParams.get('acr_values')).toBe('eidas1');
      expect(to.searchParams.get('redirect_uri')).toBe(`${url}/auth/callback`);
      expect(JSON.parse(to.searchParams.get('claims')!)).toEqual({
        userinfo: { given_name: { essential: true }, usual_name: { essential: true }, email: { essential: true }, uid: { essential: true }, siret: { essential: true } },
      });
    });

    it('signs a person in: a session cookie, their name from the signed userinfo, every key route open, writes CSRF-checked, the audit naming them', async () => {
      const { browser, res } = await signIn('marie', '/console/ask');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console/ask');
      const cookie = setCookies(res).find((c) => c.startsWith('cite_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).not.toMatch(/Secure/); // plain http on loopback

      const me = await browser.fetch(`${url}/auth/session`);
      const body = (await me.json()) as { user: { name: string; email: string; role: string; collections: null; key_id: number } };
      // given_name and usual_name come only in the userinfo answer, a JWT signed by the provider
      expect(body.user).toMatchObject({ name: 'Marie Dupont <marie.dupont@travail.gouv.fr>', email: 'marie.dupont@travail.gouv.fr', role: 'agent', collections: null });

      const v1me = await browser.fetch(`${url}/v1/me`);
      expect(v1me.status).toBe(200);
      expect(((await v1me.json()) as { role: string }).role).toBe('agent');

      const search = (headers: Record<string, string>) =>
        browser.fetch(`${url}/v1/search`, { method: 'POST', body: JSON.stringify({ query: 'congés' }), headers: { 'content-type': 'application/json', ...headers } });
      const forged = await search({});
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { code: string }).code).toBe('CSRF_TOKEN_INVALID');
      expect((await search({ 'x-csrf-token': 'not-the-token' })).status).toBe(403);
      expect((await search({ 'x-csrf-token': await csrf(browser) })).status).toBe(200);

      const adminOnly = await browser.fetch(`${url}/admin/api/users`);
      expect(adminOnly.status).toBe(403);

      const audit = await e.fetch(`/admin/api/audit-log?filter=${encodeURIComponent(JSON.stringify({ action: 'user.sign_in' }))}`);
      const entries = (await audit.json()) as Array<{ actor_name: string; actor_key_id: number; after: { acr: string | null } }>;
      expect(entries.map((a) => a.actor_name)).toContain('Marie Dupont <marie.dupont@travail.gouv.fr>');
      expect(entries.find((a) => a.actor_name.startsWith('Marie'))!.actor_key_id).toBe(body.user.key_id);
    });

    it('refuses an e-mail domain outside OIDC_ALLOWED_EMAIL_DOMAINS, opening no session and creating no one', async () => {
      const { browser, res } = await signIn('intrus');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console/login?auth_error=OIDC_EMAIL_DOMAIN_REFUSED');
      expect(session(browser)).toBeUndefined();
      const users = (await (await e.fetch('/admin/api/users?range=[0,99]')).json()) as Array<{ email: string }>;
      expect(users.map((u) => u.email)).not.toContain('intrus@example.com');
    });

    it('refuses an allowed domain whose address the provider says is unverified; a verified one passes', async () => {
      const { browser, res } = await signIn('usurpe');
      expect(res.headers.get('location')).toBe('/console/login?auth_error=OIDC_EMAIL_NOT_VERIFIED');
      expect(session(browser)).toBeUndefined();
      const users = (await (await e.fetch('/admin/api/users?range=[0,99]')).json()) as Array<{ email: string }>;
      expect(users.map((u) => u.email)).not.toContain('ministre@interieur.gouv.fr');
      const filter = encodeURIComponent(JSON.stringify({ action: 'user.sign_in_refused' }));
      const refusals = await e.fetch(`/admin/api/audit-log?filter=${filter}`);
      expect(((await refusals.json()) as Array<{ after: object }>).map((a) => a.after)).toContainEqual(
        expect.objectContaining({ reason: 'OIDC_EMAIL_NOT_VERIFIED', email: 'ministre@interieur.gouv.fr' }),
      );

      const verified = await signIn('prouve');
      expect(verified.res.headers.get('location')).toBe('/console/');
      expect(session(verified.browser)).toBeTruthy();
    });

    it('refuses a tampered state', async () => {
      const browser = new Browser();
      const callback = new URL(await signInAtProvider(browser, url, 'paul'));
      callback.searchParams.set('state', 'forged-state');
      const res = await browser.fetch(callback.href);
      expect(res.headers.get('location')).toBe('/console/login?auth_error=OIDC_STATE_MISMATCH');
      expect(session(browser)).toBeUndefined();
    });

    it('refuses a replayed code: the same callback twice, and the code under a new sign-in of the browser', async () => {
      const { browser, callback, res } = await signIn('paul');
      expect(res.headers.get('location')).toBe('/console/');
      const again = await browser.fetch(callback);
      expect(again.headers.get('location')).toBe('/console/login?auth_error=OIDC_LOGIN_NOT_FOUND');

      // an attacker starting their own sign-in and pasting the used code with their own state: the provider refuses the code
      const attacker = new Browser();
      const started = await attacker.fetch(`${url}/auth/login`);
      const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
      const replay = new URL(callback);
      replay.searchParams.set('state', state);
      const refused = await attacker.fetch(replay.href);
      expect(refused.headers.get('location')).toBe('/console/login?auth_error=OIDC_CODE_REFUSED');
      expect(session(attacker)).toBeUndefined();
    });

    it("refuses an ID token or userinfo not signed by the provider's key, or of wrong nonce, aud or iat", async () => {
      provider.accounts.set('lea', { email: 'lea@travail.gouv.fr', given_name: 'Léa', usual_name: 'Petit' });
      const otherKey = rsaKey();
      /** Signs lea in with the provider's answers rewritten; returns where the callback sends her and whether a session opened. */
      const attempt = async (rewrite: TestProvider['rewrite']) => {
        provider.rewrite = rewrite;
        try {
          const { browser, res } = await signIn('lea');
          return { location: res.headers.get('location'), session: session(browser) };
        } finally {
          provider.rewrite = {};
        }
      };
      const refusedWith = (code: string) => ({ location: `/console/login?auth_error=${code}`, session: undefined });

      // the userinfo JWT: another key claiming the provider's key id, or the provider's own JWT with its payload changed
      expect(await attempt({ userinfo: (jwt) => signJwt(jwtPayload(jwt), otherKey) })).toEqual(refusedWith('OIDC_USERINFO_INVALID'));
      expect(await attempt({ userinfo: (jwt) => tamperJwt(jwt, { email: 'lea@travail.gouv.fr.example.com' }) })).toEqual(refusedWith('OIDC_USERINFO_INVALID'));
      // the ID token: another key; then the provider's key, but a nonce or an audience that are not this sign-in's
      expect(await attempt({ idToken: (jwt) => signJwt(jwtPayload(jwt), otherKey) })).toEqual(refusedWith('OIDC_CODE_REFUSED'));
      expect(await attempt({ idToken: (jwt) => provider.signAsProvider({ ...jwtPayload(jwt), nonce: 'another-sign-in' }) })).toEqual(refusedWith('OIDC_CODE_REFUSED'));
      expect(await attempt({ idToken: (jwt) => provider.signAsProvider({ ...jwtPayload(jwt), aud: 'another-client' }) })).toEqual(refusedWith('OIDC_CODE_REFUSED'));
      // issued an hour ahead of this clock (and valid an hour past it): minted in advance, or by a provider whose
      // clock is off; openid-client checks exp and nbf against the clock, not iat
      const inAnHour = (jwt: string) => {
        const claims = jwtPayload(jwt) as { iat: number; exp: number };
        return provider.signAsProvider({ ...claims, iat: claims.iat + 3600, exp: claims.exp + 3600 });
      };
      expect(await attempt({ idToken: inAnHour })).toEqual(refusedWith('OIDC_CODE_REFUSED'));
      const users = (await (await e.fetch(`/admin/api/users?filter=${encodeURIComponent(JSON.stringify({ q: 'lea@' }))}`)).json()) as unknown[];
      expect(users).toEqual([]);

      // the same answers re-signed unchanged with the provider's key pass: what was refused above was the key or the claim
      const passed = await attempt({ idToken: (jwt) => provider.signAsProvider(jwtPayload(jwt)), userinfo: (jwt) => provider.signAsProvider(jwtPayload(jwt)) });
      expect(passed.location).toBe('/console/');
      expect(passed.session).toBeTruthy();
      // a provider's clock a few seconds ahead, within the tolerance, still signs people in
      const aheadBy = (seconds: number) => (jwt: string) => {
        const claims = jwtPayload(jwt) as { iat: number };
        return provider.signAsProvider({ ...claims, iat: claims.iat + seconds });
      };
      expect((await attempt({ idToken: aheadBy(20) })).session).toBeTruthy();
      const beyond = await attempt({ idToken: aheadBy(OIDC_CLOCK_TOLERANCE_SECONDS + 15) });
      expect(beyond).toEqual(refusedWith('OIDC_CODE_REFUSED'));
    });

    it('ends an expired session', async () => {
      const { browser } = await signIn('paul');
      expect((await browser.fetch(`${url}/v1/me`)).status).toBe(200);
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + 61 * 60_000); // OIDC_SESSION_HOURS=1
        const late = await browser.fetch(`${url}/v1/me`);
        expect(late.status).toBe(401);
        expect(((await late.json()) as { message: string }).message).toMatch(/session has ended/);
      } finally {
        vi.useRealTimers();
      }
    });

    it('logs out here and at the provider (end_session_endpoint with the ID token and the console as the way back)', async () => {
      const { browser } = await signIn('paul');
      const stale = session(browser)!;
      const noToken = await browser.fetch(`${url}/auth/logout`, { method: 'POST' });
      expect(noToken.status).toBe(403);
      const res = await browser.fetch(`${url}/auth/logout`, { method: 'POST', headers: { 'x-csrf-token': await csrf(browser) } });
      expect(res.status).toBe(200);
      expect(session(browser)).toBeUndefined();
      const logoutUrl = new URL(((await res.json()) as { logout_url: string }).logout_url);
      expect(`${logoutUrl.origin}${logoutUrl.pathname}`).toBe(`${provider.issuer}/session/end`);
      expect(logoutUrl.searchParams.get('post_logout_redirect_uri')).toBe(`${url}/console/`);
      expect(logoutUrl.searchParams.get('id_token_hint')).toMatch(/^ey/);
      // the provider accepts the hint and the way back (it answers its sign-out confirmation, not an error)
      const atProvider = await browser.fetch(logoutUrl.href);
      expect(atProvider.status).toBe(200);
      expect(await atProvider.text()).toMatch(/logout/i);
      // the old cookie opens nothing any more
      const replayed = await fetch(`${url}/v1/me`, { headers: { cookie: `cite_session=${stale}` } });
      expect(replayed.status).toBe(401);
      const gone = await fetch(`${url}/auth/session`, { headers: { cookie: `cite_session=${stale}` } });
      expect(await gone.json()).toEqual({ user: null, csrf_token: null });
    });

    it('maps roles and collections from claims at a first sign-in; an admin changes them, and disabling ends the sessions', async () => {
      const { browser: chef } = await signIn('chef');
      const who = (await (await chef.fetch(`${url}/auth/session`)).json()) as { user: { role: string; collections: number[] } };
      expect(who.user.role).toBe('admin'); // the highest role the groups claim lists
      expect(who.user.collections).toEqual([rh]); // 'inconnue' names no collection
      const list = await chef.fetch(`${url}/admin/api/users?range=[0,99]`);
      expect(list.status).toBe(200);

      const { browser: paul } = await signIn('paul');
      const users = (await (await e.fetch(`/admin/api/users?filter=${encodeURIComponent(JSON.stringify({ q: 'paul@' }))}`)).json()) as Array<{ id: number; role: string }>;
      expect(users).toHaveLength(1);
      expect(users[0]!.role).toBe('agent');
      expect((await paul.fetch(`${url}/admin/api/stats`)).status).toBe(403);

      const promote = await e.fetch(`/admin/api/users/${users[0]!.id}`, { method: 'PUT', body: { role: 'evaluator', collections: [rh] } });
      expect(promote.status).toBe(200);
      const after = (await (await paul.fetch(`${url}/auth/session`)).json()) as { user: { role: string; collections: number[] } };
      expect(after.user).toMatchObject({ role: 'evaluator', collections: [rh] });
      // the person's key follows (the keys screen and collection scoping read it)
      const key = (await (await e.fetch(`/admin/api/api-keys/${(after.user as unknown as { key_id: number }).key_id}`)).json()) as { role: string; collections: string[] };
      expect([key.role, key.collections.map(Number)]).toEqual(['evaluator', [rh]]);

      // a limited admin may not widen anyone beyond its own collections
      const widen = await chef.fetch(`${url}/admin/api/users/${users[0]!.id}`, {
        method: 'PUT',
        body: JSON.stringify({ role: 'agent', collections: null }),
        headers: { 'content-type': 'application/json', 'x-csrf-token': await csrf(chef) },
      });
      expect(widen.status).toBe(403);

      const disable = await e.fetch(`/admin/api/users/${users[0]!.id}`, { method: 'PUT', body: { role: 'evaluator', collections: [rh], disabled: true } });
      expect(((await disable.json()) as { disabled: boolean }).disabled).toBe(true);
      expect((await paul.fetch(`${url}/v1/me`)).status).toBe(401);
      const { res } = await signIn('paul');
      expect(res.headers.get('location')).toBe('/console/login?auth_error=USER_DISABLED');
      const audit = (await (await e.fetch(`/admin/api/audit-log?filter=${encodeURIComponent(JSON.stringify({ action: 'user.update' }))}`)).json()) as unknown[];
      expect(audit).toHaveLength(2);
    });
  });
}
