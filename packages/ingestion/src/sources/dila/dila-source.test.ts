/** A `dila` source: declared with its filter, then run over a mirror folder that receives a new increment. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { ingestIndexer } from '../../worker/ingest-indexer.js';
import { createSource, getSource, startCrawl, updateSource } from '../source-service.js';
import { runDilaSource } from './dila-source.js';
import { L1237_19, L1237_19_V1_MODIFIED, L1237_19_V2, LOI_ART_1, SYNTEC_PREAVIS } from './testing/code-du-travail.js';
import { articlePath, articleXml, writeDump, type FixtureArticle } from './testing/dila-fixture.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const entries = (list: FixtureArticle[], prefix = '') => list.map((a) => ({ name: articlePath(a, prefix), body: articleXml(a) }));

/** A mirror folder of each database mode's own (the test adds an increment to it). */
async function makeMirror(): Promise<string> {
  const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-dila-mirror-'));
  dirs.push(mirror);
  fs.mkdirSync(path.join(mirror, 'legi'));
  fs.mkdirSync(path.join(mirror, 'kali'));
  await writeDump(path.join(mirror, 'legi', 'Freemium_legi_global_20241201-100000.tar.gz'), entries([L1237_19, LOI_ART_1]));
  await writeDump(path.join(mirror, 'kali', 'Freemium_kali_global_20241201-100000.tar.gz'), entries([SYNTEC_PREAVIS]));
  fs.writeFileSync(path.join(mirror, 'legi', 'LISEZMOI.txt'), 'miroir');
  return mirror;
}

describeEachDatabase('dila sources', (ctx) => {
  it('are declared with server paths and a filter, and each run applies the dumps not applied yet', async () => {
    const mirror = await makeMirror();
    await expect(createSource(ctx.db, { name: 'LEGI web', kind: 'dila', collection: 'droit', start_urls: ['https://echanges.dila.gouv.fr/OPENDATA/LEGI/'] })).rejects.toMatchObject({
      code: 'SOURCE_INVALID',
    });
    await expect(
      createSource(ctx.db, { name: 'bad', kind: 'dila', collection: 'droit', start_urls: [mirror], dila_filter: { texts: ['CODE DU TRAVAIL'] } }),
    ).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
    const source = await createSource(ctx.db, {
      name: 'Légifrance',
      kind: 'dila',
      collection: 'droit',
      start_urls: [mirror],
      dila_filter: { texts: ['legitext000006072050'], idcc: ['1486'] },
    });
    expect((await getSource(ctx.db, source.id)).dila_filter).toEqual({ texts: ['LEGITEXT000006072050'], natures: [], idcc: ['1486'] });

    const indexer = ingestIndexer(ctx.db, new HashEmbedder());
    const stored = await ctx.db.query<{ config: any }>('SELECT config FROM sources WHERE id = $1', [source.id]);
    const run = { runId: await startCrawl(ctx.db, source.id, 'manual'), sourceId: source.id, collectionId: source.collection_id, config: stored.rows[0]!.config };
    const first = await runDilaSource(ctx.db, indexer, run, [mirror]);
    expect(first).toMatchObject({ indexed: 2, failed: 0, skipped: 0 }); // the code's article and the agreement's; not the law's

    await writeDump(path.join(mirror, 'legi', 'LEGI_20250102-211500.tar.gz'), entries([L1237_19_V1_MODIFIED, L1237_19_V2], '20250102-211500/'));
    const second = await runDilaSource(ctx.db, indexer, run, [mirror]);
    expect(second).toMatchObject({ indexed: 1, deleted: 1, skipped: 2 });
    expect(second.archives.map((a) => [a.archive, a.status])).toEqual([
      ['Freemium_kali_global_20241201-100000.tar.gz', 'skipped'],
      ['Freemium_legi_global_20241201-100000.tar.gz', 'skipped'],
      ['LEGI_20250102-211500.tar.gz', 'applied'],
    ]);
    const { rows } = await ctx.db.query<{ url: string }>(`SELECT url FROM documents WHERE source_id = $1 AND status = 'active' ORDER BY url`, [source.id]);
    expect(rows.map((r) => r.url)).toEqual([
      `https://www.legifrance.gouv.fr/codes/article_lc/${L1237_19_V2.id}`,
      `https://www.legifrance.gouv.fr/conv_coll/article/${SYNTEC_PREAVIS.id}`,
    ]);

    // narrowed to the code alone: the next run takes the agreement's article out, nothing read again
    await updateSource(ctx.db, source.id, { dila_filter: { texts: ['LEGITEXT000006072050'] } });
    const narrowed = (await ctx.db.query<{ config: any }>('SELECT config FROM sources WHERE id = $1', [source.id])).rows[0]!.config;
    const third = await runDilaSource(ctx.db, indexer, { ...run, config: narrowed }, [mirror]);
    expect(third).toMatchObject({ indexed: 0, deleted: 1, skipped: 3 });
    const after = await ctx.db.query<{ url: string }>(`SELECT url FROM documents WHERE source_id = $1 AND status = 'active' ORDER BY url`, [source.id]);
    expect(after.rows.map((r) => r.url)).toEqual([`https://www.legifrance.gouv.fr/codes/article_lc/${L1237_19_V2.id}`]);
    // run again: nothing more to remove
    expect(await runDilaSource(ctx.db, indexer, { ...run, config: narrowed }, [mirror])).toMatchObject({ deleted: 0 });
  });

  it('leaves out a FIFO beside the dumps, refuses one named as a dump (NOT_A_FILE), opening neither', async () => {
    const mirror = await makeMirror();
    execFileSync('mkfifo', [path.join(mirror, 'legi', 'verrou')]);
    const declared = { name: 'LEGI tube', kind: 'dila', collection: 'droit-tube', start_urls: [mirror] };
    const source = await createSource(ctx.db, declared);
    const indexer = ingestIndexer(ctx.db, new HashEmbedder());
    const stored = await ctx.db.query<{ config: any }>('SELECT config FROM sources WHERE id = $1', [source.id]);
    const runId = await startCrawl(ctx.db, source.id, 'manual');
    const run = { runId, sourceId: source.id, collectionId: source.collection_id, config: stored.rows[0]!.config };
    expect(await runDilaSource(ctx.db, indexer, run, [mirror])).toMatchObject({ indexed: 3, failed: 0 });
    const fifo = path.join(mirror, 'legi', 'LEGI_20250103-211500.tar.gz');
    execFileSync('mkfifo', [fifo]);
    await expect(runDilaSource(ctx.db, indexer, run, [mirror])).rejects.toMatchObject({
      code: 'NOT_A_FILE',
      message: expect.stringContaining(fifo),
    });
  });
});
