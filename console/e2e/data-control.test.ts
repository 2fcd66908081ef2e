/**
 * Data control from the console, in a real browser against a real engine: an admin downloads what an
 * agent's key left (questions, answers, feedback) and erases it after confirming.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEngine } from '@cite/engine/testing/engine.js';
import { availableModes } from '@cite/engine/testing/databases.js';
import { openBrowser, type BrowserSession } from './harness/browser.js';
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
  });
}
