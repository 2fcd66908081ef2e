/**
 * What a stored result needs on top of the shared metric functions (./metrics.ts, the ones `cite eval`
 * uses): the rank of each gold URL in a phrasing's ranking, for the comparison screen. Pure.
 */
import { normaliseUrl, rankDocuments, type GoldDocument } from './metrics.js';

/** The bench's comparison: case-insensitive host, no fragment, no trailing slash. */
export function sameDocument(a: string, b: string): boolean {
  return normaliseUrl(a) === normaliseUrl(b);
}

/** Rank (1-based) of each gold URL found in the ranking (documents once, at their best rank). */
export function goldRanks(ranked: readonly string[], gold: readonly GoldDocument[]): Record<string, number> {
  const docs = rankDocuments(ranked);
  const out: Record<string, number> = {};
  for (const g of gold) {
    const i = docs.indexOf(normaliseUrl(g.url));
    if (i >= 0) out[g.url] = i + 1;
  }
  return out;
}
