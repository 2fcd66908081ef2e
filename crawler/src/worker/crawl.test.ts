/**
 * End-to-end crawls against real HTTP servers on loopback, on both database modes: robots, sitemaps,
 * formats, traps, retries, recrawls and deletions, with the real pipeline (extractors, chunker,
 * hash embedder, ingestion).
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/engine/testing/databases.js';
import { writeDocx } from '../extractors/testing/docx-writer.js';
import { writePdf } from '../extractors/testing/pdf-writer.js';
import { createSource } from '../sources/source-service.js';
import { crawlToEnd } from '../testing/crawl-helpers.js';
import { page, startTestSite, type TestSite } from '../testing/test-site.js';

const LOREM =
  'Les congés payés sont acquis à raison de deux jours et demi ouvrables par mois de travail effectif chez le même employeur. ' +
  'La période de référence court du 1er juin au 31 mai. ';

describeEachDatabase('crawler end to end', (ctx) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  const docs = async (collection: string) =>
    (
      await ctx.db.query<{ url: string; status: string; format: string; title: string }>(
        `SELECT d.url, d.status, d.format, d.title FROM documents d JOIN collections c ON c.id = d.collection_id
          WHERE c.name = $1 ORDER BY d.url`,
        [collection],
      )
    ).rows;

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
    const run = await crawlToEnd(ctx.db, source.id);
    expect(run.status).toBe('succeeded');
    expect(site.count(`${base}/private/secret`)).toBe(0);
    expect(site.count(`${base}/private/open`)).toBe(1);
    expect(site.count(`${base}/page1`)).toBe(1);
    const found = await docs('c-basic');
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
});
