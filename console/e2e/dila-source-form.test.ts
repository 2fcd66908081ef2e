/**
 * The Légifrance source form in a real browser against a real engine (issue 24): an admin picks the `dila`
 * kind, whose filter fields appear (texts, natures, IDCC); a text typed by its name is refused by the engine,
 * its message shown under the field; fixed, the source saves the filter, and a run over a mirror folder
 * imports only the articles it selects.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { L1237_19, LOI_ART_1, SYNTEC_PREAVIS } from '@cite/ingestion/sources/dila/testing/code-du-travail.js';
import { articlePath, articleXml, writeDump, type FixtureArticle } from '@cite/ingestion/sources/dila/testing/dila-fixture.js';
import { openBrowser, signIn, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt } from './harness/engine.js';

const STEP = 120_000;
const entries = (list: FixtureArticle[]) => list.map((a) => ({ name: articlePath(a), body: articleXml(a) }));

for (const mode of availableModes()) {
  describe(`dila source form in chromium [${mode}]`, () => {
    let e: TestEngine;
    let browser: BrowserSession;
    let page: Page;
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-e2e-dila-'));

    beforeAll(async () => {
      ensureConsoleBuilt();
      await writeDump(path.join(mirror, 'Freemium_legi_global_20241201-100000.tar.gz'), entries([L1237_19, LOI_ART_1]));
      await writeDump(path.join(mirror, 'Freemium_kali_global_20241201-100000.tar.gz'), entries([SYNTEC_PREAVIS]));
      // the mirror is a server folder sources may read
      e = await startTestEngine(mode, { EMBEDDINGS: 'hash', RATE_LIMIT_PER_MINUTE: '100000', FILES_ROOTS: fs.realpathSync(mirror) }, { worker: true });
      browser = await openBrowser();
      page = await browser.page();
      await signIn(page, e.url, e.keys.admin);
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
      fs.rmSync(mirror, { recursive: true, force: true });
    });

    it('declares which texts to import, showing the engine’s refusal under the field, and a run imports only those', async () => {
      await page.goto(`${e.url}/console/sources/create`);
      await page.locator('[name="name"]').fill('Légifrance');
      await page.locator('[name="collection"]').fill('droit');
      // the filter fields belong to the dila kind only
      expect(await page.locator('[name="dila_filter.texts"]').count()).toBe(0);
      await page.getByRole('combobox', { name: 'Type' }).click();
      await page.getByRole('option', { name: 'Légifrance LEGI / KALI (archives DILA)' }).click();
      await page.getByText('Textes à importer').waitFor();
      await page.locator('[name="start_urls"]').fill(fs.realpathSync(mirror));
      await page.locator('[name="dila_filter.texts"]').fill('code du travail');
      await page.locator('[name="dila_filter.idcc"]').fill('1486, 3248');
      await browser.allowing(/400|Bad Request/, async () => {
        await page.getByRole('button', { name: 'Enregistrer' }).click();
        await page.getByText('a LEGITEXT, KALICONT or KALITEXT id').waitFor();
      });
      await page.locator('[name="dila_filter.texts"]').fill('LEGITEXT000006072050');
      await browser.screenshot(page, 'source-create-dila');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL(/\/console\/sources\/\d+\/show$/);
      const id = Number(/\/sources\/(\d+)\/show$/.exec(page.url())![1]);
      const source = (await (await e.fetch(`/admin/api/sources/${id}`)).json()) as { kind: string; dila_filter: unknown };
      expect(source).toMatchObject({ kind: 'dila', dila_filter: { texts: ['LEGITEXT000006072050'], natures: [], idcc: ['1486', '3248'] } });

      // the edit screen shows the filter back, and a nature ticked there is saved
      await page.goto(`${e.url}/console/sources/${id}`);
      await expect.poll(() => page.locator('[name="dila_filter.texts"]').inputValue()).toBe('LEGITEXT000006072050');
      expect(await page.locator('[name="dila_filter.idcc"]').inputValue()).toBe('1486, 3248');
      await page.getByLabel('Lois', { exact: true }).check();
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL(/\/console\/sources\/\d+\/show$/);
      await expect
        .poll(async () => ((await (await e.fetch(`/admin/api/sources/${id}`)).json()) as { dila_filter: { natures: string[] } }).dila_filter.natures)
        .toEqual(['LOI']);
      await page.goto(`${e.url}/console/sources/${id}`);
      await page.getByLabel('Lois', { exact: true }).uncheck();
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL(/\/console\/sources\/\d+\/show$/);
      await expect
        .poll(async () => ((await (await e.fetch(`/admin/api/sources/${id}`)).json()) as { dila_filter: { natures: string[] } }).dila_filter.natures)
        .toEqual([]);

      const run = (await (await e.fetch(`/admin/api/sources/${id}/crawl`, { method: 'POST' })).json()) as { id: number };
      let status = 'queued';
      for (const until = Date.now() + 60_000; (status === 'queued' || status === 'running') && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 200));
        status = ((await (await e.fetch(`/admin/api/crawl-runs/${run.id}`)).json()) as { status: string }).status;
      }
      expect(status).toBe('succeeded');
      const { rows } = await e.db.query<{ url: string }>(`SELECT url FROM documents WHERE source_id = $1 AND status = 'active' ORDER BY url`, [id]);
      // the code's article and the agreement's; not the law's
      expect(rows.map((r) => r.url)).toEqual([
        `https://www.legifrance.gouv.fr/codes/article_lc/${L1237_19.id}`,
        `https://www.legifrance.gouv.fr/conv_coll/article/${SYNTEC_PREAVIS.id}`,
      ]);
      expect(browser.errors()).toEqual([]);
    }, STEP);
  });
}
