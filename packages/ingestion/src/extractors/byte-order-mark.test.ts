import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeUtf16 } from './byte-order-mark.js';

describe('decodeUtf16 without a BOM or a charset', () => {
  const prose = 'Le salarié a droit à un congé payé de deux jours et demi ouvrables par mois. '.repeat(80);

  it('reads UTF-16 from the lane of its NULs, little- or big-endian', () => {
    expect(decodeUtf16(iconv.encode(prose, 'utf-16le'), undefined)).toBe(prose);
    expect(decodeUtf16(iconv.encode(prose, 'utf-16be'), 'text/plain')).toBe(prose);
    expect(decodeUtf16(Buffer.from(prose, 'utf8'), undefined)).toBeUndefined();
  });

  it('refuses a text head in front of other bytes as a whole: the head alone reads as text (the format sniff sees only it)', () => {
    const head = iconv.encode(prose, 'utf-16le');
    expect(head.length).toBeGreaterThan(4096);
    expect(() => decodeUtf16(Buffer.concat([head, crypto.randomBytes(200_000)]), undefined)).toThrow(expect.objectContaining({ code: 'BINARY_AS_TEXT' }));
  });
});
