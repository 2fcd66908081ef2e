import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { decodeUtf8Lenient } from './lenient-utf8.js';

describe('decodeUtf8Lenient', () => {
  it('reads valid UTF-8 as UTF-8, four-byte characters included', () => {
    const text = 'Indemnité de 1 000 € – « préavis » 𝔸 😀';
    expect(decodeUtf8Lenient(Buffer.from(text))).toBe(text);
  });

  it('reads Latin-1 / Windows-1252 text byte by byte', () => {
    const text = 'Délégués, employeur’s « congé » coûte 10 € — œuvre';
    expect(decodeUtf8Lenient(iconv.encode(text, 'windows-1252'))).toBe(text);
  });

  it('keeps UTF-8 and Windows-1252 runs of one buffer apart', () => {
    const bytes = Buffer.concat([Buffer.from('été → '), iconv.encode('hiver à Noël', 'windows-1252'), Buffer.from(' ✓')]);
    expect(decodeUtf8Lenient(bytes)).toBe('été → hiver à Noël ✓');
  });

  it('does not accept overlong forms, surrogates or truncated sequences as UTF-8', () => {
    // C0 AF is an overlong "/", ED A0 80 a surrogate half, E9 at the end a lone Latin-1 « é ».
    expect(decodeUtf8Lenient(Buffer.from([0x61, 0xc0, 0xaf, 0x62]))).toBe('aÀ¯b');
    expect(decodeUtf8Lenient(Buffer.from([0xed, 0xa0, 0x80]))).toBe('í\u00a0€');
    expect(decodeUtf8Lenient(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
    expect(decodeUtf8Lenient(Buffer.from([0xe2, 0x82]))).toBe('â‚');
  });
});
