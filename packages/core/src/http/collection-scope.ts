/**
 * What an admin key limited to some collections may administer (issue 21): its collections, and
 * nothing else. One helper for every /admin/api route (evaluation has its own rules, eval-access.ts).
 * - lists show only records within the key's collections (sources, crawl runs, documents, chunks,
 *   answers, feedback, keys, audit entries, dashboard figures);
 * - reading or changing a record of another collection answers 404, as if it did not exist;
 * - writing into another collection (a source, an upload, by id or by name) answers 403 COLLECTION_FORBIDDEN;
 * - a limited key never creates collections: only an unrestricted key does (a name that does not exist
 *   yet is refused like another collection's, so the answer does not tell which names exist);
 * - the keys it sees are those limited to a subset of its collections (itself included); it creates only
 *   keys no wider than itself: role at most its own, collections a subset of its own (403 KEY_WIDER_THAN_CALLER);
 * - what spans every collection (the audit log of other keys, retention purge, the outbound policy with
 *   every source's site) is for unrestricted admins (403 UNRESTRICTED_ONLY for actions and policy views).
 * A key with collections null reaches everything.
 */
import type { Caller, Role } from '../auth/roles.js';
import { roleAtLeast } from '../auth/roles.js';
import type { Queryable } from '../db/database.js';
import { CiteError } from '../errors.js';

export type Scope = Pick<Caller, 'role' | 'collections'>;

export const isUnrestricted = (caller: Scope): boolean => caller.collections === null;

/** Whether the caller reaches a collection. */
export function reaches(caller: Scope, collectionId: number | string): boolean {
  return caller.collections === null || caller.collections.includes(Number(collectionId));
}

/** Whether every collection of `collections` (null = all) lies within the caller's. */
export function covers(caller: Scope, collections: ReadonlyArray<number | string> | null): boolean {
  if (caller.collections === null) return true;
  return collections !== null && collections.every((id) => reaches(caller, id));
}

/** Reads and changes of a record: another collection's is not found. */
export function requireReach(caller: Scope, collectionId: number | string | null | undefined, notFound: () => CiteError): void {
  if (collectionId === null || collectionId === undefined || !reaches(caller, collectionId)) throw notFound();
}

export function collectionForbidden(caller: Scope, what: string): CiteError {
  return new CiteError(
    'COLLECTION_FORBIDDEN',
    `This key may only write into its own collections (${(caller.collections ?? []).join(', ')}), and never creates one: ${what}`,
    { status: 403 },
  );
}

/** Writes into a collection given by id. */
export function requireWritable(caller: Scope, collectionId: number): void {
  if (!reaches(caller, collectionId)) throw collectionForbidden(caller, `collection ${collectionId} is not one of them`);
}

/**
 * Writes into a collection given by name: an unrestricted key may create it (returns undefined: the caller
 * creates it as before); a limited key only names one of its own (returns its id).
 */
export async function requireWritableByName(db: Queryable, caller: Scope, name: string): Promise<number | undefined> {
  if (isUnrestricted(caller)) return undefined;
  const { rows } = await db.query<{ id: number }>('SELECT id FROM collections WHERE name = $1', [name]);
  const id = rows[0] ? Number(rows[0].id) : undefined;
  if (id === undefined || !reaches(caller, id)) throw collectionForbidden(caller, `"${name}" is not one of them`);
  return id;
}

/** Actions and views that span every collection. */
export function requireUnrestricted(caller: Scope, what: string): void {
  if (!isUnrestricted(caller)) {
    throw new CiteError('UNRESTRICTED_ONLY', `${what} spans every collection: it needs a key not limited to some collections`, { status: 403 });
  }
}

/** A key the caller may see, revoke, export or erase: one limited to a subset of its collections. */
export function seesKey(caller: Scope, key: { collections: ReadonlyArray<number | string> | null }): boolean {
  return covers(caller, key.collections);
}

/** A key may not be created wider than its creator: no higher role, no collection the creator does not reach. */
export function requireKeyWithin(caller: Scope, key: { role: Role; collections: number[] | null }): void {
  if (!roleAtLeast(caller.role, key.role)) {
    throw new CiteError('KEY_WIDER_THAN_CALLER', `A ${caller.role} key cannot create a ${key.role} key`, { status: 403 });
  }
  if (!covers(caller, key.collections)) {
    throw new CiteError(
      'KEY_WIDER_THAN_CALLER',
      key.collections === null
        ? `This key is limited to collections ${caller.collections!.join(', ')}: the new key must be limited to some of them too`
        : `The new key's collections must be among this key's (${caller.collections!.join(', ')})`,
      { status: 403 },
    );
  }
}
