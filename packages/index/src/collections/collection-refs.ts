/**
 * Collections named by their users: by name (`travail`) or by id (`3`). Search filters, answers and the
 * CLI (`--collection`) resolve what they are given here, so every entry point accepts both and refuses a
 * collection that does not exist the same way, naming it.
 *
 * A key limited to some collections resolves only within them: another collection's name or id is
 * "not found" exactly like a name nobody used, so the answer does not tell which collections exist.
 */
import type { Queryable } from '@cite/core/db/database.js';
import { badRequest } from '@cite/core/errors.js';

/** A collection as a user names it: its id, or its name (a string of digits is a name first, then an id). */
export type CollectionRef = number | string;

interface CollectionRow {
  id: number | string;
  name: string;
}

/** Most names listed in the error message: enough to spot a typo, not a dump of the table. */
const LISTED = 20;

async function collectionsMatching(db: Queryable, ids: number[], names: string[]): Promise<CollectionRow[]> {
  const { rows } = await db.query<CollectionRow>(
    'SELECT id, name FROM collections WHERE id = ANY($1::bigint[]) OR name = ANY($2::text[])',
    [ids, names],
  );
  return rows;
}

async function collectionNames(db: Queryable, within: readonly number[] | null): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM collections ${within ? 'WHERE id = ANY($1::bigint[])' : ''} ORDER BY name LIMIT ${LISTED + 1}`,
    within ? [within] : [],
  );
  return rows.map((r) => r.name);
}

const asId = (ref: CollectionRef): number | undefined => {
  const n = typeof ref === 'number' ? ref : /^\d{1,15}$/.test(ref.trim()) ? Number(ref.trim()) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

const idIfFound = (id: number | undefined, found: ReadonlySet<number>) => (id !== undefined && found.has(id) ? id : undefined);

/**
 * The ids of `refs`, in order, without repeats. `within`: the collections the caller may read (null = all).
 * Throws COLLECTION_NOT_FOUND (400) naming every reference that matches no reachable collection.
 */
export async function resolveCollectionRefs(
  db: Queryable,
  refs: readonly CollectionRef[],
  within: readonly number[] | null,
  what = 'collection',
): Promise<number[]> {
  const names = refs.filter((r): r is string => typeof r === 'string').map((r) => r.trim());
  const ids = refs.map(asId).filter((n): n is number => n !== undefined);
  const rows = await collectionsMatching(db, ids, names);
  const reachable = (id: number) => within === null || within.includes(id);
  const byName = new Map(rows.filter((r) => reachable(Number(r.id))).map((r) => [r.name, Number(r.id)]));
  const byId = new Set(rows.map((r) => Number(r.id)).filter(reachable));
  const resolved: number[] = [];
  const missing: CollectionRef[] = [];
  for (const ref of refs) {
    const id = (typeof ref === 'string' ? byName.get(ref.trim()) : undefined) ?? idIfFound(asId(ref), byId);
    if (id === undefined) missing.push(ref);
    else if (!resolved.includes(id)) resolved.push(id);
  }
  if (missing.length) {
    const known = await collectionNames(db, within);
    const list = known.length ? `existing: ${known.slice(0, LISTED).join(', ')}${known.length > LISTED ? ', …' : ''}` : 'there is no collection yet';
    const shown = missing.map((r) => (typeof r === 'string' ? `"${r}"` : String(r))).join(', ');
    throw badRequest('COLLECTION_NOT_FOUND', `${what}: no collection ${shown} (a collection is given by its name or its id; ${list})`, { missing });
  }
  return resolved;
}
