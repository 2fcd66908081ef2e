/** SQL of dila_imports: the LEGI and KALI dumps applied to each source (migration 0230), DILA sources of the CLI, and the articles a narrowed filter leaves out. */
import type { Queryable } from '@cite/core/db/database.js';
import type { DilaBase } from './dila-article.js';
import type { DilaFilter } from './dila-import.js';

export interface DilaImportRow {
  sourceId: number;
  base: DilaBase;
  dumpType: 'full' | 'increment';
  archive: string;
  dumpedAt: Date;
  runId: number | null;
  articles: number;
  removed: number;
  failed: number;
}

export interface AppliedDump {
  archive: string;
  base: DilaBase;
  dumpType: 'full' | 'increment';
  dumpedAt: Date;
  appliedAt: Date;
}

/** The last dump of `base` applied to the source (the latest dumped_at), or null. */
export async function lastAppliedDump(db: Queryable, sourceId: number, base: DilaBase): Promise<AppliedDump | null> {
  const { rows } = await db.query<{ archive: string; base: DilaBase; dump_type: 'full' | 'increment'; dumped_at: Date | string; applied_at: Date | string }>(
    `SELECT archive, base, dump_type, dumped_at, applied_at FROM dila_imports
      WHERE source_id = $1 AND base = $2 ORDER BY dumped_at DESC, id DESC LIMIT 1`,
    [sourceId, base],
  );
  const r = rows[0];
  return r ? { archive: r.archive, base: r.base, dumpType: r.dump_type, dumpedAt: new Date(r.dumped_at), appliedAt: new Date(r.applied_at) } : null;
}

/** True when an archive of this name was applied to the source. */
export async function wasApplied(db: Queryable, sourceId: number, archive: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM dila_imports WHERE source_id = $1 AND archive = $2 LIMIT 1`, [sourceId, archive]);
  return rows.length > 0;
}

export async function recordAppliedDump(db: Queryable, row: DilaImportRow): Promise<void> {
  await db.query(
    `INSERT INTO dila_imports (source_id, base, dump_type, archive, dumped_at, run_id, articles, removed, failed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [row.sourceId, row.base, row.dumpType, row.archive, row.dumpedAt.toISOString(), row.runId, row.articles, row.removed, row.failed],
  );
}

export const CLI_DILA_SOURCE_NAME = 'cite ingest (LEGI/KALI)';

/** The `dila` source `cite ingest` applies dumps to in a collection, created when missing: it records the increments applied. */
export async function cliDilaSource(db: Queryable, collectionId: number): Promise<number> {
  const found = await db.query<{ id: number }>(
    `SELECT id FROM sources WHERE collection_id = $1 AND name = $2 AND kind = 'dila' AND deleted_at IS NULL ORDER BY id LIMIT 1`,
    [collectionId, CLI_DILA_SOURCE_NAME],
  );
  if (found.rows[0]) return Number(found.rows[0].id);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sources (collection_id, name, kind, config) VALUES ($1, $2, 'dila', '{}') RETURNING id`,
    [collectionId, CLI_DILA_SOURCE_NAME],
  );
  return Number(rows[0]!.id);
}

/**
 * Up to `limit` active documents of a source that the filter no longer selects: the SQL twin of
 * matchesFilter (dila-import.ts), on the fields every article's metadata carries. Empty filter = none.
 */
export async function documentsOutsideFilter(db: Queryable, sourceId: number, f: DilaFilter, limit: number): Promise<number[]> {
  if (!f.texts.length && !f.natures.length && !f.idcc.length) return [];
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM documents
      WHERE source_id = $1 AND status = 'active' AND NOT (
        coalesce(metadata->>'text_id' = ANY($2::text[]), false)
        OR coalesce(metadata->>'agreement_id' = ANY($2::text[]), false)
        OR coalesce(metadata->>'base' = 'LEGI' AND upper(metadata->>'text_nature') = ANY($3::text[]), false)
        OR coalesce(ltrim(metadata->>'idcc', '0') = ANY($4::text[]), false))
      ORDER BY id LIMIT $5`,
    [sourceId, f.texts, f.natures.map((n) => n.toUpperCase()), f.idcc.map((i) => i.replace(/^0+/, '')), limit],
  );
  return rows.map((r) => Number(r.id));
}
