/**
 * People who sign in with OpenID Connect: found or created at each sign-in, their role and collections changed
 * by admins. Each person acts through a key of their own (see migration 0220), whose role and collections
 * follow the person's, so rights, ownership of answers, limits and the audit log work as for any key.
 */
import type { Config } from '@cite/core/config/config.js';
import type { Database, Queryable } from '@cite/core/db/database.js';
import { badRequest, CiteError, isCiteError } from '@cite/core/errors.js';
import { resolveCollectionRefs, type CollectionRef } from '@cite/index/collections/collection-refs.js';
import type { Role } from '@cite/core/auth/roles.js';
import { collectionNamesFromClaims, displayName, listOf, roleFromClaims, type Claims } from '../auth/oidc/claims-mapping.js';
import { revokeUserSessions } from '../auth/sessions/sessions-repo.js';
import { createKey } from '../keys/api-keys.js';
import { missingCollections, setKeyGrant } from '../keys/api-keys-repo.js';
import * as repo from './users-repo.js';

/** The ids of the named collections that exist (a claim may name collections this engine does not have). */
async function existingCollectionIds(db: Queryable, names: string[]): Promise<number[]> {
  try {
    return await resolveCollectionRefs(db, names, null);
  } catch (e) {
    if (!isCiteError(e) || e.code !== 'COLLECTION_NOT_FOUND') throw e;
    const missing = new Set((e.details as { missing: CollectionRef[] }).missing);
    const rest = names.filter((n) => !missing.has(n));
    return rest.length ? resolveCollectionRefs(db, rest, null) : [];
  }
}

/**
 * A first sign-in's collections: those the collections claim names, else OIDC_DEFAULT_COLLECTIONS; names of
 * no collection are left out. Named collections none of which exist give an empty list (nothing readable),
 * never every collection.
 */
async function firstCollections(db: Queryable, config: Config, claims: Claims): Promise<number[] | null> {
  const names = collectionNamesFromClaims(claims, config.OIDC_COLLECTIONS_CLAIM) ?? listOf(config.OIDC_DEFAULT_COLLECTIONS);
  if (!names.length) return null;
  return existingCollectionIds(db, names);
}

export interface SignedInUser {
  user: repo.UserRow;
  created: boolean;
}

/** The person these claims name at this issuer: created at a first sign-in, else refreshed (e-mail, name, time). */
export async function signInUser(db: Database, config: Config, issuer: string, claims: Claims & { sub: string }): Promise<SignedInUser> {
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  const name = displayName(claims);
  const found = await repo.findByIdentity(db, issuer, claims.sub);
  if (found) {
    if (found.disabled_at) throw new CiteError('USER_DISABLED', 'This account was disabled by an administrator', { status: 403 });
    return { user: await repo.recordSignIn(db, found.id, { email, name }), created: false };
  }
  const role = roleFromClaims(claims, config.OIDC_ROLE_CLAIM, config.OIDC_DEFAULT_ROLE);
  return db.transaction(async (tx) => {
    const collections = await firstCollections(tx, config, claims);
    // nobody ever holds this key's secret: the person reaches it only through a session
    const { row: key } = await createKey(tx, { name: `${name || email || claims.sub} (OpenID Connect)`, role, collections });
    const user = await repo.insertUser(tx, { issuer, sub: claims.sub, email, name, role, collections, apiKeyId: key.id });
    return { user, created: true };
  });
}

/** An admin changes a person's role, collections, or disables them (which ends their sessions at once). */
export async function updateUser(
  db: Database,
  id: number,
  g: { role: Role; collections: number[] | null; disabled: boolean },
): Promise<{ before: repo.UserRow; after: repo.UserRow }> {
  return db.transaction(async (tx) => {
    const before = await repo.findUser(tx, id);
    if (!before) throw new CiteError('USER_NOT_FOUND', `No user with id ${id}`, { status: 404 });
    const missing = g.collections?.length ? await missingCollections(tx, g.collections) : [];
    if (missing.length) throw badRequest('USER_COLLECTIONS_NOT_FOUND', `No collection with id ${missing.join(', ')}`, { missing });
    const after = (await repo.updateGrant(tx, id, g))!;
    await setKeyGrant(tx, after.api_key_id, { role: after.role, collections: after.collections });
    if (g.disabled && !before.disabled_at) await revokeUserSessions(tx, id);
    return { before, after };
  });
}
