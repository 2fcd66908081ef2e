import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { dilaFilterOf, ingestDilaDumps, splitDilaDumps } from './dila-ingest.js';
import { L1237_19, LOI_ART_1, SYNTEC_PREAVIS } from './testing/code-du-travail.js';
import { articlePath, articleXml, writeDump } from './testing/dila-fixture.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-dila-ingest-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const legi = path.join(dir, 'Freemium_legi_global_20241201-100000.tar.gz');
const kali = path.join(dir, 'kali-copie.tar.gz'); // renamed: recognised and dated by its entries
const notes = path.join(dir, 'notes.txt');

beforeAll(async () => {
  await writeDump(legi, [L1237_19, LOI_ART_1].map((a) => ({ name: articlePath(a), body: articleXml(a) })));
  await writeDump(kali, [{ name: articlePath(SYNTEC_PREAVIS, '20250102-211500/'), body: articleXml(SYNTEC_PREAVIS) }]);
  fs.writeFileSync(notes, 'Notes de service.');
});

it('tells DILA dumps from other inputs, and reads filters from the command line', async () => {
  expect(await splitDilaDumps([legi, notes, kali, dir])).toEqual({ dumps: [legi, kali], others: [notes, dir] });
  expect(dilaFilterOf({ texts: 'legitext000006072050, KALICONT000005635173', natures: 'code', idcc: '1486,3248' })).toEqual({
    texts: ['LEGITEXT000006072050', 'KALICONT000005635173'],
    natures: ['CODE'],
    idcc: ['1486', '3248'],
  });
});

describeEachDatabase('cite ingest of DILA dumps', (ctx) => {
  it('applies the dumps to the collection\'s dila source in a run of their own, filtered', async () => {
    const { results, summary } = await ingestDilaDumps(ctx.db, new HashEmbedder(), 'droit', [kali, legi], {
      filter: dilaFilterOf({ texts: 'LEGITEXT000006072050', idcc: '1486' }),
      now: new Date('2025-06-01T00:00:00Z'),
    });
    expect(results.map((r) => [r.archive, r.status, r.indexed])).toEqual([
      ['Freemium_legi_global_20241201-100000.tar.gz', 'applied', 1],
      ['kali-copie.tar.gz', 'applied', 1],
    ]);
    expect(summary).toMatchObject({ new: 2, failed: 0 });
    const { rows } = await ctx.db.query<{ kind: string; status: string; indexed: number }>(
      `SELECT s.kind, r.status, r.indexed FROM crawl_runs r JOIN sources s ON s.id = r.source_id ORDER BY r.id DESC LIMIT 1`,
    );
    expect(rows[0]).toMatchObject({ kind: 'dila', status: 'succeeded', indexed: 2 });
  });

  it('lists the articles that failed, with their codes', async () => {
    const broken = path.join(dir, 'Freemium_legi_global_20241215-100000.tar.gz');
    await writeDump(broken, [
      { name: articlePath(L1237_19), body: articleXml(L1237_19) },
      { name: articlePath({ ...LOI_ART_1, id: 'LEGIARTI000000000099' }), body: '<ARTICLE><META>pas fini' },
    ]);
    const { summary } = await ingestDilaDumps(ctx.db, new HashEmbedder(), 'droit-casse', [broken], { filter: dilaFilterOf({}), now: new Date('2025-06-01T00:00:00Z') });
    expect(summary).toMatchObject({ new: 1, failed: 1 });
    expect(summary.errors).toEqual([
      { location: expect.stringMatching(/^Freemium_legi_global_20241215-100000\.tar\.gz!.*LEGIARTI000000000099\.xml$/), code: 'XML_INVALID', message: expect.any(String) },
    ]);
    expect(summary.failedByCode).toEqual({ [summary.errors[0]!.code]: 1 });
  });
});
