import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initDataDir, openEmbeddedDatabase } from './embedded-database.js';
import { shippedTemplate, shippedTemplateBytes, templateFileName } from './pglite-datadir-template.js';

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
    expect(shippedTemplate(), `packages/core/assets/${templateFileName()}`).toBeDefined();
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
    const damaged = path.join(work, 'damaged.tar.br');
    fs.writeFileSync(damaged, fs.readFileSync(shippedTemplate()!).subarray(0, 100_000));
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

  it('does not remove files that are not a database', async () => {
    const pgdata = path.join(work, 'foreign', 'pgdata');
    fs.mkdirSync(pgdata, { recursive: true });
    fs.writeFileSync(path.join(pgdata, 'notes.txt'), 'à garder');
    await expect(initDataDir(pgdata)).rejects.toMatchObject({ code: 'DATABASE_INIT_FAILED', message: expect.stringContaining('move it away') });
    expect(fs.readFileSync(path.join(pgdata, 'notes.txt'), 'utf8')).toBe('à garder');
  });
});
