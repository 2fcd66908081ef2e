/**
 * The evaluation screens in a real browser against a real engine (its background runner and search):
 * an evaluator imports a query set (a broken file first: every bad line is listed), starts a lexical
 * run from the set's page, watches it finish, then compares it with a hybrid run: aggregates side by
 * side, the chart, and the questions that moved. Screenshots go to console/e2e/screenshots/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEngine } from '@cite/app/testing/engine.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { openBrowser, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt, startEngineForBrowser } from './harness/engine.js';

const STEP = 120_000;
const SP = (f: string) => `https://www.service-public.fr/particuliers/vosdroits/${f}`;
const DOCS = [
  { url: SP('F2883'), title: 'Démission d’un salarié', text: 'Le salarié en CDI qui démissionne doit respecter un préavis fixé par la convention collective.' },
  { url: SP('F1911'), title: 'Congé de maternité', text: 'La salariée enceinte a droit à un congé de maternité de 16 semaines avec des indemnités journalières.' },
  { url: SP('F2301'), title: 'Treizième mois', text: 'Le treizième mois est une prime de fin d’année prévue par le contrat ou la convention collective.' },
  { url: SP('F19030'), title: 'Rupture conventionnelle', text: 'La rupture conventionnelle permet à l’employeur et au salarié en CDI de convenir de la fin du contrat.' },
];
const SET = [
  { id: 'q1', query: 'préavis démission', variants: ['preavis demission cdi'], gold: [{ url: SP('F2883'), grade: 3 }] },
  { id: 'q2', query: 'congé maternité', variants: [], gold: [{ url: SP('F1911'), grade: 3 }] },
  { id: 'q3', query: 'prime fin d’année', variants: ['13e mois'], gold: [{ url: SP('F2301'), grade: 2 }] },
  { id: 'q4', query: 'séparation à l’amiable', variants: [], gold: [{ url: SP('F19030'), grade: 2 }] },
];

async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.locator('#api-key').waitFor();
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.locator('#api-key').waitFor({ state: 'detached' });
}

async function waitForRun(e: TestEngine, id: number): Promise<Record<string, number>> {
  const until = Date.now() + 90_000;
  for (;;) {
    const run = (await (await e.fetch(`/admin/api/eval-runs/${id}`, { role: 'evaluator' })).json()) as { status: string; aggregates: Record<string, number> };
    if (run.status === 'succeeded') return run.aggregates;
    if (run.status === 'failed' || Date.now() > until) throw new Error(`run ${id} ended ${run.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('evaluation screens in chromium [embedded]', () => {
  let e: TestEngine;
  let browser: BrowserSession;
  let page: Page;
  let setId: number;
  let lexicalRun: number;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-e2e-eval-'));

  beforeAll(async () => {
    ensureConsoleBuilt();
    e = await startEngineForBrowser('embedded');
    const { rows } = await e.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('travail') RETURNING id`);
    const collectionId = Number(rows[0]!.id);
    await seedDocuments(
      e.db,
      new HashEmbedder(),
      DOCS.map((d) => ({ collectionId, url: d.url, title: d.title, format: 'html', chunks: [{ text: d.text, context: d.title, tokenCount: 30 }] })),
    );
    browser = await openBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await e?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists every invalid line of a broken file, then imports the good one', async () => {
    page = await browser.page();
    await signIn(page, e.url, e.keys.evaluator);
    await page.goto(`${e.url}/console/eval-sets`);
    await page.getByText('cdtn', { exact: false }).or(page.getByRole('button', { name: 'Importer (JSONL)' })).first().waitFor({ timeout: 60_000 }).catch(async (err) => {
      await browser.screenshot(page, 'eval-debug-list');
      throw err;
    });
    const broken = path.join(dir, 'broken.jsonl');
    fs.writeFileSync(broken, [JSON.stringify(SET[0]), '{"id": "x", "query": ', JSON.stringify({ id: 'y', gold: [] })].join('\n'));
    await page.getByRole('button', { name: 'Importer (JSONL)' }).click();
    await page.getByTestId('eval-import-file').setInputFiles(broken);
    await page.getByLabel('Nom du nouveau jeu').fill('cdtn-mini');
    await browser.allowing(/400|Bad Request/, async () => {
      await page.getByRole('dialog').getByRole('button', { name: 'Importer (JSONL)' }).click();
      await page.getByTestId('import-errors').waitFor();
    });
    const rows = await page.getByTestId('import-errors').locator('tbody tr').allTextContents();
    expect(rows.map((r) => r.slice(0, 1))).toEqual(['2', '3']);
    await browser.screenshot(page, 'eval-import-errors');

    const good = path.join(dir, 'cdtn-mini.jsonl');
    fs.writeFileSync(good, SET.map((l) => JSON.stringify(l)).join('\n'));
    await page.getByTestId('eval-import-file').setInputFiles(good);
    await page.getByRole('dialog').getByRole('button', { name: 'Importer (JSONL)' }).click();
    await page.waitForURL(/\/console\/eval-sets\/\d+\/show/);
    setId = Number(/eval-sets\/(\d+)/.exec(page.url())![1]);
    await page.getByText('préavis démission').waitFor();
    await browser.screenshot(page, 'eval-set');
    expect(browser.errors()).toEqual([]);
  }, STEP);

  it('starts a lexical run from the set and shows its figures when it is done', async () => {
    await page.getByTestId('start-eval-run').click();
    await page.getByRole('combobox', { name: 'Mode de recherche' }).click();
    await page.getByRole('option', { name: 'lexical' }).click();
    await page.getByTestId('start-eval-run-submit').click();
    await page.waitForURL(/\/console\/eval-runs\/\d+\/show/);
    lexicalRun = Number(/eval-runs\/(\d+)/.exec(page.url())![1]);
    const aggregates = await waitForRun(e, lexicalRun);
    await page.getByTestId('eval-aggregates').locator('[data-metric="ndcg@10"]').waitFor({ timeout: 30_000 });
    const shown = await page.getByTestId('eval-aggregates').locator('[data-metric="ndcg@10"] td').nth(1).textContent();
    expect(shown).toBe(aggregates['ndcg@10']!.toFixed(3));
    await browser.screenshot(page, 'eval-run');
    expect(browser.errors()).toEqual([]);
  }, STEP);

  it('compares a hybrid run with the lexical one: side by side, chart, questions that moved', async () => {
    const res = await e.fetch('/admin/api/eval-runs', { body: { set_id: setId, config: { mode: 'hybrid' } }, role: 'evaluator' });
    const hybrid = ((await res.json()) as { id: number }).id;
    const aggregates = await waitForRun(e, hybrid);
    await page.goto(`${e.url}/console/eval-runs/${hybrid}/show?baseline=${lexicalRun}`);
    const table = page.getByTestId('eval-comparison-metrics');
    await table.waitFor({ timeout: 60_000 }).catch(async (err) => {
      await browser.screenshot(page, 'eval-debug-compare');
      throw new Error(`${err}; browser errors: ${browser.errors().join(' | ')}`);
    });
    const cells = await table.locator('[data-metric="ndcg@10"] td').allTextContents();
    expect(cells[2]).toBe(aggregates['ndcg@10']!.toFixed(3));
    await page.getByTestId('eval-comparison-chart').waitFor();
    await page.getByTestId('eval-regressed').waitFor();
    await page.getByTestId('eval-improved').waitFor();
    const cmp = (await (await e.fetch(`/admin/api/eval-runs/${hybrid}/compare?baseline=${lexicalRun}`, { role: 'evaluator' })).json()) as { improved_count: number; regressed_count: number };
    for (const [id, n] of [['eval-improved', cmp.improved_count], ['eval-regressed', cmp.regressed_count]] as const)
      expect(await page.getByTestId(id).locator('tbody tr').count()).toBe(n);
    await table.scrollIntoViewIfNeeded();
    await browser.screenshot(page, 'eval-comparison');
    await page.getByTestId('eval-comparison-chart').scrollIntoViewIfNeeded();
    await browser.screenshot(page, 'eval-comparison-chart');
    expect(browser.errors()).toEqual([]);
  }, STEP);
});
