import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpEmbeddedDatabase, openEmbeddedDatabase } from '../db/embedded-database.js';
import { MIGRATIONS_DIR } from '../db/migrations.js';
import { openServerDatabase } from '../db/server-database.js';
import { embeddedTemplate, embeddedTemplatePath, ensureServerTemplate, migrationsHash, serverTemplateName, withAdmin, withDatabase } from './database-templates.js';
import { failWithoutServerUnderCi } from './databases.js';

/** A copy of the migrations plus one more, as when someone adds a migration during a run. */
function migrationsPlusOne(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-tmpl-'));
  for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, '9999_template_probe.sql'), `CREATE TABLE template_probe (id int PRIMARY KEY);\n-- ${dir}\n`);
  return dir;
}

describe('template names', () => {
  it('change with any added or edited migration, so a stale template is never copied', () => {
    const dir = migrationsPlusOne();
    expect(migrationsHash(dir)).not.toBe(migrationsHash());
    expect(serverTemplateName(dir)).not.toBe(serverTemplateName());
    expect(embeddedTemplatePath(dir)).not.toBe(embeddedTemplatePath());
    const before = migrationsHash(dir);
    fs.appendFileSync(path.join(dir, '0001_schema.sql'), '\n-- edited\n');
    expect(migrationsHash(dir)).not.toBe(before);
    expect(serverTemplateName()).toMatch(/^cite_test_tmpl_[0-9a-f]{16}$/);
  });
});

describe('embedded template', () => {
  it('opens as a migrated copy: data written to one copy is in a dump of it, not in the template', { timeout: 240_000 }, async () => {
    const template = await embeddedTemplate();
    expect(fs.existsSync(embeddedTemplatePath())).toBe(true);
    const first = await openEmbeddedDatabase('memory://', { template });
    await first.query(`INSERT INTO collections (name) VALUES ('copied')`);
    const dump = await dumpEmbeddedDatabase(first);
    await first.close();

    const second = await openEmbeddedDatabase('memory://', { template: dump });
    const fresh = await openEmbeddedDatabase('memory://', { template });
    try {
      expect((await second.query<{ name: string }>('SELECT name FROM collections')).rows.map((r) => r.name)).toEqual(['copied']);
      expect((await fresh.query('SELECT name FROM collections')).rows).toEqual([]);
      const { rows } = await fresh.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length);
    } finally {
      await second.close();
      await fresh.close();
    }
  });

  it('fills a new data directory from the template and leaves an existing one as it is', { timeout: 240_000 }, async () => {
    const template = await embeddedTemplate();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-tmpl-dir-'));
    const db = await openEmbeddedDatabase(dir, { template });
    await db.query(`INSERT INTO collections (name) VALUES ('kept')`);
    await db.close();
    const again = await openEmbeddedDatabase(dir, { template });
    try {
      expect((await again.query<{ name: string }>('SELECT name FROM collections')).rows.map((r) => r.name)).toEqual(['kept']);
    } finally {
      await again.close();
    }
  });
});

describe('embedded template of other migrations', () => {
  it('is built anew, and tarballs of earlier migrations left unused for an hour are removed', { timeout: 240_000 }, async () => {
    const dir = migrationsPlusOne();
    const file = embeddedTemplatePath(dir);
    const cache = path.dirname(file);
    fs.mkdirSync(cache, { recursive: true });
    const old = path.join(cache, `pglite-test-old-${process.pid}.tar`);
    const recent = path.join(cache, `pglite-test-recent-${process.pid}.tar`);
    fs.writeFileSync(old, 'x');
    fs.writeFileSync(recent, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(old, twoHoursAgo, twoHoursAgo);
    try {
      const db = await openEmbeddedDatabase('memory://', { template: await embeddedTemplate(dir) });
      try {
        expect((await db.query(`SELECT to_regclass('template_probe') IS NOT NULL AS ok`)).rows[0]).toEqual({ ok: true });
      } finally {
        await db.close();
      }
      expect(fs.existsSync(file)).toBe(true);
      expect(fs.existsSync(old)).toBe(false);
      expect(fs.existsSync(recent)).toBe(true);
    } finally {
      for (const f of [file, old, recent]) fs.rmSync(f, { force: true });
    }
  });
});

failWithoutServerUnderCi('server template');
if (process.env.DATABASE_URL) {
  const base = process.env.DATABASE_URL;
  describe('server template [server]', () => {
    const dir = migrationsPlusOne();
    const name = serverTemplateName(dir);
    afterAll(() => withAdmin(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));

    it('is built by concurrent callers without a clash, under its hash name, with every migration applied', { timeout: 120_000 }, async () => {
      const names = await Promise.all([ensureServerTemplate(base, dir), ensureServerTemplate(base, dir), ensureServerTemplate(base, dir)]);
      expect(new Set(names)).toEqual(new Set([name]));
      const db = await openServerDatabase(withDatabase(base, name), 1);
      try {
        const { rows } = await db.query<{ name: string }>(`SELECT name FROM schema_migrations ORDER BY name DESC LIMIT 1`);
        expect(rows[0]!.name).toBe('9999_template_probe.sql');
        expect((await db.query(`SELECT to_regclass('template_probe') IS NOT NULL AS ok`)).rows[0]).toEqual({ ok: true });
      } finally {
        await db.close();
      }
    });

    it('is cloned into a database that holds its schema', { timeout: 120_000 }, async () => {
      const clone = `cite_test_clone_${process.pid}`;
      await withAdmin(base, (c) => c.query(`CREATE DATABASE ${clone} TEMPLATE ${name}`));
      const client = new pg.Client({ connectionString: withDatabase(base, clone) });
      await client.connect();
      try {
        expect((await client.query(`SELECT count(*)::int AS n FROM template_probe`)).rows[0]).toEqual({ n: 0 });
      } finally {
        await client.end();
        await withAdmin(base, (c) => c.query(`DROP DATABASE IF EXISTS ${clone} WITH (FORCE)`));
      }
    });
  });
}
