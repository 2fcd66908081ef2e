/**
 * Splits text into sentences with their character offsets. Citation markers written after the
 * full stop ("… du contrat. [2]") stay with the sentence they follow; abbreviations ("art.",
 * "M.", "n°"), decimals and list items do not cut sentences in the wrong place.
 */

export interface Sentence {
  text: string;
  start: number;
  end: number;
}

const ABBREVIATIONS = new Set([
  'art', 'arts', 'm', 'mm', 'mme', 'mmes', 'mlle', 'dr', 'pr', 'me', 'st', 'ste', 'cf', 'etc', 'ex', 'p', 'pp',
  'al', 'n', 'no', 'vol', 'chap', 'env', 'min', 'max', 'approx', 'av', 'bd', 'fig', 'mr', 'mrs', 'ms', 'vs',
  'e.g', 'i.e', 'jr', 'sr', 'inc', 'ltd', 'co', 'janv', 'fevr', 'févr', 'sept', 'oct', 'nov', 'dec', 'déc',
]);

/** Marker groups that may trail a sentence: "[1]", "[1, 3]", "[[2]]", several in a row. */
const TRAILING_MARKERS = /^(?:\s*\[\[?\s*(?:sources?\s*)?\d+(?:\s*[,;\-–]\s*(?:sources?\s*)?\d+)*\s*\]\]?)+/i;

export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed && /[\p{L}\p{N}]/u.test(trimmed)) {
      out.push({ text: trimmed, start: start + lead, end: start + lead + trimmed.length });
    }
    start = end;
  };

  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') {
      // A blank line, or a new line starting a list item or heading, ends the sentence.
      const rest = text.slice(i + 1);
      if (/^\s*\n/.test(rest) || /^\s*(?:[-*•]|\d+[.)]|#{1,6})\s/.test(rest) || /[.!?:;…]\s*$/.test(text.slice(start, i))) {
        push(i + 1);
      }
      i++;
      continue;
    }
    if (ch === '.' || ch === '!' || ch === '?' || ch === '…') {
      if (ch === '.' && isNotASentenceEnd(text, i)) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < text.length && /[.!?…]/.test(text[j])) j++;
      // Closing quotes and brackets, French style too ("… préavis. »").
      const closers = /^(?:[ \u00a0\u202f]*[»”’"')])+/.exec(text.slice(j));
      if (closers) j += closers[0].length;
      const markers = TRAILING_MARKERS.exec(text.slice(j));
      if (markers) j += markers[0].length;
      // A sentence end needs whitespace (or the end of text) after it.
      if (j >= text.length || /\s/.test(text[j])) {
        push(j);
        i = j;
        continue;
      }
    }
    i++;
  }
  push(text.length);
  return out;
}

function isNotASentenceEnd(text: string, i: number): boolean {
  const before = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, i - 12), i));
  const word = before ? before[1].toLowerCase() : '';
  if (word && ABBREVIATIONS.has(word)) return true;
  // Single capital initial ("J. Dupont").
  if (/^\p{Lu}$/u.test(before?.[1] ?? '')) return true;
  // Decimal or dotted number ("1.5", "L.1234-5").
  if (/\d$/.test(text.slice(0, i)) && /^\d/.test(text.slice(i + 1))) return true;
  return false;
}
