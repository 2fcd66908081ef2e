/**
 * The synonym lists as searches use them: parsed and analysed once, cached per database handle, and
 * applied to a query's scope (the global lists plus those of the collections searched).
 *
 * Changes take effect without re-indexing: lists are applied at query time. The engine that writes a list
 * forgets its cache at once; every other replica (engines share nothing but PostgreSQL) compares a stamp
 * of the table (row count and latest updated_at, one index-free read of a small table) at most once per
 * CHECK_MS, so a change reaches every replica within that time. A search without any list costs no
 * extra round trip; a search with lists costs one (the query analysed by the index's analyser).
 */
import type { Queryable } from '@cite/core/db/database.js';
import { expandQuery, type AnalysedRule, type QueryExpansion } from './synonym-expansion.js';
import { parseSynonyms } from './synonym-syntax.js';
import { analyseTexts, enabledSynonymLists, synonymListsStamp } from './synonyms-repo.js';

const CHECK_MS = 1000;

interface LoadedList {
  collectionId: number | null;
  rules: AnalysedRule[];
}

interface Cache {
  stamp: string;
  checkedAt: number;
  lists: LoadedList[];
}

const caches = new WeakMap<object, Cache>();

/** After a write on this engine: the next search re-reads the lists. */
export function forgetSynonyms(db: Queryable): void {
  caches.delete(db);
}

async function load(db: Queryable, stamp: string): Promise<Cache> {
  const rows = await enabledSynonymLists(db);
  // a stored list was validated when written; a line that no longer parses is skipped, not fatal to search
  const parsed = rows.map((r) => ({ collectionId: r.collection_id, rules: parseSynonyms(r.content).rules }));
  const texts = [...new Set(parsed.flatMap((l) => l.rules.flatMap((r) => [...r.from, ...(r.to ?? [])])))];
  const analysed = await analyseTexts(db, texts);
  const lexemes = new Map(texts.map((t, i) => [t, analysed[i]!]));
  const lists = parsed.map((l) => ({
    collectionId: l.collectionId,
    rules: l.rules.map((r) => ({ from: r.from.map((t) => lexemes.get(t)!), to: r.to ? r.to.map((t) => lexemes.get(t)!) : null })),
  }));
  return { stamp, checkedAt: Date.now(), lists };
}

async function current(db: Queryable): Promise<Cache> {
  const cached = caches.get(db);
  if (cached && Date.now() - cached.checkedAt < CHECK_MS) return cached;
  const stamp = await synonymListsStamp(db);
  if (cached && cached.stamp === stamp) {
    cached.checkedAt = Date.now();
    return cached;
  }
  const fresh = await load(db, stamp);
  caches.set(db, fresh);
  return fresh;
}

/**
 * The rules that apply to a search over `collections` (null = every collection: every list applies):
 * the global lists, then those of the collections searched.
 */
export async function synonymRules(db: Queryable, collections: readonly number[] | null): Promise<AnalysedRule[]> {
  const { lists } = await current(db);
  return lists
    .filter((l) => l.collectionId === null || collections === null || collections.includes(l.collectionId))
    .flatMap((l) => l.rules);
}

/** The query's expansion, or null when no synonym applies (the search then runs as without lists). */
export async function expandSearchQuery(db: Queryable, query: string, collections: readonly number[] | null): Promise<QueryExpansion | null> {
  const rules = await synonymRules(db, collections);
  if (rules.length === 0) return null;
  const [lexemes] = await analyseTexts(db, [query]);
  const expansion = expandQuery(lexemes ?? [], rules);
  return expansion.groups.length ? expansion : null;
}
