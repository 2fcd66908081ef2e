/**
 * End-to-end crawls against real HTTP servers on loopback, on both database modes: robots, sitemaps,
 * formats, traps, retries, recrawls and deletions, with the real pipeline (extractors, chunker,
 * hash embedder, ingestion).
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { writeDocx } from '../extractors/testing/docx-writer.js';
import { writePdf } from '../extractors/testing/pdf-writer.js';
import { MAX_NAVIGATIONS } from '../render/renderer.js';
import { createSource } from '../sources/source-service.js';
import { crawlToEnd, testConfig } from '../testing/crawl-helpers.js';
import { page, startTestSite, type RouteReply, type TestSite } from '../testing/test-site.js';

const LOREM =
  'Les congés payés sont acquis à raison de deux jours et demi ouvrables par mois de travail effectif chez le même employeur. ' +
  'La période de référence court du 1er juin au 31 mai. ';

async function documentsOf(db: import('@cite/core/db/database.js').Database, collection: string) {
  const { rows } = await db.query<{ url: string; status: string; format: string; title: string }>(
    `SELECT d.url, d.status, d.format, d.title FROM documents d JOIN collections c ON c.id = d.collection_id
      WHERE c.name = $1 ORDER BY d.url`,
    [collection],
  );
  return rows;
}

/** The text indexed in a collection, its chunks in order. */
async function collectionText(db: import('@cite/core/db/database.js').Database, collection: string): Promise<string> {
  const { rows } = await db.query<{ text: string }>(
    `SELECT c.text FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id
      WHERE k.name = $1 ORDER BY d.url, c.id`,
    [collection],
  );
  return rows.map((r) => r.text).join('\n');
}

describeEachDatabase('crawler end to end', (ctx) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('follows links within the site, obeys robots.txt Disallow/Allow, and indexes HTML, PDF, DOCX and Latin-1 pages', async () => {
    const base = '/a';
    site.routes.set('/robots.txt', {
      headers: { 'content-type': 'text/plain' },
      body: 'User-agent: *\nDisallow: /a/private\nAllow: /a/private/open\n\nUser-agent: OtherBot\nDisallow: /\n',
    });
    site.routes.set(`${base}/`, page('Accueil', LOREM, ['page1', 'private/secret', 'private/open', 'doc.pdf', 'doc.docx', 'latin1', 'https://elsewhere.example/x', 'page1#frag', 'page1?utm_source=x']));
    site.routes.set(`${base}/page1`, page('Page un', LOREM, ['/a/']));
    site.routes.set(`${base}/private/secret`, page('Secret', LOREM));
    site.routes.set(`${base}/private/open`, page('Ouvert', LOREM));
    site.routes.set(`${base}/doc.pdf`, { headers: { 'content-type': 'application/pdf' }, body: writePdf({ pages: ['Indemnité de licenciement', 'Deuxième page du guide'] }) });
    site.routes.set(`${base}/doc.docx`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: writeDocx([{ text: 'Télétravail', heading: 1 }, { text: "L'accord collectif précise les modalités du télétravail." }]),
    });
    site.routes.set(`${base}/latin1`, {
      headers: { 'content-type': 'text/html; charset=iso-8859-1' },
      body: Buffer.from(page('Démarches à l’étranger'.replace('’', "'"), 'Être français à l’étranger : déclaration de naissance, état civil.'.replace(/’/g, "'")), 'latin1'),
    });
    const source = await createSource(ctx.db, { name: 'site a', kind: 'website', collection: 'c-basic', start_urls: [`${site.url}${base}/`], rate_per_host: 100 });
    const vectorsAt = async () =>
      (
        await ctx.db.query<{ pending: number; indexed: number; none: number }>(
          `SELECT count(b.chunk_id)::int AS pending,
                  count(*) FILTER (WHERE c.embedding IS NOT NULL)::int AS indexed,
                  count(*) FILTER (WHERE c.embedding IS NULL AND b.chunk_id IS NULL)::int AS none
             FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id
             LEFT JOIN vector_backlog b ON b.chunk_id = c.id
            WHERE k.name = 'c-basic'`,
        )
      ).rows[0]!;
    // the crawl leaves its vectors and postings in the backlogs; the worker, idle once the run is over, indexes them all
    const run = await crawlToEnd(ctx.db, source.id, { untilBacklogIndexed: true });
    const vectors = await vectorsAt();
    expect(vectors.pending).toBe(0);
    expect(vectors.none).toBe(0);
    expect(vectors.indexed).toBeGreaterThanOrEqual(6);
    expect(run.status).toBe('succeeded');
    expect(site.count(`${base}/private/secret`)).toBe(0);
    expect(site.count(`${base}/private/open`)).toBe(1);
    expect(site.count(`${base}/page1`)).toBe(1);
    const found = await documentsOf(ctx.db, 'c-basic');
    const byPath = Object.fromEntries(found.map((d) => [new URL(d.url).pathname, d]));
    expect(Object.keys(byPath).sort()).toEqual([`${base}/`, `${base}/doc.docx`, `${base}/doc.pdf`, `${base}/latin1`, `${base}/page1`, `${base}/private/open`].sort());
    expect(byPath[`${base}/doc.pdf`]!.format).toBe('pdf');
    expect(byPath[`${base}/doc.docx`]!.format).toBe('docx');
    expect(byPath[`${base}/latin1`]!.title).toBe("Démarches à l'étranger");
    const text = await ctx.db.query<{ text: string }>(`SELECT c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url LIKE '%/latin1'`);
    expect(text.rows.map((r) => r.text).join(' ')).toContain('déclaration de naissance, état civil');
    expect(run.skip_reasons.robots).toBe(1);
    expect(run.indexed).toBe(6);
  });

  it('writes crawled vectors and postings to their backlogs up to CRAWLER_VECTOR_BACKLOG_MAX and CRAWLER_POSTINGS_BACKLOG_MAX, straight into the index above them', async () => {
    site.routes.set('/v/', page('Vecteurs', LOREM, ['un', 'deux']));
    site.routes.set('/v/un', page('Un', `Premier texte. ${LOREM}`));
    site.routes.set('/v/deux', page('Deux', `Second texte. ${LOREM}`));
    const pendingIn = async (collection: string) => {
      const { rows } = await ctx.db.query<{ vectors: number; postings: number; written: number }>(
        `SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM vector_backlog b WHERE b.chunk_id = c.id))::int AS vectors,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM postings_backlog b WHERE b.chunk_id = c.id))::int AS postings,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM search_postings p WHERE p.chunk_id = c.id))::int AS written
           FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id
          WHERE k.name = $1`,
        [collection],
      );
      return { vectors: Number(rows[0]!.vectors), postings: Number(rows[0]!.postings), written: Number(rows[0]!.written) };
    };
    const crawl = async (collection: string, vectors: string, postings: string) => {
      const source = await createSource(ctx.db, { name: collection, kind: 'website', collection, start_urls: [`${site.url}/v/`], rate_per_host: 100 });
      // a batch of 0: the idle worker moves nothing, so what the crawl wrote stays visible
      const config = testConfig({ CRAWLER_VECTOR_BACKLOG_MAX: vectors, CRAWLER_POSTINGS_BACKLOG_MAX: postings });
      const run = await crawlToEnd(ctx.db, source.id, { config, worker: { backlogBatch: 0 } });
      expect(run.indexed).toBe(3);
    };
    await crawl('c-backlog', '1000', '1000');
    const waiting = await pendingIn('c-backlog');
    expect(waiting.vectors).toBeGreaterThanOrEqual(3);
    expect(waiting).toMatchObject({ postings: waiting.vectors, written: 0 });
    await crawl('c-no-backlog', '0', '0');
    const none = await pendingIn('c-no-backlog');
    expect(none).toMatchObject({ vectors: 0, postings: 0, written: waiting.vectors });
    await crawl('c-postings-backlog', '0', '1000');
    expect(await pendingIn('c-postings-backlog')).toEqual({ vectors: 0, postings: waiting.vectors, written: 0 });
  });
});

