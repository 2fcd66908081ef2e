/** SQL of the sessions and oidc_logins tables: signed-in browsers and sign-ins in progress. */
import type { Queryable } from '@cite/core/db/database.js';
import type { Role } from '@cite/core/auth/roles.js';

export interface SessionPrincipal {
  session_id: number;
  csrf_token: string;
  user_id: number;
  name: string;
  email: string;
  role: Role;
  collections: number[] | null;
  api_key_id: number;
}

export async function insertSession(
  db: Queryable,
  s: { tokenHash: string; userId: number; csrfToken: string; idToken: string | null; expiresAt: Date; ip: string | null },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sessions (token_hash, user_id, csrf_token, id_token, expires_at, ip) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::int AS id`,
    [s.tokenHash, s.userId, s.csrfToken, s.idToken, s.expiresAt.toISOString(), s.ip],
  );
  return rows[0]!.id;
}

/**
 * The person behind a live session: not expired (compared with `now`, given by the caller), not revoked, the
 * person not disabled and their key not revoked (an admin revoking it in the keys screen ends their access too).
 */
export async function findLiveSession(db: Queryable, tokenHash: string, now: Date): Promise<SessionPrincipal | undefined> {
  const { rows } = await db.query<SessionPrincipal>(
    `SELECT s.id::int AS session_id, s.csrf_token, u.id::int AS user_id, u.name, u.email, u.role, u.collections, u.api_key_id::int AS api_key_id
     FROM sessions s JOIN users u ON u.id = s.user_id JOIN api_keys k ON k.id = u.api_key_id
     WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
       AND u.disabled_at IS NULL AND k.revoked_at IS NULL`,
    [tokenHash, now.toISOString()],
  );
  return rows[0];
}

/** Ends a session; returns its ID token (for the provider's end_session_endpoint) when it was live. */
export async function revokeSession(db: Queryable, tokenHash: string): Promise<{ id_token: string | null } | undefined> {
  const { rows } = await db.query<{ id_token: string | null }>(
    `UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id_token`,
    [tokenHash],
  );
  return rows[0];
}

export async function revokeUserSessions(db: Queryable, userId: number): Promise<number> {
  const { rowCount } = await db.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
  return rowCount;
}

/**
 * Sessions ended or expired a day ago, and sign-ins expired, are of no use any more; returns how many of each went.
 * A sign-in goes as soon as it expires (takeLogin refuses it by then): anyone may start one with GET /auth/login,
 * without a key, so a day of grace let a client keep a day of its requests as rows (a loop on loopback: 260 a
 * second, 22 million a day); now they are at most LOGIN_TTL_SECONDS of them.
 */
export async function deleteStale(db: Queryable): Promise<{ sessions: number; logins: number }> {
  const s = await db.query(`DELETE FROM sessions WHERE coalesce(revoked_at, expires_at) < now() - interval '1 day'`);
  const l = await db.query(`DELETE FROM oidc_logins WHERE expires_at < now()`);
  return { sessions: s.rowCount, logins: l.rowCount };
}

export interface PendingLogin {
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
}

export async function insertLogin(db: Queryable, l: PendingLogin & { id: string; expiresAt: Date }): Promise<void> {
  await db.query(
    `INSERT INTO oidc_logins (id, state, nonce, code_verifier, return_to, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [l.id, l.state, l.nonce, l.code_verifier, l.return_to, l.expiresAt.toISOString()],
  );
}

/** Takes a sign-in in progress once: a second callback with the same cookie (a replayed code) finds nothing. */
export async function takeLogin(db: Queryable, id: string): Promise<PendingLogin | undefined> {
  const { rows } = await db.query<PendingLogin>(
    `DELETE FROM oidc_logins WHERE id = $1 AND expires_at > now() RETURNING state, nonce, code_verifier, return_to`,
    [id],
  );
  return rows[0];
}
