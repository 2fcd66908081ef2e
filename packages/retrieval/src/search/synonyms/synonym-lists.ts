/**
 * Writing synonym lists: a list is checked whole before it is stored (every bad line reported at once,
 * SYNONYMS_INVALID), and the engine's cache is forgotten after each write so its next search applies the
 * change (other replicas within a second: synonym-store.ts). Access rules are the caller's (admin routes).
 */
import type { Queryable } from '@cite/core/db/database.js';
import { CiteError, badRequest } from '@cite/core/errors.js';
import { forgetSynonyms } from './synonym-store.js';
import { parseSynonyms, type SynonymLineError } from './synonym-syntax.js';
import { deleteSynonymList, getSynonymList, insertSynonymList, updateSynonymList, type SynonymListRow } from './synonyms-repo.js';

/** Lines named in the message; all of them are in `details.errors`. */
const LISTED_ERRORS = 10;

export function invalidSynonyms(errors: readonly SynonymLineError[]): CiteError {
  const shown = errors.slice(0, LISTED_ERRORS).map((e) => `line ${e.line}: ${e.message}`).join('; ');
  const more = errors.length > LISTED_ERRORS ? `; and ${errors.length - LISTED_ERRORS} more` : '';
  return badRequest('SYNONYMS_INVALID', `The synonym list has ${errors.length} bad line${errors.length > 1 ? 's' : ''}: ${shown}${more}`, { errors });
}

/** Parses the list; throws SYNONYMS_INVALID listing every bad line. Returns the number of rules. */
export function checkSynonyms(content: string): number {
  const { rules, errors } = parseSynonyms(content);
  if (errors.length) throw invalidSynonyms(errors);
  return rules.length;
}

export const synonymListNotFound = (id: number) => new CiteError('SYNONYM_LIST_NOT_FOUND', `No synonym list with id ${id}`, { status: 404 });

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505';
const nameTaken = (name: string, e: unknown) =>
  new CiteError('SYNONYM_LIST_EXISTS', `A synonym list named "${name}" already exists for this collection`, { status: 409, cause: e });

export interface SynonymListInput {
  name: string;
  collection_id: number | null;
  content: string;
  enabled: boolean;
}

export async function createSynonymList(db: Queryable, input: SynonymListInput): Promise<SynonymListRow> {
  checkSynonyms(input.content);
  let id: number;
  try {
    id = await insertSynonymList(db, input);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(input.name, e);
    throw e;
  }
  forgetSynonyms(db);
  return (await getSynonymList(db, id))!;
}

export async function changeSynonymList(db: Queryable, id: number, patch: Partial<SynonymListInput>): Promise<SynonymListRow> {
  if (patch.content !== undefined) checkSynonyms(patch.content);
  try {
    if (!(await updateSynonymList(db, id, patch))) throw synonymListNotFound(id);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(patch.name ?? '', e);
    throw e;
  }
  forgetSynonyms(db);
  return (await getSynonymList(db, id))!;
}

export async function removeSynonymList(db: Queryable, id: number): Promise<void> {
  if (!(await deleteSynonymList(db, id))) throw synonymListNotFound(id);
  forgetSynonyms(db);
}
