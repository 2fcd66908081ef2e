/**
 * Turns validated search filters (and the caller's collection restriction) into SQL predicates over
 * `d` (documents) and `c` (chunks). Every filter value goes in as a bind parameter; keys are checked by the
 * schema and only ever travel inside JSON values, never into the SQL text. The caller's collections (its
 * key's, never the request's) are written into the text as integers: they shape the plan as much as the
 * depths do, and a key's searches then keep one text and one plan (search-service.ts).
 */
import type { ResolvedSearchFilters } from './search-schema.js';

/** Collects bind parameters and hands out their `$n` placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Known service-public audiences, as written in the fiches' <Audience> elements. */
const AUDIENCES: Record<string, string> = {
  particuliers: 'Particuliers',
  professionnels: 'Professionnels',
  entreprises: 'Professionnels',
  associations: 'Associations',
};

function audienceValues(audience: string | string[]): string[] {
  const list = Array.isArray(audience) ? audience : [audience];
  const out = new Set<string>();
  for (const a of list) {
    out.add(a);
    const known = AUDIENCES[a.trim().toLowerCase()];
    if (known) out.add(known);
  }
  return [...out];
}

/** Collection ids as an array literal (`'{3,7}'`): ids only ever, anything else is refused. */
export function collectionsLiteral(ids: readonly number[]): string {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new RangeError(`a collection id must be an integer, not ${String(id)}`);
  return `'{${ids.join(',')}}'`;
}

/** What filterPredicates makes of a search's filters. */
export interface SearchPredicates {
  /**
   * The collection lists the search is limited to, as SQL (`…::bigint[]` makes them arrays): the key's
   * (a literal), then the filter's (a placeholder). Each is also the first predicates' (`all`); the
   * lexical branch reads postings through them, which carry their collection.
   */
  scopes: string[];
  /** Every predicate, ANDed: the collection scopes', then the other filters'. */
  all: string[];
}

/**
 * Predicates (ANDed) restricting which chunks a branch may return. `allowedCollections` comes from
 * the API key, never from the request: null = every collection, [] = none.
 */
export function filterPredicates(
  filters: ResolvedSearchFilters | undefined,
  allowedCollections: readonly number[] | null,
  p: SqlParams,
): SearchPredicates {
  const scopes = [
    ...(allowedCollections ? [collectionsLiteral(allowedCollections)] : []),
    ...(filters?.collections ? [p.add(filters.collections)] : []),
  ];
  const where = scopes.map((s) => `d.collection_id = ANY(${s}::bigint[])`);
  if (!filters) return { scopes, all: where };
  if (filters.sources) where.push(`d.source_id = ANY(${p.add(filters.sources)}::bigint[])`);
  if (filters.documents) where.push(`c.document_id = ANY(${p.add(filters.documents)}::bigint[])`);
  if (filters.metadata) {
    for (const [key, cond] of Object.entries(filters.metadata)) {
      // Containment (@>) uses the documents' GIN index; "in" is containment of any of the values.
      const values = typeof cond === 'object' && cond !== null ? cond.in : [cond];
      const docs = values.map((v) => JSON.stringify({ [key]: v }));
      // an array-valued metadata field matches when it holds the value
      const inArrays = values.map((v) => JSON.stringify({ [key]: [v] }));
      where.push(`d.metadata @> ANY(${p.add([...docs, ...inArrays])}::jsonb[])`);
    }
  }
  if (filters.updated_after) where.push(`coalesce(d.modified_at, d.updated_at) >= ${p.add(filters.updated_after)}::timestamptz`);
  if (filters.updated_before) where.push(`coalesce(d.modified_at, d.updated_at) < ${p.add(filters.updated_before)}::timestamptz`);
  if (filters.audience) {
    const docs = audienceValues(filters.audience).map((a) => JSON.stringify({ audiences: [a] }));
    where.push(`d.metadata @> ANY(${p.add(docs)}::jsonb[])`);
  }
  if (filters.in_force === true) where.push(`NOT (d.metadata @> '{"in_force": false}'::jsonb)`);
  if (filters.in_force === false) where.push(`d.metadata @> '{"in_force": false}'::jsonb`);
  return { scopes, all: where };
}
