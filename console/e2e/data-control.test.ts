/**
 * Data control from the console, in a real browser against a real engine: an admin downloads what an
 * agent's key left (questions, answers, feedback) and erases it after confirming. Then, in an American
 * browser at 1366×768, the keys list fits without scrolling sideways (its web search column included), dates are day first and the emptied
 * feedback list says so in French.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEngine } from '@cite/app/testing/engine.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { openBrowser, signIn, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt, startEngineForBrowser } from './harness/engine.js';

const STEP = 120_000;

for (const mode of availableModes()) {
  describe(`console data control [${mode}]`, () => {
    let e: TestEngine;
    let browser: BrowserSession;
    let admin: Page;
    let agentId = 0;

    beforeAll(async () => {
      ensureConsoleBuilt();
      e = await startEngineForBrowser(mode);
      browser = await openBrowser();
      agentId = Number((await e.db.query<{ id: number }>(`SELECT id FROM api_keys WHERE name = 'test-agent'`)).rows[0]!.id);
      const a = await e.db.query<{ id: string }>(
        `INSERT INTO answers (api_key_id, question, answer) VALUES ($1, 'Combien de jours de congé pour un mariage ?', 'Quatre jours [1]') RETURNING id`,
        [agentId],
      );
      await e.db.query(`INSERT INTO feedback (answer_id, api_key_id, rating, comment) VALUES ($1, $2, 'down', 'réponse incomplète')`, [a.rows[0]!.id, agentId]);
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
    });

    function agentRow(page: Page) {
      return page.locator('tr', { hasText: 'test-agent' });
    }

    it('downloads the export of a key from the keys list', async () => {
      admin = await browser.page();
      await admin.goto(`${e.url}/console/`);
      await admin.locator('#api-key').waitFor();
      await admin.keyboard.type(e.keys.admin);
      await admin.keyboard.press('Enter');
      await admin.locator('#api-key').waitFor({ state: 'detached' });
      await admin.goto(`${e.url}/console/api-keys`);
      await agentRow(admin).waitFor();
      const [download] = await Promise.all([admin.waitForEvent('download'), agentRow(admin).getByRole('button', { name: 'Exporter', exact: true }).click()]);
      expect(download.suggestedFilename()).toBe(`cite-api-key-${agentId}-export.json`);
      const data = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as { answers: Array<{ question: string }>; feedback: Array<{ comment: string }> };
      expect(data.answers.map((x) => x.question)).toEqual(['Combien de jours de congé pour un mariage ?']);
      expect(data.feedback.map((x) => x.comment)).toEqual(['réponse incomplète']);
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('erases the data of a key after confirmation', async () => {
      await agentRow(admin).getByRole('button', { name: 'Effacer', exact: true }).click();
      const dialog = admin.getByRole('dialog');
      await dialog.getByText('Effacer les données de « test-agent » ?').waitFor();
      await browser.screenshot(admin, 'api-key-erase-confirm');
      await dialog.getByRole('button', { name: 'Confirmer' }).click();
      await admin.getByText('Données effacées : 1 réponses, 1 avis, 0 éléments d’évaluation').waitFor();
      expect((await e.db.query(`SELECT 1 FROM answers WHERE api_key_id = $1`, [agentId])).rows).toHaveLength(0);
      const audit = await e.db.query<{ action: string; actor_name: string }>(`SELECT action, actor_name FROM audit_log WHERE action LIKE 'data.%' ORDER BY id`);
      expect(audit.rows).toEqual([
        { action: 'data.export', actor_name: 'test-admin' },
        { action: 'data.erase', actor_name: 'test-admin' },
      ]);
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('fits the keys list in 1366 px, dates day first, French empty list, in an en-US browser', async () => {
      // keys that fill every column: long name, several collections, an expiry, a revocation, a use
      await e.db.query(
        `INSERT INTO api_keys (name, role, key_hash, prefix, collections, created_at, expires_at, revoked_at, last_used_at, web_search)
         VALUES ('intégration-partenaire-ministère-du-travail-production', 'agent', 'hash-e2e-1', 'cite_abcdefgh',
                 ARRAY(SELECT id FROM collections), '2026-03-07T10:05:00Z', now() + interval '30 days', NULL, '2026-04-11T16:20:00Z', true),
                ('ancienne-clé-évaluation', 'evaluator', 'hash-e2e-2', 'cite_ijklmnop', NULL, '2026-01-02T08:00:00Z', NULL, '2026-02-03T09:30:00Z', NULL, false)`,
      );
      const us = await openBrowser({ locale: 'en-US' });
      try {
        const page = await us.page({ width: 1366, height: 768 });
        await signIn(page, e.url, e.keys.admin);
        await page.goto(`${e.url}/console/api-keys`);
        const row = page.locator('tr', { hasText: 'intégration-partenaire' });
        await row.waitFor();
        await page.locator('tr', { hasText: 'ancienne-clé-évaluation' }).waitFor();
        await us.screenshot(page, 'api-keys-1366');
        const overflow = await page.evaluate(() => {
          const bad: string[] = [];
          const root = document.scrollingElement ?? document.documentElement;
          if (root.scrollWidth > root.clientWidth) bad.push(`document ${root.scrollWidth} > ${root.clientWidth}`);
          for (const el of Array.from(document.querySelectorAll<HTMLElement>('*'))) {
            const o = getComputedStyle(el).overflowX;
            if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth) bad.push(`${el.tagName}.${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
          }
          const table = document.querySelector('table');
          if (!table) bad.push('no table');
          else if (table.getBoundingClientRect().right > window.innerWidth) bad.push(`table ends at ${table.getBoundingClientRect().right}`);
          return bad;
        });
        expect(overflow).toEqual([]);
        // Europe/Paris: 10:05 UTC on 7 March is 11:05; an American default would say 3/7/2026
        const text = await row.innerText();
        expect(text).toContain('07/03/2026 11:05');
        expect(text).toContain('11/04/2026 18:20');
        expect(text).toMatch(/expire le \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
        expect(await page.locator('tr', { hasText: 'ancienne-clé-évaluation' }).innerText()).toContain('révoquée le 03/02/2026 10:30');
        // whether each key may search the internet (issue 22), in its own column
        await page.getByRole('columnheader', { name: 'Recherche web' }).waitFor();
        expect(await row.getByTestId('true').count()).toBe(1);
        expect(await page.locator('tr', { hasText: 'ancienne-clé-évaluation' }).getByTestId('false').count()).toBe(1);
        // what left the table is still reachable: the row's details
        await row.locator('[aria-expanded="false"]').click(); // the arrow is aria-hidden in react-admin
        await page.getByText('Expire le', { exact: true }).waitFor();
        await page.getByText('Révoquée le', { exact: true }).waitFor();
        // the feedback list is empty since the erasure: a French sentence, not "Pas encore de Avis"
        await page.goto(`${e.url}/console/feedback`);
        await page.getByText('Aucun avis pour l’instant').waitFor();
        expect(await page.locator('body').innerText()).not.toMatch(/Pas encore de/);
        expect(us.errors()).toEqual([]);
      } finally {
        await us.close();
      }
    }, STEP);
  });
}
