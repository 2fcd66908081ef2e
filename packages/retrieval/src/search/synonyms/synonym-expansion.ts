/**
 * Query-time expansion: which synonyms of the lists apply to a query, as groups of lexemes the lexical
 * branch searches beside the query's own. Pure: the query and the lists' terms arrive already analysed
 * as queries are (query-analyser.ts: the index's stems, accents folded, stop words dropped), so "Comités
 * sociaux et économiques" matches the term "comité social et économique" as the index would.
 *
 * - A term matches where its lexemes occur in a row among the query's lexemes.
 * - An alternative counts for a passage only when the passage holds every one of its lexemes (a group:
 *   "comité", "social", "économique" scattered in a passage about something else rarely hold all three).
 * - Equivalent terms are searched below the query's own words (EQUIVALENT_WEIGHT), and a group standing
 *   for a span of the query counts as that span, not as the sum of its own words: "CSE" expanded to four
 *   words must not outweigh the rest of the question, and "CSE" standing for four words of the question
 *   counts as four (times the weight). A mapping's targets replace the matched words (Solr's `a => b`),
 *   so they weigh as the words they replace.
 */

/** A term of a list as the analyser sees it: its lexemes in order. Empty when it holds only stop words. */
export type Lexemes = readonly string[];

export interface AnalysedRule {
  from: Lexemes[];
  /** Mappings only. */
  to: Lexemes[] | null;
}

export interface SynonymGroup {
  lexemes: string[];
  /** Multiplies the group's BM25 score in the lexical branch. */
  weight: number;
  /** The query's lexemes this group is an alternative to. */
  standsFor: string[];
}

export interface QueryExpansion {
  /** The query's lexemes still searched as themselves (a mapping's left terms are replaced). */
  kept: string[];
  /** Alternatives, without repeats. */
  groups: SynonymGroup[];
}

/**
 * Weight of an equivalent term against the query's own words. Measured on cdtn-dev (README, "Synonyms"):
 * full weight let a long form pull passages that only mention it in passing above those about the query.
 */
export const EQUIVALENT_WEIGHT = 0.5;

function occurrences(query: Lexemes, term: Lexemes): number[] {
  const out: number[] = [];
  if (term.length === 0 || term.length > query.length) return out;
  for (let i = 0; i + term.length <= query.length; i++) {
    if (term.every((l, j) => query[i + j] === l)) out.push(i);
  }
  return out;
}

export function expandQuery(query: Lexemes, rules: readonly AnalysedRule[]): QueryExpansion {
  const queryLexemes = new Set(query);
  const groups = new Map<string, SynonymGroup>();
  const replaced = new Set<string>();
  const add = (alt: Lexemes, weight: number, span: Lexemes) => {
    // an alternative the query already holds adds nothing but a second count of the same words
    if (alt.length === 0 || alt.every((l) => queryLexemes.has(l))) return;
    const w = (weight * span.length) / alt.length;
    const key = alt.join(' ');
    const known = groups.get(key);
    if (!known) groups.set(key, { lexemes: [...alt], weight: w, standsFor: [...new Set(span)] });
    else {
      known.weight = Math.max(known.weight, w);
      for (const l of span) if (!known.standsFor.includes(l)) known.standsFor.push(l);
    }
  };
  for (const rule of rules) {
    for (const term of rule.from) {
      if (occurrences(query, term).length === 0) continue;
      if (rule.to) {
        for (const l of term) replaced.add(l);
        for (const target of rule.to) add(target, 1, term);
      } else {
        for (const other of rule.from) if (other !== term) add(other, EQUIVALENT_WEIGHT, term);
      }
    }
  }
  // a replaced word that a target also holds stays searched (Solr keeps it too: `a => a, b`)
  const targets = new Set([...groups.values()].flatMap((g) => g.lexemes));
  const kept = [...new Set(query)].filter((l) => !replaced.has(l) || targets.has(l));
  return { kept, groups: [...groups.values()] };
}

/** The alternatives of each query lexeme (for the answers' relevance gate). */
export function alternativesByLexeme(expansion: QueryExpansion): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const g of expansion.groups) {
    for (const l of g.standsFor) {
      const list = out.get(l) ?? [];
      list.push(g.lexemes);
      out.set(l, list);
    }
  }
  return out;
}
