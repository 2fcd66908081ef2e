/**
 * The encoding a byte-order mark names, and the text after it. A BOM is the one sure sign of an
 * encoding: UTF-16 files exported by office software carry one, and their bytes (NULs beside every
 * ASCII letter, FF FE at the start) otherwise look like binary data, or like MP3 to a magic-byte sniffer.
 */
import iconv from 'iconv-lite';
import { CiteError } from '@cite/core/errors.js';

export type BomEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export function bomEncoding(bytes: Buffer): BomEncoding | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The text of bytes that start with a BOM (the BOM left out); undefined without one. */
export function decodeWithBom(bytes: Buffer): string | undefined {
  const encoding = bomEncoding(bytes);
  if (!encoding) return undefined;
  return encoding === 'utf-8' ? bytes.subarray(3).toString('utf8') : iconv.decode(bytes.subarray(2), encoding);
}

/**
 * The charset of a Content-Type header. The quote's spaces only after a quote: two optional runs of spaces
 * side by side backtrack quadratically.
 */
export const HEADER_CHARSET = /charset\s*=\s*(?:["']\s*)?([\w:.-]+)/i;

/**
 * UTF-16 named by a Content-Type charset, for bytes without a BOM: `utf-16` is read little-endian, as
 * browsers read it (WHATWG encoding standard). A <meta> naming UTF-16 is not believed (HTML standard): the
 * bytes that spell it were read as ASCII.
 */
export function declaredUtf16(contentType: string | undefined): 'utf-16le' | 'utf-16be' | undefined {
  const label = contentType?.match(HEADER_CHARSET)?.[1]?.toLowerCase();
  if (label === 'utf-16' || label === 'utf-16le') return 'utf-16le';
  if (label === 'utf-16be') return 'utf-16be';
  return undefined;
}

/**
 * UTF-16 told by its bytes alone, for a file without a BOM or a charset (a `.txt` exported by a Windows tool):
 * text in a Latin script is NULs beside every other byte, in the high lane of each unit, and one NUL in
 * the other lane is a NUL character, which text does not hold. No text of a single-byte encoding or of UTF-8
 * has NULs at all: those are read as before. Judged on the first 4 KB (8 units at least).
 */
export function sniffedUtf16(bytes: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const units = Math.min(bytes.length, 4096) >> 1;
  // every page the crawler reads comes here: without a NUL (memchr), it is not UTF-16, and not looked at further
  if (units < 8 || bytes.subarray(0, units * 2).indexOf(0) === -1) return undefined;
  let highEven = 0; // NULs at even offsets: the high byte of big-endian units
  let highOdd = 0;
  for (let i = 0; i < units; i++) {
    if (bytes[2 * i] === 0) highEven++;
    if (bytes[2 * i + 1] === 0) highOdd++;
  }
  if (highOdd >= units * 0.7 && highEven === 0) return 'utf-16le';
  if (highEven >= units * 0.7 && highOdd === 0) return 'utf-16be';
  return undefined;
}

/**
 * Whether text decoded from bytes that only their NULs say are UTF-16 reads as text. Other data has that
 * lane of NULs too: 16-bit samples and pixel values whose high byte is 0 read as runs of Latin letters, and a
 * text head may front random bytes (1,000 of them hold ~30 unpaired surrogates, read as U+FFFD). So: next to
 * no replacement characters or control characters (1 in 1,000: a surrogate pair cut at the end of a head),
 * and spaces or line breaks between words, or the angle brackets of markup, at least 1 character in 25
 * (French prose: 1 in 6; letter-range samples: none). Scripts written without spaces are refused; they need
 * a BOM or a charset.
 */
function readsAsText(text: string): boolean {
  let odd = 0;
  let spaces = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3c || c === 0x3e) spaces++;
    else if (c === 0xfffd || c < 0x20 || (c >= 0x7f && c < 0xa0)) odd++;
  }
  return odd * 1000 <= text.length && spaces * 25 >= text.length;
}

/** Bytes sniffed as UTF-16 (sniffedUtf16), decoded, and whether they read as text; undefined when not sniffed. */
function decodeSniffed(bytes: Buffer): { text: string; readsAsText: boolean } | undefined {
  const encoding = sniffedUtf16(bytes);
  if (!encoding) return undefined;
  const text = iconv.decode(bytes, encoding);
  return { text, readsAsText: readsAsText(text) };
}

/** The text of bytes sniffed as UTF-16 (sniffedUtf16), when it reads as text; else undefined. */
export function sniffedUtf16Text(bytes: Buffer): string | undefined {
  const sniffed = decodeSniffed(bytes);
  return sniffed?.readsAsText ? sniffed.text : undefined;
}

/**
 * Text from a BOM's encoding, else from a Content-Type naming UTF-16, else from UTF-16's own bytes
 * (sniffedUtf16); undefined when none says. Bytes whose NULs say UTF-16 but that do not read as text
 * (readsAsText) are BINARY_AS_TEXT: no other decoding makes text of them either.
 */
export function decodeUtf16(bytes: Buffer, contentType: string | undefined): string | undefined {
  const withBom = decodeWithBom(bytes);
  if (withBom !== undefined) return withBom;
  const declared = declaredUtf16(contentType);
  if (declared) return iconv.decode(bytes, declared);
  const sniffed = decodeSniffed(bytes);
  if (sniffed && !sniffed.readsAsText) {
    throw new CiteError('BINARY_AS_TEXT', 'The content has NULs beside every other byte, as UTF-16 text has, but does not read as text', { status: 415 });
  }
  return sniffed?.text;
}
