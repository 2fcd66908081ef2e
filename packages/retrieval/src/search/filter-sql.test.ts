/**
 * The key's collections are the one value written into the search statement's text: only integers get there.
 */
import { describe, expect, it } from 'vitest';
import { SqlParams, collectionsLiteral, filterPredicates } from './filter-sql.js';

describe('the caller’s collections in the statement text', () => {
  it('writes collection ids as an array literal, and the filter’s collections as a parameter', () => {
    expect(collectionsLiteral([3, 17])).toBe(`'{3,17}'`);
    const p = new SqlParams();
    const { scopes, all } = filterPredicates({ collections: [5] }, [3, 17], p);
    expect(scopes).toEqual([`'{3,17}'`, '$1']);
    expect(all).toEqual([`d.collection_id = ANY('{3,17}'::bigint[])`, 'd.collection_id = ANY($1::bigint[])']);
    expect(p.values).toEqual([[5]]);
  });

  it('refuses anything but integers', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, "1}'); DROP TABLE chunks; --", '7']) {
      expect(() => collectionsLiteral([1, bad as unknown as number])).toThrow(RangeError);
    }
  });
});
