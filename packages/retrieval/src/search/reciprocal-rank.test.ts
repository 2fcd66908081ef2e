import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './reciprocal-rank.js';

describe('reciprocalRankFusion', () => {
  it('sums weight / (k + rank) over the lists an item appears in', () => {
    const fused = reciprocalRankFusion([{ ids: ['a', 'b', 'c'] }, { ids: ['c', 'a'] }], 60);
    const score = Object.fromEntries(fused.map((f) => [f.id, f.score]));
    expect(score.a).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(score.b).toBeCloseTo(1 / 62, 12);
    expect(score.c).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(fused.find((f) => f.id === 'b')!.ranks).toEqual([2, null]);
  });

  it('an item found by both branches beats one ranked first by a single branch', () => {
    const fused = reciprocalRankFusion([{ ids: [1, 2] }, { ids: [3, 2] }]);
    expect(fused[0]!.id).toBe(2);
  });

  it('weights scale a branch, and k flattens or sharpens the rank curve', () => {
    const lexFirst = reciprocalRankFusion([{ ids: ['x'], weight: 2 }, { ids: ['y'], weight: 1 }]);
    expect(lexFirst.map((f) => f.id)).toEqual(['x', 'y']);
    const vecFirst = reciprocalRankFusion([{ ids: ['x'], weight: 0.5 }, { ids: ['y'], weight: 1 }]);
    expect(vecFirst.map((f) => f.id)).toEqual(['y', 'x']);
    // with k = 0, rank 1 in one list (1) beats ranks 3 + 3 in two lists (2/3); with k = 60 it does not
    const lists = [{ ids: ['a', 'p', 'b'] }, { ids: ['q', 'r', 'b'] }, { ids: ['s'] }];
    expect(reciprocalRankFusion(lists, 0)[0]!.id).toBe('a');
    expect(reciprocalRankFusion(lists, 60)[0]!.id).toBe('b');
  });

  it('keeps the first rank of a duplicate, handles empty lists and breaks ties stably', () => {
    const fused = reciprocalRankFusion([{ ids: ['a', 'a', 'b'] }, { ids: [] }]);
    expect(fused.find((f) => f.id === 'a')!.score).toBeCloseTo(1 / 61, 12);
    expect(fused.find((f) => f.id === 'b')!.ranks).toEqual([3, null]);
    const ties = reciprocalRankFusion([{ ids: ['m'] }, { ids: ['n'] }]);
    expect(ties.map((f) => f.id)).toEqual(['m', 'n']);
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(() => reciprocalRankFusion([{ ids: [1] }], -1)).toThrow(RangeError);
  });
});
