/**
 * Synonyms in the answers' relevance gate: a question's word is covered by a passage that holds it or
 * one of its synonyms (every word of a multi-word one). The gate itself is unchanged: the evidence it
 * reads gets, for each question lexeme, the impact of its best alternative where the passage lacks the
 * lexeme itself (a multi-word alternative counts its words' mean impact). How rare the question's word is
 * (its weight) stays the index's count of the word itself.
 */
import type { Queryable } from '@cite/core/db/database.js';
import type { QueryEvidence } from '../term-evidence.js';
import { alternativesByLexeme, type QueryExpansion } from './synonym-expansion.js';
import { expandSearchQuery } from './synonym-store.js';
import { lexemeImpacts } from './synonyms-repo.js';

/** Pure: the evidence with alternatives' impacts filled in where the passage lacks the question's lexeme. */
export function coverThroughSynonyms(
  evidence: QueryEvidence,
  expansion: QueryExpansion,
  impacts: ReadonlyMap<string, Readonly<Record<string, number>>>,
  chunkIds: readonly (string | number)[],
): QueryEvidence {
  const alternatives = alternativesByLexeme(expansion);
  const terms = evidence.terms.map((t) => {
    const groups = alternatives.get(t.lexeme);
    if (!groups) return t;
    const covered: Record<string, number> = { ...t.impacts };
    for (const id of chunkIds.map(String)) {
      if (covered[id] !== undefined) continue;
      let best: number | undefined;
      for (const g of groups) {
        const each = g.map((l) => impacts.get(l)?.[id]);
        if (each.some((x) => x === undefined)) continue;
        const mean = (each as number[]).reduce((s, x) => s + x, 0) / each.length;
        best = best === undefined ? mean : Math.max(best, mean);
      }
      if (best !== undefined) covered[id] = best;
    }
    return { ...t, impacts: covered };
  });
  return { ...evidence, terms };
}

/** The gate's evidence, covered through the synonym lists that apply to the question's collections. */
export async function withSynonymCoverage(
  db: Queryable,
  question: string,
  evidence: QueryEvidence,
  chunkIds: readonly (string | number)[],
  collections: readonly number[] | null,
): Promise<QueryEvidence> {
  const expansion = await expandSearchQuery(db, question, collections);
  if (!expansion) return evidence;
  const lexemes = [...new Set(expansion.groups.flatMap((g) => g.lexemes))];
  return coverThroughSynonyms(evidence, expansion, await lexemeImpacts(db, lexemes, chunkIds), chunkIds);
}
