/**
 * Internet search as a governed source (issue 22), end to end on both databases: a real engine on loopback,
 * a SearXNG stand-in and a Brave stand-in, and result pages served on loopback (CRAWLER_ALLOW_PRIVATE_NETWORKS
 * in this test only). Asserts what leaves (the masked query the stand-in received, the audit line), what is
 * fetched (the allow-list on every redirect, sizes, types), what is cited (origin, fetch date, indexed
 * sources first) and that every fault falls back to the indexed sources with a warning.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { extractSources } from '@cite/ingestion/extractors/extract.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { webCollection } from '@cite/index/collections/web-collection.js';
import { createWebSearch } from '@cite/ingestion/web-search/create-web-search.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { purgeExpired, retentionPolicy } from '../data-control/retention.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { createKey } from '../keys/api-keys.js';
import { resetSearchStatistics } from '@cite/retrieval/search/search-service.js';
import { requireWebSearch } from '@cite/retrieval/search/web-search.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startScriptedLlm, type ScriptedRequest } from '@cite/core/testing/scripted-llm.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';
import { connectMcp } from '../mcp/mcp-test-corpus.js';

interface StandIn {
  url: string;
  /** Path and query of each request, in order. */
  hits: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void, host = '127.0.0.1'): Promise<StandIn> {
  const hits: StandIn['hits'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push({ path: `${url.pathname}${url.search}`, headers: req.headers });
    handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '127.0.0.1' ? '127.0.0.1' : 'localhost'}:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="fr"><head><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const VELO = page(
  'Prime pour un vélo électrique',
  `<p>La prime pour l'achat d'un vélo à assistance électrique neuf s'élève à 400 euros pour les ménages modestes.</p>
   <p>La demande de prime vélo électrique se fait en ligne dans les six mois suivant l'achat du vélo.</p>`,
);
const PATERNITE_WEB = page(
  'Congé de paternité : un blog',
  `<p>Le congé de paternité et d'accueil de l'enfant dure vingt-cinq jours calendaires selon ce blog.</p>`,
);
const PATERNITE_OFFICIEL = page(
  'Congé de paternité et d’accueil de l’enfant',
  `<p>Le congé de paternité et d'accueil de l'enfant dure 25 jours calendaires, 32 jours en cas de naissances multiples.</p>
   <p>Le salarié informe son employeur de la date de la naissance et des dates du congé de paternité.</p>`,
);

/** Other official pages, so that the question's words are rare in the index (the relevance gate weighs rarity). */
const OTHER_TOPICS = [
  ['Passeport', 'La demande de passeport se fait en mairie sur rendez-vous avec une photo d’identité récente.'],
  ['Carte grise', 'Le certificat d’immatriculation se demande en ligne sur le site de l’agence nationale des titres sécurisés.'],
  ['Permis de construire', 'Le permis de construire est exigé pour une construction nouvelle de plus de vingt mètres carrés.'],
  ['Allocations familiales', 'Les allocations familiales sont versées à partir du deuxième enfant à charge par la caisse.'],
  ['Impôt sur le revenu', 'La déclaration des revenus se fait chaque printemps sur le site des finances publiques.'],
  ['Carte vitale', 'La carte vitale est envoyée par la caisse primaire d’assurance maladie après l’immatriculation.'],
  ['Inscription électorale', 'L’inscription sur les listes électorales est possible jusqu’au sixième vendredi avant le scrutin.'],
  ['Casier judiciaire', 'Un extrait de casier judiciaire se demande gratuitement en ligne auprès du service compétent.'],
].map(([title, text], i) => ({
  data: Buffer.from(page(title!, `<p>${text}</p>`)),
  name: `autre-${i}.html`,
  url: `https://www.service-public.fr/particuliers/vosdroits/A${i}`,
  contentType: 'text/html; charset=utf-8',
}));

for (const mode of availableModes())
  describe(`internet search as a governed source [${mode}]`, () => {
    let e: TestEngine;
    let site: StandIn;
    let elsewhere: StandIn;
    let searx: StandIn;
    let brave: StandIn;
    let searxMode: 'ok' | 'down' | 'busy' | 'slow' = 'ok';
    let webKey: string;
    const results = (q: string) => {
      const base = [
        { url: `${site.url}/aides/velo`, title: 'Prime vélo', content: 'snippet' },
        { url: 'http://not-allowed.example/page', title: 'Ailleurs', content: 'snippet' },
        { url: `${site.url}/redirige`, title: 'Redirige', content: 'snippet' },
        { url: `${site.url}/gros`, title: 'Trop gros', content: 'snippet' },
        { url: `${site.url}/image.png`, title: 'Image', content: 'snippet' },
        { url: `${site.url}/vers-prive`, title: 'Vers le privé', content: 'snippet' },
      ];
      return /paternit/i.test(q) ? [{ url: `${site.url}/blog/paternite`, title: 'Blog', content: 'snippet' }] : base;
    };

    beforeAll(async () => {
      elsewhere = await serve((_req, res) => res.end('secret'), 'localhost');
      site = await serve((_req, res, url) => {
        if (url.pathname === '/robots.txt') return res.end('User-agent: *\nDisallow: /prive\n');
        // a result that redirects to a page robots.txt disallows: never requested
        if (url.pathname === '/vers-prive') return res.writeHead(302, { location: '/prive/page' }).end();
        if (url.pathname === '/prive/page') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(VELO);
        if (url.pathname === '/aides/velo') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(VELO);
        if (url.pathname === '/blog/paternite') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PATERNITE_WEB);
        // a result that redirects to a host outside the allow-list (another loopback name): refused before connecting
        if (url.pathname === '/redirige') return res.writeHead(302, { location: `${elsewhere.url}/secret` }).end();
        if (url.pathname === '/gros') return res.writeHead(200, { 'content-type': 'text/html' }).end(page('Gros', `<p>${'vélo électrique '.repeat(2000)}</p>`));
        if (url.pathname === '/image.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(200, 1));
        res.writeHead(404).end();
      });
      searx = await serve((_req, res, url) => {
        if (searxMode === 'down') return res.writeHead(503).end('maintenance');
        if (searxMode === 'busy') return res.writeHead(429, { 'retry-after': '60' }).end();
        if (searxMode === 'slow') return; // never answers: the provider timeout must end it
        if (url.pathname !== '/search' || url.searchParams.get('format') !== 'json') return res.writeHead(400).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: results(url.searchParams.get('q') ?? '') }));
      });
      brave = await serve((req, res, url) => {
        if (req.headers['x-subscription-token'] !== 'brave-test-key') return res.writeHead(401).end();
        const items = results(url.searchParams.get('q') ?? '').map((r) => ({ url: r.url, title: r.title, description: r.content }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ web: { results: items } }));
      });
      e = await startTestEngine(mode, {
        RATE_LIMIT_PER_MINUTE: '100000',
        WEB_SEARCH_PROVIDER: 'searxng',
        WEB_SEARCH_URL: searx.url,
        WEB_SEARCH_ALLOWED_DOMAINS: '127.0.0.1',
        WEB_SEARCH_MAX_PAGES: '5',
        WEB_SEARCH_MAX_PAGE_BYTES: '8192',
        WEB_SEARCH_TIMEOUT_MS: '1500',
        CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
      });
      webKey = (await createKey(e.db, { name: 'agent-web', role: 'agent', webSearch: true })).key;
      const collectionId = await collectionByName(e.db, 'officiel');
      const summary = await indexDocuments(e.db, new HashEmbedder(), { collectionId }, extractSources([
        { data: Buffer.from(PATERNITE_OFFICIEL), name: 'paternite.html', url: 'https://www.service-public.fr/particuliers/vosdroits/F3156', contentType: 'text/html; charset=utf-8' },
        ...OTHER_TOPICS,
      ]));
      expect(summary).toMatchObject({ new: 1 + OTHER_TOPICS.length, failed: 0 });
      resetSearchStatistics(e.db);
    });
    afterAll(async () => {
      await e?.stop();
      await Promise.all([site, elsewhere, searx, brave].map((s) => s?.close()));
    });

    const ask = async (body: Record<string, unknown>, key = webKey) => {
      const res = await e.fetch('/v1/answers', { body, key });
      const json = (await res.json()) as Record<string, any>;
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json;
    };

    it('answers from a web page it fetched, read and cited to the passage, with its origin and fetch date', async () => {
      const question = 'Quel est le montant de la prime pour un vélo électrique ?';
      const without = await ask({ question });
      expect(without.abstained).toBe(true);
      const answer = await ask({ question, web: true });
      expect(answer.abstained, answer.abstain_reason).toBe(false);
      const cited = answer.citations.find((c: any) => c.url === `${site.url}/aides/velo`);
      expect(cited).toMatchObject({ origin: 'web' });
      expect(cited.quote).toContain('400 euros');
      expect(Date.parse(cited.fetched_at)).toBeGreaterThan(Date.now() - 60_000);
      expect(answer.answer).toContain('400 euros');
    });

    it('reads only result pages within WEB_SEARCH_ALLOWED_DOMAINS, on every redirect, and skips what it cannot read, with warnings', async () => {
      const res = await e.fetch('/v1/search', { body: { query: 'prime vélo électrique', web: true }, key: webKey });
      const body = (await res.json()) as { data: Array<Record<string, any>>; warnings?: Array<{ code: string; message: string }> };
      expect(res.status).toBe(200);
      const codes = (body.warnings ?? []).map((w) => w.code).sort();
      // the redirect to a host outside the allow-list, the page over 8 KiB, the image, the redirect robots.txt disallows
      expect(codes).toEqual(['FETCH_TOO_LARGE', 'WEB_PAGE_NOT_ALLOWED', 'WEB_PAGE_ROBOTS_DISALLOWED', 'WEB_PAGE_UNSUPPORTED_TYPE']);
      expect(site.hits.map((h) => h.path)).not.toContain('/prive/page');
      expect(body.warnings!.find((w) => w.code === 'WEB_PAGE_NOT_ALLOWED')!.message).toContain('/redirige');
      expect(elsewhere.hits).toEqual([]);
      expect(body.data.map((h) => h.document.url)).toContain(`${site.url}/aides/velo`);
      expect(body.data.every((h) => (h.origin === 'web') === h.document.url.startsWith(site.url))).toBe(true);
      // the page read for the first question is re-used while fresh: fetched once
      expect(site.hits.filter((h) => h.path === '/aides/velo')).toHaveLength(1);
    });

    it('masks personal data in the query sent out and records it in the audit log with the provider host', async () => {
      const before = searx.hits.length;
      const res = await e.fetch('/v1/search', { body: { query: 'prime vélo jean.dupont@example.fr 06 12 34 56 78', web: true }, key: webKey });
      expect(res.status).toBe(200);
      const sent = searx.hits.slice(before).map((h) => new URL(h.path, 'http://x').searchParams.get('q'));
      expect(sent).toEqual(['prime vélo [courriel masqué] [téléphone masqué]']);
      const { rows } = await e.db.query<{ target_id: string; after: Record<string, any> }>(
        `SELECT target_id, after FROM audit_log WHERE action = 'web_search.query' ORDER BY id DESC LIMIT 1`,
      );
      expect(rows[0]!.target_id).toBe(new URL(searx.url).host);
      expect(rows[0]!.after.queries).toEqual(['prime vélo [courriel masqué] [téléphone masqué]']);
      expect(JSON.stringify(rows[0]!.after)).not.toContain('dupont');
    });

    it('sends the queries the model wrote, masked, each result page read once, and the question itself when the model fails', async () => {
      // the model sees the question as the answer's model does; what leaves for the provider is masked again
      let queriesReply: { content?: string; status?: number } = {
        content: '1. prime vélo électrique montant\n- « aide achat vélo électrique jean.dupont@example.fr »\nprime vélo électrique montant\nRecette de la tarte aux pommes\nvélo électrique ménages modestes\nprime vélo électrique 2026',
      };
      const isQueries = (r: ScriptedRequest) => r.messages[0]!.content.includes('moteur de recherche sur internet');
      const llm = await startScriptedLlm((r) => (isQueries(r) ? queriesReply : { content: 'La prime s’élève à 400 euros [1].' }));
      const withModel = await startTestEngine(mode, {
        RATE_LIMIT_PER_MINUTE: '100000',
        WEB_SEARCH_PROVIDER: 'searxng',
        WEB_SEARCH_URL: searx.url,
        WEB_SEARCH_ALLOWED_DOMAINS: '127.0.0.1',
        WEB_SEARCH_MAX_PAGES: '3',
        WEB_SEARCH_MAX_PAGE_BYTES: '8192',
        CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
        LLM_BASE_URL: llm.baseUrl,
        LLM_MODEL: 'scripted',
        LLM_MAX_RETRIES: '0',
      });
      try {
        const key = (await createKey(withModel.db, { name: 'agent-web', role: 'agent', webSearch: true })).key;
        const askWith = async (question: string) => {
          const before = searx.hits.length;
          const res = await withModel.fetch('/v1/answers', { body: { question, web: true }, key });
          expect(res.status, await res.clone().text()).toBe(200);
          return searx.hits.slice(before).map((h) => new URL(h.path, 'http://x').searchParams.get('q'));
        };
        const audited = async () =>
          (await withModel.db.query<{ after: Record<string, any> }>(`SELECT after FROM audit_log WHERE action = 'web_search.query' ORDER BY id DESC LIMIT 1`)).rows[0]!.after;

        const question = 'Bonjour, je suis jean.dupont@example.fr : combien touche-t-on pour un vélo électrique ?';
        const veloBefore = site.hits.filter((h) => h.path === '/aides/velo').length;
        const sent = await askWith(question);
        const written = ['prime vélo électrique montant', 'aide achat vélo électrique [courriel masqué]', 'vélo électrique ménages modestes'];
        // numbering, bullets and quotes removed; the repeat and the off-topic line dropped; three at most
        expect([...sent].sort()).toEqual([...written].sort());
        expect(llm.requests.filter(isQueries).at(-1)!.messages[1]!.content).toContain('vélo électrique');
        const line = await audited();
        expect(line.queries).toEqual(written);
        expect(JSON.stringify(line)).not.toContain('dupont');
        // every query returned the same links: each page read once, WEB_SEARCH_MAX_PAGES in all
        expect(line.pages.length).toBeLessThanOrEqual(3);
        expect(new Set(line.pages).size).toBe(line.pages.length);
        expect(line.pages).toContain(`${site.url}/aides/velo`);
        expect(site.hits.filter((h) => h.path === '/aides/velo').length).toBe(veloBefore + 1);

        const masked = 'Bonjour, je suis [courriel masqué] : combien touche-t-on pour un vélo électrique ?';
        for (const reply of [{ content: 'Je ne peux pas répondre à cette demande.' }, { content: '<script>alert(1)</script>' }, { status: 500 }]) {
          queriesReply = reply;
          expect(await askWith(question), JSON.stringify(reply)).toEqual([masked]);
          expect((await audited()).queries).toEqual([masked]);
        }
      } finally {
        await withModel.stop();
        await llm.close();
      }
    });

    it('answers from the web through chat completions and the MCP answer tool too, with the same rights', async () => {
      const question = 'Quel est le montant de la prime pour un vélo électrique ?';
      const chat = async (body: Record<string, unknown>, key = webKey) => {
        const res = await e.fetch('/v1/chat/completions', { body: { model: 'cite', messages: [{ role: 'user', content: question }], ...body }, key });
        return { status: res.status, json: (await res.json()) as Record<string, any> };
      };
      const indexOnly = await chat({});
      expect(indexOnly.status).toBe(200);
      expect(indexOnly.json.cite.abstained).toBe(true);
      const viaChat = await chat({ web: true });
      expect(viaChat.status, JSON.stringify(viaChat.json)).toBe(200);
      expect(viaChat.json.cite.abstained).toBe(false);
      expect(viaChat.json.citations.find((c: any) => c.url === `${site.url}/aides/velo`)).toMatchObject({ origin: 'web' });
      expect(viaChat.json.choices[0].message.content).toContain('400 euros');
      const forbidden = await chat({ web: true }, (await createKey(e.db, { name: 'agent-chat', role: 'agent' })).key);
      expect([forbidden.status, forbidden.json.code]).toEqual([403, 'WEB_SEARCH_FORBIDDEN']);

      const connect = (key: string) => connectMcp(e.url, key);
      const mcp = await connect(webKey);
      try {
        const viaMcp = (await mcp.callTool({ name: 'answer', arguments: { question, web: true } })) as CallToolResult;
        expect(viaMcp.isError, JSON.stringify(viaMcp.content)).toBeFalsy();
        const data = viaMcp.structuredContent as Record<string, any>;
        expect(data.abstained).toBe(false);
        expect(data.citations.find((c: any) => c.url === `${site.url}/aides/velo`)).toMatchObject({ origin: 'web' });
        expect((viaMcp.content[0] as { text: string }).text).toContain('(internet)');
      } finally {
        await mcp.close();
      }
      const plain = await connect((await createKey(e.db, { name: 'agent-mcp', role: 'agent' })).key);
      try {
        const before = searx.hits.length;
        const refused = (await plain.callTool({ name: 'answer', arguments: { question, web: true } })) as CallToolResult;
        expect(refused.isError).toBe(true);
        expect((refused.content[0] as { text: string }).text).toMatch(/^WEB_SEARCH_FORBIDDEN: /);
        expect(searx.hits.length).toBe(before);
      } finally {
        await plain.close();
      }
    });

    it('puts the indexed official source first when it answers too', async () => {
      const answer = await ask({ question: 'Combien de jours dure le congé de paternité ?', web: true });
      expect(answer.abstained, JSON.stringify(answer.relevance)).toBe(false);
      expect(answer.citations[0]).toMatchObject({ origin: 'index', url: 'https://www.service-public.fr/particuliers/vosdroits/F3156' });
      expect(site.hits.some((h) => h.path === '/blog/paternite')).toBe(true);
    });

    it('refuses "web": true to a key without the right (403), whatever the route', async () => {
      for (const [path, body] of [
        ['/v1/answers', { question: 'Quel est le montant de la prime vélo ?', web: true }],
        ['/v1/search', { query: 'prime vélo', web: true }],
      ] as const) {
        const before = searx.hits.length;
        const res = await e.fetch(path, { body, role: 'agent' });
        expect(res.status).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe('WEB_SEARCH_FORBIDDEN');
        expect(searx.hits.length).toBe(before);
      }
    });

    it('falls back to the indexed sources with a warning when the provider is down, busy or silent', async () => {
      for (const [state, code] of [['down', 'WEB_SEARCH_UNAVAILABLE'], ['busy', 'WEB_SEARCH_RATE_LIMITED'], ['slow', 'WEB_SEARCH_TIMEOUT']] as const) {
        searxMode = state;
        try {
          const t0 = Date.now();
          const answer = await ask({ question: 'Combien de jours dure le congé de paternité ?', web: true });
          expect(answer.abstained, JSON.stringify(answer.relevance)).toBe(false);
          expect(answer.citations.every((c: any) => c.origin === 'index')).toBe(true);
          expect(answer.warnings.map((w: any) => w.code)).toEqual([code]);
          expect(Date.now() - t0).toBeLessThan(10_000);
        } finally {
          searxMode = 'ok';
        }
      }
    });

    it('searches through the Brave API with its key, and refuses private addresses when they are not allowed', async () => {
      const app = e.engine.app as AppContext;
      const env = { DATA_DIR: 'memory://', WEB_SEARCH_ALLOWED_DOMAINS: '127.0.0.1', WEB_SEARCH_FRESH_HOURS: '0', WEB_SEARCH_MAX_PAGES: '1' };
      const viaBrave = createWebSearch({
        db: e.db,
        config: loadConfig({ ...env, WEB_SEARCH_PROVIDER: 'brave', WEB_SEARCH_URL: `${brave.url}/res/v1/web/search`, WEB_SEARCH_API_KEY: 'brave-test-key', CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true' }),
        embedder: async () => new HashEmbedder(),
      })!;
      const run = await viaBrave.service.search({ queries: ['prime vélo'], keyId: null });
      await viaBrave.close();
      expect(run.warnings).toEqual([]);
      expect(run.pages.map((p) => p.url)).toEqual([`${site.url}/aides/velo`]);
      expect(new URL(brave.hits.at(-1)!.path, 'http://x').searchParams.get('q')).toBe('prime vélo');

      const guarded = createWebSearch({
        db: e.db,
        config: loadConfig({ ...env, WEB_SEARCH_PROVIDER: 'searxng', WEB_SEARCH_URL: searx.url }),
        embedder: async () => new HashEmbedder(),
      })!;
      const fetchedBefore = site.hits.length;
      const refused = await guarded.service.search({ queries: ['prime vélo'], keyId: null });
      await guarded.close();
      expect(refused.pages).toEqual([]);
      expect(refused.warnings.map((w) => w.code)).toEqual(['FETCH_PRIVATE_ADDRESS', 'WEB_NO_PAGE_READ']);
      expect(site.hits.length).toBe(fetchedBefore);

      await expect(requireWebSearch({ ...app, services: new Map() }, { webSearch: true })).rejects.toMatchObject({ status: 409, code: 'WEB_SEARCH_DISABLED' });
    });

    it('counts web pages in the retention purge: pages read within RETENTION_WEB_DAYS stay', async () => {
      const before = await e.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = 'web' AND d.status = 'active'`);
      expect(before.rows[0]!.n).toBeGreaterThan(0);
      const report = await purgeExpired(e.db, { answers: 0, feedback: 0, crawl_logs: 0, audit: 0, web: 1 });
      // the cutoff is the policy's one day before now: pages read since then are kept
      const cutoffAgeMs = Date.now() - new Date(report.cutoffs.web!).getTime();
      expect(cutoffAgeMs).toBeGreaterThan(86_400_000 - 60_000);
      expect(cutoffAgeMs).toBeLessThan(86_400_000 + 60_000);
      expect(report.deleted.web_documents).toBe(0);
      const res = await e.fetch('/v1/search', { body: { query: 'prime vélo électrique', web: true }, key: webKey });
      expect(((await res.json()) as { data: Array<{ origin?: string }> }).data.some((h) => h.origin === 'web')).toBe(true);
    });

    it('deletes a web page fetched more than RETENTION_WEB_DAYS ago, with its passages, and keeps a recent one', async () => {
      const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
      const webId = await webCollection(e.db);
      // aged through the index's own write path (its fetch date), as a page read 40 days ago would be
      const [oldId, recentId] = await seedDocuments(e.db, new HashEmbedder(), [
        { collectionId: webId, url: `${site.url}/ancienne`, title: 'Prime vélo cargo', format: 'html', fetchedAt: days(40), chunks: [{ text: 'La prime pour un vélo cargo a été lue il y a quarante jours.' }] },
        { collectionId: webId, url: `${site.url}/recente`, title: 'Prime vélo pliant', format: 'html', fetchedAt: days(29), chunks: [{ text: 'La prime pour un vélo pliant a été lue il y a vingt-neuf jours.' }] },
      ]);
      const policy = retentionPolicy(e.config);
      expect(policy.web).toBe(30);
      const report = await purgeExpired(e.db, policy);
      expect(report.deleted.web_documents).toBe(1);
      const { rows } = await e.db.query<{ id: string; status: string; chunks: number }>(
        `SELECT d.id, d.status, (SELECT count(*)::int FROM chunks c WHERE c.document_id = d.id) AS chunks FROM documents d WHERE d.id = ANY($1::bigint[]) ORDER BY d.id`,
        [[oldId, recentId]],
      );
      expect(rows.map((r) => [Number(r.id), r.status, r.chunks])).toEqual([
        [oldId, 'deleted', 0],
        [recentId, 'active', 1],
      ]);
    });
  });
