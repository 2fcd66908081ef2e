import { spawn } from 'node:child_process';
import fs from 'node:fs';
import zlib from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initDataDir, openEmbeddedDatabase } from './embedded-database.js';
import { pgliteVersion, shippedTemplate, shippedTemplateBytes, templateChecksum, templateFileName, TEMPLATES_DIR } from './pglite-datadir-template.js';
import { waitFor } from '../testing/wait-for.js';

/** Every file of a data directory, relative, sorted. */
function filesOf(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

async function databasesIn(dataDir: string): Promise<string[]> {
  const db = await openEmbeddedDatabase(dataDir, { upkeep: false });
  try {
    return (await db.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY datname')).rows.map((r) => r.datname);
  } finally {
    await db.close();
  }
}

describe('the shipped data directory of a new embedded database', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-pglite-template-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('exists for the installed PGlite (after an upgrade: npx tsx scripts/build-pglite-template.ts)', () => {
    expect(shippedTemplate()).toBe(path.join(TEMPLATES_DIR, `pglite-${pgliteVersion()}-datadir.tar.br`));
    expect(pgliteVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(fs.readFileSync(`${shippedTemplate()!}.sha256`, 'utf8').trim()).toBe(templateChecksum(fs.readFileSync(shippedTemplate()!)));
  });

  it('is the directory initdb makes, and opens', { timeout: 240_000 }, async () => {
    const fromTarball = path.join(work, 'tarball');
    const fromInitdb = path.join(work, 'initdb');
    await initDataDir(path.join(fromTarball, 'pgdata'), shippedTemplate()!);
    await initDataDir(path.join(fromInitdb, 'pgdata'), null);
    expect(filesOf(path.join(fromTarball, 'pgdata'))).toEqual(filesOf(path.join(fromInitdb, 'pgdata')));
    expect(fs.readFileSync(path.join(fromTarball, 'pgdata', 'PG_VERSION'), 'utf8')).toBe(fs.readFileSync(path.join(fromInitdb, 'pgdata', 'PG_VERSION'), 'utf8'));
    expect(await databasesIn(fromTarball)).toEqual(['postgres', 'template0', 'template1']);
  });

  it('falls back to initdb when the tarball is damaged, and leaves nothing half made', { timeout: 240_000 }, async () => {
    // cut short, its recorded checksum that of the whole (brotli has none of its own)
    const damaged = path.join(work, 'damaged.tar.br');
    fs.writeFileSync(damaged, fs.readFileSync(shippedTemplate()!).subarray(0, 100_000));
    fs.copyFileSync(`${shippedTemplate()!}.sha256`, `${damaged}.sha256`);
    const dataDir = path.join(work, 'fallback');
    // a directory left by a start killed halfway is replaced
    fs.mkdirSync(path.join(dataDir, 'pgdata.partial', 'base'), { recursive: true });
    await initDataDir(path.join(dataDir, 'pgdata'), damaged);
    expect(fs.readdirSync(dataDir)).toEqual(['pgdata']);
    expect(await databasesIn(dataDir)).toEqual(['postgres', 'template0', 'template1']);
  });

  it('gives a new in-memory database its bytes, or none when damaged (initdb then)', () => {
    const bytes = shippedTemplateBytes();
    expect(Buffer.from(bytes!.subarray(0, 512)).toString('latin1')).toMatch(/PG_VERSION/);
    const damagedDir = path.join(work, 'damaged-assets');
    fs.mkdirSync(damagedDir);
    fs.writeFileSync(path.join(damagedDir, templateFileName()), 'pas du brotli');
    expect(shippedTemplateBytes(damagedDir)).toBeUndefined();
    expect(shippedTemplateBytes(path.join(work, 'none'))).toBeUndefined();
  });

  it('reports a failure other than a damaged tarball as it is, without running initdb after it', { timeout: 120_000 }, async () => {
    // a tarball that is whole (its checksum) but not a data directory: PGlite's load fails, not the copy
    const foreign = path.join(work, 'foreign.tar.br');
    const bytes = zlib.brotliCompressSync(Buffer.from('pas une archive tar'));
    fs.writeFileSync(foreign, bytes);
    fs.writeFileSync(`${foreign}.sha256`, templateChecksum(bytes));
    const pgdata = path.join(work, 'no-fallback', 'pgdata');
    await expect(initDataDir(pgdata, foreign)).rejects.toMatchObject({ code: 'DATABASE_INIT_FAILED', message: expect.stringContaining(`from ${foreign}`) });
    expect(fs.readdirSync(path.dirname(pgdata))).toEqual([]);
  });

  it('leaves no child behind when the process creating the folder is killed', { timeout: 120_000 }, async () => {
    const script = `import('${path.resolve('packages/core/src/db/embedded-database.ts')}').then((m) => m.initDataDir(process.argv[1]))`;
    const writers = (partial: string) =>
      fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && (() => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(partial);
        } catch {
          return false;
        }
      })());
    /** Starts a process creating a folder; resolves once its child writes, with the parent and the partial folder. */
    const start = async (dataDir: string) => {
      const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script, path.join(dataDir, 'pgdata')], { stdio: 'ignore' });
      const partial = path.join(dataDir, 'pgdata.partial');
      await waitFor('the child to start writing', async () => (fs.existsSync(partial) ? true : undefined), 60_000, 20);
      return { parent, partial, at: Date.now() };
    };
    // what a child has left to do once it writes, left alone: the yardstick, on this machine as loaded now
    const whole = await start(path.join(work, 'whole'));
    await waitFor('the child to finish', async () => (writers(whole.partial).length === 0 ? true : undefined), 60_000, 20);
    const rest = Date.now() - whole.at;
    // killed, its child ends at once (~70 ms here; the work left: ~2 s), not once the folder is written
    const dataDir = path.join(work, 'killed');
    const killed = await start(dataDir);
    killed.parent.kill('SIGKILL');
    await waitFor('the orphaned child to end', async () => (writers(killed.partial).length === 0 ? true : undefined), rest / 3, 20);
    // and the next start makes the folder anew
    await initDataDir(path.join(dataDir, 'pgdata'));
    expect(await databasesIn(dataDir)).toEqual(['postgres', 'template0', 'template1']);
  });

  it('refuses a pgdata that is a file, and keeps it', async () => {
    const pgdata = path.join(work, 'file', 'pgdata');
    fs.mkdirSync(path.dirname(pgdata), { recursive: true });
    fs.writeFileSync(pgdata, 'un fichier');
    await expect(initDataDir(pgdata)).rejects.toMatchObject({ code: 'DATABASE_INIT_FAILED', message: expect.stringContaining('is not a folder') });
    expect(fs.readFileSync(pgdata, 'utf8')).toBe('un fichier');
  });

  it('does not remove files that are not a database', async () => {
    const pgdata = path.join(work, 'foreign', 'pgdata');
    fs.mkdirSync(pgdata, { recursive: true });
    fs.writeFileSync(path.join(pgdata, 'notes.txt'), 'à garder');
    await expect(initDataDir(pgdata)).rejects.toMatchObject({ code: 'DATABASE_INIT_FAILED', message: expect.stringContaining('move it away') });
    expect(fs.readFileSync(path.join(pgdata, 'notes.txt'), 'utf8')).toBe('à garder');
  });
});
