/**
 * The contract every embedding provider must keep, run against each one by embedders.test.ts.
 */
import { expect, it } from 'vitest';
import type { Embedder } from '../embedder.js';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

export function embedderContract(get: () => Embedder, expected: { dimension: number; idPrefix: string }): void {
  it('declares its id and dimension', () => {
    const e = get();
    expect(e.id.startsWith(expected.idPrefix)).toBe(true);
    expect(e.dimension).toBe(expected.dimension);
  });

  it('returns one unit vector of the declared dimension per text', async () => {
    const e = get();
    const vs = await e.embedDocuments(['Congés payés du salarié', 'Droit du travail', 'x']);
    expect(vs).toHaveLength(3);
    for (const v of vs) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(e.dimension);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
  });

  it('is deterministic', async () => {
    const e = get();
    const [a] = await e.embedDocuments(['La durée des congés payés']);
    const [b] = await e.embedDocuments(['La durée des congés payés']);
    expect(Array.from(b!)).toEqual(Array.from(a!));
    expect(Array.from(await e.embedQuery('congés'))).toEqual(Array.from(await e.embedQuery('congés')));
  });

  it('gives the same vector in a batch as alone', async () => {
    const e = get();
    const texts = ['premier passage assez long pour varier', 'second', 'le troisième passage du lot'];
    const batch = await e.embedDocuments(texts);
    for (let i = 0; i < texts.length; i++) {
      const [single] = await e.embedDocuments([texts[i]!]);
      for (let d = 0; d < e.dimension; d++) expect(batch[i]![d]).toBeCloseTo(single![d]!, 5);
    }
  });

  it('tells different texts apart', async () => {
    const e = get();
    const [a, b] = await e.embedDocuments(['congés payés', 'zzz qqq www']);
    expect(cosine(a!, b!)).toBeLessThan(0.999);
  });

  it('handles an empty batch and counts tokens', async () => {
    const e = get();
    expect(await e.embedDocuments([])).toEqual([]);
    expect(e.countTokens('')).toBeLessThanOrEqual(2);
    expect(e.countTokens('un deux trois quatre cinq six sept huit')).toBeGreaterThan(e.countTokens('un deux'));
  });
}
