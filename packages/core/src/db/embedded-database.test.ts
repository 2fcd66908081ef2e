import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { embeddedTemplate } from '../testing/database-templates.js';
import { openEmbeddedDatabase } from './embedded-database.js';
import { migrate } from './migrations.js';

describe('embedded database', () => {
  it('keeps its data across a restart', { timeout: 240_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-emb-'));
    // filled from the migrated template (initdb of an empty directory is the lock test's, migrating from empty migrations.test.ts's)
    const first = await openEmbeddedDatabase(dir, { template: await embeddedTemplate() });
    expect(await migrate(first)).toEqual([]);
    await first.query(`INSERT INTO collections (name) VALUES ('persisted')`);
    await first.close();

    const second = await openEmbeddedDatabase(dir);
    const { rows } = await second.query<{ name: string }>(`SELECT name FROM collections`);
    expect(rows.map((r) => r.name)).toEqual(['persisted']);
    expect(await migrate(second)).toEqual([]);
    await second.close();
  });

  it('belongs to one process at a time: a second opener gets a clear error, a stale lock is taken over', { timeout: 240_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-lock-'));
    // a lock held by another live process (our parent stands in for it)
    fs.writeFileSync(path.join(dir, 'cite.lock'), JSON.stringify({ pid: process.ppid }));
    await expect(openEmbeddedDatabase(dir)).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    // a lock left by a dead process (kill -9) does not block
    fs.writeFileSync(path.join(dir, 'cite.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const db = await openEmbeddedDatabase(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'cite.lock'), 'utf8')).pid).toBe(process.pid);
    await db.close();
    expect(fs.existsSync(path.join(dir, 'cite.lock'))).toBe(false);
  });

  it('rolls a failed transaction back', async () => {
    const db = await openEmbeddedDatabase('memory://', { template: await embeddedTemplate() });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO collections (name) VALUES ('half')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await db.query(`SELECT 1 FROM collections WHERE name = 'half'`)).rows).toHaveLength(0);
    await db.close();
  });

  it('answers statements sent at once in order, survives a failing one, and refuses them once closed', async () => {
    const db = await openEmbeddedDatabase('memory://');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => db.query<{ n: number }>('SELECT $1::int AS n', [i])));
    expect(answers.map((r) => r.rows[0]!.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await expect(db.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
    expect((await db.query<{ ok: boolean }>('SELECT true AS ok')).rows).toEqual([{ ok: true }]);
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toThrow();
  });

  it('does not keep a process alive once its work is done (the database runs on a thread of its own)', () => {
    const module = path.join(path.dirname(fileURLToPath(import.meta.url)), 'embedded-database.ts');
    const script = `const { openEmbeddedDatabase } = await import(${JSON.stringify(module)});
      const db = await openEmbeddedDatabase('memory://');
      const { rows } = await db.query('SELECT 40 + 2 AS n');
      console.log('answer', rows[0].n);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.stdout).toContain('answer 42');
    expect(child.status).toBe(0);
  }, 90_000);
});
