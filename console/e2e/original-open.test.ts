/**
 * "Ouvrir la source" of an uploaded file (issue 19): in a real Chromium against a real engine, an agent asks,
 * opens the citation of an uploaded PDF and clicks "Ouvrir la source". The console fetches the engine's
 * original with the key in the Authorization header, never in a URL, and opens it from a blob: URL at the
 * quoted page; the bytes it got are the uploaded file's.
 */
import crypto from 'node:crypto';
import type { Request } from 'playwright-core';
import { writePdf } from '@cite/ingestion/extractors/testing/pdf-writer.js';
import { availableModes } from '@cite/core/testing/databases.js';
import type { TestEngine } from '@cite/app/testing/engine.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, signIn, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt, startEngineForBrowser } from './harness/engine.js';

const PDF = writePdf({
  title: 'Arrêté démolition',
  pages: [
    'Arrêté municipal relatif aux démolitions dans le secteur sauvegardé de la commune.',
    'Le permis de démolir est exigé pour toute démolition de bâtiment situé dans le secteur sauvegardé.',
  ],
});
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

for (const mode of availableModes())
  describe(`an uploaded file opens from its citation in chromium [${mode}]`, () => {
    let e: TestEngine;
    let browser: BrowserSession;

    beforeAll(async () => {
      ensureConsoleBuilt();
      e = await startEngineForBrowser(mode);
      const form = new FormData();
      form.append('collection', 'urbanisme');
      form.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'arretes/demolition.pdf');
      const res = await fetch(`${e.url}/admin/api/uploads?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${e.keys.admin}` }, body: form });
      expect(res.status).toBe(200);
      browser = await openBrowser();
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
    });

    it('fetches the original with the key in a header, not in the URL, and opens it at the page', async () => {
      const agent = await browser.page();
      // keeps the blobs the console opens, to read back what the tab shows
      await agent.addInitScript(() => {
        const create = URL.createObjectURL.bind(URL);
        const kept: Blob[] = ((window as unknown as { keptBlobs: Blob[] }).keptBlobs = []);
        URL.createObjectURL = (b: Blob | MediaSource) => {
          if (b instanceof Blob) kept.push(b);
          return create(b);
        };
      });
      await signIn(agent, e.url, e.keys.agent);
      await agent.waitForURL(/\/console\/ask$/);
      await agent.getByTestId('question').fill('Le permis de démolir est-il exigé dans le secteur sauvegardé ?');
      await agent.keyboard.press('Enter');
      await agent.getByTestId('feedback').waitFor({ timeout: 60_000 });
      await agent.getByTestId('source-1').click();
      await agent.getByTestId('citation-dialog').waitFor();
      const href = (await agent.getByTestId('citation-open').getAttribute('href'))!;
      expect(href).toMatch(/^\/v1\/documents\/\d+\/original(#page=\d+)?$/);

      const requests: Request[] = [];
      const onRequest = (r: Request) => {
        if (r.url().includes('/original')) requests.push(r);
      };
      browser.context.on('request', onRequest);
      const [opened] = await Promise.all([browser.context.waitForEvent('page'), agent.getByTestId('citation-open').click()]);
      await expect.poll(() => opened.url(), { timeout: 20_000 }).toMatch(/^blob:/);
      browser.context.off('request', onRequest);

      expect(requests).toHaveLength(1);
      const request = requests[0]!;
      expect(new URL(request.url()).pathname).toBe(href.split('#')[0]);
      expect(request.url()).not.toContain(e.keys.agent);
      expect(request.url()).not.toMatch(/[?&](key|token|api_key)=/i);
      expect((await request.allHeaders()).authorization).toBe(`Bearer ${e.keys.agent}`);
      expect((await request.response())?.status()).toBe(200);
      // the tab shows the uploaded bytes, as a PDF
      const blob = await agent.evaluate(async () => {
        const b = (window as unknown as { keptBlobs: Blob[] }).keptBlobs;
        return b.length === 1 ? { type: b[0]!.type, bytes: Array.from(new Uint8Array(await b[0]!.arrayBuffer())) } : null;
      });
      expect(blob?.type).toBe('application/pdf');
      expect(sha(Buffer.from(blob!.bytes))).toBe(sha(PDF));
      // the blob keeps the link's fragment (the quoted page when the citation has one)
      const fragment = href.includes('#') ? href.slice(href.indexOf('#')) : '';
      expect(opened.url().endsWith(fragment)).toBe(true);
      await opened.close();
      await agent.close();
      expect(browser.errors()).toEqual([]);
    }, 180_000);
  });
