/**
 * Word-level helpers shared by the support checker, the extractive answerer and the relevance gate.
 * Deliberately crude (accent folding, stop words, suffix trimming): they must be fast, pure and
 * language-tolerant, since every sentence of every answer goes through them.
 */
import { fold } from '@cite/core/text/fold.js';

const FRENCH_STOP = [
  'a', 'au', 'aux', 'avec', 'ce', 'ces', 'cet', 'cette', 'dans', 'de', 'des', 'du', 'elle', 'elles', 'en', 'et',
  'eux', 'il', 'ils', 'je', 'la', 'le', 'les', 'leur', 'leurs', 'lui', 'ma', 'mais', 'me', 'meme', 'mes', 'moi',
  'mon', 'ne', 'nos', 'notre', 'nous', 'on', 'ou', 'par', 'pas', 'pour', 'qu', 'que', 'qui', 'sa', 'se', 'ses',
  'son', 'sur', 'ta', 'te', 'tes', 'toi', 'ton', 'tu', 'un', 'une', 'vos', 'votre', 'vous', 'c', 'd', 'j', 'l',
  'm', 'n', 's', 't', 'y', 'est', 'sont', 'etre', 'ete', 'etait', 'sera', 'peut', 'peuvent', 'fait', 'faire',
  'si', 'comme', 'quel', 'quelle', 'quels', 'quelles', 'comment', 'quand', 'ou', 'dont', 'ai', 'as', 'avez',
  'avons', 'ont', 'avoir', 'plus', 'moins', 'tout', 'tous', 'toute', 'toutes', 'autre', 'autres', 'doit',
  'doivent', 'ainsi', 'alors', 'aussi', 'cela', 'ceci', 'ca', 'est-ce', 'qu-est-ce', 'quoi', 'sans', 'sous',
  'entre', 'vers', 'chez', 'selon', 'lors', 'certain', 'certaines', 'certains', 'chaque', 'non', 'oui',
  'avant', 'apres', 'depuis', 'pendant', 'jusqu', 'cas', 'faut',
];
const ENGLISH_STOP = [
  'the', 'a', 'an', 'and', 'or', 'of', 'to', 'in', 'on', 'for', 'with', 'is', 'are', 'was', 'were', 'be', 'been',
  'it', 'its', 'this', 'that', 'these', 'those', 'what', 'which', 'who', 'how', 'when', 'where', 'why', 'can',
  'do', 'does', 'did', 'i', 'you', 'we', 'they', 'he', 'she', 'my', 'your', 'our', 'their', 'at', 'by', 'from',
  'as', 'if', 'not', 'no', 'yes', 'should', 'would', 'could', 'will', 'have', 'has', 'had', 'there', 'about',
];
export const STOP_WORDS: ReadonlySet<string> = new Set([...FRENCH_STOP, ...ENGLISH_STOP]);
const STOP = STOP_WORDS;

/** Trims common French/English inflections so "allocations"/"allocation", "familiale"/"familial" meet. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4) w = w.replace(/(ements|ement|ations|ation|ments|ment|euses|euse|eurs|eur|ives|ive|ifs|if|ales|aux|ale|ees|ee|es|s|x|e)$/, '');
  return w.length > 7 ? w.slice(0, 7) : w;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Raw folded words, stop words included (for language detection and phrase matching). */
export function words(text: string): string[] {
  return fold(text).match(WORD) ?? [];
}

/** Content terms: folded, stop words and 1-letter words removed, stemmed. Numbers kept as they are. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (STOP.has(w)) continue;
    if (/^\d/.test(w)) {
      out.push(w);
      continue;
    }
    if (w.length < 2) continue;
    out.push(stem(w));
  }
  return out;
}

export function termSet(text: string): Set<string> {
  return new Set(terms(text));
}

/** Numbers written in a text ("1 500", "1500", "15,5", "trois", "soixante-douze" alike), to catch invented figures. */
export function numbers(text: string): string[] {
  // Thousands grouped by a space or a dot ("1 500", "1.500"), decimals after a comma or a dot ("2,5").
  const found = text.match(/\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:,\d+)?(?!\d)|\d+(?:[.,]\d+)?/g) ?? [];
  const digits = found.map((n) => n.replace(/[ \u00a0\u202f]/g, '').replace(/\.(?=\d{3}(\D|$))/g, '').replace(',', '.'));
  return [...digits, ...numberWords(text)];
}

/** French cardinals up to « mille » (folded). */
const CARDINALS = new Map<string, number>([
  ['un', 1], ['une', 1], ['deux', 2], ['trois', 3], ['quatre', 4], ['cinq', 5], ['six', 6], ['sept', 7], ['huit', 8],
  ['neuf', 9], ['dix', 10], ['onze', 11], ['douze', 12], ['treize', 13], ['quatorze', 14], ['quinze', 15],
  ['seize', 16], ['vingt', 20], ['vingts', 20], ['trente', 30], ['quarante', 40], ['cinquante', 50],
  ['soixante', 60], ['cent', 100], ['cents', 100], ['mille', 1000],
]);

/** « les deux parents », « ses deux enfants »: both of them, not a count a passage must repeat. */
const BOTH = new Set(['les', 'des', 'ces', 'ses', 'leurs', 'nos', 'vos']);

/** Figures written in words (« trois mois », « soixante-douze heures », « quatre-vingt-dix jours »), as digits. */
export function numberWords(text: string): string[] {
  const out: string[] = [];
  for (const run of fold(text).match(/[a-z]+(?:(?:-|\s+)[a-z]+)*/g) ?? []) {
    let cardinals: string[] = [];
    let before = '';
    const flush = () => {
      if (cardinals.length === 0) return;
      const value = cardinalValue(cardinals);
      // « un », « une » alone are articles far more often than figures; « pour cent » is a percent sign
      const figure = cardinals.length > 1 ? true : value !== 1 && !(value === 100 && before === 'pour');
      if (figure && !(value === 2 && BOTH.has(before))) out.push(String(value));
      cardinals = [];
    };
    for (const w of run.split(/-|\s+/)) {
      if (CARDINALS.has(w)) cardinals.push(w);
      else if (!(w === 'et' && cardinals.length > 0)) {
        flush();
        before = w;
      }
    }
    flush();
  }
  return out;
}

function cardinalValue(words: string[]): number {
  let total = 0;
  let current = 0;
  for (const w of words) {
    const v = CARDINALS.get(w)!;
    if (v === 1000) {
      total += (current || 1) * 1000;
      current = 0;
    } else if (v === 100) current = (current || 1) * 100;
    else if (v === 20 && current % 100 === 4) current += 76; // quatre-vingt(s): 4 × 20
    else current += v;
  }
  return total + current;
}

/** URLs and bare domains written in a text, normalised for comparison (lower case host, no trailing punctuation). */
export function urls(text: string): string[] {
  const found = text.match(/\bhttps?:\/\/[^\s<>()"'\]]+|\bwww\.[^\s<>()"'\]]+/gi) ?? [];
  return found.map((u) => u.replace(/[.,;:!?]+$/, '').toLowerCase());
}
