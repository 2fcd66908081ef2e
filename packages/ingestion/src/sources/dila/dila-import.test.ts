/**
 * LEGI and KALI dumps imported into a real database (both modes), then an increment, a repeated and an
 * older increment, a damaged archive; the articles searched by number and by content.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { resetSearchStatistics, searchWith } from '@cite/retrieval/search/search-service.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { collectionByName, startIngestRun } from '../../ingest/ingest-run.js';
import { ingestIndexer } from '../../worker/ingest-indexer.js';
import { importDilaDumps, NO_FILTER, type DilaFilter } from './dila-import.js';
import { cliDilaSource, lastAppliedDump } from './dila-repo.js';
import {
  L1237_11_2008,
  L1237_11_2016,
  L1237_19,
  L1237_19_1,
  L1237_19_V1_MODIFIED,
  L1237_19_V2,
  L1237_20_DIFF,
  L1237_4_ABROGE,
  LOI_ART_1,
  SECTION_PATH,
  LOI,
  SYNTEC,
  SYNTEC_PREAVIS,
  SYNTEC_SANS_NUMERO,
} from './testing/code-du-travail.js';
import { articlePath, articleXml, idPath, writeDump, type FixtureArticle } from './testing/dila-fixture.js';

const config = loadConfig({ DATA_DIR: 'memory://' });
const NOW = new Date('2025-06-01T10:00:00Z');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-dila-import-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const url = (a: FixtureArticle) =>
  a.id.startsWith('KALI')
    ? `https://www.legifrance.gouv.fr/conv_coll/article/${a.id}`
    : `https://www.legifrance.gouv.fr/${a.text.nature === 'CODE' ? 'codes' : 'loda'}/article_lc/${a.id}`;
const entries = (list: FixtureArticle[], prefix = '') => list.map((a) => ({ name: articlePath(a, prefix), body: articleXml(a) }));

const FULL_LEGI = path.join(dir, 'Freemium_legi_global_20241201-100000.tar.gz');
const FULL_KALI = path.join(dir, 'Freemium_kali_global_20241201-100000.tar.gz');
const INCREMENT = path.join(dir, 'LEGI_20250102-211500.tar.gz');
const OLDER = path.join(dir, 'LEGI_20241230-211500.tar.gz');
const DAMAGED = path.join(dir, 'LEGI_20250103-211500.tar.gz');
const TEXT_DELETED = path.join(dir, 'LEGI_20250104-211500.tar.gz');
const AGREEMENT_DELETED = path.join(dir, 'KALI_20250104-211500.tar.gz');
const REPUBLISHED = path.join(dir, 'LEGI_20250105-211500.tar.gz');
/** An increment after the damaged one, given in the same command. */
const AFTER_DAMAGED = path.join(dir, 'LEGI_20250103-230000.tar.gz');
/** Dated far after the import day (NOW): applied, it would make every real dump after it « out of order ». */
const FUTURE = path.join(dir, 'LEGI_29991231-000000.tar.gz');

