/**
 * Internet search in the console (issue 22), in a real Chromium against a real engine: the Ask page shows
 * "Inclure le web" only to keys allowed internet search; with it on, the answer separates the indexed
 * official sources from the web pages read (a SearXNG stand-in and its result page on loopback).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extractSources } from '@cite/ingestion/extractors/extract.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, signIn, type BrowserSession } from './harness/browser.js';
import { ensureConsoleBuilt } from './harness/engine.js';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const OFFICIAL = page(
  'Congé de paternité et d’accueil de l’enfant',
  `<p>Le congé de paternité et d'accueil de l'enfant dure 25 jours calendaires, 32 jours en cas de naissances multiples.</p>`,
);
const WEB = page(
  'Congé de paternité : le guide pratique',
  `<p>Le congé de paternité dure 25 jours calendaires ; le guide pratique rappelle que 4 jours sont pris dès la naissance.</p>`,
);
const OTHER_TOPICS = ['passeport en mairie', 'carte grise en ligne', 'permis de construire', 'allocations familiales', 'impôt sur le revenu', 'carte vitale', 'listes électorales', 'casier judiciaire'];

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

for (const mode of availableModes())
  describe(`internet search on the Ask page, in chromium [${mode}]`, () => {
    let e: TestEngine;
    let site: Awaited<ReturnType<typeof serve>>;
    let searx: Awaited<ReturnType<typeof serve>>;
    let browser: BrowserSession;
    let webKey: string;

    beforeAll(async () => {
      ensureConsoleBuilt();
      site = await serve((req, res) => {
        if (req.url === '/robots.txt') return res.end('User-agent: *\nAllow: /\n');
        if (req.url === '/guide/paternite') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(WEB);
        res.writeHead(404).end();
      });
      searx = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [{ url: `${site.url}/guide/paternite`, title: 'Guide', content: '' }] }));
      });
      e = await startTestEngine(mode, {
        CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
        EMBEDDINGS: 'hash',
        RATE_LIMIT_PER_MINUTE: '100000',
        WEB_SEARCH_PROVIDER: 'searxng',
        WEB_SEARCH_URL: searx.url,
        WEB_SEARCH_ALLOWED_DOMAINS: '127.0.0.1',
      });
      webKey = (await createKey(e.db, { name: 'agent-web', role: 'agent', webSearch: true })).key;
      const collectionId = await collectionByName(e.db, 'officiel');
      const summary = await indexDocuments(e.db, new HashEmbedder(), { collectionId }, extractSources([
        { data: Buffer.from(OFFICIAL), url: 'https://www.service-public.fr/particuliers/vosdroits/F3156', contentType: 'text/html; charset=utf-8' },
        ...OTHER_TOPICS.map((t, i) => ({ data: Buffer.from(page(t, `<p>Démarche : ${t}, informations pratiques numéro ${i}.</p>`)), url: `https://www.service-public.fr/autre/${i}`, contentType: 'text/html; charset=utf-8' })),
      ]));
      expect(summary).toMatchObject({ new: 1 + OTHER_TOPICS.length, failed: 0 });
      browser = await openBrowser();
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await e?.stop();
      await site?.close();
      await searx?.close();
    });

    it('shows no web toggle to a key without the right', async () => {
      const agent = await browser.page();
      await signIn(agent, e.url, e.keys.agent);
      await agent.waitForURL(/\/console\/ask$/);
      await agent.getByTestId('question').fill('Combien de jours dure le congé de paternité ?');
      await agent.keyboard.press('Enter');
      await agent.getByTestId('feedback').waitFor({ timeout: 60_000 });
      // GET /v1/me has answered by now: still no toggle, and one plain group of sources
      expect(await agent.getByTestId('include-web').count()).toBe(0);
      expect(await agent.getByTestId('sources-all').count()).toBe(1);
      expect(await agent.getByTestId('sources-web').count()).toBe(0);
      await agent.close();
    }, 180_000);

    it('with "Inclure le web", separates the indexed official sources from the web pages', async () => {
      const agent = await browser.page();
      await signIn(agent, e.url, webKey);
      await agent.waitForURL(/\/console\/ask$/);
      const toggle = agent.getByLabel('Inclure le web');
      await toggle.waitFor();
      await toggle.check();
      expect(await toggle.isChecked()).toBe(true);
      await agent.getByTestId('question').fill('Combien de jours dure le congé de paternité ?');
      await agent.keyboard.press('Enter');
      await agent.getByTestId('feedback').waitFor({ timeout: 60_000 });
      const official = agent.getByTestId('sources-index');
      const web = agent.getByTestId('sources-web');
      expect(await official.getByRole('heading').textContent()).toBe('Sources officielles indexées');
      expect(await web.getByRole('heading').textContent()).toBe('Pages web');
      expect(await official.textContent()).toContain('Congé de paternité et d’accueil de l’enfant');
      expect(await web.textContent()).toContain('Congé de paternité : le guide pratique');
      // the official source is cited first
      expect(await official.getByTestId('source-1').count()).toBe(1);
      await browser.screenshot(agent, 'ask-web-sources');
      await agent.close();
      expect(browser.errors()).toEqual([]);
    }, 180_000);
  });
