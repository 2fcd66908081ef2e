/**
 * Who sees and changes what in evaluation (issue 21). The rule:
 * - a key with access to every collection (collections null) sees every set, question, run and result;
 * - a key limited to some collections sees only the sets it owns, and of their runs only those whose
 *   recorded collections lie within its own (a run searches and answers within the collections of the
 *   key that started it, so such a run's results quote nothing the key may not read);
 * - a set is changed or deleted (questions included) by its owner or an admin; a run is cancelled or
 *   deleted by the key that started it, the owner of its set, or an admin.
 * What a key may not see answers 404, as if it did not exist; what it sees but may not change, 403.
 */
import { visibleWithin } from '../answers/answers-repo.js';
import type { Caller } from '@cite/core/auth/roles.js';
import type { Queryable } from '@cite/core/db/database.js';
import { CiteError, notFound } from '@cite/core/errors.js';
import { getRun, type EvalRunRow } from './eval-runs-repo.js';
import { getItem, getSet, type EvalItemRow, type EvalSetRow } from './eval-sets-repo.js';

export interface EvalScope {
  keyId: number;
  /** Collection ids the key may read; null = all. */
  collections: number[] | null;
  admin: boolean;
}

export function evalScope(caller: Caller): EvalScope {
  return { keyId: caller.keyId, collections: caller.collections, admin: caller.role === 'admin' };
}

export function canSeeSet(set: Pick<EvalSetRow, 'owner_id'>, scope: EvalScope): boolean {
  return scope.collections === null || set.owner_id === scope.keyId;
}

export function canChangeSet(set: Pick<EvalSetRow, 'owner_id'>, scope: EvalScope): boolean {
  return canSeeSet(set, scope) && (scope.admin || set.owner_id === scope.keyId);
}

export function canSeeRun(run: Pick<EvalRunRow, 'collections' | 'set_owner_id'>, scope: EvalScope): boolean {
  return scope.collections === null || (run.set_owner_id === scope.keyId && visibleWithin(run, scope.collections));
}

export function canChangeRun(run: Pick<EvalRunRow, 'collections' | 'set_owner_id' | 'created_by'>, scope: EvalScope): boolean {
  return canSeeRun(run, scope) && (scope.admin || run.created_by === scope.keyId || run.set_owner_id === scope.keyId);
}

const setNotFound = (id: number) => notFound('EVAL_SET_NOT_FOUND', `No evaluation set with id ${id}`);

export async function visibleSet(db: Queryable, id: number, scope: EvalScope): Promise<EvalSetRow> {
  const set = await getSet(db, id, scope);
  if (!set || !canSeeSet(set, scope)) throw setNotFound(id);
  return set;
}

export async function changeableSet(db: Queryable, id: number, scope: EvalScope): Promise<EvalSetRow> {
  const set = await visibleSet(db, id, scope);
  if (!canChangeSet(set, scope))
    throw new CiteError('EVAL_SET_NOT_OWNER', `Evaluation set ${id} belongs to another key; only its owner or an admin may change it`, { status: 403 });
  return set;
}

export async function visibleItem(db: Queryable, id: number, scope: EvalScope): Promise<EvalItemRow> {
  const item = await getItem(db, id);
  const set = item && (await getSet(db, item.set_id));
  if (!item || !set || !canSeeSet(set, scope)) throw notFound('EVAL_ITEM_NOT_FOUND', `No evaluation question with id ${id}`);
  return item;
}

/** A question whose set the caller may change. */
export async function changeableItem(db: Queryable, id: number, scope: EvalScope): Promise<EvalItemRow> {
  const item = await visibleItem(db, id, scope);
  await changeableSet(db, item.set_id, scope);
  return item;
}

export async function visibleRun(db: Queryable, id: number, scope: EvalScope): Promise<EvalRunRow> {
  const run = await getRun(db, id);
  if (!run || !canSeeRun(run, scope)) throw notFound('EVAL_RUN_NOT_FOUND', `No evaluation run with id ${id}`);
  return run;
}

export async function changeableRun(db: Queryable, id: number, scope: EvalScope): Promise<EvalRunRow> {
  const run = await visibleRun(db, id, scope);
  if (!canChangeRun(run, scope))
    throw new CiteError('EVAL_RUN_NOT_OWNER', `Evaluation run ${id} was started by another key; only it, the set's owner or an admin may change it`, { status: 403 });
  return run;
}