beforeAll(async () => {
  await writeDump(FULL_LEGI, entries([L1237_19, L1237_19_1, L1237_11_2008, L1237_11_2016, L1237_4_ABROGE, L1237_20_DIFF, LOI_ART_1]));
  await writeDump(FULL_KALI, entries([SYNTEC_PREAVIS, SYNTEC_SANS_NUMERO]));
  const p = '20250102-211500/';
  await writeDump(INCREMENT, [
    ...entries([L1237_19_V1_MODIFIED, L1237_19_V2], p),
    // one file that does not parse, one article that names no text: recorded, the rest applied
    { name: `${p}legi/global/code_et_TNC_en_vigueur/code_en_vigueur/LEGI/TEXT/00/00/06/07/20/LEGITEXT000006072050/article/LEGI/ARTI/00/00/49/00/00/LEGIARTI000049000002.xml`, body: '<ARTICLE><META>' },
    {
      name: `${p}legi/global/code_et_TNC_en_vigueur/code_en_vigueur/LEGI/TEXT/00/00/06/07/20/LEGITEXT000006072050/article/LEGI/ARTI/00/00/49/00/00/LEGIARTI000049000003.xml`,
      body: articleXml({ ...L1237_19_1, id: 'LEGIARTI000049000003' }).replace(/<TEXTE [\s\S]*<\/TEXTE>/, ''),
    },
    { name: `${p}liste_suppression_legi.dat`, body: `legi/global/code_et_TNC_en_vigueur/code_en_vigueur/LEGI/TEXT/00/00/06/07/20/LEGITEXT000006072050/article/LEGI/ARTI/00/00/35/65/29/${L1237_19_1.id}\n` },
  ]);
  await writeDump(OLDER, entries([{ ...L1237_19_1, content: '<p>Ancienne rédaction.</p>' }], '20241230-211500/'));
  const many = Array.from({ length: 150 }, (_, i) => ({ ...LOI_ART_1, id: `LEGIARTI0000${40000000 + i}`, num: String(100 + i), content: `<p>Disposition ${i} ${'y'.repeat(i * 41)}</p>` }));
  await writeDump(DAMAGED, entries(many, '20250103-211500/'), { truncateTo: 0.5 });
  await writeDump(AFTER_DAMAGED, entries([{ ...LOI_ART_1, id: 'LEGIARTI000049000020', num: '99' }], '20250103-230000/'));
  await writeDump(FUTURE, entries([{ ...LOI_ART_1, id: 'LEGIARTI000049000021', num: '98' }], '29991231-000000/'));
  // deletion lists naming whole texts (their struct file, their folder), not their articles
  const loi = `legi/global/code_et_TNC_en_vigueur/TNC_en_vigueur/${idPath(LOI.id)}`;
  await writeDump(TEXT_DELETED, [{ name: '20250104-211500/liste_suppression_legi.dat', body: `${loi}/texte/struct/${LOI.id}\n${loi}/texte/version/${LOI.id}\n` }]);
  await writeDump(AGREEMENT_DELETED, [{ name: '20250104-211500/liste_suppression_kali.dat', body: `kali/global/${idPath(SYNTEC.id)}\n` }]);
  // the code's struct file listed as removed (moved) in the increment that brings its articles again, and one
  // article file too big to be an article (a gzip of a few KB): recorded as failed, the rest applied
  const code = `legi/global/code_et_TNC_en_vigueur/code_en_vigueur/${idPath(L1237_19_V2.text.id)}`;
  const oversized = { ...L1237_19_1, id: 'LEGIARTI000049000009' };
  const huge = articleXml(oversized).replace('<BLOC_TEXTUEL><CONTENU>', `<BLOC_TEXTUEL><CONTENU>${'<a/>'.repeat(4 * 1024 * 1024 + 1)}`);
  await writeDump(REPUBLISHED, [
    ...entries([L1237_19_V2], '20250105-211500/'),
    { name: articlePath(oversized, '20250105-211500/'), body: huge },
    { name: '20250105-211500/liste_suppression_legi.dat', body: `${code}/texte/struct/${L1237_19_V2.text.id}\n` },
  ]);
});

