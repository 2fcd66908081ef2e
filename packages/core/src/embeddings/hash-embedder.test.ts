import { describe, expect, it } from 'vitest';
import { CONTEXT_WEIGHT, HashEmbedder } from './hash-embedder.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('hash embedder', () => {
  const e = new HashEmbedder();

  it('folds case, accents and ligatures', () => {
    expect(Array.from(e.embed('Le Cœur, ÇA'))).toEqual(Array.from(e.embed('le coeur, ca')));
    expect(Array.from(e.embed('État des lieux'))).toEqual(Array.from(e.embed('etat DES lieux')));
  });

  it('puts inflected forms and related passages closer than unrelated ones', () => {
    const conges = e.embed('congés payés du salarié');
    expect(cos(conges, e.embed('congé payé'))).toBeGreaterThan(cos(conges, e.embed('permis de construire')));
  });

  it('names its version, so an index of an older version is refused until reembedded', () => {
    expect(e.id).toBe('hash-v2');
    expect(new HashEmbedder(256).id).toBe('hash-v2-256');
  });

  it('ignores French stop words and folds plurals and feminines', () => {
    expect(Array.from(e.embed('le contrat de la salariée'))).toEqual(Array.from(e.embed('contrat salarie')));
    expect(Array.from(e.embed('congés payés'))).toEqual(Array.from(e.embed('conge paye')));
    // short words keep their ending: "base" is not "bas"
    expect(cos(e.embed('base'), e.embed('bas'))).toBeLessThan(1 - 1e-6);
    // a passage of stop words only embeds to nothing rather than to noise
    expect(Array.from(e.embed('de la et les du')).every((x) => x === 0)).toBe(true);
  });

  it("weighs a passage's first line (title > headings) above its body, queries as they are", async () => {
    const passage = 'Rupture conventionnelle\nLe salarié et l’employeur conviennent des conditions de la fin du contrat.';
    const [doc] = await e.embedDocuments([passage]);
    expect(Array.from(doc!)).toEqual(Array.from(e.embed(passage, CONTEXT_WEIGHT)));
    expect(Array.from(await e.embedQuery(passage))).toEqual(Array.from(e.embed(passage)));
    const title = e.embed('rupture conventionnelle');
    expect(cos(doc!, title)).toBeGreaterThan(cos(e.embed(passage), title));
    // the title's last word, right before the break, is part of the title
    const split = e.embed('Préavis\nDurée du délai', 3);
    expect(cos(split, e.embed('preavis'))).toBeGreaterThan(cos(split, e.embed('duree delai')));
  });

  it('embeds a 350-token passage quickly', () => {
    const passage = 'Le salarié a droit à un congé de deux jours et demi ouvrables par mois de travail effectif. '.repeat(20);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) e.embed(passage);
    // 100k chunks must embed well within the ingest benchmark budget
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
