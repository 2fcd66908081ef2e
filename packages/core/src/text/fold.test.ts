import { describe, expect, it } from 'vitest';
import { fold } from './fold.js';

describe('fold', () => {
  it('lowers case, removes accents and expands ligatures', () => {
    expect(fold("Œuvre à l'État")).toBe("oeuvre a l'etat");
    expect(fold('ÉTAT Cœur Ça Æsir')).toBe('etat coeur ca aesir');
    expect(fold('Congés payés, 2024 ; « délai »')).toBe('conges payes, 2024 ; « delai »');
  });

  it('takes the ASCII fast path without changing the result', () => {
    expect(fold('Code du TRAVAIL L1234-5')).toBe('code du travail l1234-5');
    // a decomposed accent (e + combining acute) is not ASCII: it is folded too
    expect(fold('Re\u0301gion')).toBe('region');
  });
});