describeEachDatabase('crawler: sitemaps, traps, failures', (ctx) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('reads a sitemap index pointing to a gzipped sitemap and a plain one', async () => {
    const xml = (urls: string[]) =>
      `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.map((u) => `<url><loc>${u}</loc><lastmod>2024-01-01</lastmod></url>`).join('')}</urlset>`;
    site.routes.set('/sm/index.xml', {
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${site.url}/sm/part1.xml.gz</loc></sitemap><sitemap><loc>${site.url}/sm/part2.xml</loc></sitemap></sitemapindex>`,
    });
    site.routes.set('/sm/part1.xml.gz', { headers: { 'content-type': 'application/gzip' }, body: zlib.gzipSync(xml([`${site.url}/sm/p1`, `${site.url}/sm/p2`])) });
    site.routes.set('/sm/part2.xml', { headers: { 'content-type': 'application/xml' }, body: xml([`${site.url}/sm/p3?b=2&amp;a=1`]) });
    for (const p of ['p1', 'p2', 'p3']) site.routes.set(`/sm/${p}`, page(`Fiche ${p}`, LOREM));
    const source = await createSource(ctx.db, { name: 'sm', kind: 'sitemap', collection: 'c-sitemap', start_urls: [`${site.url}/sm/index.xml`], rate_per_host: 100, max_depth: 0 });
    const run = await crawlToEnd(ctx.db, source.id);
    expect(run.status).toBe('succeeded');
    expect((await documentsOf(ctx.db, 'c-sitemap')).map((d) => new URL(d.url).pathname + new URL(d.url).search)).toEqual(['/sm/p1', '/sm/p2', '/sm/p3?a=1&b=2']);
    expect(run.indexed).toBe(3);
  });

  it('reads a sitemap of 60,000 URLs up to the protocol\'s 50,000 and stores no row for the URLs past max_pages, counting both', async () => {
    // the tester's 1,000,000-URL sitemap, smaller: each URL past the budget was a frontier row (999,903 of them),
    // written in one statement that held the run's row for a minute
    const locs = Array.from({ length: 60_000 }, (_, i) => `<url><loc>${site.url}/big/p${i}</loc></url>`);
    site.routes.set('/big/sitemap.xml', { headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0"?><urlset>${locs.join('')}</urlset>` });
    for (let i = 0; i < 20; i++) site.routes.set(`/big/p${i}`, page(`Fiche ${i}`, LOREM));
    const source = await createSource(ctx.db, {
      name: 'big', kind: 'sitemap', collection: 'c-big', start_urls: [`${site.url}/big/sitemap.xml`], rate_per_host: 1000, max_pages: 20,
    });
    const run = await crawlToEnd(ctx.db, source.id, { timeoutMs: 90_000 });
    expect(run.status).toBe('succeeded');
    expect(run.indexed).toBe(20);
    expect(run.skip_reasons).toEqual({ max_pages: 49_980, sitemap_max_urls: 10_000 });
    expect(run).toMatchObject({ discovered: 60_000, skipped: 59_980 });
    const { rows } = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM frontier WHERE run_id = $1', [run.id]);
    expect(rows[0]!.n).toBe(21); // the sitemap and its first 20 pages
    expect([...site.hits.keys()].filter((k) => k.startsWith('/big/p'))).toHaveLength(20);
  }, 120_000);

  it('ends a run whose sitemap index names new indexes at each fetch, and follows no index entry of another host', async () => {
    // the site writes it: /smx?n=0 names /smx?n=1 and /smx?n=1&b=1, which name n=2…, without end (a run went on forever)
    site.routes.set('/smx', (_req, url) => {
      const n = Number(url.searchParams.get('n') ?? '0');
      const locs = [`${site.url}/smx?n=${n + 1}`, `${site.url}/smx?b=1&amp;n=${n + 1}`, `http://other.invalid/smx-${n}.xml`];
      const body = `<?xml version="1.0"?><sitemapindex>${locs.map((l) => `<sitemap><loc>${l}</loc></sitemap>`).join('')}</sitemapindex>`;
      return { headers: { 'content-type': 'application/xml' }, body };
    });
    const source = await createSource(ctx.db, { name: 'smx', kind: 'sitemap', collection: 'c-smx', start_urls: [`${site.url}/smx?n=0`], rate_per_host: 1000 });
    const run = await crawlToEnd(ctx.db, source.id, { worker: { maxSitemaps: 20 }, timeoutMs: 30_000 });
    expect(run.status).toBe('succeeded');
    const fetched = [...site.hits.keys()].filter((k) => k.startsWith('/smx')).length;
    expect(fetched).toBe(20);
    expect(run.skip_reasons.max_sitemaps).toBeGreaterThan(0);
    // another host's sitemap is never queued, so never fetched (nor failed)
    expect(run.fail_reasons).toEqual({});
    const { rows } = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM frontier f JOIN crawl_runs r ON r.id = f.run_id WHERE r.source_id = $1 AND f.url LIKE '%other.invalid%'`,
      [source.id],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('reads each sitemap once: an index naming itself, two naming each other, through redirects too, and crawls the pages they list', async () => {
    const xml = (tag: 'sitemapindex' | 'urlset', locs: string[]) => ({
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0"?><${tag}>${locs.map((l) => (tag === 'urlset' ? `<url><loc>${l}</loc></url>` : `<sitemap><loc>${l}</loc></sitemap>`)).join('')}</${tag}>`,
    });
    const at = (p: string) => `${site.url}/loop/${p}`;
    // the source's /sitemap.xml moved to the index (301); the index names itself, its old address and another
    // old one redirecting to it, and an index naming it back (and itself). Before, the index was read 3 times.
    site.routes.set('/loop/sitemap.xml', { status: 301, headers: { location: '/loop/index.xml' } });
    site.routes.set('/loop/old.xml', { status: 301, headers: { location: '/loop/index.xml' } });
    site.routes.set('/loop/index.xml', xml('sitemapindex', [at('index.xml'), at('sitemap.xml'), at('other.xml'), at('old.xml'), at('pages.xml')]));
    site.routes.set('/loop/other.xml', xml('sitemapindex', [at('index.xml'), at('other.xml'), at('more.xml')]));
    site.routes.set('/loop/pages.xml', xml('urlset', [at('p1'), at('p2')]));
    site.routes.set('/loop/more.xml', xml('urlset', [at('p3')]));
    for (const p of ['p1', 'p2', 'p3']) site.routes.set(`/loop/${p}`, page(`Fiche ${p}`, LOREM));
    const source = await createSource(ctx.db, { name: 'loop', kind: 'sitemap', collection: 'c-sitemap-loop', start_urls: [at('sitemap.xml')], rate_per_host: 1000 });
    const run = await crawlToEnd(ctx.db, source.id, { timeoutMs: 30_000 });
    expect(run.status).toBe('succeeded');
    const hits = Object.fromEntries([...site.hits].filter(([k]) => k.startsWith('/loop/')));
    expect(hits).toEqual({
      '/loop/sitemap.xml': 1, '/loop/index.xml': 1, '/loop/other.xml': 1, '/loop/old.xml': 1, '/loop/pages.xml': 1, '/loop/more.xml': 1,
      '/loop/p1': 1, '/loop/p2': 1, '/loop/p3': 1,
    });
    expect(run).toMatchObject({ indexed: 3, failed: 0, skip_reasons: { duplicate_sitemap: 1 } });
    expect((await documentsOf(ctx.db, 'c-sitemap-loop')).map((d) => new URL(d.url).pathname)).toEqual(['/loop/p1', '/loop/p2', '/loop/p3']);
  });

  it('detects a redirect loop, times out a slow page, and refuses unbounded calendar URLs', async () => {
    site.routes.set('/t/', page('Agenda', LOREM, ['loop1', 'slow', 'calendar?month=2024-01', 'ok']));
    site.routes.set('/t/loop1', { status: 302, headers: { location: '/t/loop2' } });
    site.routes.set('/t/loop2', { status: 301, headers: { location: '/t/loop1' } });
    site.routes.set('/t/slow', { delayMs: 3_500, body: page('Lent', LOREM) });
    site.routes.set('/t/ok', page('OK', LOREM));
    site.routes.set('/t/calendar', (_req, url) => {
      const [y, m] = (url.searchParams.get('month') ?? '2024-01').split('-').map(Number) as [number, number];
      const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
      const prev = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
      return { body: page(`Agenda ${y}-${m}`, LOREM, [`calendar?month=${next}`, `calendar?month=${prev}`]) };
    });
    const source = await createSource(ctx.db, { name: 't', kind: 'website', collection: 'c-traps', start_urls: [`${site.url}/t/`], rate_per_host: 200, max_depth: 100 });
    const run = await crawlToEnd(ctx.db, source.id, {
      config: (await import('../testing/crawl-helpers.js')).testConfig({ CRAWLER_TIMEOUT_MS: '1500' }),
      worker: { maxQueryVariants: 15, pipeline: { backoffBaseMs: 50, maxAttempts: 2 } },
    });
    expect(run.fail_reasons, JSON.stringify((await ctx.db.query("SELECT * FROM crawl_hosts")).rows)).toMatchObject({ FETCH_REDIRECT_LOOP: 1 });
    expect(run.fail_reasons.FETCH_TIMEOUT).toBe(1);
    expect(site.count('/t/slow')).toBe(2); // one retry, then failed
    const calendarFetches = [...site.hits.keys()].filter((k) => k.startsWith('/t/calendar')).length;
    expect(calendarFetches).toBeLessThanOrEqual(16);
    expect(run.skip_reasons.query_variants).toBeGreaterThan(0);
    expect(run.failed_urls.map((f) => f.reason).sort()).toEqual(['FETCH_REDIRECT_LOOP', 'FETCH_TIMEOUT']);
    expect(run.status).toBe('succeeded');
  });

  it('follows at most maxLinksPerPage links of a page, and indexes a page of 200,000 lines', async () => {
    // the site writes both: a hub of 30,000 links (each a frontier row) and a page of <br> whose lines,
    // appended to the chunker's atoms as one spread argument list, overflowed the stack
    const links = ['br', ...Array.from({ length: 30_000 }, (_, i) => `p${i}`)];
    site.routes.set('/h/', page('Index', LOREM, links));
    site.routes.set('/h/br', { body: `<html><body><main><h1>Liste</h1><p>${'Ligne.<br>'.repeat(200_000)}</p></main></body></html>` });
    for (let i = 0; i < 60; i++) site.routes.set(`/h/p${i}`, page(`Page ${i}`, LOREM));
    const source = await createSource(ctx.db, { name: 'h', kind: 'website', collection: 'c-hub', start_urls: [`${site.url}/h/`], rate_per_host: 1000, max_pages: 20 });
    const run = await crawlToEnd(ctx.db, source.id, { worker: { pipeline: { maxLinksPerPage: 50 } } });
    expect(run.status).toBe('succeeded');
    const { rows } = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM frontier f JOIN crawl_runs r ON r.id = f.run_id WHERE r.source_id = $1', [source.id]);
    expect(rows[0]!.n).toBe(51); // the hub and the first 50 of its links
    const docs = await documentsOf(ctx.db, 'c-hub');
    expect(docs.map((d) => d.url)).toContain(`${site.url}/h/br`);
    const chunks = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = $1`,
      [`${site.url}/h/br`],
    );
    expect(chunks.rows[0]!.n).toBeGreaterThan(100);
  });

  it('honours Retry-After on 429 for the whole host, then fetches the page', async () => {
    let served = 0;
    site.routes.set('/r/', page('Limité', LOREM, ['a', 'b']));
    site.routes.set('/r/a', () => (served++ === 0 ? { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' } : { body: page('A', LOREM) }));
    site.routes.set('/r/b', page('B', LOREM));
    const source = await createSource(ctx.db, { name: 'r', kind: 'website', collection: 'c-429', start_urls: [`${site.url}/r/`], rate_per_host: 100 });
    const run = await crawlToEnd(ctx.db, source.id, { worker: { concurrency: 1, perHostConcurrency: 1 } });
    expect(run.status).toBe('succeeded');
    expect(run.indexed).toBe(3);
    const hits = site.log.filter((l) => l.path === '/r/a' || l.path === '/r/b');
    const first429 = site.log.find((l) => l.path === '/r/a')!.at;
    const retried = site.log.filter((l) => l.path === '/r/a')[1]!.at;
    expect(retried - first429).toBeGreaterThanOrEqual(1_900);
    // the host waited: nothing was fetched from it during the Retry-After window
    expect(hits.filter((l) => l.at > first429 + 50 && l.at < first429 + 1_900)).toEqual([]);
  });

  it('caps a Retry-After of days at the longest backoff: a URL answering 429 for ever fails, the other pages of the host are fetched', async () => {
    // a hostile site: 999,999 s asked for (parseRetryAfter allows a day); the crawl waited that day
    site.routes.set('/q/', page('Limité', LOREM, ['stuck', 'b', 'c']));
    site.routes.set('/q/stuck', { status: 429, headers: { 'retry-after': '999999' }, body: 'slow down' });
    site.routes.set('/q/b', page('B', LOREM));
    site.routes.set('/q/c', page('C', LOREM));
    const source = await createSource(ctx.db, { name: 'q', kind: 'website', collection: 'c-429-forever', start_urls: [`${site.url}/q/`], rate_per_host: 100 });
    const run = await crawlToEnd(ctx.db, source.id, {
      worker: { concurrency: 1, perHostConcurrency: 1, pipeline: { backoffBaseMs: 100, backoffMaxMs: 400, maxAttempts: 3 } },
      timeoutMs: 15_000,
    });
    expect(run.status).toBe('succeeded');
    expect(run.indexed).toBe(3);
    expect(run.fail_reasons).toEqual({ HTTP_429: 1 });
    expect(site.count('/q/stuck')).toBe(3);
    const { rows } = await ctx.db.query<{ wait_ms: number }>(
      `SELECT extract(epoch FROM next_fetch_at - now()) * 1000 AS wait_ms FROM crawl_hosts WHERE host = $1`,
      [new URL(site.url).host],
    );
    expect(Number(rows[0]!.wait_ms)).toBeLessThan(1_000);
  });

  it('checks each redirect target against the scope and robots.txt before requesting it', async () => {
    // hosts of their own: robots.txt is kept per host, and the other host must be another site (127.0.0.2)
    const own = await startTestSite();
    const other = await startTestSite({ '/x': page('Ailleurs', LOREM) }, '127.0.0.2');
    try {
      own.routes.set('/robots.txt', { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nDisallow: /private\n' });
      own.routes.set('/', page('Accueil', LOREM, ['private/secret', 'redir-to-private', 'redir-away', 'redir-ok']));
      own.routes.set('/private/secret', page('Secret', LOREM));
      own.routes.set('/redir-to-private', { status: 302, headers: { location: '/private/secret' } });
      own.routes.set('/redir-away', { status: 302, headers: { location: `${other.url}/x` } });
      own.routes.set('/redir-ok', { status: 301, headers: { location: '/landing' } });
      own.routes.set('/landing', page('Arrivée', LOREM));
      const source = await createSource(ctx.db, { name: 'redir', kind: 'website', collection: 'c-redirects', start_urls: [`${own.url}/`], rate_per_host: 100 });
      const run = await crawlToEnd(ctx.db, source.id);
      expect(run.fail_reasons).toEqual({});
      expect(own.count('/private/secret')).toBe(0);
      expect(own.count('/redir-to-private')).toBe(1);
      expect(other.count('/x')).toBe(0);
      expect(other.count('/robots.txt')).toBe(0);
      expect(run.skip_reasons).toMatchObject({ robots: 2, redirect_out_of_scope: 1 });
      expect((await documentsOf(ctx.db, 'c-redirects')).map((d) => new URL(d.url).pathname).sort()).toEqual(['/', '/landing']);
    } finally {
      await own.close();
      await other.close();
    }
  });

  it('judges the page a rendered script navigates to as a redirect target before the browser requests it: robots.txt disallows it, nothing is requested or indexed', async () => {
    const own = await startTestSite();
    try {
      own.routes.set('/robots.txt', { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nDisallow: /private\n' });
      // rendered (render: always), the page moves on to a page robots.txt disallows; the other page stays
      own.routes.set('/moves', page('Part', LOREM, [], "<script>location.replace('/private/secret')</script>"));
      own.routes.set('/stays', page('Reste', LOREM));
      own.routes.set('/private/secret', page('Secret', 'Le texte secret de la page interdite.'));
      const source = await createSource(ctx.db, {
        name: 'rendered-moves',
        kind: 'website',
        collection: 'c-rendered-moves',
        start_urls: [`${own.url}/stays`, `${own.url}/moves`],
        rate_per_host: 100,
        render: 'always',
      });
      const run = await crawlToEnd(ctx.db, source.id);
      expect(run.fail_reasons).toEqual({});
      expect(run.skip_reasons).toMatchObject({ robots: 1 });
      const docs = await documentsOf(ctx.db, 'c-rendered-moves');
      expect(docs.map((d) => new URL(d.url).pathname)).toEqual(['/stays']);
      expect(own.count('/private/secret')).toBe(0);
    } finally {
      await own.close();
    }
  }, 60_000);

  it('opens no popup and loads no frame robots.txt disallows, and fails once, not retried, a rendered page that navigates on and on', async () => {
    const own = await startTestSite();
    try {
      own.routes.set('/robots.txt', { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nDisallow: /private\n' });
      const opener =
        '<iframe src="/private/frame"></iframe><a id="away" href="/private/blank" target="_blank">x</a>' +
        "<script>window.open('/private/popup'); document.getElementById('away').click();</script></main>";
      own.routes.set('/opens', page('Ouvre', LOREM).replace('</main>', opener));
      own.routes.set('/loop', page('Boucle', LOREM, [], "<script>location.replace('/loop?' + Math.random())</script>"));
      own.routes.set('/private/frame', page('Secret', 'Le texte secret de la page interdite.'));
      const source = await createSource(ctx.db, {
        name: 'rendered-opens',
        kind: 'website',
        collection: 'c-rendered-opens',
        start_urls: [`${own.url}/opens`, `${own.url}/loop`],
        rate_per_host: 100,
        render: 'always',
      });
      // a page's time far above what it needs: under a loaded CI, a first rendering that timed out (retried)
      // added its navigations to the count
      const run = await crawlToEnd(ctx.db, source.id, { config: testConfig({ CRAWLER_TIMEOUT_MS: '20000' }) });
      expect(run.fail_reasons).toEqual({ RENDER_TOO_MANY_NAVIGATIONS: 1 });
      const docs = await documentsOf(ctx.db, 'c-rendered-opens');
      expect(docs.map((d) => new URL(d.url).pathname)).toEqual(['/opens']);
      expect(own.log.filter((l) => l.path.startsWith('/private'))).toEqual([]);
      // the fetch, the rendering's first navigation and at most MAX_NAVIGATIONS more: no retry
      expect(own.log.filter((l) => l.path.startsWith('/loop')).length).toBeLessThanOrEqual(MAX_NAVIGATIONS + 2);
    } finally {
      await own.close();
    }
  }, 60_000);

  it("requests none of a rendered page's scripts and fetches that robots.txt disallows; the page is indexed with what it could load", async () => {
    const own = await startTestSite();
    // another site the page calls: its robots.txt is not read (a hostile page could name thousands of hosts)
    const other = await startTestSite({ '/widget.txt': { headers: { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }, body: 'Widget tiers.' } }, '127.0.0.2');
    try {
      own.routes.set('/robots.txt', { headers: { 'content-type': 'text/plain' }, body: 'User-agent: *\nDisallow: /private\n' });
      const calls =
        '<div id="out"></div><script src="/private/app.js"></script><script>' +
        "const add = (t) => document.getElementById('out').append(t + ' ');" +
        "fetch('/public/note.txt').then((r) => r.text()).then(add);" +
        "fetch('/private/note.txt').then((r) => r.text()).then(add, () => add('Note privée indisponible.'));" +
        "navigator.sendBeacon('/private/beacon', 'vu');" +
        `fetch('${other.url}/widget.txt').then((r) => r.text()).then(add, () => {});</script></main>`;
      own.routes.set('/calls', page('Appels', LOREM).replace('</main>', calls));
      own.routes.set('/public/note.txt', { headers: { 'content-type': 'text/plain' }, body: 'Note publique sur les congés annuels.' });
      own.routes.set('/private/note.txt', { headers: { 'content-type': 'text/plain' }, body: 'Note interne réservée aux agents.' });
      own.routes.set('/private/app.js', { headers: { 'content-type': 'text/javascript' }, body: "document.body.append('Script interne.')" });
      const source = await createSource(ctx.db, {
        name: 'rendered-calls',
        kind: 'website',
        collection: 'c-rendered-calls',
        start_urls: [`${own.url}/calls`],
        rate_per_host: 100,
        render: 'always',
      });
      const run = await crawlToEnd(ctx.db, source.id);
      expect(run.indexed).toBe(1);
      const text = await collectionText(ctx.db, 'c-rendered-calls');
      expect(text).toContain('Note publique sur les congés annuels.');
      expect(text).toContain('Note privée indisponible.');
      expect(text).not.toContain('Note interne');
      expect(text).not.toContain('Script interne');
      expect(own.log.filter((l) => l.path.startsWith('/private'))).toEqual([]);
      // the other site was called, held to the guarded proxy only
      expect(other.count('/widget.txt')).toBe(1);
      expect(other.count('/robots.txt')).toBe(0);
    } finally {
      await own.close();
      await other.close();
    }
  }, 60_000);

  it('holds a host to its rate: requests spaced by its delay, each sent when its slot opens rather than at the next poll', async () => {
    const pages = ['p1', 'p2', 'p3', 'p4', 'p5'];
    site.routes.set('/pace/', page('Rythme', LOREM, pages));
    for (const p of pages) site.routes.set(`/pace/${p}`, page(p, LOREM));
    const source = await createSource(ctx.db, { name: 'pace', kind: 'website', collection: 'c-pace', start_urls: [`${site.url}/pace/`], rate_per_host: 10 });
    // a poll far longer than the host's 100 ms delay: a worker that waited for its poll would take 10 s or more
    const run = await crawlToEnd(ctx.db, source.id, { worker: { pollMs: 2_000 } });
    expect(run.indexed).toBe(6);
    const at = site.log.filter((l) => l.path.startsWith('/pace/')).map((l) => l.at);
    expect(at).toHaveLength(6);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(90);
    expect(at.at(-1)! - at[0]!).toBeLessThan(1_500);
  });

  it('reads a robots.txt holding NUL or written in UTF-16: its rules apply, the site is crawled', async () => {
    // a host of its own: robots.txt is kept per host
    for (const robots of [
      Buffer.from('User-agent: *\nDisallow: /r/secret\u0000.html\nAllow: /\n'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('User-agent: *\r\nDisallow: /r/secret\r\n', 'utf16le')]),
    ]) {
      const own = await startTestSite();
      try {
        own.routes.set('/robots.txt', { headers: { 'content-type': 'text/plain' }, body: robots });
        own.routes.set('/r/', page('Accueil', LOREM, ['ouvert', 'secret-plan']));
        own.routes.set('/r/ouvert', page('Ouvert', LOREM));
        own.routes.set('/r/secret-plan', page('Secret', LOREM));
        const collection = `c-robots-${robots[0] === 0xff ? 'utf16' : 'nul'}`;
        const source = await createSource(ctx.db, { name: collection, kind: 'website', collection, start_urls: [`${own.url}/r/`], rate_per_host: 100 });
        const run = await crawlToEnd(ctx.db, source.id);
        expect(run.fail_reasons, collection).toEqual({});
        expect(run.skip_reasons.robots, collection).toBe(1);
        expect((await documentsOf(ctx.db, collection)).map((d) => new URL(d.url).pathname).sort()).toEqual(['/r/', '/r/ouvert']);
      } finally {
        await own.close();
      }
    }
  });

  it('refuses a private address when private networks are not allowed', async () => {
    const source = await createSource(ctx.db, { name: 'priv', kind: 'website', collection: 'c-private', start_urls: [`${site.url}/p/`] });
    site.routes.set('/p/', page('Privé', LOREM));
    const before = site.count('/p/');
    const robotsBefore = site.count('/robots.txt');
    const run = await crawlToEnd(ctx.db, source.id, {
      config: (await import('../testing/crawl-helpers.js')).testConfig({ CRAWLER_ALLOW_PRIVATE_NETWORKS: 'false' }),
    });
    expect(site.count('/p/')).toBe(before);
    // refused before any connection: not even robots.txt was asked of the private host
    expect(site.count('/robots.txt')).toBe(robotsBefore);
    expect(run.fail_reasons.FETCH_PRIVATE_ADDRESS).toBe(1);
    expect(run.status).toBe('failed');
  });
});

describeEachDatabase('crawler: recrawls', (ctx) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('recrawls with ETag/Last-Modified: 304s re-index nothing; a page gone (404) is deleted', async () => {
    const etags: Record<string, string> = { '/e/': '"v1-home"', '/e/a': '"v1-a"', '/e/b': '"v1-b"' };
    const conditional = (path: string, body: string) => (req: import("node:http").IncomingMessage): RouteReply =>
      req.headers['if-none-match'] === etags[path]
        ? { status: 304, headers: { etag: etags[path]! } }
        : { headers: { etag: etags[path]!, 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }, body };
    site.routes.set('/e/', conditional('/e/', page('Accueil', LOREM, ['a', 'b'])));
    site.routes.set('/e/a', conditional('/e/a', page('A', LOREM)));
    site.routes.set('/e/b', conditional('/e/b', page('B', `${LOREM} Page B.`)));
    const source = await createSource(ctx.db, { name: 'e', kind: 'website', collection: 'c-recrawl', start_urls: [`${site.url}/e/`], rate_per_host: 100 });
    const first = await crawlToEnd(ctx.db, source.id);
    expect(first.indexed).toBe(3);
    const chunksBefore = await ctx.db.query<{ id: number }>(`SELECT c.id FROM chunks c ORDER BY c.id`);

    const second = await crawlToEnd(ctx.db, source.id);
    expect(second.status).toBe('succeeded');
    expect(second.indexed).toBe(0);
    expect(second.unchanged).toBe(3);
    const condHeaders = site.log.filter((l) => l.path.startsWith('/e/')).slice(-3).map((l) => l.headers['if-none-match']);
    expect(condHeaders.sort()).toEqual(['"v1-a"', '"v1-b"', '"v1-home"']);
    expect((await ctx.db.query<{ id: number }>(`SELECT c.id FROM chunks c ORDER BY c.id`)).rows).toEqual(chunksBefore.rows);

    // b disappears: no longer linked, and 404 when revalidated
    etags['/e/'] = '"v2-home"';
    site.routes.set('/e/', conditional('/e/', page('Accueil', LOREM, ['a'])));
    site.routes.set('/e/b', { status: 404, body: 'gone' });
    const third = await crawlToEnd(ctx.db, source.id);
    expect(third.deleted).toBe(1);
    expect(third.indexed).toBe(1); // the home page changed
    const b = await ctx.db.query<{ status: string }>(`SELECT status FROM documents WHERE url = $1`, [`${site.url}/e/b`]);
    expect(b.rows[0]!.status).toBe('deleted');
    const bChunks = await ctx.db.query(`SELECT 1 FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = $1`, [`${site.url}/e/b`]);
    expect(bChunks.rows).toEqual([]);
  });
  it('takes out of search a page that turns noindex (meta or X-Robots-Tag for our agent) or empty on a recrawl, counted as deleted; follows no link of an X-Robots-Tag nofollow page', async () => {
    const routes: Record<string, RouteReply> = {
      '/n/': { body: page('Accueil', LOREM, ['meta', 'header', 'ours', 'theirs', 'blank', 'void', 'doc.pdf', 'hub', 'never']) },
      // noindex from the first crawl on: never indexed, so nothing to delete, a skip at each crawl
      '/n/never': { body: page('Page never', LOREM, [], '<meta name="robots" content="noindex">') },
      '/n/hub': { headers: { 'x-robots-tag': 'nofollow' }, body: page('Hub', LOREM, ['hidden']) },
      '/n/hidden': { body: page('Caché', LOREM) },
      '/n/doc.pdf': { headers: { 'content-type': 'application/pdf' }, body: writePdf({ pages: ['Guide des congés payés'] }) },
    };
    for (const p of ['meta', 'header', 'ours', 'theirs', 'blank', 'void']) routes[`/n/${p}`] = { body: page(`Page ${p}`, `${LOREM} ${p}`) };
    site.fallback = (_req, url) => routes[url.pathname] ?? { status: 404, body: 'not found' };
    const source = await createSource(ctx.db, { name: 'n', kind: 'website', collection: 'c-noindex', start_urls: [`${site.url}/n/`], rate_per_host: 100 });
    const first = await crawlToEnd(ctx.db, source.id);
    expect(first.indexed).toBe(9);
    expect(first).toMatchObject({ deleted: 0, skipped: 1, skip_reasons: { noindex: 1 } });
    expect(site.count('/n/hidden')).toBe(0);

    routes['/n/meta'] = { body: page('Page meta', LOREM, [], '<meta name="robots" content="noindex">') };
    routes['/n/header'] = { headers: { 'x-robots-tag': 'noindex' }, body: page('Page header', LOREM) };
    routes['/n/ours'] = { headers: { 'x-robots-tag': 'CiteBot: noindex, nofollow' }, body: page('Page ours', LOREM) };
    routes['/n/theirs'] = { headers: { 'x-robots-tag': 'otherbot: noindex' }, body: page('Page theirs', `${LOREM} theirs`) };
    routes['/n/blank'] = { body: '<!doctype html><html><head><title>Vide</title></head><body></body></html>' };
    routes['/n/void'] = { body: '' };
    routes['/n/doc.pdf'] = { ...routes['/n/doc.pdf']!, headers: { 'content-type': 'application/pdf', 'x-robots-tag': 'none' } };
    const second = await crawlToEnd(ctx.db, source.id);
    expect(second.status).toBe('succeeded');
    const gone = ['/n/meta', '/n/header', '/n/ours', '/n/blank', '/n/void', '/n/doc.pdf'];
    const docs = await documentsOf(ctx.db, 'c-noindex');
    const status = Object.fromEntries(docs.map((d) => [new URL(d.url).pathname, d.status]));
    for (const p of gone) expect(status[p], p).toBe('deleted');
    for (const p of ['/n/', '/n/hub', '/n/theirs']) expect(status[p], p).toBe('active');
    const chunks = await ctx.db.query<{ url: string }>(
      `SELECT DISTINCT d.url FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id WHERE k.name = 'c-noindex'`,
    );
    expect(chunks.rows.map((r) => new URL(r.url).pathname).sort()).toEqual(['/n/', '/n/hub', '/n/theirs']);
    // the documents were deleted: counted as such, not as skips, with the reason on each URL's row
    expect(second).toMatchObject({ deleted: 6, skipped: 1, skip_reasons: { noindex: 1 } });
    const { rows } = await ctx.db.query<{ url: string; outcome: string; error: string }>(
      `SELECT url, outcome, error FROM frontier WHERE run_id = $1 AND status = 'done' AND outcome = 'deleted' ORDER BY url`,
      [second.id],
    );
    expect(Object.fromEntries(rows.map((r) => [new URL(r.url).pathname, r.error.split(':')[0]]))).toEqual({
      '/n/blank': 'empty', '/n/doc.pdf': 'noindex', '/n/header': 'noindex', '/n/meta': 'noindex', '/n/ours': 'noindex', '/n/void': 'empty',
    });
    // still noindex or empty: nothing left to delete, skips
    const third = await crawlToEnd(ctx.db, source.id);
    expect(third).toMatchObject({ deleted: 0, skipped: 7, skip_reasons: { noindex: 5, empty: 2 } });
    site.fallback = undefined;
  });
});

describeEachDatabase('crawler: JavaScript rendering', (ctx) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('renders a page that needs JavaScript (render auto, real Chromium) and follows the links it creates; PDFs stay on plain HTTP', async () => {
    const script = `
      const app = document.getElementById('app');
      app.innerHTML = '<h1>Aide au logement</h1><p>' + 'Les aides personnelles au logement sont versées sous conditions de ressources. '.repeat(8) + '</p><a href="/js/suite">Suite</a> <a href="/js/guide.pdf">Guide</a>';`;
    site.routes.set('/js/', `<!doctype html><html lang="fr"><head><title>Chargement</title><script src="/js/app.js" defer></script></head><body><div id="app">Chargement…</div></body></html>`);
    site.routes.set('/js/app.js', { headers: { 'content-type': 'application/javascript' }, body: script });
    site.routes.set('/js/suite', page('Suite', LOREM));
    site.routes.set('/js/guide.pdf', { headers: { 'content-type': 'application/pdf' }, body: writePdf({ pages: ['Guide des aides au logement'] }) });
    const source = await createSource(ctx.db, { name: 'js', kind: 'website', collection: 'c-js', start_urls: [`${site.url}/js/`], rate_per_host: 100, render: 'auto' });
    const run = await crawlToEnd(ctx.db, source.id, { timeoutMs: 90_000, config: (await import('../testing/crawl-helpers.js')).testConfig({ CRAWLER_TIMEOUT_MS: '20000' }) });
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const texts = await ctx.db.query<{ text: string }>(
      `SELECT c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = $1`,
      [`${site.url}/js/`],
    );
    expect(texts.rows.map((r) => r.text).join(' ')).toContain('Les aides personnelles au logement');
    const found = (await documentsOf(ctx.db, 'c-js')).map((d) => new URL(d.url).pathname).sort();
    expect(found).toEqual(['/js/', '/js/guide.pdf', '/js/suite']);
    expect(site.count('/js/app.js')).toBe(1); // only the browser asks for the script
    expect(site.count('/js/guide.pdf')).toBe(1); // the PDF was fetched once, over HTTP
    const pdfRequest = site.log.find((l) => l.path === '/js/guide.pdf')!;
    expect(String(pdfRequest.headers['user-agent'])).not.toMatch(/HeadlessChrome/);
  }, 120_000);
});
