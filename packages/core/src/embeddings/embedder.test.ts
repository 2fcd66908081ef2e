import { describe, expect, it } from 'vitest';
import { approximateTokens, countWordsAndMarks, LONG_RUN, vectorFromSql, vectorToSql } from './embedder.js';

/** The definition the counter must agree with. */
const byRegex = (text: string) => (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;

describe('countWordsAndMarks', () => {
  it('counts runs of letters and digits and every other non-space character', () => {
    expect(countWordsAndMarks('')).toBe(0);
    expect(countWordsAndMarks('   \n\t')).toBe(0);
    expect(countWordsAndMarks("L'État, c'est 2024 !")).toBe(9); // L ' État , c ' est 2024 !
    expect(countWordsAndMarks('congé payé')).toBe(2);
    expect(countWordsAndMarks('a\u00a0b')).toBe(2); // no-break space separates
    expect(countWordsAndMarks('𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀😀')).toBe(3); // astral letters form one word; each emoji is a mark
  });

  it('agrees with the regex on varied text, including astral characters and lone surrogates', () => {
    const alphabet = ['a', 'É', 'œ', '7', '٣', ' ', '\u00a0', '\u2009', '\n', ',', '’', '«', '€', '😀', '𝔘', '\ud800', '\udc00', '-', '_', '中'];
    let seed = 42;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    for (let k = 0; k < 2000; k++) {
      const len = Math.floor(rnd() * 40);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(countWordsAndMarks(s), JSON.stringify(s)).toBe(byRegex(s));
    }
  });

  it('scales to tokens at 1.3 per word or mark', () => {
    expect(approximateTokens('un deux trois quatre dix')).toBe(Math.ceil(5 * 1.3));
    expect(approximateTokens('')).toBe(0);
  });

  it('counts a run longer than any word (a hash, base64) a word every 4 characters', () => {
    expect(approximateTokens('anticonstitutionnellement')).toBe(Math.ceil(1 * 1.3));
    expect(approximateTokens('a'.repeat(LONG_RUN))).toBe(Math.ceil(1 * 1.3));
    expect(approximateTokens('a'.repeat(LONG_RUN + 1))).toBe(Math.ceil(Math.ceil((LONG_RUN + 1) / 4) * 1.3));
    const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(approximateTokens(`le hash ${sha256} !`)).toBe(Math.ceil((2 + 16 + 1) * 1.3));
    expect(approximateTokens('𝔘'.repeat(40))).toBe(Math.ceil(20 * 1.3)); // 80 code units
    expect(countWordsAndMarks('a'.repeat(10_000))).toBe(1); // the regex's count is unchanged
  });
});

describe('vectorToSql', () => {
  /** What it wrote before it wrote from integers: the text must not change. */
  const byDivision = (v: readonly number[]) => `[${v.map((x) => Math.round(x * 1e6) / 1e6).join(',')}]`;

  it('writes each value rounded to 6 decimals, as String() writes the rounded number', () => {
    const edges = [0, -0, 1, -1, 0.5, -0.5, 1e-7, -1e-7, 5e-7, -5e-7, 4.9e-7, 0.0000015, 0.1, 0.123456789, -0.999999, 0.9999996, 12.5, -3.0000001, 1234567.25];
    expect(vectorToSql(edges)).toBe(byDivision(edges));
    expect(vectorToSql([0.25, -0.000001, 2])).toBe('[0.25,-0.000001,2]');
    expect(vectorToSql([])).toBe('[]');
    let seed = 7;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    for (let k = 0; k < 200; k++) {
      const scale = 10 ** Math.floor(rnd() * 8 - 6); // 1e-6 … 10
      const v = Float32Array.from({ length: 384 }, () => (rnd() * 2 - 1) * scale);
      expect(vectorToSql(v)).toBe(byDivision([...v]));
    }
  });

  it('reads back what it writes, within the rounding', () => {
    const v = [0.123456789, -0.5, 0, 3.25];
    expect([...vectorFromSql(vectorToSql(v))]).toEqual([0.123457, -0.5, 0, 3.25].map(Math.fround));
  });

  it('leaves what pgvector refuses as it was written before (NaN, infinities)', () => {
    expect(vectorToSql([NaN, Infinity, -Infinity, 1e300])).toBe(byDivision([NaN, Infinity, -Infinity, 1e300]));
  });
});
