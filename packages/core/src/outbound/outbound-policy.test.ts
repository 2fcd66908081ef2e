import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { registry } from '../observability/metrics.js';
import { describeEachDatabase } from '../testing/databases.js';
import { assertCrawlTarget, countOutbound, installOutboundGuard, outboundInterceptor } from './outbound-guard.js';
import { modelDestinations, OutboundPolicy } from './outbound-policy.js';

const silent = pino({ level: 'silent' });

async function metricValue(host: string, purpose: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === 'cite_outbound_requests_total');
  return (m?.values.find((v) => v.labels.host === host && v.labels.purpose === purpose)?.value as number | undefined) ?? 0;
}

describeEachDatabase('outbound policy', (ctx) => {
  beforeAll(async () => {
    const { rows } = await ctx.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('c') RETURNING id`);
    const c = rows[0]!.id;
    const add = (name: string, urls: string[], enabled: boolean, deleted = false) =>
      ctx.db.query(
        `INSERT INTO sources (collection_id, name, kind, config, enabled, deleted_at) VALUES ($1, $2, 'website', $3, $4, $5)`,
        [c, name, JSON.stringify({ start_urls: urls }), enabled, deleted ? new Date().toISOString() : null],
      );
    await add('sp', ['https://www.service-public.fr/particuliers/vosdroits'], true);
    await add('travail', ['https://travail-emploi.gouv.fr/', 'https://code.travail.gouv.fr/'], true);
    await add('disabled', ['https://disabled.example.org/'], false);
    await add('deleted', ['https://deleted.example.org/'], true, true);
    await add('dump', ['/srv/dumps/vosdroits.zip'], true);
  });

  it('allows crawl targets only on the sites of enabled sources', async () => {
    const policy = new OutboundPolicy(loadConfig({}), ctx.db);
    await policy.refresh();
    expect(policy.crawlSites()).toEqual(['code.travail.gouv.fr', 'service-public.fr', 'travail-emploi.gouv.fr']);
    await policy.checkCrawlTarget('https://www.service-public.fr/particuliers/vosdroits/F123');
    await policy.checkCrawlTarget('https://service-public.fr/'); // 'www.' is the same site
    await expect(policy.checkCrawlTarget('https://disabled.example.org/')).rejects.toMatchObject({ code: 'OUTBOUND_REFUSED' });
    await expect(policy.checkCrawlTarget('https://deleted.example.org/')).rejects.toMatchObject({ code: 'OUTBOUND_REFUSED' });
    await expect(policy.checkCrawlTarget('https://tracker.example.com/pixel')).rejects.toMatchObject({ code: 'OUTBOUND_REFUSED' });
    expect(policy.classify('api.openai.com')).toBeUndefined();
  });

  it('sees a source enabled after the snapshot was taken', async () => {
    const policy = new OutboundPolicy(loadConfig({}), ctx.db);
    await policy.refresh();
    await expect(policy.checkCrawlTarget('https://disabled.example.org/')).rejects.toMatchObject({ code: 'OUTBOUND_REFUSED' });
    await ctx.db.query(`UPDATE sources SET enabled = true WHERE name = 'disabled'`);
    await new Promise((r) => setTimeout(r, 2_100)); // refused hosts re-read the sources at most every 2 s
    await policy.checkCrawlTarget('https://disabled.example.org/page');
    await ctx.db.query(`UPDATE sources SET enabled = false WHERE name = 'disabled'`);
  });

  it('restricts crawl targets further with OUTBOUND_ALLOW hosts and globs', async () => {
    const policy = new OutboundPolicy(loadConfig({ OUTBOUND_ALLOW: '*.gouv.fr, www.service-public.fr' }), ctx.db);
    await policy.refresh();
    await policy.checkCrawlTarget('https://code.travail.gouv.fr/fiche');
    await policy.checkCrawlTarget('https://www.service-public.fr/');
    // an enabled source's site, but not in the allow list
    await expect(policy.checkCrawlTarget('https://service-public.fr/')).rejects.toThrow(/OUTBOUND_ALLOW/);
    // in the allow list, but no enabled source crawls it
    await expect(policy.checkCrawlTarget('https://impots.gouv.fr/')).rejects.toMatchObject({ code: 'OUTBOUND_REFUSED' });
  });

  it('allows model servers only as configured', () => {
    expect(modelDestinations(loadConfig({}))).toEqual([]);
    const cfg = loadConfig({ EMBEDDINGS: 'openai:bge-m3', EMBEDDINGS_BASE_URL: 'https://albert.api.etalab.gouv.fr/v1', LLM_BASE_URL: 'http://vllm.internal:8000/v1' });
    const policy = new OutboundPolicy(cfg);
    expect(policy.classify('albert.api.etalab.gouv.fr')).toBe('embeddings');
    expect(policy.classify('vllm.internal')).toBe('llm');
    expect(policy.classify('huggingface.co')).toBeUndefined();
    const hub = new OutboundPolicy(loadConfig({ EMBEDDINGS: 'transformers:Xenova/multilingual-e5-small', MODELS_ALLOW_DOWNLOAD: 'true' }));
    expect(hub.classify('huggingface.co')).toBe('model-download');
    expect(hub.classify('cdn-lfs.huggingface.co')).toBe('model-download');
  });

  it("allows the OpenID Connect provider's endpoints on other hosts once discovery names them, and only those", () => {
    const policy = new OutboundPolicy(loadConfig({ OIDC_ISSUER: 'https://auth.agentconnect.gouv.fr/api/v2', OIDC_CLIENT_ID: 'c', PUBLIC_URL: 'https://cite.example.gouv.fr' }));
    expect(policy.classify('auth.agentconnect.gouv.fr')).toBe('sign-in');
    expect(() => policy.check('https://tokens.agentconnect.gouv.fr/token')).toThrow(/OUTBOUND_REFUSED|refused/);
    const added = policy.allowSignInEndpoints([
      'https://tokens.agentconnect.gouv.fr/token',
      'https://auth.agentconnect.gouv.fr/api/v2/userinfo', // the issuer's host: already allowed
      'https://keys.agentconnect.gouv.fr/jwks',
      undefined, // no end_session_endpoint
      'http://127.0.0.1:9000/session/end', // loopback is not outbound
    ]);
    expect(added).toEqual(['tokens.agentconnect.gouv.fr', 'keys.agentconnect.gouv.fr']);
    expect(policy.check('https://tokens.agentconnect.gouv.fr/token')).toBe('sign-in');
    expect(policy.classify('keys.agentconnect.gouv.fr')).toBe('sign-in');
    expect(policy.classify('agentconnect.gouv.fr')).toBeUndefined();
    expect(policy.models.filter((m) => m.purpose === 'sign-in').map((m) => m.host)).toEqual(['auth.agentconnect.gouv.fr', 'tokens.agentconnect.gouv.fr', 'keys.agentconnect.gouv.fr']);
    expect(policy.allowSignInEndpoints(['https://tokens.agentconnect.gouv.fr/other'])).toEqual([]); // a second discovery adds nothing twice
  });

  it('the interceptor refuses before dispatching and lets allowed hosts through', async () => {
    const policy = new OutboundPolicy(loadConfig({ LLM_BASE_URL: 'http://llm.example.net/v1' }), ctx.db);
    await policy.refresh();
    const dispatched: string[] = [];
    const dispatch = outboundInterceptor(policy)((opts) => {
      dispatched.push(String(opts.origin));
      return true;
    });
    const handler = {} as never;
    dispatch({ origin: 'http://llm.example.net', path: '/v1/chat/completions', method: 'POST' }, handler);
    dispatch({ origin: 'https://code.travail.gouv.fr', path: '/', method: 'GET' }, handler);
    dispatch({ origin: 'http://127.0.0.1:9', path: '/', method: 'GET' }, handler);
    expect(() => dispatch({ origin: 'https://exfiltrate.example.com', path: '/', method: 'GET' }, handler)).toThrow(/OUTBOUND_REFUSED|refused/);
    expect(dispatched).toEqual(['http://llm.example.net', 'https://code.travail.gouv.fr', 'http://127.0.0.1:9']);
  });
});

describeEachDatabase('outbound guard (process-wide)', (ctx) => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses fetch to unlisted hosts before any connection, counts allowed calls per host', async () => {
    const config = loadConfig({ LLM_BASE_URL: `http://localhost:${port}/v1` });
    const uninstall = await installOutboundGuard({ config, db: ctx.db, log: silent });
    try {
      const before = await metricValue('localhost', 'llm');
      const res = await fetch(`http://localhost:${port}/v1/models`);
      expect(res.status).toBe(200);
      await res.text();
      expect(await metricValue('localhost', 'llm')).toBe(before + 1);

      // .invalid never resolves: a refusal from DNS would be ENOTFOUND, ours names the policy
      const refusedBefore = await metricValue('blocked.invalid', 'refused');
      const err = await fetch('https://blocked.invalid/collect').catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('OUTBOUND_REFUSED');
      expect(await metricValue('blocked.invalid', 'refused')).toBe(refusedBefore + 1);

      await expect(assertCrawlTarget('https://blocked.invalid/')).rejects.toMatchObject({ code: 'OUTBOUND_REFUSED' });

      // requests of clients outside undici (the headless browser) are counted the same way
      const llmBefore = await metricValue('localhost', 'llm');
      countOutbound(`http://localhost:${port}/v1/chat/completions`);
      countOutbound('http://127.0.0.1:9/self'); // loopback that is not a model server: not outbound
      expect(await metricValue('localhost', 'llm')).toBe(llmBefore + 1);
      expect(await metricValue('127.0.0.1', 'unlisted')).toBe(0);
    } finally {
      uninstall();
    }
    // uninstalled: the process dispatcher is back to normal (the failure is now DNS, not the policy)
    const after = await fetch('https://blocked.invalid/collect').catch((e: Error) => e);
    expect((after as Error & { cause?: { code?: string } }).cause?.code).not.toBe('OUTBOUND_REFUSED');
    await assertCrawlTarget('https://blocked.invalid/');
  });
});
