import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { extract, extractOptionsFromConfig, extractSources, type ExtractOutcome } from './extract.js';
import type { ServicePublicMetadata } from './service-public.js';
import { writeDocx } from './testing/docx-writer.js';
import { writePdf } from './testing/pdf-writer.js';
import { ficheXml } from './testing/service-public-fixture.js';
import { writeZip } from './testing/zip-writer.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-extract-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function collect(it: AsyncIterable<ExtractOutcome>): Promise<ExtractOutcome[]> {
  const out: ExtractOutcome[] = [];
  for await (const o of it) out.push(o);
  return out;
}
const byName = (outcomes: ExtractOutcome[]) =>
  Object.fromEntries(outcomes.map((o) => [o.location.replace(path.join(tmp, 'batch') + path.sep, '').replace(/\\/g, '/'), o.ok ? 'ok' : o.code]));

const html = (title: string, body: string) =>
  `<!doctype html><html lang="fr"><head><title>${title}</title></head><body><nav><a href="/">Accueil</a></nav><main><h1>${title}</h1>${body}</main></body></html>`;

describe('extract: one batch of good and bad inputs', () => {
  const dir = path.join(tmp, 'batch');
  beforeAll(() => {
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'page.html'), html('Page', '<p>Un contenu de page tout à fait normal.</p>'));
    fs.writeFileSync(path.join(dir, 'latin1.html'), iconv.encode(html('Congés', '<p>Les congés payés de l’été.</p>'), 'windows-1252'));
    fs.writeFileSync(path.join(dir, 'utf16.html'), iconv.encode(html('Seize', '<p>Les congés payés de l’été.</p>'), 'utf-16le', { addBOM: true }));
    fs.writeFileSync(path.join(dir, 'sub', 'utf16be.txt'), iconv.encode('Des notes en UTF-16 : l’été.', 'utf-16be', { addBOM: true }));
    // exported by a Windows tool: UTF-16 without a BOM, and nothing else says so
    fs.writeFileSync(path.join(dir, 'sub', 'sans-bom.txt'), iconv.encode('Des notes en UTF-16 sans BOM : l’été.', 'utf-16le'));
    // such text in front of random bytes
    fs.writeFileSync(path.join(dir, 'sub', 'tete.txt'), Buffer.concat([iconv.encode('Des notes, puis du bruit. '.repeat(30), 'utf-16le'), crypto.randomBytes(2_000)]));
    fs.writeFileSync(path.join(dir, 'guide.pdf'), writePdf({ pages: ['Page un du guide.', 'Page deux du guide.'] }));
    fs.writeFileSync(path.join(dir, 'locked.pdf'), writePdf({ pages: ['secret'], encrypted: true }));
    fs.writeFileSync(path.join(dir, 'broken.pdf'), Buffer.from('%PDF-1.4\n1 0 obj garbage garbage'));
    fs.writeFileSync(path.join(dir, 'scan.pdf'), writePdf({ pages: [null] }));
    fs.writeFileSync(path.join(dir, 'note.docx'), writeDocx([{ text: 'Note', heading: 1 }, { text: 'Contenu de la note.' }]));
    fs.writeFileSync(path.join(dir, 'sub', 'readme.md'), '# Lisez-moi\n\nDu texte.');
    fs.writeFileSync(path.join(dir, 'sub', 'notes.txt'), iconv.encode('Des notes en texte brut : 10 € l’été.', 'windows-1252'));
    fs.writeFileSync(path.join(dir, 'sub', 'empty.txt'), '');
    fs.writeFileSync(path.join(dir, 'sub', 'blank.html'), '<html><body><nav><a href="/">menu</a></nav></body></html>');
    fs.writeFileSync(path.join(dir, 'sub', 'program.html'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Array(64).fill(0)]));
    fs.writeFileSync(path.join(dir, 'sub', 'F1.xml'), ficheXml({ id: 'F1' }).slice(0, 1500));
    fs.writeFileSync(path.join(dir, 'sub', 'big.txt'), 'x'.repeat(5000));
    // a link (here a loop to the folder above) and a FIFO met in the walk: reported, never followed or opened
    fs.symlinkSync('..', path.join(dir, 'sub', 'loop'));
    fs.symlinkSync(path.join(dir, 'sub', 'notes.txt'), path.join(dir, 'sub', 'link.txt'));
    execFileSync('mkfifo', [path.join(dir, 'sub', 'pipe.txt')]);
    fs.writeFileSync(path.join(dir, 'docs.jsonl.gz'), zlib.gzipSync(`${JSON.stringify({ url: 'https://a.gouv.fr/1', title: 'Un', text: 'texte un' })}\nnot json\n${JSON.stringify({ url: 'https://a.gouv.fr/2', title: 'Deux', text: 'texte deux' })}\n`));
    fs.writeFileSync(
      path.join(dir, 'archive.zip'),
      writeZip([
        { name: 'inside.html', data: html('Dedans', '<p>Une page dans le zip.</p>') },
        { name: 'bomb.txt', data: Buffer.alloc(30 * 1024 * 1024) },
        { name: '../escape.md', data: '# Évasion\n\nTexte.' },
      ]),
    );
  });

  it('extracts every good document and reports every bad one with its code', async () => {
    const outcomes = await collect(extract({ path: dir }, { maxFileBytes: 4000, archive: { ...extractOptionsFromConfig({ INGEST_MAX_FILE_BYTES: 4000, INGEST_MAX_PDF_PAGES: 10 }).archive, maxRatio: 100 } }));
    expect(byName(outcomes)).toEqual({
      'archive.zip!inside.html': 'ok',
      'archive.zip!bomb.txt': 'ZIP_BOMB',
      'archive.zip!escape.md': 'ok',
      'broken.pdf': 'PDF_CORRUPT',
      'docs.jsonl.gz:1': 'ok',
      'docs.jsonl.gz:2': 'JSONL_LINE_INVALID',
      'docs.jsonl.gz:3': 'ok',
      'guide.pdf': 'ok',
      'latin1.html': 'ok',
      'locked.pdf': 'PDF_ENCRYPTED',
      'note.docx': 'ok',
      'page.html': 'ok',
      'scan.pdf': 'PDF_NO_TEXT',
      'sub/F1.xml': 'XML_INVALID',
      'sub/big.txt': 'FILE_TOO_LARGE',
      'sub/blank.html': 'EMPTY_DOCUMENT',
      'sub/empty.txt': 'EMPTY_DOCUMENT',
      'sub/link.txt': 'SYMLINK_NOT_FOLLOWED',
      'sub/loop': 'SYMLINK_NOT_FOLLOWED',
      'sub/notes.txt': 'ok',
      'sub/pipe.txt': 'NOT_A_FILE',
      'sub/program.html': 'BINARY_AS_TEXT',
      'sub/readme.md': 'ok',
      'sub/sans-bom.txt': 'ok',
      'sub/tete.txt': 'BINARY_AS_TEXT',
      'sub/utf16be.txt': 'ok',
      'utf16.html': 'ok',
    });
    const doc = (loc: string) => {
      const o = outcomes.find((x) => x.location.endsWith(loc));
      return o && o.ok ? o.document : undefined;
    };
    expect(doc('latin1.html')?.sections[0].blocks[0].text).toBe('Les congés payés de l’été.');
    expect(doc('utf16.html')?.title).toBe('Seize');
    expect(doc('utf16.html')?.sections[0].blocks[0].text).toBe('Les congés payés de l’été.');
    expect(doc('utf16be.txt')?.sections[0].blocks[0].text).toBe('Des notes en UTF-16 : l’été.');
    expect(doc('sans-bom.txt')?.sections[0].blocks[0].text).toBe('Des notes en UTF-16 sans BOM : l’été.');
    expect(doc('guide.pdf')?.sections[0].blocks.map((b) => b.locator?.page)).toEqual([1, 2]);
    expect(doc('page.html')?.url).toBe(new URL(`file://${path.join(dir, 'page.html')}`).href);
    expect(doc('notes.txt')?.title).toBe('notes');
    expect(doc('notes.txt')?.sections[0].blocks[0].text).toBe('Des notes en texte brut : 10 € l’été.'); // Windows-1252, euro sign kept
    expect(doc('inside.html')?.url).toMatch(/archive\.zip!\/inside\.html$/);
    // the fourteen failures of the table above, each with a message a person can act on
    const failures = outcomes.flatMap((o) => (o.ok ? [] : [o]));
    expect(failures).toHaveLength(14);
    for (const f of failures) expect(f.message.length, f.code).toBeGreaterThan(5);
  });

  it('uses baseUrl for local files when given', async () => {
    const [o] = await collect(extract({ path: path.join(dir, 'sub', 'notes.txt'), name: 'sub/notes.txt' }, { baseUrl: 'https://intranet.example.fr/docs/' }));
    expect(o.ok && o.document.url).toBe('https://intranet.example.fr/docs/sub/notes.txt');
  });
});

