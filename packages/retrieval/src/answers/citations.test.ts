import { describe, expect, it } from 'vitest';
import { createMarkerFilter, markerNumbers, parseCitations, stripMarkers } from './citations.js';

describe('parseCitations', () => {
  it('reads single, listed, doubled, ranged and labelled markers', () => {
    const r = parseCitations('A [1]. B [1, 3]. C [[2]]. D [2-4]. E [Source 2]. F 【3†source】.', 4);
    expect(r.text).toBe('A [1]. B [1][3]. C [2]. D [2][3][4]. E [2]. F [3].');
    expect(r.used).toEqual([1, 3, 2, 4]);
    expect(r.removed).toBe(0);
    expect(r.markers).toHaveLength(6);
    expect(r.text.slice(r.markers[1].start, r.markers[1].end)).toBe('[1][3]');
  });

  it('removes out-of-range references and counts them', () => {
    const r = parseCitations('Le délai est de deux mois [7]. Il court [0, 2]. Voir [3][9].', 3);
    expect(r.text).toBe('Le délai est de deux mois. Il court [2]. Voir [3].');
    expect(r.removed).toBe(3);
    expect(r.used).toEqual([2, 3]);
  });

  it('removes references to sources of any number of digits, which look the same to a reader', () => {
    const r = parseCitations('Le permis est exigé [12345]. Un délai court [1, 99999999999999999999]. 【123456†source】', 2);
    expect(r.text).toBe('Le permis est exigé. Un délai court [1].');
    expect(r.removed).toBe(3);
    expect(r.used).toEqual([1]);
  });

  it('leaves ordinary brackets alone', () => {
    const r = parseCitations('Un tableau [voir annexe] et un lien [texte](https://x.fr) [2].', 2);
    expect(r.text).toBe('Un tableau [voir annexe] et un lien [texte](https://x.fr) [2].');
    expect(markerNumbers('1 et 2')).toEqual([1, 2]);
  });

  it('reads a reply of near-markers in linear time (a page can steer what the model writes)', () => {
    // « [1 , 1 , 1 … » never closed: the spaces around an absent « source » word could be shared out in
    // every way at each listed number (exponential): 204 characters of it held the engine 100 s
    const started = performance.now();
    const r = parseCitations(`Le délai [1${' , 1'.repeat(5_000)} x. Voir [source 2 ,  source 1] et 【2 】.`, 2);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(r.used).toEqual([2, 1]);
    expect(r.text.endsWith('Voir [2][1] et [2].')).toBe(true);
  });

  it('strips markers for comparison', () => {
    expect(stripMarkers('Le préavis est d’un mois [1][2].')).toBe('Le préavis est d’un mois.');
  });
});

describe('createMarkerFilter', () => {
  it('rewrites markers split across tokens and drops invalid ones and the sentinel', () => {
    const f = createMarkerFilter(2);
    const tokens = ['Le délai ', 'est court [', '1', ', 5]. Autre [', '9]. Fin', ' [[2]]', '.', ' [[NO_', 'ANSWER]]'];
    const out = tokens.map((t) => f.push(t)).join('') + f.flush();
    expect(out).toBe('Le délai est court [1]. Autre. Fin [2].');
  });

  it('does not hold ordinary brackets forever', () => {
    const f = createMarkerFilter(2);
    const out = f.push('voir [annexe] puis [') + f.flush();
    expect(out).toBe('voir [annexe] puis [');
  });
});
