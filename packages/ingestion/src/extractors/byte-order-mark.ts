/**
 * The encoding a byte-order mark names, and the text after it. A BOM is the one sure sign of an
 * encoding: UTF-16 files exported by office software carry one, and their bytes (NULs beside every
 * ASCII letter, FF FE at the start) otherwise look like binary data, or like MP3 to a magic-byte sniffer.
 */
import iconv from 'iconv-lite';

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

/** Text from a BOM's encoding, else from a Content-Type naming UTF-16; undefined when neither says. */
export function decodeUtf16(bytes: Buffer, contentType: string | undefined): string | undefined {
  const withBom = decodeWithBom(bytes);
  if (withBom !== undefined) return withBom;
  const declared = declaredUtf16(contentType);
  return declared ? iconv.decode(bytes, declared) : undefined;
}