describe('extract: service-public audience zips', () => {
  it('gives one document per published fiche, carrying every audience it is published for', async () => {
    const part = path.join(tmp, 'vosdroits-particuliers.zip');
    const pro = path.join(tmp, 'vosdroits-professionnels.zip');
    fs.writeFileSync(part, writeZip([
      { name: 'F1.xml', data: ficheXml({ id: 'F1', audience: 'Particuliers' }) },
      { name: 'F2.xml', data: ficheXml({ id: 'F2', audience: 'Particuliers' }) },
      { name: 'F3.xml', data: ficheXml({ id: 'F3', audience: 'Particuliers' }).replace('</Publication>', '') },
      { name: 'F5.xml', data: ficheXml({ id: 'F5', audience: 'Particuliers' }) },
      // withdrawn from the site: left in the export in its old form, without spUrl
      { name: 'F6.xml', data: ficheXml({ id: 'F6', audience: 'Particuliers', noUrl: true }) },
    ]));
    fs.writeFileSync(pro, writeZip([
      // F1: a stale copy (withdrawn for professionals), F5: published for both audiences
      { name: 'F1.xml', data: ficheXml({ id: 'F1', audience: 'Professionnels', noUrl: true, modified: '2019-01-01' }) },
      { name: 'F3.xml', data: ficheXml({ id: 'F3', audience: 'Professionnels' }) },
      { name: 'F4.xml', data: ficheXml({ id: 'F4', audience: 'Professionnels' }) },
      { name: 'F5.xml', data: ficheXml({ id: 'F5', audience: 'Professionnels' }) },
      { name: 'F6.xml', data: ficheXml({ id: 'F6', audience: 'Professionnels', noUrl: true }) },
    ]));
    const outcomes = await collect(extractSources([{ path: pro }, { path: part }]));
    const docs = outcomes.flatMap((o) => (o.ok ? [o.document] : []));
    expect(docs.map((d) => d.url).sort()).toEqual([
      'https://www.service-public.fr/particuliers/vosdroits/F1',
      'https://www.service-public.fr/particuliers/vosdroits/F2',
      'https://www.service-public.fr/particuliers/vosdroits/F5',
      'https://www.service-public.fr/professionnels-entreprises/vosdroits/F3',
      'https://www.service-public.fr/professionnels-entreprises/vosdroits/F4',
    ]);
    const audiences = (id: string) => (docs.find((d) => d.url.endsWith(`/${id}`))!.metadata as unknown as ServicePublicMetadata).audiences.sort();
    expect(audiences('F1')).toEqual(['Particuliers']);
    expect(audiences('F5')).toEqual(['Particuliers', 'Professionnels']);
    // The broken copy of F3 is reported, its good twin still indexed; the withdrawn F6 is reported once.
    expect(outcomes.filter((o) => !o.ok).map((o) => !o.ok && [o.location.split(path.sep).pop(), o.code])).toEqual([
      ['vosdroits-particuliers.zip!F3.xml', 'XML_INVALID'],
      ['vosdroits-professionnels.zip!F6.xml', 'SP_NOT_PUBLISHED'],
    ]);
  });

  it('indexes a fiche without spUrl under a URL built from its id when nothing says it was withdrawn', async () => {
    const file = path.join(tmp, 'F7.xml');
    fs.writeFileSync(file, ficheXml({ id: 'F7', audience: 'Associations', noUrl: true }));
    const outcomes = await collect(extract({ path: file }));
    expect(outcomes.map((o) => (o.ok ? o.document.url : o.code))).toEqual(['https://www.service-public.fr/associations/vosdroits/F7']);
  });
});

