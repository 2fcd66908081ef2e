/**
 * Retrieval metrics as the bench README defines them: documents compared by URL (host case-insensitive,
 * no fragment, no trailing slash), a document ranked where its best chunk ranks, nDCG@10 with gain
 * 2^grade − 1, recall@10, recall@50, MRR@10. Per phrasing here; `averageByQuery` averages over the
 * phrasings of a query, then over queries. Pure functions, shared with the evaluation runs.
 */

export interface GoldDocument {
  url: string;
  /** 3 = must be top 3, 2 = top 10, 1 = relevant. Grades ≤ 0 count as not relevant. */
  grade: number;
}

export interface RetrievalScores {
  'ndcg@10': number;
  'recall@10': number;
  'recall@50': number;
  'mrr@10': number;
}

/** Canonical form for comparison: lower-case scheme and host, no fragment, no trailing slash. */
export function normaliseUrl(url: string): string {
  const trimmed = url.trim();
  try {
    const u = new URL(trimmed);
    u.hash = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return trimmed.replace(/#.*$/, '').replace(/\/+$/, '');
  }
}

/** Document URLs in rank order, each once (a document ranks where its first, best, chunk does). */
export function rankDocuments(urls: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const url of urls) {
    const n = normaliseUrl(url);
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  }
  return out;
}

function goldGrades(gold: readonly GoldDocument[]): Map<string, number> {
  const grades = new Map<string, number>();
  for (const g of gold) {
    const n = normaliseUrl(g.url);
    // the same document listed twice keeps its best grade
    if (g.grade > 0 && g.grade > (grades.get(n) ?? 0)) grades.set(n, g.grade);
  }
  return grades;
}

const gain = (grade: number) => 2 ** grade - 1;
const discount = (i: number) => 1 / Math.log2(i + 2);

export function ndcgAt(ranked: readonly string[], gold: readonly GoldDocument[], k = 10): number {
  const grades = goldGrades(gold);
  if (grades.size === 0) return 0;
  const docs = rankDocuments(ranked).slice(0, k);
  const dcg = docs.reduce((sum, url, i) => sum + gain(grades.get(url) ?? 0) * discount(i), 0);
  const ideal = [...grades.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, g, i) => sum + gain(g) * discount(i), 0);
  return dcg / idcg;
}

export function recallAt(ranked: readonly string[], gold: readonly GoldDocument[], k: number): number {
  const grades = goldGrades(gold);
  if (grades.size === 0) return 0;
  const found = rankDocuments(ranked).slice(0, k).filter((u) => grades.has(u)).length;
  return found / grades.size;
}

export function mrrAt(ranked: readonly string[], gold: readonly GoldDocument[], k = 10): number {
  const grades = goldGrades(gold);
  const i = rankDocuments(ranked).slice(0, k).findIndex((u) => grades.has(u));
  return i === -1 ? 0 : 1 / (i + 1);
}

export function scoreRanking(ranked: readonly string[], gold: readonly GoldDocument[]): RetrievalScores {
  return {
    'ndcg@10': ndcgAt(ranked, gold, 10),
    'recall@10': recallAt(ranked, gold, 10),
    'recall@50': recallAt(ranked, gold, 50),
    'mrr@10': mrrAt(ranked, gold, 10),
  };
}

const ZERO: RetrievalScores = { 'ndcg@10': 0, 'recall@10': 0, 'recall@50': 0, 'mrr@10': 0 };
const KEYS = Object.keys(ZERO) as Array<keyof RetrievalScores>;

export function mean(scores: readonly RetrievalScores[]): RetrievalScores {
  if (scores.length === 0) return { ...ZERO };
  const out = { ...ZERO };
  for (const s of scores) for (const k of KEYS) out[k] += s[k];
  for (const k of KEYS) out[k] /= scores.length;
  return out;
}

/** Mean over the phrasings of each query, then over queries (every query weighs the same). */
export function averageByQuery(perPhrasing: ReadonlyArray<{ queryId: string; scores: RetrievalScores }>): RetrievalScores {
  const byQuery = new Map<string, RetrievalScores[]>();
  for (const p of perPhrasing) {
    const list = byQuery.get(p.queryId) ?? [];
    list.push(p.scores);
    byQuery.set(p.queryId, list);
  }
  return mean([...byQuery.values()].map(mean));
}
