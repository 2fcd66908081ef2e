/**
 * Guesses the language of a question so answers (and abstentions) come back in it. French is the
 * default: sources and users are French, and a short ambiguous question is far more likely French.
 */
import { words } from './text.js';

export type AnswerLanguage = 'fr' | 'en';

const FRENCH_HINTS = new Set([
  'le', 'la', 'les', 'de', 'des', 'du', 'un', 'une', 'est', 'et', 'en', 'au', 'aux', 'que', 'qui', 'quoi',
  'quel', 'quelle', 'quels', 'quelles', 'comment', 'pourquoi', 'quand', 'combien', 'je', 'mon', 'ma', 'mes',
  'pour', 'dans', 'sur', 'avec', 'peut', 'puis', 'dois', 'doit', 'faut', 'il', 'elle', 'ce', 'cette', 'qu',
  'est-ce', 'on', 'son', 'sa', 'ses', 'suis', 'ai', 'avoir', 'etre', 'ou', 'pas', 'ne', 'vous', 'nous',
]);
const ENGLISH_HINTS = new Set([
  'the', 'is', 'are', 'what', 'how', 'when', 'why', 'who', 'which', 'can', 'do', 'does', 'did', 'of', 'to',
  'in', 'for', 'my', 'i', 'a', 'an', 'and', 'with', 'should', 'must', 'have', 'has', 'it', 'be', 'this',
  'that', 'there', 'get', 'much', 'many', 'need', 'about', 'on', 'from', 'will', 'would', 'could',
]);

export function detectLanguage(text: string): AnswerLanguage {
  let fr = 0;
  let en = 0;
  for (const w of words(text)) {
    if (FRENCH_HINTS.has(w)) fr++;
    if (ENGLISH_HINTS.has(w)) en++;
  }
  // Accented letters and elisions (l', d', qu') are strong French signals.
  if (/[éèêàùçôîœ]/i.test(text)) fr += 2;
  if (/\b(l|d|qu|j|n|s|c)['’]\p{L}/iu.test(text)) fr += 2;
  return en > fr ? 'en' : 'fr';
}