describe('extract: uploads and fetched bytes', () => {
  it('extracts a fetched HTML page with its links (crawler path)', async () => {
    const body = Buffer.from(html('Accueil', '<p>Bienvenue <a href="/contact">contact</a>.</p>'));
    const [o] = await collect(extract({ data: body, url: 'https://mairie.example.fr/', contentType: 'text/html; charset=utf-8' }));
    assert(o.ok, 'the page extracts');
    expect(o.document.url).toBe('https://mairie.example.fr/');
    expect(o.links?.map((l) => l.url)).toEqual(['https://mairie.example.fr/', 'https://mairie.example.fr/contact']);
  });

  it('extracts an uploaded zip of DOCX and PDF from memory', async () => {
    const zip = writeZip([
      { name: 'a.docx', data: writeDocx([{ text: 'Titre A', heading: 1 }, { text: 'Texte A.' }]) },
      { name: 'b.pdf', data: writePdf({ pages: ['Texte du document PDF B.'] }) },
      { name: 'c.exe', data: Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0, ...Array(64).fill(0)]) },
    ]);
    const outcomes = await collect(extract({ data: zip, name: 'lot.zip' }, { baseUrl: 'https://docs.example.fr/' }));
    expect(outcomes.map((o) => (o.ok ? o.document.url : o.code))).toEqual(['https://docs.example.fr/a.docx', 'https://docs.example.fr/b.pdf', 'FORMAT_UNSUPPORTED']);
  });

  it('refuses nested zips beyond the depth limit and a missing path', async () => {
    const inner = writeZip([{ name: 'x.txt', data: 'texte x' }]);
    const outer = writeZip([{ name: 'inner.zip', data: inner }]);
    const deep = await collect(extract({ data: outer, name: 'outer.zip' }, { archive: { ...extractOptionsFromConfig({ INGEST_MAX_FILE_BYTES: 1e6, INGEST_MAX_PDF_PAGES: 5 }).archive, maxDepth: 0 } }));
    expect(deep.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ZIP_NESTED']);
    const one = await collect(extract({ data: outer, name: 'outer.zip' }));
    expect(one.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ok']);
    const missing = await collect(extract({ path: path.join(tmp, 'nope') }));
    expect(missing.map((o) => !o.ok && o.code)).toEqual(['FILE_NOT_FOUND']);
  });
});
