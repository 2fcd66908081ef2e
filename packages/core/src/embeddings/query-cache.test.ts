import { describe, expect, it } from 'vitest';
import { HashEmbedder } from './hash-embedder.js';
import type { Embedder } from './embedder.js';
import { withQueryCache } from './query-cache.js';

/** The hash embedder, counting the queries it really embeds. */
function counting(fail?: (text: string) => boolean): Embedder & { calls: string[] } {
  const inner = new HashEmbedder(64);
  const calls: string[] = [];
  return {
    id: inner.id,
    dimension: inner.dimension,
    calls,
    embedDocuments: (t) => inner.embedDocuments(t),
    countTokens: (t) => inner.countTokens(t),
    async embedQuery(text) {
      calls.push(text);
      if (fail?.(text)) throw new Error('model down');
      return inner.embedQuery(text);
    },
  };
}

describe('query vector cache', () => {
  it('embeds a question once however often it is asked, concurrent asks included, with the same vector', async () => {
    const inner = counting();
    const e = withQueryCache(inner);
    const first = await e.embedQuery('durée du congé de maternité');
    const again = await Promise.all([1, 2, 3].map(() => e.embedQuery('durée du congé de maternité')));
    expect(inner.calls).toEqual(['durée du congé de maternité']);
    for (const v of again) expect(Array.from(v)).toEqual(Array.from(first));
    await e.embedQuery('préavis de démission');
    expect(inner.calls).toHaveLength(2);
    expect(e.id).toBe(inner.id);
    expect(e.dimension).toBe(64);
  });

  it('hands each caller its own copy: editing one vector does not change the next', async () => {
    const e = withQueryCache(counting());
    const a = await e.embedQuery('passeport');
    const before = Array.from(a);
    a.fill(0);
    expect(Array.from(await e.embedQuery('passeport'))).toEqual(before);
  });

  it('forgets the least recently used past its size, and never keeps a failure', async () => {
    const inner = counting((t) => t === 'panne');
    const e = withQueryCache(inner, 2);
    await e.embedQuery('a');
    await e.embedQuery('b');
    await e.embedQuery('a'); // a is now the most recent
    await e.embedQuery('c'); // evicts b
    await e.embedQuery('a');
    await e.embedQuery('b');
    expect(inner.calls).toEqual(['a', 'b', 'c', 'b']);
    await expect(e.embedQuery('panne')).rejects.toThrow('model down');
    await expect(e.embedQuery('panne')).rejects.toThrow('model down');
    expect(inner.calls.filter((t) => t === 'panne')).toHaveLength(2);
  });

  it('passes documents through uncached', async () => {
    const inner = counting();
    const e = withQueryCache(inner);
    const [x, y] = await e.embedDocuments(['un passage', 'un passage']);
    expect(Array.from(x!)).toEqual(Array.from(y!));
    expect(inner.calls).toEqual([]);
  });
});
