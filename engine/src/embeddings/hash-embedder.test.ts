import { describe, expect, it } from 'vitest';
import { HashEmbedder, foldFrench } from './hash-embedder.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('hash embedder', () => {
  const e = new HashEmbedder();

  it('folds case, accents and ligatures', () => {
    expect(foldFrench('ÉTAT Cœur Ça')).toBe('etat coeur ca');
    expect(Array.from(e.embed('État des lieux'))).toEqual(Array.from(e.embed('etat DES lieux')));
  });

  it('puts inflected forms and related passages closer than unrelated ones', () => {
    const conges = e.embed('congés payés du salarié');
    expect(cos(conges, e.embed('congé payé'))).toBeGreaterThan(cos(conges, e.embed('permis de construire')));
  });

  it('embeds a 350-token passage quickly', () => {
    const passage = 'Le salarié a droit à un congé de deux jours et demi ouvrables par mois de travail effectif. '.repeat(20);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) e.embed(passage);
    // 100k chunks must embed well within the ingest benchmark budget
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
