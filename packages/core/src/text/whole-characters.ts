/**
 * Text by UTF-16 code units without half characters. A surrogate pair (an emoji, a rare CJK character) cut
 * in two, or one half standing alone in the input (JSON's "\ud800", an XML character reference, a broken PDF
 * font map), is no character: PostgreSQL's jsonb refuses its JSON escape and `encodeURIComponent` throws on
 * it, so a name or a text holding one failed the request or the document that stored or served it.
 */

/** `at`, or `at - 1` when a cut there would fall between the two halves of a pair. */
export function wholeCut(text: string, at: number): number {
  return at > 0 && at < text.length && isHigh(text.charCodeAt(at - 1)) ? at - 1 : at;
}

/** The first `max` code units of `text`, one fewer when the cut would fall inside a pair. */
export function headOf(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, wholeCut(text, max));
}

/** The last `max` code units of `text`, one fewer when the cut would fall inside a pair. */
export function tailOf(text: string, max: number): string {
  if (text.length <= max) return text;
  const start = text.length - max;
  return text.slice(isLow(text.charCodeAt(start)) ? start + 1 : start);
}

/** Either half of a pair standing alone. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `text` with each half of a pair that stands alone as U+FFFD, as `String.prototype.toWellFormed` does
 * (Node 20 has it; TypeScript's ES2023 library, which keeps Node 22's APIs out of reach, does not).
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;
