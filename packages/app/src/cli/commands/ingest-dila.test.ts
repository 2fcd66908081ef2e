/**
 * `cite ingest` of DILA dumps end to end (issue 24): a LEGI dump and a service note in one command, the dump
 * recognised by its entries and filtered; the same command again applies nothing twice; the article is then
 * found by `cite search` by its number.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { L1237_19, LOI_ART_1 } from '@cite/ingestion/sources/dila/testing/code-du-travail.js';
import { articlePath, articleXml, writeDump } from '@cite/ingestion/sources/dila/testing/dila-fixture.js';
import { availableModes, createServerDatabase, openTestDatabase } from '@cite/core/testing/databases.js';

const run = promisify(execFile);
const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/cite.mjs');

describe.each(availableModes())('cite ingest of DILA dumps [%s]', (mode) => {
  let dir: string;
  let env: Record<string, string>;
  let drop = async () => {};
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-ingest-dila-'));
    await writeDump(path.join(dir, 'Freemium_legi_global_20241201-100000.tar.gz'), [L1237_19, LOI_ART_1].map((a) => ({ name: articlePath(a), body: articleXml(a) })));
    fs.writeFileSync(path.join(dir, 'note.md'), '# Note de service\n\nLes demandes de rupture conventionnelle passent par le service RH.\n');
    env = { ...(process.env as Record<string, string>), DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.CITE_URL;
    // a copy of the migrated template (`cite ingest` on a new, empty database is ingest.test.ts's case)
    if (mode === 'server') {
      const created = await createServerDatabase(process.env.DATABASE_URL!, { migrated: true });
      env.DATABASE_URL = created.url;
      drop = created.drop;
    } else {
      await (await openTestDatabase('embedded', { dataDir: env.DATA_DIR })).dispose(); // the CLI opens it itself
    }
  });
  afterAll(async () => {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const cite = async (...args: string[]) => (await run(process.execPath, [CITE, ...args], { env, cwd: dir, timeout: 400_000 })).stdout;

  it('applies the dump with the other inputs, once, and finds the article by its number', async () => {
    const inputs = ['Freemium_legi_global_20241201-100000.tar.gz', 'note.md', '--collection', 'droit', '--natures', 'CODE', '--json'];
    const first = JSON.parse((await cite('ingest', ...inputs)).trim().split('\n').at(-1)!) as { new: number; failed: number };
    // the code's article and the note; the law's article is outside the filter
    expect(first).toMatchObject({ new: 2, failed: 0 });
    const second = JSON.parse((await cite('ingest', ...inputs)).trim().split('\n').at(-1)!) as { new: number; unchanged: number };
    expect(second).toMatchObject({ new: 0, unchanged: 1 });
    const hits = JSON.parse(await cite('search', 'L1237-19', '--collection', 'droit', '--json')) as { data: Array<{ document: { url: string } }> };
    expect(hits.data[0]!.document.url).toBe('https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000035652920');
  }, 1_200_000);
});
