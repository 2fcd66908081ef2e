/**
 * Sign-in with ProConnect in a real Chromium (issue 23): the console's sign-in page offers "S'identifier avec
 * ProConnect" beside the key form; the button goes through a real OpenID provider (oidc-provider on loopback,
 * its login form filled as a person would) and lands signed in on the Ask page, whose question is sent with
 * the session cookie and its CSRF token. An admin then limits her to one collection in "Utilisateurs".
 */
import { startTestProvider, type TestProvider } from '@cite/app/auth/oidc/testing/oidc-test-provider.js';
import { freePort } from '@cite/core/testing/free-port.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, signIn, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt } from './harness/engine.js';

for (const mode of availableModes())
  describe(`sign-in with ProConnect in chromium [${mode}]`, () => {
    let e: TestEngine;
    let provider: TestProvider;
    let browser: BrowserSession;
    let url: string;

    beforeAll(async () => {
      ensureConsoleBuilt();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      provider = await startTestProvider(url);
      provider.accounts.set('marie', { email: 'marie.dupont@travail.gouv.fr', given_name: 'Marie', usual_name: 'Dupont' });
      e = await startTestEngine(mode, {
        PORT: String(port),
        PUBLIC_URL: url,
        EMBEDDINGS: 'hash',
        RATE_LIMIT_PER_MINUTE: '100000',
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.clientId,
        OIDC_CLIENT_SECRET: provider.clientSecret,
        OIDC_SCOPES: 'openid email given_name usual_name',
        OIDC_ACR_VALUES: 'eidas1',
        OIDC_USERINFO_SIGNED_RESPONSE_ALG: 'RS256',
        OIDC_ALLOWED_EMAIL_DOMAINS: '*.gouv.fr',
      });
      browser = await openBrowser();
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
      await provider?.stop();
    });

    it('signs an agent in through the provider into the Ask page, whose question goes with the session', async () => {
      const page = await browser.page();
      await page.goto(`${url}/console/`);
      const button = page.getByRole('link', { name: 'S’identifier avec ProConnect' });
      await button.waitFor();
      // the key form stays, for admins and programs
      await expect(page.locator('#api-key').isVisible()).resolves.toBe(true);
      await button.click();

      // the provider's own login form
      await page.locator('input[name="login"]').fill('marie');
      await page.locator('input[name="password"]').fill('any');
      await page.locator('button[type="submit"]').click();

      await page.waitForURL(/\/console\/ask$/);
      const cookies = await browser.context.cookies(url);
      const session = cookies.find((c) => c.name === 'cite_session')!;
      expect(session.httpOnly).toBe(true);
      expect(session.sameSite).toBe('Lax');

      const asked = page.waitForResponse((r) => r.url().endsWith('/v1/answers') && r.request().method() === 'POST');
      await page.getByTestId('question').fill('Quelle est la durée du préavis de démission ?');
      await page.keyboard.press('Enter');
      const answer = await asked;
      expect(answer.status()).toBe(200);
      expect(answer.request().headers()['x-csrf-token']).toMatch(/^[\w-]{43}$/);
      expect(answer.request().headers().authorization).toBeUndefined();

      // the audit log names the person
      const audit = (await (await e.fetch(`/admin/api/audit-log?filter=${encodeURIComponent(JSON.stringify({ action: 'user.sign_in' }))}`)).json()) as Array<{ actor_name: string }>;
      expect(audit.map((a) => a.actor_name)).toEqual(['Marie Dupont <marie.dupont@travail.gouv.fr>']);
    });

    it('lets an admin limit the person to one collection in the Utilisateurs screen', async () => {
      const { rows } = await e.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('rh'), ('juridique') RETURNING id`);
      const rh = Number(rows[0]!.id);
      const users = (await (await e.fetch('/admin/api/users?range=[0,9]')).json()) as Array<{ id: number; collections: number[] | null }>;
      expect(users).toHaveLength(1);
      expect(users[0]!.collections).toBeNull();

      browser.errors(); // the provider's own pages (its web font) are not the console's
      await browser.context.clearCookies(); // the admin signs in with a key, not as Marie
      const page = await browser.page();
      await signIn(page, url, e.keys.admin);
      await page.goto(`${url}/console/users/${users[0]!.id}`);
      const all = page.getByLabel('Toutes les collections');
      await all.waitFor();
      expect(await all.isChecked()).toBe(true);
      await all.click();
      await page.getByRole('combobox', { name: 'Collections' }).click();
      await page.getByRole('option', { name: 'rh' }).click();
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL(/\/console\/users$/);

      const after = (await (await e.fetch(`/admin/api/users/${users[0]!.id}`)).json()) as { collections: number[] | null };
      expect(after.collections).toEqual([rh]);
      expect(browser.errors()).toEqual([]);
    });
  });
