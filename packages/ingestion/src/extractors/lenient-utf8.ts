/**
 * UTF-8 that forgives Windows-1252 bytes. French sites often declare UTF-8 (or nothing) over pages
 * saved in Latin-1, or paste a Latin-1 paragraph into a UTF-8 template. A strict decoder would turn
 * every « é » of such a page into U+FFFD, and the words would never match a query; reading each
 * byte that is not part of a valid UTF-8 sequence as Windows-1252 (what the page's author typed)
 * keeps both halves readable.
 */

import iconv from 'iconv-lite';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// iconv-lite, not TextDecoder: Node 20's TextDecoder('windows-1252') drops 0x80 (the euro sign).
const CP1252: string[] = Array.from({ length: 256 }, (_, b) => iconv.decode(Buffer.of(b), 'windows-1252'));

/** Length of the valid UTF-8 sequence starting at `i` (WHATWG ranges: no overlongs, no surrogates), else 0. */
function sequenceLength(buf: Uint8Array, i: number): number {
  const b = buf[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const c = buf[i + k];
    return c !== undefined && c >= lo && c <= hi;
  };
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** The bytes as UTF-8, each byte outside a valid sequence read as Windows-1252. */
export function decodeUtf8Lenient(buf: Buffer): string {
  try {
    return strictUtf8.decode(buf);
  } catch {
    // Not valid UTF-8 throughout: repair below.
  }
  const parts: string[] = [];
  let start = 0; // start of the current run of valid bytes
  let i = 0;
  while (i < buf.length) {
    if (buf[i]! < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > start) parts.push(buf.toString('utf8', start, i));
    parts.push(CP1252[buf[i]!]!);
    i++;
    start = i;
  }
  if (start < buf.length) parts.push(buf.toString('utf8', start));
  return parts.join('');
}
