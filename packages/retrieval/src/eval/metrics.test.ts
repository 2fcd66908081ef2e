import { describe, expect, it } from 'vitest';
import { averageByQuery, mrrAt, ndcgAt, normaliseUrl, rankDocuments, recallAt, scoreRanking } from './metrics.js';

const A = 'https://ex.fr/a';
const B = 'https://ex.fr/b';
const C = 'https://ex.fr/c';
const D = 'https://ex.fr/d';

describe('retrieval metrics', () => {
  it('compares URLs with a case-insensitive host, no fragment, no trailing slash', () => {
    expect(normaliseUrl('https://EX.fr/Page/#section')).toBe('https://ex.fr/Page');
    expect(normaliseUrl('https://ex.fr/page/')).toBe(normaliseUrl('https://ex.fr/page'));
    expect(normaliseUrl('https://ex.fr/Page')).not.toBe(normaliseUrl('https://ex.fr/page'));
    expect(recallAt(['HTTPS://EX.FR/a/#x'], [{ url: A, grade: 1 }], 10)).toBe(1);
  });

  it('computes graded nDCG@10 with gain 2^grade − 1 (hand-computed)', () => {
    const gold = [{ url: A, grade: 3 }, { url: B, grade: 1 }];
    // ranking [B, x, A]: DCG = 1/log2(2) + 7/log2(4) = 1 + 3.5; IDCG = 7 + 1/log2(3)
    const dcg = 1 + 7 / 2;
    const idcg = 7 + 1 / Math.log2(3);
    expect(ndcgAt([B, D, A], gold)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAt([A, B], gold)).toBeCloseTo(1, 12);
    expect(ndcgAt([D, C], gold)).toBe(0);
  });

  it('counts a document once, at its best chunk, and ignores duplicate gold entries', () => {
    // chunks of A at ranks 1 and 2 do not push B down to rank 3
    const gold = [{ url: A, grade: 2 }, { url: B, grade: 2 }, { url: B, grade: 1 }];
    expect(rankDocuments([A, `${A}#p2`, B])).toEqual([A, B]);
    expect(ndcgAt([A, `${A}/`, B], gold)).toBeCloseTo(1, 12);
    expect(recallAt([A, A, A], gold, 10)).toBe(0.5);
  });

  it('gives equal-grade documents in swapped order the same nDCG (ties)', () => {
    const gold = [{ url: A, grade: 2 }, { url: B, grade: 2 }];
    expect(ndcgAt([A, B], gold)).toBeCloseTo(ndcgAt([B, A], gold), 12);
  });

  it('recall@k and MRR@10 only look at the first k documents', () => {
    const gold = [{ url: A, grade: 1 }, { url: B, grade: 3 }];
    const ranked = [...Array.from({ length: 10 }, (_, i) => `https://ex.fr/x${i}`), A, B];
    expect(recallAt(ranked, gold, 10)).toBe(0);
    expect(recallAt(ranked, gold, 50)).toBe(1);
    expect(mrrAt(ranked, gold)).toBe(0);
    expect(mrrAt([C, B, A], gold)).toBe(0.5);
  });

  it('scores 0 when gold is missing or empty, never NaN', () => {
    expect(scoreRanking([A], [])).toEqual({ 'ndcg@10': 0, 'recall@10': 0, 'recall@50': 0, 'mrr@10': 0 });
    expect(scoreRanking([], [{ url: A, grade: 3 }])['ndcg@10']).toBe(0);
    expect(ndcgAt([A], [{ url: A, grade: 0 }])).toBe(0);
  });

  it('averages over the phrasings of a query, then over queries', () => {
    const s = (v: number) => ({ 'ndcg@10': v, 'recall@10': v, 'recall@50': v, 'mrr@10': v });
    // q1 has three phrasings (mean 0.5), q2 one (1): overall 0.75, not 0.625
    const avg = averageByQuery([
      { queryId: 'q1', scores: s(0) },
      { queryId: 'q1', scores: s(0.5) },
      { queryId: 'q1', scores: s(1) },
      { queryId: 'q2', scores: s(1) },
    ]);
    expect(avg['ndcg@10']).toBeCloseTo(0.75, 12);
    expect(averageByQuery([])['mrr@10']).toBe(0);
  });
});
