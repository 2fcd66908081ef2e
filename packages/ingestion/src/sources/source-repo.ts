/** SQL for sources (one file per table family). Every statement is parameterised. */
import type { Queryable } from '@cite/core/db/database.js';
import { badRequest, CiteError, notFound } from '@cite/core/errors.js';
import { markSourceDocumentsDeleted } from '@cite/index/documents-repo.js';
import { refuseWebCollection } from '@cite/index/collections/web-collection.js';
import {
  nextCronRun,
  SOURCE_SORTABLE,
  type SourceConfig,
  type SourceCreate,
  type SourceFilter,
  type SourceKind,
  type SourceRecord,
  type SourceUpdate,
} from './source-schema.js';

interface SourceRow {
  id: number;
  collection_id: number;
  collection: string;
  name: string;
  kind: SourceKind;
  config: Partial<SourceConfig>;
  schedule: string | null;
  enabled: boolean;
  status: SourceRecord['status'];
  next_run_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  last_run: SourceRecord['last_run'] | null;
}

const iso = (d: Date | string | null | undefined): string | null => (d == null ? null : new Date(d).toISOString());

const SELECT = `
  SELECT s.id, s.collection_id, c.name AS collection, s.name, s.kind, s.config, s.schedule, s.enabled, s.status,
         s.next_run_at, s.created_at, s.updated_at,
         (SELECT json_build_object('id', r.id, 'status', r.status, 'trigger', r.trigger, 'indexed', r.indexed,
                                   'failed', r.failed, 'started_at', r.started_at, 'finished_at', r.finished_at)
            FROM crawl_runs r WHERE r.source_id = s.id ORDER BY r.id DESC LIMIT 1) AS last_run
    FROM sources s JOIN collections c ON c.id = s.collection_id`;

