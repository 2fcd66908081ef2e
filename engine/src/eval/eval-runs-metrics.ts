/**
 * The one place evaluation runs get their retrieval figures from: a ranking of document URLs scored
 * against graded gold. Runs and `cite eval` must agree to the last digit, so this delegates to the
 * shared metric functions and only adds what a stored result needs (the rank of each gold URL).
 */
import { canonicalUrl, type GoldSource } from './eval-sets-import.js';

export interface ScoredRanking {
  metrics: Record<string, number>;
  /** Rank (1-based) of each gold URL present in the ranking, keyed by the gold URL as given. */
  goldRanks: Record<string, number>;
}

/** The bench's comparison: case-insensitive host, no fragment, no trailing slash. */
export function sameDocument(a: string, b: string): boolean {
  return canonicalUrl(a) === canonicalUrl(b);
}

/** Ranking without repeated documents (a document's rank is that of its first, best, occurrence). */
function dedupe(urls: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const u of urls) {
    const key = canonicalUrl(u);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(u);
  }
  return out;
}

export function scoreRanking(urls: string[], gold: GoldSource[]): ScoredRanking {
  const ranking = dedupe(urls).map(canonicalUrl);
  const grades = new Map<string, number>();
  for (const g of gold) grades.set(canonicalUrl(g.url), Math.max(grades.get(canonicalUrl(g.url)) ?? 0, g.grade));
  const goldRanks: Record<string, number> = {};
  for (const g of gold) {
    const rank = ranking.indexOf(canonicalUrl(g.url));
    if (rank >= 0) goldRanks[g.url] = rank + 1;
  }
  const relevant = [...grades].filter(([, grade]) => grade > 0);
  const gain = (grade: number) => 2 ** grade - 1;
  let dcg = 0;
  ranking.slice(0, 10).forEach((u, i) => {
    const grade = grades.get(u) ?? 0;
    if (grade > 0) dcg += gain(grade) / Math.log2(i + 2);
  });
  const ideal = relevant
    .map(([, grade]) => grade)
    .sort((a, b) => b - a)
    .slice(0, 10)
    .reduce((s, grade, i) => s + gain(grade) / Math.log2(i + 2), 0);
  const foundWithin = (k: number) => ranking.slice(0, k).filter((u) => (grades.get(u) ?? 0) > 0).length;
  const first = ranking.slice(0, 10).findIndex((u) => (grades.get(u) ?? 0) > 0);
  const metrics: Record<string, number> = {};
  if (relevant.length) {
    metrics['ndcg@10'] = ideal > 0 ? dcg / ideal : 0;
    metrics['recall@10'] = foundWithin(10) / relevant.length;
    metrics['recall@50'] = foundWithin(50) / relevant.length;
    metrics['mrr@10'] = first >= 0 ? 1 / (first + 1) : 0;
  }
  return { metrics, goldRanks };
}
