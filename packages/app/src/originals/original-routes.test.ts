/**
 * Issue 19, part 1: originals of documents from files are kept and served, with the caller's collection
 * rights, safely; citations and search hits open them through the engine, never through a file: URL,
 * whichever path indexed the file (upload, `cite ingest` writing the database itself, a FILES_ROOTS source).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDocx } from '@cite/ingestion/extractors/testing/docx-writer.js';
import { writePdf } from '@cite/ingestion/extractors/testing/pdf-writer.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { outcomesOf } from '@cite/ingestion/ingest/ingest-inputs.js';
import { createSource } from '@cite/ingestion/sources/source-service.js';
import { crawlToEnd, testConfig } from '@cite/ingestion/testing/crawl-helpers.js';
import { loadConfig } from '@cite/core/config/config.js';
import { purgeExpired } from '../data-control/retention.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { createKey } from '../keys/api-keys.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';
import { documentLink } from '@cite/index/originals/document-links.js';
import { storeOriginal } from '@cite/index/originals/originals-repo.js';

const sha = (b: Buffer | ArrayBuffer) => crypto.createHash('sha256').update(Buffer.from(b as ArrayBuffer)).digest('hex');

const PDF = writePdf({
  title: 'Arrêté démolition',
  pages: [
    'Arrêté municipal relatif aux démolitions dans le secteur sauvegardé de la commune.',
    'Le permis de démolir est exigé pour toute démolition de bâtiment situé dans le secteur sauvegardé.',
  ],
});
const DOCX = writeDocx([
  { text: 'Stationnement résidentiel', heading: 1 },
  { text: 'La vignette de stationnement résidentiel est délivrée par la mairie aux habitants du quartier sur justificatif de domicile.' },
]);
const HTML = Buffer.from(
  '<!doctype html><html><head><title>Note piégée</title></head><body><h1>Note piégée</h1><p>La déchetterie municipale ouvre le samedi matin aux particuliers.</p><script>alert(document.cookie)</script></body></html>',
);

interface Hit {
  document: { id: number; url: string; title: string };
}
interface Citation {
  url: string;
  link?: string;
  title: string;
}

for (const mode of availableModes()) {
  describe(`originals of documents from files [${mode}]`, () => {
    let e: TestEngine;
    let root: string;
    let keyA: string;
    let keyB: string;
    beforeAll(async () => {
      root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cite-originals-')));
      e = await startTestEngine(mode, { FILES_ROOTS: root, INGEST_MAX_FILE_BYTES: String(1024 * 1024) });
      const up = await upload('mairie', [
        { name: 'arretes/demolition.pdf', data: PDF, type: 'application/pdf' },
        { name: 'stationnement.docx', data: DOCX, type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
        { name: 'note.html', data: HTML, type: 'text/html' },
      ]);
      expect(up.status, await up.clone().text()).toBe(200);
      expect(((await up.json()) as { summary: Record<string, number> }).summary).toMatchObject({ new: 3, failed: 0 });
      const other = await upload('prefecture', [{ name: 'autre.md', data: Buffer.from('# Autre\n\nLes titres de séjour se demandent en préfecture.'), type: 'text/markdown' }]);
      expect(other.status).toBe(200);
      const ids = async (name: string) => Number((await e.db.query<{ id: number }>('SELECT id FROM collections WHERE name = $1', [name])).rows[0]!.id);
      keyA = (await createKey(e.db, { name: 'agent mairie', role: 'agent', collections: [await ids('mairie')] })).key;
      keyB = (await createKey(e.db, { name: 'agent préfecture', role: 'agent', collections: [await ids('prefecture')] })).key;
    });
    afterAll(async () => {
      await e?.stop();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    function upload(collection: string, files: Array<{ name: string; data: Buffer; type: string }>): Promise<Response> {
      const form = new FormData();
      form.append('collection', collection);
      for (const f of files) form.append('files', new Blob([f.data], { type: f.type }), f.name);
      return fetch(`${e.url}/admin/api/uploads?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${e.keys.admin}` }, body: form });
    }

    const search = async (query: string, key: string): Promise<Hit[]> => {
      const res = await e.fetch('/v1/search', { body: { query, k: 5 }, key });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: Hit[] }).data;
    };
    const answer = async (question: string, key: string): Promise<{ abstained: boolean; citations: Citation[] }> => {
      const res = await e.fetch('/v1/answers', { body: { question }, key });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { abstained: boolean; abstain_reason?: string; citations: Citation[] };
      expect(body.abstained, `${question}: ${body.abstain_reason}`).toBe(false);
      return body;
    };
    /** GETs a link as a browser would: root-relative links on the engine. */
    const open = (link: string, key?: string) => fetch(new URL(link, e.url), { headers: key ? { authorization: `Bearer ${key}` } : {} });

    it('opens an uploaded PDF and DOCX through their citation, same bytes, for an agent of the collection only', async () => {
      for (const [question, bytes, type, disposition] of [
        ['Le permis de démolir est-il exigé dans le secteur sauvegardé ?', PDF, 'application/pdf', /^inline; filename="?demolition\.pdf"?$/],
        ['Qui délivre la vignette de stationnement résidentiel ?', DOCX, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', /^attachment; filename="?stationnement\.docx"?$/],
      ] as const) {
        const a = await answer(question, keyA);
        expect(a.abstained, question).toBe(false);
        const cited = a.citations.find((c) => /^\/v1\/documents\/\d+\/original$/.test(c.url));
        expect(cited, JSON.stringify(a.citations)).toBeTruthy();
        for (const c of a.citations) expect(c.url).not.toMatch(/^file:/i);

        const res = await open(cited!.url, keyA);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(type);
        expect(res.headers.get('content-disposition')).toMatch(disposition);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(sha(await res.arrayBuffer())).toBe(sha(bytes));
        // the link the console opens keeps the page for a PDF
        if (type === 'application/pdf') expect(cited!.link ?? cited!.url).toMatch(/^\/v1\/documents\/\d+\/original(#page=\d+)?$/);

        const other = await open(cited!.url, keyB);
        expect(other.status).toBe(404);
        expect(((await other.json()) as { code: string }).code).toBe('DOCUMENT_NOT_FOUND');
        const anonymous = await open(cited!.url);
        expect(anonymous.status).toBe(401);
      }
      // another collection's agent does not find the documents either
      expect((await search('permis de démolir secteur sauvegardé', keyB)).map((h) => h.document.title)).not.toContain('Arrêté démolition');
    });

    it('reads back an answer stored before originals were kept with the engine URL, never its file: identity', async () => {
      const res = await e.fetch('/v1/answers', { body: { question: 'Le permis de démolir est-il exigé dans le secteur sauvegardé ?' }, key: keyA });
      const stored = (await res.json()) as { id: string; citations: Array<Citation & { document_id: number }> };
      const cited = stored.citations.find((c) => /\/original/.test(c.url))!;
      expect(cited).toBeTruthy();
      // as an earlier version stored it: the file's identity as url and link
      const old = stored.citations.map((c) => (c === cited ? { ...c, url: 'file:///arretes/demolition.pdf', link: 'file:///arretes/demolition.pdf#page=2' } : c));
      await e.db.query('UPDATE answers SET citations = $2::jsonb WHERE id = $1', [stored.id, JSON.stringify(old)]);

      const one = (await (await e.fetch(`/v1/answers/${stored.id}`, { key: keyA })).json()) as { citations: Citation[] };
      const back = one.citations.find((c) => c.title === cited.title)!;
      expect(back.url).toBe(`/v1/documents/${cited.document_id}/original`);
      expect(back.link).toBe(`/v1/documents/${cited.document_id}/original#page=2`);
      const list = await (await e.fetch('/v1/answers', { key: keyA })).text();
      expect(list).not.toMatch(/file:/i);
    });

    it('serves an uploaded HTML file as an attachment, never as text/html, with nosniff and a sandbox', async () => {
      const hit = (await search('déchetterie municipale samedi', keyA)).find((h) => h.document.title === 'Note piégée');
      expect(hit).toBeTruthy();
      expect(hit!.document.url).toMatch(/^\/v1\/documents\/\d+\/original$/);
      const res = await open(hit!.document.url, keyA);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).not.toMatch(/html|xml|svg/i);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?note\.html"?$/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
      expect(sha(await res.arrayBuffer())).toBe(sha(HTML));
    });

    it('serves a file whose long name has an emoji where the download name is cut', async () => {
      // the name is cut at 200 units for Content-Disposition: the cut fell inside the emoji, and encoding
      // its lone half threw (a 500 for every reader of that document)
      const name = `${'a'.repeat(199)}😀.md`;
      const data = Buffer.from('# Kiosque\n\nLe kiosque à musique ouvre en juin.');
      const up = await upload('mairie', [{ name, data, type: 'text/markdown' }]);
      expect(up.status).toBe(200);
      const hit = (await search('kiosque à musique', keyA)).find((h) => h.document.title === 'Kiosque');
      const res = await open(hit!.document.url, keyA);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?a{199}"?$/);
    });

    it('answers 404 for an unknown document and for a page that kept no original, 400 for a bad id', async () => {
      expect((await open('/v1/documents/999999/original', keyA)).status).toBe(404);
      expect((await open('/v1/documents/abc/original', keyA)).status).toBe(400);
      const col = await e.db.query<{ id: number }>(`SELECT id FROM collections WHERE name = 'mairie'`);
      const [web] = await seedDocuments(e.db, new HashEmbedder(), [
        { collectionId: Number(col.rows[0]!.id), url: 'https://www.service-public.fr/x', title: 'web', format: 'html', chunks: [{ text: 'Une page du web.' }] },
      ]);
      const res = await open(`/v1/documents/${web}/original`, keyA);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'ORIGINAL_NOT_KEPT' });
    });

    it('no citation or hit has a file: URL, from uploads, cite ingest writing the database, or a FILES_ROOTS source', async () => {
      // cite ingest without a running engine: extraction and indexing in the CLI's own process
      const cliDir = path.join(root, 'cli');
      fs.mkdirSync(cliDir);
      fs.writeFileSync(path.join(cliDir, 'cantine.md'), '# Cantine\n\nLes tarifs de la cantine scolaire dépendent du quotient familial.\n');
      const cfg = loadConfig({ EMBEDDINGS: 'hash', DATA_DIR: 'memory://', LOG_LEVEL: 'silent' });
      const cli = await e.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('cli') RETURNING id`);
      const summary = await indexDocuments(e.db, new HashEmbedder(), { collectionId: Number(cli.rows[0]!.id) }, outcomesOf([cliDir], cfg), undefined, {
        chunkTokens: 200,
        overlapTokens: 0,
      });
      expect(summary).toMatchObject({ new: 1, failed: 0 });
      // a files source under FILES_ROOTS, read by a worker
      const srvDir = path.join(root, 'serveur');
      fs.mkdirSync(srvDir);
      fs.writeFileSync(path.join(srvDir, 'piscine.txt'), 'Les horaires de la piscine municipale changent pendant les vacances scolaires. '.repeat(3));
      const s = await createSource(e.db, { name: 'serveur', kind: 'files', collection: 'serveur', start_urls: [srvDir] });
      const run = await crawlToEnd(e.db, s.id, { config: testConfig({ FILES_ROOTS: root }) });
      expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded', indexed: 1 });

      const stored = await e.db.query<{ url: string }>(`SELECT url FROM documents WHERE status = 'active' AND url LIKE 'file:%'`);
      expect(stored.rows.length).toBeGreaterThanOrEqual(6); // identities stay file paths: 4 uploads, 1 CLI, 1 server file
      for (const [question, title] of [
        ['De quoi dépendent les tarifs de la cantine scolaire ?', 'Cantine'],
        ['Les horaires de la piscine municipale changent-ils pendant les vacances scolaires ?', 'piscine'],
        ['Le permis de démolir est-il exigé dans le secteur sauvegardé ?', 'Arrêté démolition'],
      ]) {
        const hits = await search(question, e.keys.admin);
        expect(hits.map((h) => h.document.title)).toContain(title);
        for (const h of hits) expect(h.document.url).not.toMatch(/^file:/i);
        const a = await answer(question, e.keys.admin);
        expect(a.abstained, question).toBe(false);
        expect(a.citations.length).toBeGreaterThan(0);
        for (const c of a.citations) {
          expect(c.url).not.toMatch(/^file:/i);
          expect(c.link ?? '').not.toMatch(/^file:/i);
        }
        const own = a.citations.find((c) => c.title === title)!;
        expect(own.url).toMatch(/^\/v1\/documents\/\d+\/original$/);
        expect((await open(own.url, e.keys.admin)).status).toBe(200);
      }
      // the console's document views: `link` opens, `url` stays the identity
      const docs = (await (await e.fetch('/admin/api/documents?range=[0,50]')).json()) as Array<{ url: string; link: string }>;
      for (const d of docs) expect(d.link).not.toMatch(/^file:/i);
    });

    it('drops an original with the last document holding it; the retention purge sweeps those left behind', async () => {
      const count = async (hash: string) => Number((await e.db.query<{ n: number }>('SELECT count(*)::int AS n FROM document_originals WHERE sha256 = $1', [hash])).rows[0]!.n);
      // the same PDF in a second collection: one stored original, two documents holding it
      expect((await upload('archives', [{ name: 'copie.pdf', data: PDF, type: 'application/pdf' }])).status).toBe(200);
      const holders = await e.db.query<{ id: number }>('SELECT id FROM documents WHERE original_sha256 = $1 ORDER BY id', [sha(PDF)]);
      expect(holders.rows).toHaveLength(2);
      expect(await count(sha(PDF))).toBe(1);
      const del = async (id: number) => expect((await e.fetch(`/admin/api/documents/${id}`, { method: 'DELETE' })).status).toBe(200);
      await del(Number(holders.rows[0]!.id));
      expect(await count(sha(PDF))).toBe(1); // still held by the other copy
      expect((await open(`/v1/documents/${holders.rows[0]!.id}/original`, e.keys.admin)).status).toBe(404);
      await del(Number(holders.rows[1]!.id));
      expect(await count(sha(PDF))).toBe(0);

      // deleting a collection takes its documents' originals with it
      expect(await count(sha(DOCX))).toBe(1);
      await e.db.query(`DELETE FROM collections WHERE name = 'mairie'`);
      expect(await count(sha(DOCX))).toBe(0);
      expect(await count(sha(HTML))).toBe(0);

      // an original no document holds (a write that failed after storing it): swept once old enough
      const orphan = Buffer.from('orphelin');
      await storeOriginal(e.db, { data: orphan, contentType: 'text/plain' });
      const report = await purgeExpired(e.db, { answers: 0, feedback: 0, crawl_logs: 0, audit: 0 });
      expect(await count(sha(orphan))).toBe(1); // too young: may belong to a document being written
      // index-boundary: not a write of content, the test's clock: the orphan is made two hours old
      await e.db.query(`UPDATE document_originals SET created_at = now() - interval '2 hours' WHERE sha256 = $1`, [sha(orphan)]);
      const later = await purgeExpired(e.db, { answers: 0, feedback: 0, crawl_logs: 0, audit: 0 });
      expect(await count(sha(orphan))).toBe(0);
      expect(later.deleted.document_originals).toBe(1);
      expect(report.deleted.document_originals).toBe(0);
    });
  });
}

describe('documentLink', () => {
  it('keeps web addresses and turns file identities into the engine URL, absolute on PUBLIC_URL', () => {
    expect(documentLink({ id: 3, url: 'https://www.service-public.fr/particuliers/vosdroits/F2258' })).toBe('https://www.service-public.fr/particuliers/vosdroits/F2258');
    expect(documentLink({ id: 3, url: 'file:///srv/docs/arrêté.pdf' })).toBe('/v1/documents/3/original');
    expect(documentLink({ id: 3, url: 'file:///x.zip!/a.pdf' }, 'https://cite.example.gouv.fr')).toBe('https://cite.example.gouv.fr/v1/documents/3/original');
    expect(documentLink({ id: 3, url: 'FILE:///a.txt' }, 'https://intranet.gouv.fr/cite/')).toBe('https://intranet.gouv.fr/cite/v1/documents/3/original');
    expect(() => loadConfig({ PUBLIC_URL: 'javascript:alert(1)' })).toThrow(/PUBLIC_URL/);
    expect(loadConfig({ PUBLIC_URL: 'https://cite.example.gouv.fr' }).PUBLIC_URL).toBe('https://cite.example.gouv.fr');
  });
});
