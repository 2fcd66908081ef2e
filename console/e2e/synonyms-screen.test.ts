/**
 * The Synonymes screen in a real browser against a real engine (issue 24): an admin imports a synonyms file
 * with a bad line (refused, the line named), fixes it and saves; /v1/search at once finds the document that
 * uses only the long form when asked the acronym (nothing re-indexed); switching the list off in its edit
 * screen takes it back out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestCorpus } from '@cite/retrieval/search/test-corpus.js';
import { availableModes } from '@cite/core/testing/databases.js';
import type { TestEngine } from '@cite/app/testing/engine.js';
import { openBrowser, signIn, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt, startEngineForBrowser } from './harness/engine.js';

const STEP = 120_000;
const LONG = 'https://exemple.gouv.fr/cse';

for (const mode of availableModes()) {
  describe(`synonyms screen in chromium [${mode}]`, () => {
    let e: TestEngine;
    let browser: BrowserSession;
    let page: Page;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-e2e-synonyms-'));

    const search = async (query: string) => {
      const r = await e.fetch('/v1/search', { method: 'POST', body: { query, mode: 'hybrid' }, role: 'agent' });
      return ((await r.json()) as { data: Array<{ document: { url: string } }> }).data.map((h) => h.document.url);
    };
    const chunksStamp = async () =>
      (await e.db.query<{ s: string }>(`SELECT count(*)::text || '@' || coalesce(max(id), 0)::text AS s FROM chunks`)).rows[0]!.s;

    beforeAll(async () => {
      ensureConsoleBuilt();
      e = await startEngineForBrowser(mode);
      await loadTestCorpus(e.db, [
        { url: LONG, title: 'Comité social et économique', chunks: [{ text: 'Le comité social et économique est élu par les salariés pour quatre ans.' }], collection: 'travail' },
        ...Array.from({ length: 5 }, (_, i) => ({ url: `https://exemple.gouv.fr/f${i}`, title: `Fiche ${i}`, chunks: [{ text: 'Le salarié travaille selon son contrat.' }], collection: 'travail' })),
      ]);
      browser = await openBrowser();
      page = await browser.page();
      await signIn(page, e.url, e.keys.admin);
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('imports a list from a file, refusing a bad line by its number, and search applies it at once', async () => {
      expect(await search('CSE')).not.toContain(LONG);
      const before = await chunksStamp();
      // from the menu, as an admin finds it
      await page.getByRole('menuitem', { name: 'Synonymes' }).click();
      await page.waitForURL(/\/console\/synonyms$/);
      await page.getByRole('link', { name: 'Créer' }).click();
      await page.waitForURL(/\/console\/synonyms\/create$/);
      await page.locator('[name="name"]').fill('acronymes');
      const file = path.join(dir, 'acronymes.txt');
      fs.writeFileSync(file, '# acronymes\ncse, comité social et économique\ncpf\n');
      await page.getByTestId('synonyms-file').setInputFiles(file);
      await expect.poll(() => page.locator('textarea[name="content"]').inputValue()).toContain('cse, comité social et économique');
      await browser.allowing(/400|Bad Request/, async () => {
        await page.getByRole('button', { name: 'Enregistrer' }).click();
        await page.getByText(/line 3: "cpf" alone/).waitFor();
      });
      await page.locator('textarea[name="content"]').fill('# acronymes\ncse, comité social et économique\n');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL(/\/console\/synonyms$/);
      const row = page.locator('tr', { hasText: 'acronymes' });
      await row.getByText('Toutes (globale)').waitFor();
      expect(await row.locator('td').nth(2).textContent()).toBe('1');
      await browser.screenshot(page, 'synonyms-list');
      expect((await search('CSE'))[0]).toBe(LONG);
      // nothing was re-indexed: the chunks are those written before the list
      expect(await chunksStamp()).toBe(before);
      expect(browser.errors()).toEqual([]);
    }, STEP);

    it('switches the list off from its edit screen, and search drops it', async () => {
      await page.locator('tr', { hasText: 'acronymes' }).click();
      await page.waitForURL(/\/console\/synonyms\/\d+$/);
      await page.getByLabel('Active').uncheck();
      await browser.screenshot(page, 'synonyms-edit');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL(/\/console\/synonyms$/);
      expect(await search('CSE')).not.toContain(LONG);
      expect(browser.errors()).toEqual([]);
    }, STEP);
  });
}