describeEachDatabase('DILA LEGI and KALI import', (ctx) => {
  const embedder = new HashEmbedder();
  let target: { collectionId: number; sourceId: number; runId: number };
  const apply = (files: string[], filter: DilaFilter = NO_FILTER) => importDilaDumps(ctx.db, ingestIndexer(ctx.db, embedder), target, files, { filter, now: NOW });
  const active = async () => {
    const { rows } = await ctx.db.query<{ url: string }>(`SELECT url FROM documents WHERE source_id = $1 AND status = 'active' ORDER BY url`, [target.sourceId]);
    return rows.map((r) => r.url);
  };
  const search = async (query: string, mode: 'hybrid' | 'lexical' = 'hybrid') => {
    resetSearchStatistics(ctx.db);
    return (await searchWith({ db: ctx.db, embedder, config }, { query, allowedCollections: null, mode, k: 5 })).data;
  };

  beforeAll(async () => {
    const collectionId = await collectionByName(ctx.db, 'droit');
    const sourceId = await cliDilaSource(ctx.db, collectionId);
    target = { collectionId, sourceId, runId: await startIngestRun(ctx.db, sourceId, 'cli', ['dumps']) };
  });

  it('imports the articles in force of a code and an agreement, one document each, with filters', async () => {
    // the filter keeps the codes and IDCC 1486: the law's article is left out
    const results = await apply([FULL_KALI, FULL_LEGI], { texts: [], natures: ['CODE'], idcc: ['1486'] });
    expect(results.map((r) => [r.archive, r.status])).toEqual([
      ['Freemium_kali_global_20241201-100000.tar.gz', 'applied'],
      ['Freemium_legi_global_20241201-100000.tar.gz', 'applied'],
    ]);
    expect(results[1]).toMatchObject({ indexed: 3, notInForce: 3, filteredOut: 1, failed: 0 });
    expect(await active()).toEqual([L1237_11_2016, L1237_19, L1237_19_1].map(url).concat([SYNTEC_PREAVIS, SYNTEC_SANS_NUMERO].map(url)).sort());
    expect((await lastAppliedDump(ctx.db, target.sourceId, 'LEGI'))?.archive).toBe('Freemium_legi_global_20241201-100000.tar.gz');
  });

  it('finds an article by its number and by its content, cited with its section path; an agreement by its IDCC', async () => {
    for (const q of ['L1237-19', 'article L1237-19', 'L1237-19 code du travail']) {
      const hits = await search(q);
      expect(hits[0]?.document.url, q).toBe(url(L1237_19));
    }
    // the sub-article, whose number holds the parent's, by its own number
    expect((await search('L1237-19-1'))[0]?.document.url).toBe(url(L1237_19_1));
    const hits = await search('rupture conventionnelle collective excluant tout licenciement');
    const hit = hits[0]!;
    expect(hit.document.url).toBe(url(L1237_19));
    expect(hit.heading_path).toEqual(expect.arrayContaining(SECTION_PATH));
    expect(hit.document.title).toBe('Code du travail, article L1237-19');
    const kali = (await search('durée du préavis des ingénieurs et cadres IDCC 1486'))[0]!;
    expect(kali.document.url).toBe(url(SYNTEC_PREAVIS));
    expect(kali.document.metadata).toMatchObject({ idcc: '1486', agreement_title: expect.stringMatching(/^Convention collective nationale des bureaux/) });
    // the old version of L1237-11 and the abrogated article are not searchable
    expect((await search('homologation par le préfet rédaction de 2008', 'lexical')).map((h) => h.document.url)).not.toContain(url(L1237_11_2008));
    expect((await search('pupitreurs', 'lexical')).map((h) => h.document.url)).toEqual([]);
  });

  it('applies an increment: a new version replaces the old, the deletion list removes, bad files are recorded and the rest applied', async () => {
    const [r] = await apply([INCREMENT], { texts: [], natures: ['CODE'], idcc: ['1486'] });
    expect(r).toMatchObject({ status: 'applied', indexed: 1, failed: 2, removed: 2 });
    const urls = await active();
    expect(urls).toContain(url(L1237_19_V2));
    expect(urls).not.toContain(url(L1237_19));
    expect(urls).not.toContain(url(L1237_19_1));
    expect((await search('L1237-19'))[0]?.document.url).toBe(url(L1237_19_V2));
    expect((await search('consultation obligatoire du comité social et économique'))[0]?.document.url).toBe(url(L1237_19_V2));
    const { rows } = await ctx.db.query<{ code: string; location: string }>(`SELECT code, location FROM ingest_errors WHERE run_id = $1 ORDER BY code`, [target.runId]);
    expect(rows.map((e) => e.code)).toEqual(['DILA_ARTICLE_WITHOUT_TEXT', 'XML_INVALID']);
    expect(rows[1]!.location).toMatch(/^LEGI_20250102-211500\.tar\.gz!.*LEGIARTI000049000002\.xml$/);
    expect((await lastAppliedDump(ctx.db, target.sourceId, 'LEGI'))?.archive).toBe('LEGI_20250102-211500.tar.gz');
  });

  it('changes nothing when an increment comes twice, and refuses an older one', async () => {
    const before = await active();
    const results = await apply([INCREMENT, OLDER], { texts: [], natures: ['CODE'], idcc: [] });
    const again = results.find((r) => r.archive === 'LEGI_20250102-211500.tar.gz');
    const older = results.find((r) => r.archive === 'LEGI_20241230-211500.tar.gz');
    expect(again).toMatchObject({ status: 'skipped', indexed: 0, removed: 0 });
    expect(older).toMatchObject({ status: 'refused' });
    expect(older!.message).toMatch(/LEGI_20241230-211500\.tar\.gz .* is not newer than LEGI_20250102-211500\.tar\.gz/);
    expect(await active()).toEqual(before);
    expect((await lastAppliedDump(ctx.db, target.sourceId, 'LEGI'))?.archive).toBe('LEGI_20250102-211500.tar.gz');
  });

  it('keeps the articles a damaged archive held before the damage, does not record it as applied, nor apply the increments after it', async () => {
    const [r, after] = await apply([DAMAGED, AFTER_DAMAGED]);
    // applied, the later increment would make the repaired archive « out of order » for good
    expect(after).toMatchObject({ archive: 'LEGI_20250103-230000.tar.gz', status: 'refused', code: 'DILA_EARLIER_DUMP_PARTIAL', indexed: 0 });
    expect(after!.message).toContain('apply LEGI_20250103-211500.tar.gz again once repaired');
    expect(r!.code).toBe('DILA_ARCHIVE_TRUNCATED');
    expect(r!.status).toBe('partial');
    expect(r!.message).toMatch(/truncated or corrupt/);
    expect(r!.indexed).toBeGreaterThan(10);
    expect(r!.indexed).toBeLessThan(150);
    expect((await lastAppliedDump(ctx.db, target.sourceId, 'LEGI'))?.archive).toBe('LEGI_20250102-211500.tar.gz');
    const { rows } = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ingest_errors WHERE run_id = $1 AND code = 'DILA_ARCHIVE_TRUNCATED'`, [target.runId]);
    expect(rows[0]!.n).toBe(1);
  });

  it('removes every article of a text, or of an agreement, that a deletion list names as a whole', async () => {
    const loiArticles = async () =>
      (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents WHERE source_id = $1 AND status = 'active' AND metadata->>'text_id' = $2`, [target.sourceId, LOI.id])).rows[0]!.n;
    const held = await loiArticles();
    expect(held).toBeGreaterThan(10); // what the damaged archive held
    const [legi] = await apply([TEXT_DELETED]);
    expect(legi).toMatchObject({ status: 'applied', removed: held });
    expect(await loiArticles()).toBe(0);
    expect((await search('Disposition', 'lexical')).map((h) => h.document.url)).toEqual([]);
    // the code's articles stay
    expect(await active()).toEqual([L1237_11_2016, L1237_19_V2].map(url).concat([SYNTEC_PREAVIS, SYNTEC_SANS_NUMERO].map(url)).sort());

    const [kali] = await apply([AGREEMENT_DELETED]);
    expect(kali).toMatchObject({ status: 'applied', removed: 2 });
    expect(await active()).toEqual([L1237_11_2016, L1237_19_V2].map(url).sort());
    expect((await search('durée du préavis des ingénieurs et cadres', 'lexical')).map((h) => h.document.url)).not.toContain(url(SYNTEC_PREAVIS));
    // applied twice: skipped, nothing else removed
    expect((await apply([TEXT_DELETED]))[0]).toMatchObject({ status: 'skipped', removed: 0 });
  });

  it('keeps the articles of a text listed as removed that the same archive brings again, and records an oversized file', async () => {
    const [r] = await apply([REPUBLISHED]);
    // L1237-11 is not in the archive: removed with its text; L1237-19 comes with it: kept
    expect(r).toMatchObject({ status: 'applied', failed: 1, removed: 1 });
    expect(await active()).toEqual([url(L1237_19_V2)]);
    const { rows } = await ctx.db.query<{ location: string }>(`SELECT location FROM ingest_errors WHERE run_id = $1 AND code = 'DILA_ENTRY_TOO_LARGE'`, [target.runId]);
    expect(rows.map((e) => e.location)).toEqual([expect.stringMatching(/LEGIARTI000049000009\.xml$/)]);
  });

  it('refuses a dump dated after today, which would make every real dump after it « out of order »', async () => {
    const before = await active();
    const [r] = await apply([FUTURE]);
    expect(r).toMatchObject({ status: 'refused', code: 'DILA_DUMP_DATE_IN_FUTURE', indexed: 0 });
    expect(await active()).toEqual(before);
    expect((await lastAppliedDump(ctx.db, target.sourceId, 'LEGI'))?.archive).toBe('LEGI_20250105-211500.tar.gz');
  });
});
