/**
 * An agent checks a claim by opening its citation (issue 19): in a real Chromium, against a real engine,
 * the agent asks in the console, opens the citation of a web page served on loopback, clicks its link and
 * lands on the quoted text: the link carries the heading anchor and the text fragment, and the quoted
 * paragraph, far below that heading, is scrolled into the viewport (the anchor alone would leave it out).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extractSources } from '@cite/ingestion/extractors/extract.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { availableModes } from '@cite/core/testing/databases.js';
import type { TestEngine } from '@cite/app/testing/engine.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, signIn, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt, startEngineForBrowser } from './harness/engine.js';

const QUOTED =
  "Le recours contentieux contre un permis de construire doit être formé dans un délai de deux mois à compter de l'affichage du permis sur le terrain.";
/** Paragraphs between the heading and the quote: a screen and more, so that the anchor alone does not show it. */
const FILLER = Array.from(
  { length: 30 },
  (_, i) => `<p>Paragraphe d'information générale numéro ${i + 1} sur les règles d'affichage en mairie et les horaires d'ouverture du service.</p>`,
).join('\n');
const PAGE = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Recours en urbanisme</title>
<style>body { font: 16px/1.6 sans-serif; max-width: 40em; margin: 0 auto; }</style></head>
<body><main>
<h1>Recours contre une autorisation d'urbanisme</h1>
<p>Un voisin peut contester une autorisation d'urbanisme devant le juge administratif.</p>
<h2 id="delai-recours">Délai de recours</h2>
${FILLER}
<p id="quoted">${QUOTED}</p>
<p>Passé ce délai, l'autorisation ne peut plus être contestée, sauf fraude.</p>
</main></body></html>`;

async function startPageServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/urbanisme/recours') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (path === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/urbanisme/recours`, close: () => new Promise((r) => server.close(() => r())) };
}

for (const mode of availableModes())
  describe(`a citation opens on its quote in chromium [${mode}]`, () => {
    let e: TestEngine;
    let site: { url: string; close: () => Promise<void> };
    let browser: BrowserSession;

    beforeAll(async () => {
      ensureConsoleBuilt();
      site = await startPageServer();
      e = await startEngineForBrowser(mode);
      // the page is fetched from the loopback server and indexed as the crawler would
      const body = Buffer.from(await (await fetch(site.url)).arrayBuffer());
      const collectionId = await collectionByName(e.db, 'urbanisme');
      const summary = await indexDocuments(e.db, new HashEmbedder(), { collectionId }, extractSources([{ data: body, url: site.url, contentType: 'text/html; charset=utf-8' }]));
      expect(summary).toMatchObject({ new: 1, failed: 0 });
      browser = await openBrowser();
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
      await site?.close();
    });

    it('asks, opens the citation, clicks its link and lands on the quoted paragraph', async () => {
      const agent = await browser.page();
      await signIn(agent, e.url, e.keys.agent);
      await agent.waitForURL(/\/console\/ask$/);
      await agent.getByTestId('question').fill('Quel est le délai de recours contre un permis de construire ?');
      await agent.keyboard.press('Enter');
      await agent.getByTestId('feedback').waitFor({ timeout: 60_000 });

      // beside the source: the heading path of the quote
      expect(await agent.getByTestId('source-place-1').textContent()).toBe('Délai de recours');
      await agent.getByTestId('source-1').click();
      const dialog = agent.getByTestId('citation-dialog');
      await dialog.waitFor();
      expect(await agent.getByTestId('citation-quote').textContent()).toBe(QUOTED);
      const link = agent.getByTestId('citation-link');
      const href = (await link.getAttribute('href'))!;
      expect(href).toBe(`${site.url}#delai-recours:~:text=Le%20recours%20contentieux%20contre%20un%20permis,l'affichage%20du%20permis%20sur%20le%20terrain.`);

      // a real click (user activation: Chromium follows text fragments of user-initiated navigations)
      const [opened] = await Promise.all([browser.context.waitForEvent('page'), link.click()]);
      await opened.waitForLoadState('load');
      expect(opened.url().startsWith(`${site.url}#delai-recours`)).toBe(true);
      const quoted = opened.locator('#quoted');
      await expect
        .poll(
          () =>
            quoted.evaluate((el) => {
              const r = el.getBoundingClientRect();
              return r.top >= 0 && r.bottom <= window.innerHeight;
            }),
          { timeout: 10_000 },
        )
        .toBe(true);
      // the anchor alone would have put the heading at the top, with the quote a screen and more below
      const heading = await opened.locator('#delai-recours').evaluate((el) => el.getBoundingClientRect().top);
      expect(heading).toBeLessThan(0);
      await browser.screenshot(opened, 'citation-landing');
      await opened.close();
      await agent.close();
      expect(browser.errors()).toEqual([]);
    }, 180_000);
  });
