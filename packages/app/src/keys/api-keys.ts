/** API keys: generation, hashing, authentication. The secret is shown once and stored only as a hash. */
import crypto from 'node:crypto';
import type { Queryable } from '@cite/core/db/database.js';
import { badRequest, CiteError } from '@cite/core/errors.js';
import type { Caller, Role } from '@cite/core/auth/roles.js';
import * as repo from './api-keys-repo.js';
import { keyCacheFor } from './key-cache.js';

const PREFIX = 'cite_';

export function hashKey(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

export interface CreatedKey {
  key: string;
  row: repo.ApiKeyRow;
}

/**
 * What a new key may be given: an expiry still ahead (a key born expired is refused, not created dead), and
 * collections that exist (an id given in advance would open a collection created later under that id).
 * Throws KEY_EXPIRY_IN_PAST or KEY_COLLECTIONS_NOT_FOUND (400), the latter naming the missing ids.
 */
export async function checkNewKey(db: Queryable, input: { collections?: number[] | null; expiresAt?: string | null }, now = Date.now()): Promise<void> {
  if (input.expiresAt != null) {
    const at = new Date(input.expiresAt).getTime();
    if (Number.isNaN(at)) throw badRequest('KEY_EXPIRY_INVALID', `expires_at is not a date: ${input.expiresAt}`);
    if (at <= now) throw badRequest('KEY_EXPIRY_IN_PAST', `expires_at (${input.expiresAt}) is not in the future: the key would be born expired`);
  }
  const ids = [...new Set(input.collections ?? [])];
  if (ids.length) {
    const missing = await repo.missingCollections(db, ids);
    if (missing.length) {
      throw badRequest('KEY_COLLECTIONS_NOT_FOUND', `No collection with id ${missing.join(', ')}: a key can only be given existing collections`, {
        missing,
      });
    }
  }
}

export async function createKey(
  db: Queryable,
  input: { name: string; role: Role; collections?: number[] | null; expiresAt?: string | null; createdBy?: number | null; webSearch?: boolean },
): Promise<CreatedKey> {
  await checkNewKey(db, input);
  const key = PREFIX + crypto.randomBytes(24).toString('base64url');
  const row = await repo.insertKey(db, {
    name: input.name,
    role: input.role,
    keyHash: hashKey(key),
    prefix: key.slice(0, PREFIX.length + 6),
    // each collection once, in order: the key's list is shown and compared as a set
    collections: input.collections ? [...new Set(input.collections)].sort((a, b) => a - b) : null,
    expiresAt: input.expiresAt ?? null,
    createdBy: input.createdBy ?? null,
    webSearch: input.webSearch ?? false,
  });
  return { key, row };
}

/** Why a presented key was refused: recorded in the audit log and metrics, never told in detail to the caller. */
export type KeyRefusal = 'unknown' | 'revoked' | 'expired' | 'malformed';

export async function authenticate(
  db: Queryable,
  secret: string,
): Promise<{ ok: true; caller: Caller } | { ok: false; reason: KeyRefusal; keyId?: number }> {
  if (!secret.startsWith(PREFIX) || secret.length > 200) return { ok: false, reason: 'malformed' };
  const hash = hashKey(secret);
  const row = await (keyCacheFor(db)?.findByHash(db, hash) ?? repo.findByHash(db, hash));
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked', keyId: row.id };
  if (row.expires_at && new Date(row.expires_at).getTime() <= Date.now()) return { ok: false, reason: 'expired', keyId: row.id };
  return {
    ok: true,
    caller: { keyId: row.id, name: row.name, role: row.role, collections: row.collections, webSearch: row.web_search },
  };
}

/** last_used_at is kept to the minute (the UPDATE itself only writes a minute after the last write). */
const TOUCH_INTERVAL_MS = 60_000;
const lastTouched = new WeakMap<Queryable, Map<number, number>>();

/**
 * Records that a key was used. The database throttles writes to one a minute, but asking it still costs a
 * round trip and a pooled connection on every request; this process asks at most once a minute per key.
 */
export function noteKeyUsed(db: Queryable, keyId: number, now = Date.now()): Promise<void> {
  let touched = lastTouched.get(db);
  if (!touched) lastTouched.set(db, (touched = new Map()));
  const last = touched.get(keyId);
  if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return Promise.resolve();
  touched.set(keyId, now);
  return repo.touchLastUsed(db, keyId).catch((e) => {
    touched.delete(keyId); // try again on the next request
    throw e;
  });
}

/** On an empty database, creates the bootstrap admin key. Returns the secret, or undefined when keys exist. */
export async function ensureBootstrapKey(db: Queryable): Promise<string | undefined> {
  if ((await repo.countKeys(db)) > 0) return undefined;
  const { key } = await createKey(db, { name: 'bootstrap-admin', role: 'admin' });
  return key;
}

export async function revoke(db: Queryable, id: number): Promise<repo.ApiKeyRow> {
  const row = await repo.revokeKey(db, id);
  if (!row) throw new CiteError('API_KEY_NOT_FOUND', `No API key with id ${id}`, { status: 404 });
  return row;
}
