/** SQL of the users table: people who sign in with OpenID Connect. */
import type { Queryable } from '@cite/core/db/database.js';
import type { Role } from '@cite/core/auth/roles.js';

export interface UserRow {
  id: number;
  issuer: string;
  sub: string;
  email: string;
  name: string;
  role: Role;
  collections: number[] | null;
  api_key_id: number;
  disabled_at: string | null;
  created_at: string;
  last_sign_in_at: string | null;
}

const COLUMNS = `id::int AS id, issuer, sub, email, name, role, collections, api_key_id::int AS api_key_id, disabled_at, created_at, last_sign_in_at`;

export async function findByIdentity(db: Queryable, issuer: string, sub: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE issuer = $1 AND sub = $2`, [issuer, sub]);
  return rows[0];
}

export async function findUser(db: Queryable, id: number): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0];
}

export async function insertUser(
  db: Queryable,
  u: { issuer: string; sub: string; email: string; name: string; role: Role; collections: number[] | null; apiKeyId: number },
): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (issuer, sub, email, name, role, collections, api_key_id, last_sign_in_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING ${COLUMNS}`,
    [u.issuer, u.sub, u.email, u.name, u.role, u.collections, u.apiKeyId],
  );
  return rows[0]!;
}

/** A returning person: e-mail and name as the provider says today, and the time of this sign-in. */
export async function recordSignIn(db: Queryable, id: number, u: { email: string; name: string }): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET email = $2, name = $3, last_sign_in_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, u.email, u.name],
  );
  return rows[0]!;
}

export async function updateGrant(
  db: Queryable,
  id: number,
  g: { role: Role; collections: number[] | null; disabled: boolean },
): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET role = $2, collections = $3,
       disabled_at = CASE WHEN $4::boolean THEN coalesce(disabled_at, now()) ELSE NULL END
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, g.role, g.collections, g.disabled],
  );
  return rows[0];
}

export async function listUsers(
  db: Queryable,
  /** within: only people limited to a subset of these collections (a limited admin's view); null = all. */
  opts: { limit: number; offset: number; sort: string; order: 'ASC' | 'DESC'; q?: string; within?: number[] | null },
): Promise<{ rows: UserRow[]; total: number }> {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (opts.within) {
    params.push(opts.within);
    conds.push(`collections IS NOT NULL AND collections <@ $${params.length}::bigint[]`);
  }
  if (opts.q) {
    params.push(`%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    conds.push(`(email ILIKE $${params.length} OR name ILIKE $${params.length})`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const [{ rows }, total] = await Promise.all([
    db.query<UserRow>(
      `SELECT ${COLUMNS} FROM users ${where} ORDER BY ${opts.sort} ${opts.order}, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, opts.limit, opts.offset],
    ),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users ${where}`, params),
  ]);
  return { rows, total: total.rows[0]!.n };
}
