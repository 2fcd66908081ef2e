import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CiteError } from '../errors.js';
import type { Database } from './database.js';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../migrations');

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_-]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Refuses to go on when an applied migration was edited or removed: the schema would no longer match the files. */
function checkApplied(files: MigrationFile[], applied: Map<string, string>): void {
  const byName = new Map(files.map((f) => [f.name, f]));
  const last = files.at(-1)?.name ?? '';
  for (const [name, checksum] of applied) {
    const file = byName.get(name);
    if (!file && name > last) {
      // the usual way here: an older release started against a database a newer one has migrated
      throw new CiteError(
        'MIGRATION_MISSING',
        `Migration ${name} is applied to the database but unknown to this version of Cité, whose last is ${last}: ` +
          'a newer version migrated this database; run that version (or restore a backup taken before it).',
      );
    }
    if (!file) {
      throw new CiteError(
        'MIGRATION_MISSING',
        `Migration ${name} is applied to the database but its file is missing from migrations/.`,
      );
    }
    if (file.checksum !== checksum) {
      throw new CiteError(
        'MIGRATION_EDITED',
        `Migration ${name} was edited after it was applied (checksum differs). Applied migrations must never change: ` +
          'restore the original file and put the change in a new numbered migration.',
      );
    }
  }
}

/** Applies pending migrations in order, each in its own transaction. Returns the names applied. */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(LEDGER);
  const files = readMigrations(dir);
  const done: string[] = [];
  // Serialise concurrent migrators (several engine replicas starting at once) on the server.
  const lockKey = 0x43495445; // "CITE"
  if (db.mode === 'server') await db.query('SELECT pg_advisory_lock($1)', [lockKey]);
  try {
    const applied = await appliedMigrations(db);
    checkApplied(files, applied);
    for (const file of files) {
      if (applied.has(file.name)) continue;
      try {
        await db.transaction(async (tx) => {
          for (const statement of splitSql(file.sql)) await tx.query(statement);
          await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
        });
      } catch (e) {
        // PostgreSQL's error alone ("relation documents already exists") names neither the file nor what is left
        throw new CiteError(
          'MIGRATION_FAILED',
          `Migration ${file.name} failed and was rolled back (those before it stay applied): ${(e as Error).message}`,
          { cause: e },
        );
      }
      done.push(file.name);
    }
  } finally {
    if (db.mode === 'server') await db.query('SELECT pg_advisory_unlock($1)', [lockKey]);
  }
  return done;
}

async function appliedMigrations(db: Database): Promise<Map<string, string>> {
  const { rows } = await db.query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM schema_migrations ORDER BY name',
  );
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

/** For /readyz: true when every migration file is applied and unchanged. */
export async function migrationsUpToDate(db: Database, dir = MIGRATIONS_DIR): Promise<boolean> {
  try {
    const applied = await appliedMigrations(db);
    const files = readMigrations(dir);
    return files.every((f) => applied.get(f.name) === f.checksum);
  } catch {
    return false;
  }
}

/**
 * Splits a migration into statements on top-level semicolons, leaving dollar-quoted bodies,
 * quoted strings and comments intact (DO $$ … $$ blocks contain semicolons).
 */
export function splitSql(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const rest = sql.slice(i);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      cur += '\n';
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end === -1 ? sql.length : end + tag.length;
      cur += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      cur += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += ch;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