export function toRecord(row: SourceRow): SourceRecord {
  const cfg = row.config ?? {};
  const lr = row.last_run;
  return {
    id: Number(row.id),
    collection_id: Number(row.collection_id),
    collection: row.collection,
    name: row.name,
    kind: row.kind,
    start_urls: cfg.start_urls ?? [],
    include: cfg.include ?? [],
    exclude: cfg.exclude ?? [],
    max_depth: cfg.max_depth ?? 0,
    max_pages: cfg.max_pages ?? 0,
    rate_per_host: cfg.rate_per_host ?? 1,
    render: cfg.render ?? 'never',
    schedule: row.schedule,
    enabled: row.enabled,
    mask_personal_data: cfg.mask_personal_data ?? false,
    ...(cfg.dila_filter ? { dila_filter: cfg.dila_filter } : {}),
    status: row.status,
    last_run: lr
      ? {
          id: Number(lr.id),
          status: lr.status,
          trigger: lr.trigger,
          indexed: Number(lr.indexed),
          failed: Number(lr.failed),
          started_at: iso(lr.started_at),
          finished_at: iso(lr.finished_at),
        }
      : null,
    next_run_at: iso(row.next_run_at),
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

export function configOf(input: Pick<SourceCreate, keyof SourceConfig>): SourceConfig {
  return {
    start_urls: input.start_urls,
    include: input.include,
    exclude: input.exclude,
    max_depth: input.max_depth,
    max_pages: input.max_pages,
    rate_per_host: input.rate_per_host,
    render: input.render,
    mask_personal_data: input.mask_personal_data,
    ...(input.dila_filter ? { dila_filter: input.dila_filter } : {}),
  };
}

/** Collection id from an id (must exist) or a name (created when missing). */
export async function resolveCollection(db: Queryable, id?: number, name?: string): Promise<number> {
  if (id !== undefined) {
    const { rows } = await db.query<{ id: number; name: string }>('SELECT id, name FROM collections WHERE id = $1', [id]);
    if (!rows[0]) throw badRequest('COLLECTION_NOT_FOUND', `Collection ${id} does not exist`);
    refuseWebCollection(rows[0].name);
    return Number(rows[0].id);
  }
  if (name === undefined) throw badRequest('COLLECTION_REQUIRED', 'collection_id or collection is required');
  refuseWebCollection(name);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [name],
  );
  return Number(rows[0]!.id);
}

export async function insertSource(db: Queryable, input: SourceCreate, collectionId: number): Promise<number> {
  const next = input.schedule && input.enabled ? nextCronRun(input.schedule) : null;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sources (collection_id, name, kind, config, schedule, enabled, next_run_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [collectionId, input.name, input.kind, JSON.stringify(configOf(input)), input.schedule, input.enabled, next],
  );
  return Number(rows[0]!.id);
}

export async function findSource(db: Queryable, id: number): Promise<SourceRecord | null> {
  const { rows } = await db.query<SourceRow>(`${SELECT} WHERE s.id = $1 AND s.deleted_at IS NULL`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function getSource(db: Queryable, id: number): Promise<SourceRecord> {
  const found = await findSource(db, id);
  if (!found) throw notFound('SOURCE_NOT_FOUND', `Source ${id} does not exist`);
  return found;
}

export interface ListArgs {
  sort: string;
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
  filter: SourceFilter;
  /** Only these collections (a limited admin's view); null/undefined = all. */
  collections?: number[] | null;
}

export async function listSources(db: Queryable, args: ListArgs): Promise<{ rows: SourceRecord[]; total: number }> {
  const where = ['s.deleted_at IS NULL'];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  const f = args.filter;
  if (f.id !== undefined) add('s.id = ANY(?::bigint[])', Array.isArray(f.id) ? f.id : [f.id]);
  if (f.q) add(`(s.name ILIKE ? OR s.config->>'start_urls' ILIKE ?)`, `%${f.q}%`);
  if (f.kind) add('s.kind = ?', f.kind);
  if (f.status) add('s.status = ?', f.status);
  if (f.collection_id !== undefined) add('s.collection_id = ?', f.collection_id);
  if (f.enabled !== undefined) add('s.enabled = ?', f.enabled);
  if (args.collections) add('s.collection_id = ANY(?::bigint[])', args.collections);
  const whereSql = where.join(' AND ');
  const sort = (SOURCE_SORTABLE as readonly string[]).includes(args.sort) ? args.sort : 'id';
  const order = args.order === 'ASC' ? 'ASC' : 'DESC';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sources s WHERE ${whereSql}`, params);
  const { rows } = await db.query<SourceRow>(
    `${SELECT} WHERE ${whereSql} ORDER BY s.${sort} ${order}, s.id ${order} LIMIT ${Number(args.limit)} OFFSET ${Number(args.offset)}`,
    params,
  );
  return { rows: rows.map(toRecord), total: Number(total.rows[0]?.n ?? 0) };
}

export async function updateSourceRow(
  db: Queryable,
  id: number,
  current: SourceRecord,
  patch: SourceUpdate,
  collectionId: number,
): Promise<void> {
  if (patch.kind && patch.kind !== current.kind) {
    throw badRequest('SOURCE_KIND_IMMUTABLE', 'The kind of a source cannot change; create a new source instead');
  }
  const merged = {
    ...current,
    ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
  } as SourceRecord;
  const schedule = patch.schedule === undefined ? current.schedule : patch.schedule;
  const enabled = merged.enabled;
  const scheduleChanged = schedule !== current.schedule || enabled !== current.enabled;
  const next = schedule && enabled ? nextCronRun(schedule) : null;
  await db.query(
    `UPDATE sources SET name = $2, collection_id = $3, config = $4, schedule = $5, enabled = $6,
            next_run_at = CASE WHEN $8 THEN $7::timestamptz ELSE next_run_at END, updated_at = now()
      WHERE id = $1`,
    [id, merged.name, collectionId, JSON.stringify(configOf(merged)), schedule, enabled, next, scheduleChanged],
  );
}

/** Marks a source deleted, cancels its runs and takes its documents out of search. */
export async function markSourceDeleted(db: Queryable, id: number): Promise<{ documents: number }> {
  await db.query(
    `UPDATE sources SET status = 'deleted', enabled = false, deleted_at = now(), next_run_at = NULL, updated_at = now()
      WHERE id = $1`,
    [id],
  );
  await db.query(
    `UPDATE crawl_runs SET status = 'cancelled', finished_at = now(), error = 'source deleted'
      WHERE source_id = $1 AND status IN ('queued', 'running')`,
    [id],
  );
  // through the index's one delete, so each document's chunk_count is 0 like any deleted document's
  return { documents: await markSourceDocumentsDeleted(db, id) };
}

export class SourceBusyError extends CiteError {
  constructor(sourceId: number, runId: number) {
    super('CRAWL_ALREADY_RUNNING', `Source ${sourceId} already has crawl run ${runId} queued or running`, {
      status: 409,
      details: { run_id: runId },
    });
  }
}
