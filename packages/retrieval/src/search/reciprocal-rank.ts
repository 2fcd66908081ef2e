/**
 * Reciprocal rank fusion: score(c) = Σ_branch weight_b / (k + rank_b(c)), ranks starting at 1, a branch
 * that did not return c contributing nothing. The hybrid SQL computes exactly this inside PostgreSQL
 * (one round trip); this pure version is the reference the SQL is tested against and serves callers that
 * fuse lists themselves (reranking, multi-query).
 */
export interface RankedList<K> {
  ids: readonly K[];
  weight?: number;
}

export interface FusedItem<K> {
  id: K;
  score: number;
  /** Rank (1-based) in each input list, null when absent. */
  ranks: Array<number | null>;
}

export const DEFAULT_RRF_K = 60;

export function reciprocalRankFusion<K>(lists: readonly RankedList<K>[], k = DEFAULT_RRF_K): FusedItem<K>[] {
  if (!(k >= 0)) throw new RangeError('RRF k must be a non-negative number');
  const byId = new Map<K, FusedItem<K>>();
  const order: K[] = [];
  lists.forEach((list, li) => {
    const weight = list.weight ?? 1;
    const seen = new Set<K>();
    list.ids.forEach((id, i) => {
      if (seen.has(id)) return; // a duplicate keeps its first (best) rank
      seen.add(id);
      let item = byId.get(id);
      if (!item) {
        item = { id, score: 0, ranks: lists.map(() => null) };
        byId.set(id, item);
        order.push(id);
      }
      item.ranks[li] = i + 1;
      item.score += weight / (k + i + 1);
    });
  });
  // Ties: the item first met (best rank in the earliest list) stays first, so the order is stable.
  const position = new Map(order.map((id, i) => [id, i]));
  return [...byId.values()].sort((a, b) => b.score - a.score || position.get(a.id)! - position.get(b.id)!);
}
