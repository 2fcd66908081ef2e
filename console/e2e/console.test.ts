/**
 * The console in a real browser against a real engine: an admin registers and crawls a loopback
 * site, inspects documents and chunks, creates an agent key; the agent asks, opens a citation and
 * leaves feedback, and cannot reach admin screens; an evaluator reviews the answer. Screenshots of
 * every main screen go to console/e2e/screenshots/ (wide and narrow). Any browser console error fails.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEngine } from '@cite/app/testing/engine.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { NARROW, openBrowser, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt, startEngineForBrowser } from './harness/engine.js';
import { startTestSite, type TestSite } from './harness/test-site.js';

const STEP = 90_000;

async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.locator('#api-key').waitFor();
  // Keyboard only: the field has focus, Enter submits.
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.locator('#api-key').waitFor({ state: 'detached' });
}

for (const mode of availableModes()) {
  describe(`console in chromium [${mode}]`, () => {
    let e: TestEngine;
    let site: TestSite;
    let browser: BrowserSession;
    let base: string;
    let admin: Page;
    let agentKey: string;
    let answerId: string;

    beforeAll(async () => {
      ensureConsoleBuilt();
      site = await startTestSite();
      e = await startEngineForBrowser(mode);
      base = e.url;
      browser = await openBrowser();
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
      await site?.close();
    });

    it('serves the console with deep links that survive a refresh', async () => {
      const deep = await fetch(`${base}/console/sources/1/show`);
      expect(deep.status).toBe(200);
      expect(await deep.text()).toContain('<div id="root">');
      const root = await fetch(`${base}/`, { redirect: 'manual' });
      expect(root.headers.get('location')).toBe('/console/');
    });

    it('signs an admin in with the keyboard and shows the dashboard', async () => {
      admin = await browser.page();
      await admin.goto(`${base}/console/`);
      await admin.locator('#api-key').waitFor();
      await browser.screenshot(admin, 'login');
      await signIn(admin, base, e.keys.admin);
      await admin.getByTestId('total-documents').waitFor();
      await admin.getByTestId('activity-chart').waitFor();
      expect(await admin.getByTestId('total-documents').textContent()).toBe('0');
      await browser.screenshot(admin, 'dashboard-empty');
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('creates a source for the test site, validating fields inline', async () => {
      await admin.goto(`${base}/console/sources/create`);
      await admin.locator('[name="name"]').fill('Site de test');
      await admin.locator('[name="collection"]').fill('travail');
      await admin.locator('[name="start_urls"]').fill('pas une url');
      await admin.locator('[name="max_pages"]').click();
      await admin.getByText('URL invalide : pas une url').waitFor();
      await admin.locator('[name="start_urls"]').fill(`${site.url}/`);
      await admin.locator('[name="max_pages"]').fill('20');
      await admin.locator('[name="max_depth"]').fill('2');
      await admin.locator('[name="schedule"]').fill('pas du cron');
      await admin.locator('[name="name"]').click();
      await admin.getByText('Expression cron invalide').waitFor();
      await admin.locator('[name="schedule"]').fill('');
      await browser.screenshot(admin, 'source-create');
      await admin.getByRole('button', { name: 'Enregistrer' }).click();
      await admin.waitForURL(/\/console\/sources\/\d+\/show$/);
      await admin.getByText('Site de test').first().waitFor();
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('crawls it and follows the run live until it finishes', async () => {
      await admin.getByRole('button', { name: 'Collecter maintenant' }).click();
      await admin.waitForURL(/\/console\/crawl-runs\/\d+\/show$/);
      await admin.getByTestId('run-progress').waitFor();
      await admin.getByText('réussie').first().waitFor({ timeout: 75_000 });
      const indexed = Number(await admin.getByTestId('run-indexed').textContent());
      expect(indexed).toBeGreaterThanOrEqual(3);
      await browser.screenshot(admin, 'crawl-run');
      await admin.goto(`${base}/console/sources`);
      await admin.getByText('Site de test').first().waitFor();
      await browser.screenshot(admin, 'sources');
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('opens a document with its metadata and chunks', async () => {
      await admin.goto(`${base}/console/documents`);
      await admin.getByText('Congés payés du salarié').first().click();
      await admin.waitForURL(/\/console\/documents\/\d+\/show/);
      await browser.screenshot(admin, 'document');
      await admin.getByRole('tab', { name: 'Passages' }).click();
      const chunks = admin.getByTestId('chunks');
      await chunks.waitFor();
      await chunks.getByText('2,5 jours ouvrables', { exact: false }).first().waitFor();
      await browser.screenshot(admin, 'document-chunks');
      // A refresh on the deep link lands on the same screen.
      await admin.reload();
      await admin.getByTestId('chunks').waitFor();
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('creates an agent key, shown once', async () => {
      await admin.goto(`${base}/console/api-keys/create`);
      await admin.locator('[name="name"]').fill('Agent e2e');
      await admin.getByRole('button', { name: 'Enregistrer' }).click();
      const field = admin.getByTestId('created-key');
      await field.waitFor();
      agentKey = await field.inputValue();
      expect(agentKey.length).toBeGreaterThan(20);
      await browser.screenshot(admin, 'api-key-created');
      await admin.getByRole('button', { name: 'J’ai copié la clé' }).click();
      await admin.waitForURL(/\/console\/api-keys$/);
      await admin.getByText('Agent e2e').waitFor();
      await browser.screenshot(admin, 'api-keys');
      await admin.goto(`${base}/console/audit-log`);
      await admin.getByText('api_key.create').first().waitFor();
      await browser.screenshot(admin, 'audit-log');
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('lets the agent ask, open a citation and leave feedback', async () => {
      const agent = await browser.page();
      await signIn(agent, base, agentKey);
      await agent.waitForURL(/\/console\/ask$/);
      await agent.getByTestId('question').waitFor();
      await agent.getByTestId('question').fill('Combien de jours de congés payés par mois de travail ?');
      await agent.keyboard.press('Enter');
      await agent.getByTestId('feedback').waitFor({ timeout: 60_000 });
      expect(await agent.getByTestId('answer-text').textContent()).toMatch(/2,5 jours/);
      // Keyboard: Tab reaches the first citation, Enter opens it.
      const cite = agent.getByTestId('cite-1').first();
      await cite.focus();
      await agent.keyboard.press('Enter');
      const dialog = agent.getByTestId('citation-dialog');
      await dialog.waitFor();
      expect(await agent.getByTestId('citation-quote').textContent()).toBeTruthy();
      expect(await agent.getByTestId('citation-link').getAttribute('href')).toContain(site.url);
      await browser.screenshot(agent, 'ask-citation');
      await agent.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });

      await agent.getByTestId('thumb-down').click();
      await agent.getByTestId('reason-incomplete').click();
      await agent.getByTestId('verdict-1-supports').click();
      await agent.getByRole('textbox', { name: 'Commentaire (facultatif)' }).fill('Il manque le cas des temps partiels.');
      await agent.getByTestId('send-feedback').click();
      await agent.getByRole('status').getByText('Merci, votre avis est enregistré').waitFor();
      await browser.screenshot(agent, 'ask');
      const mine = await fetch(`${base}/v1/answers?limit=5`, { headers: { authorization: `Bearer ${agentKey}` } });
      answerId = ((await mine.json()) as { data: { id: string }[] }).data[0]!.id;
      expect(answerId).toMatch(/[0-9a-f-]{36}/);

      // A follow-up question uses the conversation.
      await agent.getByTestId('question').fill('Et sur une année ?');
      await agent.getByTestId('ask-send').click();
      await agent.getByTestId('turn').nth(1).getByTestId('feedback').waitFor({ timeout: 60_000 });
      const firstAnswer = await agent.getByTestId('answer-text').first().textContent();

      // The history is the server's: another page (another browser) lists both questions, and
      // reopening the follow-up brings back its conversation, the first answer with its citations.
      const elsewhere = await browser.page();
      await elsewhere.addInitScript(() => localStorage.clear());
      await signIn(elsewhere, base, agentKey);
      const history = elsewhere.getByTestId('history');
      await history.getByText('Et sur une année ?').waitFor();
      await history.getByText('Combien de jours de congés payés par mois de travail ?').waitFor();
      await history.getByText('Et sur une année ?').click();
      await elsewhere.getByTestId('turn').nth(1).waitFor();
      expect(await elsewhere.getByTestId('turn').count()).toBe(2);
      expect(await elsewhere.getByTestId('answer-text').first().textContent()).toBe(firstAnswer);
      expect(await elsewhere.getByTestId('turn').first().getByTestId('cite-1').count()).toBeGreaterThan(0);
      await elsewhere.close();

      // The agent sees Ask only, and admin screens do not exist for it, even by URL.
      const menu = await agent.getByRole('menuitem').allTextContents();
      expect(menu.join('|')).not.toMatch(/Sources|Documents|Clés|Tableau/);
      for (const screen of ['sources', 'documents/1/show', 'api-keys', 'answers', 'audit-log']) {
        await agent.goto(`${base}/console/${screen}`);
        await agent.getByTestId('not-found').waitFor();
      }
      await agent.goto(`${base}/console/`);
      await agent.waitForURL(/\/console\/ask$/);
      await agent.setViewportSize(NARROW);
      await agent.getByTestId('question').waitFor();
      await agent.getByTestId('history').waitFor();
      expect(await agent.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
      await browser.screenshot(agent, 'ask-narrow');
      await agent.close();
      expect(browser.errors()).toEqual([]);
    }, 180_000);

    it('lets an evaluator review the answer, judge citations and add it to an evaluation set', async () => {
      const evaluator = await browser.page();
      await signIn(evaluator, base, e.keys.evaluator);
      await evaluator.getByTestId('review-open').waitFor();
      expect(await evaluator.getByTestId('review-open').textContent()).toBe('1');
      await evaluator.goto(`${base}/console/answers`);
      await evaluator.getByText('Combien de jours de congés payés').first().click();
      await evaluator.waitForURL(new RegExp(`/console/answers/${answerId}/show`));
      await evaluator.getByTestId('feedback-received').getByText('Il manque le cas des temps partiels.').waitFor();
      await evaluator.getByTestId('cite-1').first().click();
      await evaluator.getByTestId('passage-1').waitFor();
      await browser.screenshot(evaluator, 'review');
      await evaluator.getByTestId('thumb-up').click();
      await evaluator.getByTestId('verdict-1-supports').click();
      await evaluator.getByTestId('send-feedback').click();
      await evaluator.getByRole('status').getByText('Merci, votre avis est enregistré').waitFor();
      await evaluator.getByRole('button', { name: 'Marquer comme revue' }).click();
      await evaluator.getByText('Réponse marquée comme revue').waitFor();
      await evaluator.getByRole('button', { name: 'Ajouter à un jeu d’évaluation' }).click();
      await evaluator.getByRole('combobox', { name: 'Jeu d’évaluation' }).fill('Revue e2e');
      await evaluator.getByRole('button', { name: 'Ajouter' }).click();
      await evaluator.getByText('Question ajoutée au jeu d’évaluation').waitFor();
      const { rows } = await e.db.query<{ reviewed_at: unknown }>(`SELECT reviewed_at FROM answers WHERE id = $1`, [answerId]);
      expect(rows[0]!.reviewed_at).not.toBeNull();
      // Evaluators do not get admin screens either.
      await evaluator.goto(`${base}/console/sources`);
      await evaluator.getByTestId('not-found').waitFor();
      await evaluator.close();
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('pauses, resumes and deletes a source after confirmation; its documents leave search', async () => {
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${e.keys.admin}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const source = (await (
        await api('POST', '/admin/api/sources', {
          name: 'Source à retirer',
          kind: 'website',
          collection: 'a-retirer',
          start_urls: [`${site.url}/`],
          max_pages: 5,
          max_depth: 1,
        })
      ).json()) as { id: number; collection_id: number };
      const run = (await (await api('POST', `/admin/api/sources/${source.id}/crawl`)).json()) as { id: number };
      for (let status = 'queued'; status === 'queued' || status === 'running'; ) {
        await new Promise((r) => setTimeout(r, 200));
        status = ((await (await api('GET', `/admin/api/crawl-runs/${run.id}`)).json()) as { status: string }).status;
      }
      const found = async () =>
        ((await (await api('POST', '/v1/search', { query: 'congés payés', mode: 'lexical', filters: { collections: [source.collection_id] } })).json()) as {
          data: unknown[];
        }).data.length;
      expect(await found()).toBeGreaterThan(0);

      await admin.goto(`${base}/console/sources/${source.id}/show`);
      await admin.getByText('Source à retirer').first().waitFor();
      await admin.getByRole('button', { name: 'Désactiver' }).click();
      await admin.getByText('Source désactivée').waitFor();
      await admin.getByRole('button', { name: 'Activer' }).waitFor();
      // a paused source cannot be crawled from the console, and the engine knows it is paused
      // polled: the button's state follows the record once react-admin has refetched it
      await expect.poll(() => admin.getByRole('button', { name: 'Collecter maintenant' }).isDisabled()).toBe(true);
      expect(((await (await api('GET', `/admin/api/sources/${source.id}`)).json()) as { enabled: boolean }).enabled).toBe(false);
      await admin.getByRole('button', { name: 'Activer' }).click();
      await admin.getByText('Source activée').waitFor();
      await admin.getByRole('button', { name: 'Désactiver' }).waitFor();
      // polled: the button's state follows the record once react-admin has refetched it
      await expect.poll(() => admin.getByRole('button', { name: 'Collecter maintenant' }).isDisabled()).toBe(false);
      await browser.screenshot(admin, 'source-show');

      await admin.getByRole('button', { name: 'Supprimer' }).click();
      await admin.getByText('Supprimer la source « Source à retirer » ?').waitFor();
      await admin.getByRole('button', { name: 'Confirmer' }).click();
      await admin.waitForURL(/\/console\/sources(\?.*)?$/);
      expect((await api('GET', `/admin/api/sources/${source.id}`)).status).toBe(404);
      expect(await found()).toBe(0);
      // the other source and its documents are untouched
      await admin.getByText('Site de test').first().waitFor();
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('fits a narrow screen and switches to English', async () => {
      await admin.setViewportSize(NARROW);
      await admin.goto(`${base}/console/`);
      await admin.getByTestId('total-documents').waitFor();
      expect(Number(await admin.getByTestId('total-documents').textContent())).toBeGreaterThanOrEqual(3);
      await admin.getByTestId('recent-runs').waitFor();
      expect(await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
      await browser.screenshot(admin, 'dashboard-narrow');
      await admin.goto(`${base}/console/sources`);
      await admin.getByText('Site de test').first().waitFor();
      await browser.screenshot(admin, 'sources-narrow');
      // No horizontal scrolling of the page itself on a phone.
      const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await admin.setViewportSize({ width: 1280, height: 800 });
      await admin.goto(`${base}/console/`);
      await admin.getByTestId('total-documents').waitFor();
      await browser.screenshot(admin, 'dashboard');
      await admin.getByRole('button', { name: /Français/i }).first().click();
      await admin.getByRole('menuitem', { name: 'English' }).click();
      await admin.getByText('Answers and feedback over 30 days').waitFor();
      expect(browser.errors()).toEqual([]);
    }, STEP);
  });
}
