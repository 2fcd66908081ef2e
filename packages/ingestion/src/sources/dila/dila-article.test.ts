import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { articleDocument, inForce, parseArticle, type DilaArticleMetadata } from './dila-article.js';
import { deletedIds, dumpInfo, isDilaDump, readDilaArchive, sniffDumpInfo, type DilaEntry } from './dila-archive.js';
import { NO_FILTER, pathMayMatch } from './dila-import.js';
import { L1237_11_2008, L1237_19, L1237_20_DIFF, L1237_4_ABROGE, LOI_ART_1, SECTION_PATH, SYNTEC_PREAVIS, SYNTEC_SANS_NUMERO } from './testing/code-du-travail.js';
import { articlePath, articleXml, idPath, writeDump } from './testing/dila-fixture.js';

const DAY = '2025-06-01';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-dila-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('DILA article', () => {
  it('reads a code article: number, text, section path, content, links, Légifrance URL', () => {
    const a = parseArticle(articleXml(L1237_19), DAY);
    expect(a).toMatchObject({ base: 'LEGI', id: 'LEGIARTI000035652920', num: 'L1237-19', etat: 'VIGUEUR', text: { id: 'LEGITEXT000006072050', nature: 'CODE', title: 'Code du travail' } });
    expect(a.sectionPath).toEqual(SECTION_PATH);
    expect(a.paragraphs).toHaveLength(2);
    expect(a.links).toEqual([expect.objectContaining({ id: 'LEGIARTI000035652930', num: 'L1237-19-1', type: 'CITATION' })]);
    const doc = articleDocument(a);
    expect(doc.url).toBe('https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000035652920');
    expect(doc.title).toBe('Code du travail, article L1237-19');
    expect(doc.sections[0]!.headingPath).toEqual([doc.title, ...SECTION_PATH, 'Article L1237-19']);
    expect((doc.metadata as unknown as DilaArticleMetadata).links[0]!.id).toBe('LEGIARTI000035652930');
  });

  it('gives other texts their LODA URL and agreements their IDCC and title on every article', () => {
    expect(articleDocument(parseArticle(articleXml(LOI_ART_1), DAY)).url).toBe('https://www.legifrance.gouv.fr/loda/article_lc/LEGIARTI000037368000');
    const kali = articleDocument(parseArticle(articleXml(SYNTEC_PREAVIS), DAY));
    expect(kali.url).toBe('https://www.legifrance.gouv.fr/conv_coll/article/KALIARTI000005849405');
    expect(kali.metadata).toMatchObject({ idcc: '1486', agreement_id: 'KALICONT000005635173', base: 'KALI' });
    expect(kali.title).toMatch(/^Convention collective nationale des bureaux d'études techniques.*, article 15$/);
    const unnumbered = articleDocument(parseArticle(articleXml(SYNTEC_SANS_NUMERO), DAY));
    expect(unnumbered.title).toMatch(/, Annexe II : Classification des ingénieurs et cadres$/);
    expect(unnumbered.sections[0]!.blocks.map((b) => b.text)).toContain('Position 1.1 | Coefficient 95');
  });

  it('keeps in force only VIGUEUR versions whose dates hold the import day', () => {
    expect(inForce(parseArticle(articleXml(L1237_19), DAY), DAY)).toBe(true);
    expect(inForce(parseArticle(articleXml(SYNTEC_PREAVIS), DAY), DAY)).toBe(true); // VIGUEUR_ETEN
    expect(inForce(parseArticle(articleXml(L1237_11_2008), DAY), DAY)).toBe(false); // MODIFIE
    expect(inForce(parseArticle(articleXml(L1237_4_ABROGE), DAY), DAY)).toBe(false);
    expect(inForce(parseArticle(articleXml(L1237_20_DIFF), DAY), DAY)).toBe(false); // not yet
    // VIGUEUR but ended, or not begun
    expect(inForce({ etat: 'VIGUEUR', dateDebut: '2020-01-01', dateFin: '2025-06-01' }, DAY)).toBe(false);
    expect(inForce({ etat: 'VIGUEUR', dateDebut: '2025-06-02', dateFin: '2999-01-01' }, DAY)).toBe(false);
  });

  it('refuses an article naming no text, and XML that does not parse, with their codes', () => {
    const noText = articleXml(L1237_19).replace(/<TEXTE [\s\S]*<\/TEXTE>/, '');
    expect(() => parseArticle(noText, DAY)).toThrow(expect.objectContaining({ code: 'DILA_ARTICLE_WITHOUT_TEXT' }));
    expect(() => parseArticle(articleXml(L1237_19).slice(0, 400), DAY)).toThrow(expect.objectContaining({ code: 'XML_INVALID' }));
    expect(() => parseArticle(articleXml(SYNTEC_PREAVIS).replace(/<CONTENEUR[^>]*\/>/, ''), DAY)).toThrow(expect.objectContaining({ code: 'DILA_ARTICLE_WITHOUT_TEXT' }));
  });
});

describe('DILA filters on paths', () => {
  it('skip the files of texts the filter leaves out without parsing them, and keep what only parsing can judge', () => {
    const code = articlePath(L1237_19);
    const loi = articlePath(LOI_ART_1);
    const kali = articlePath(SYNTEC_PREAVIS, '20250102-211500/');
    expect([code, loi, kali].map((p) => pathMayMatch(p, NO_FILTER))).toEqual([true, true, true]);
    const oneCode = { texts: ['LEGITEXT000006072050'], natures: [], idcc: [] };
    expect([code, loi, kali].map((p) => pathMayMatch(p, oneCode))).toEqual([true, false, false]);
    // a nature is read in the article; an IDCC in the KALI article, never in a LEGI one
    expect([code, loi, kali].map((p) => pathMayMatch(p, { texts: [], natures: ['CODE'], idcc: [] }))).toEqual([true, true, false]);
    expect([code, loi, kali].map((p) => pathMayMatch(p, { texts: [], natures: [], idcc: ['1486'] }))).toEqual([false, false, true]);
  });
});

describe('DILA archive', () => {
  it('names: full dumps and increments, dated', () => {
    expect(dumpInfo('/x/Freemium_legi_global_20250713-140000.tar.gz')).toMatchObject({ base: 'LEGI', type: 'full', dumpedAt: new Date('2025-07-13T14:00:00Z') });
    expect(dumpInfo('KALI_20250714-211502.tar.gz')).toMatchObject({ base: 'KALI', type: 'increment' });
    expect(dumpInfo('notes.tar.gz')).toBeUndefined();
    expect(deletedIds('legi/global/code_et_TNC_en_vigueur/code_en_vigueur/LEGI/TEXT/00/00/06/07/20/LEGITEXT000006072050/article/LEGI/ARTI/00/00/35/65/29/LEGIARTI000035652930\n\n')).toEqual([
      'LEGIARTI000035652930',
    ]);
    // whole ids only: 13 digits, or an id inside a longer word, name no article (they removed one that was not named)
    expect(deletedIds('LEGIARTI0000000000023\nxxLEGIARTI000000000003yy\nlegi/x/LEGIARTI000000000004.xml\n')).toEqual(['LEGIARTI000000000004']);
  });

  it('passes over an article too large to parse, whatever its size, and reads the entries after it', async () => {
    // 65 MiB of markup, a small gzip: it stopped the archive (and every later attempt at it) at this entry
    const huge = articleXml(L1237_19).replace('<BLOC_TEXTUEL><CONTENU>', `<BLOC_TEXTUEL><CONTENU>${'<p>x</p>'.repeat((65 * 1024 * 1024) / 8)}`);
    const file = path.join(dir, 'LEGI_20250106-211500.tar.gz');
    await writeDump(file, [
      { name: articlePath({ ...L1237_19, id: 'LEGIARTI000049000010' }, '20250106-211500/'), body: huge },
      { name: articlePath(L1237_11_2008, '20250106-211500/'), body: articleXml(L1237_11_2008) },
    ]);
    const seen: DilaEntry[] = [];
    for await (const e of readDilaArchive(file)) seen.push(e);
    expect(seen.map((e) => e.kind)).toEqual(['oversized', 'article']);
    expect(seen[0]).toMatchObject({ size: expect.any(Number) });
    expect((seen[0] as { size: number }).size).toBeGreaterThan(64 * 1024 * 1024);
  }, 30_000);

  it('streams articles and deletion lists, recognises a dump by its entries, and reports a truncated archive after what it held', async () => {
    const prefix = '20250102-211500/';
    const entries = [
      { name: `${prefix}legi/global/code_et_TNC_en_vigueur/code_en_vigueur/LEGI/TEXT/00/00/06/07/20/LEGITEXT000006072050/texte/struct/LEGITEXT000006072050.xml`, body: '<TEXTELR/>' },
      ...[L1237_19, L1237_11_2008, L1237_4_ABROGE].map((a) => ({ name: articlePath(a, prefix), body: articleXml(a) })),
      { name: `${prefix}liste_suppression_legi.dat`, body: 'legi/global/x/LEGIARTI000035652930\n' },
    ];
    const renamed = path.join(dir, 'copie.tar.gz');
    await writeDump(renamed, entries);
    expect(await isDilaDump(renamed)).toBe(true);
    expect(await sniffDumpInfo(renamed)).toMatchObject({ base: 'LEGI', type: 'increment', dumpedAt: new Date('2025-01-02T21:15:00Z') });
    const seen: DilaEntry[] = [];
    for await (const e of readDilaArchive(renamed)) seen.push(e);
    expect(seen.map((e) => e.kind)).toEqual(['other', 'article', 'article', 'article', 'deletions']);
    expect(seen[4]).toMatchObject({ ids: ['LEGIARTI000035652930'] });

    const other = path.join(dir, 'other.tar.gz');
    await writeDump(other, [{ name: 'docs/readme.txt', body: 'hello' }]);
    expect(await isDilaDump(other)).toBe(false);

    // a big enough archive that a cut falls after the first entries
    const many = Array.from({ length: 200 }, (_, i) => ({ ...L1237_19, id: `LEGIARTI0000${String(40000000 + i)}`, content: `<p>Texte ${i} ${'x'.repeat(i * 37)}</p>` }));
    const cut = path.join(dir, 'LEGI_20250103-211500.tar.gz');
    await writeDump(cut, many.map((a) => ({ name: articlePath(a, '20250103-211500/'), body: articleXml(a) })), { truncateTo: 0.5 });
    const read: DilaEntry[] = [];
    await expect(
      (async () => {
        for await (const e of readDilaArchive(cut)) read.push(e);
      })(),
    ).rejects.toMatchObject({ code: 'DILA_ARCHIVE_TRUNCATED' });
    expect(read.length).toBeGreaterThan(10);
    expect(read.length).toBeLessThan(200);
  });

  it('reports an archive cut inside an entry it skips, or declaring an entry larger than it holds, as truncated', async () => {
    // a download cut inside a text's struct file: the reader waited for an end that never came, and the
    // import neither finished nor failed (the CLI exited with code 13 and no word)
    const struct = `legi/global/code_et_TNC_en_vigueur/code_en_vigueur/${idPath('LEGITEXT000006072050')}/texte/struct/LEGITEXT000006072050.xml`;
    const whole = path.join(dir, 'whole.tar.gz');
    await writeDump(whole, [{ name: articlePath(L1237_19), body: articleXml(L1237_19) }, { name: struct, body: crypto.randomBytes(400_000) }]);
    const gz = fs.readFileSync(whole);
    const cut = path.join(dir, 'Freemium_legi_global_20250104-100000.tar.gz');
    fs.writeFileSync(cut, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const read: DilaEntry[] = [];
    const reading = (async () => {
      for await (const e of readDilaArchive(cut)) read.push(e);
    })();
    const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 5_000).unref());
    await expect(Promise.race([reading, hung])).rejects.toMatchObject({ code: 'DILA_ARCHIVE_TRUNCATED' });
    expect(read.map((e) => e.kind)).toEqual(['article']);
  });
});
