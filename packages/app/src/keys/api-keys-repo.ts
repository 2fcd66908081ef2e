/** SQL of the api_keys table. */
import { namedStatement, type Queryable } from '@cite/core/db/database.js';
import type { Role } from '@cite/core/auth/roles.js';

export interface ApiKeyRow {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  collections: number[] | null;
  created_at: string;
  created_by: number | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  /** May ask for internet search (`"web": true`). */
  web_search: boolean;
}

const COLUMNS = `id, name, role, prefix, collections, created_at, created_by, expires_at, revoked_at, last_used_at, web_search`;

export async function insertKey(
  db: Queryable,
  k: { name: string; role: Role; keyHash: string; prefix: string; collections: number[] | null; expiresAt: string | null; createdBy: number | null; webSearch?: boolean },
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (name, role, key_hash, prefix, collections, expires_at, created_by, web_search)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [k.name, k.role, k.keyHash, k.prefix, k.collections, k.expiresAt, k.createdBy, k.webSearch ?? false],
  );
  return rows[0]!;
}

// every authenticated request runs it: planned once per connection
const BY_HASH_SQL = namedStatement('api_key_by_hash', `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`);

export async function findByHash(db: Queryable, keyHash: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(BY_HASH_SQL, [keyHash]);
  return rows[0];
}

export async function findById(db: Queryable, id: number): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return rows[0];
}

/** Those of `ids` that name no collection, in the given order. */
export async function missingCollections(db: Queryable, ids: number[]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM collections WHERE id = ANY($1::bigint[])`, [ids]);
  const found = new Set(rows.map((r) => Number(r.id)));
  return ids.filter((id) => !found.has(id));
}

export async function countKeys(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_keys`);
  return rows[0]!.n;
}

export async function listKeys(
  db: Queryable,
  /** within: only keys limited to a subset of these collections (a limited admin's view); null/undefined = all. */
  opts: { limit: number; offset: number; sort: string; order: 'ASC' | 'DESC'; activeOnly?: boolean; within?: number[] | null },
): Promise<{ rows: ApiKeyRow[]; total: number }> {
  const conds = opts.activeOnly ? [`revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`] : [];
  const params: unknown[] = [];
  if (opts.within) {
    params.push(opts.within);
    conds.push(`collections IS NOT NULL AND collections <@ $${params.length}::bigint[]`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const [{ rows }, total] = await Promise.all([
    db.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys ${where} ORDER BY ${opts.sort} ${opts.order}, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, opts.limit, opts.offset],
    ),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_keys ${where}`, params),
  ]);
  return { rows, total: total.rows[0]!.n };
}

export async function revokeKey(db: Queryable, id: number): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0];
}

/** Throttled: at most one write per key per minute, so hot keys do not write on every request. */
export async function touchLastUsed(db: Queryable, id: number): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}

/** The role and collections of a person's key follow what an admin gives the person (users-service.ts). */
export async function setKeyGrant(db: Queryable, id: number, g: { role: Role; collections: number[] | null }): Promise<void> {
  await db.query(`UPDATE api_keys SET role = $2, collections = $3 WHERE id = $1`, [id, g.role, g.collections]);
}
