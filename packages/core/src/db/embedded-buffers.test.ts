import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedSharedBuffersMb } from './embedded-buffers.js';
import { openEmbeddedDatabase } from './embedded-database.js';

const MB = 2 ** 20;
const GB = 2 ** 30;
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-buffers-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A data directory whose database's relations weigh these sizes (sparse files: no disk used). */
function dataDirOf(sizes: number[]): string {
  const dbPath = tempDir();
  const file = (name: string, size: number) => {
    fs.mkdirSync(path.dirname(name), { recursive: true });
    fs.writeFileSync(name, '');
    fs.truncateSync(name, size);
  };
  sizes.forEach((size, i) => file(path.join(dbPath, 'base', '5', String(16384 + i)), size));
  for (const template of ['1', '4']) file(path.join(dbPath, 'base', template, '1259'), 7 * MB); // not counted
  file(path.join(dbPath, 'pg_wal', '000000010000000000000001'), 900 * MB); // outside base/: not counted
  return dbPath;
}

describe('embedded buffer cache size', () => {
  it('follows half the size of the database, rounded up to 16 MB, from 16 MB to 512 MB', () => {
    expect(embeddedSharedBuffersMb(undefined, 24 * GB)).toBe(16); // in memory
    expect(embeddedSharedBuffersMb(path.join(tempDir(), 'pgdata'), 24 * GB)).toBe(16); // not created yet
    expect(embeddedSharedBuffersMb(dataDirOf([20 * MB]), 24 * GB)).toBe(16);
    expect(embeddedSharedBuffersMb(dataDirOf([24 * MB, 16 * MB]), 24 * GB)).toBe(32);
    expect(embeddedSharedBuffersMb(dataDirOf([39 * MB, 85 * MB, 195 * MB]), 24 * GB)).toBe(160);
    expect(embeddedSharedBuffersMb(dataDirOf([3 * GB]), 24 * GB)).toBe(512);
  });

  it('takes at most an eighth of the machine’s memory', () => {
    const dbPath = dataDirOf([800 * MB]);
    expect(embeddedSharedBuffersMb(dbPath, 24 * GB)).toBe(400);
    expect(embeddedSharedBuffersMb(dbPath, 2 * GB)).toBe(256);
    expect(embeddedSharedBuffersMb(dbPath, 64 * MB)).toBe(16);
  });

  it('opens a new database with the floor, one that grew with a cache of half its size, or the size asked for', async () => {
    const dataDir = tempDir();
    const show = async (db: Awaited<ReturnType<typeof openEmbeddedDatabase>>) =>
      (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]!.shared_buffers;
    let db = await openEmbeddedDatabase(dataDir, { upkeep: false });
    try {
      expect(await show(db)).toBe('16MB');
      // ~72 MB of rows (256-character texts stay uncompressed, in the table itself)
      await db.query(`CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 8) AS text FROM generate_series(1, 240000) g`);
    } finally {
      await db.close();
    }
    const expected = embeddedSharedBuffersMb(path.join(dataDir, 'pgdata'));
    expect(expected).toBeGreaterThanOrEqual(48);
    db = await openEmbeddedDatabase(dataDir, { upkeep: false });
    try {
      expect(await show(db)).toBe(`${expected}MB`);
      expect(Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM filler')).rows[0]!.n)).toBe(240000);
    } finally {
      await db.close();
    }
    db = await openEmbeddedDatabase(dataDir, { upkeep: false, sharedBuffersMb: 24 });
    try {
      expect(await show(db)).toBe('24MB');
    } finally {
      await db.close();
    }
  });
});
