/**
 * Recognising a language model's refusal. The prompt asks the model to start with the sentinel and
 * say in one sentence what the sources lack; models also decline in plain words without it ("Les
 * sources fournies ne permettent pas de répondre…"). Either way the outcome is an abstention, never
 * an answer that cites nothing.
 */
import { ABSTAIN_SENTINEL } from './prompt.js';
import { stripMarkers } from './citations.js';

export interface ModelRefusal {
  /** The model's own explanation, when it gave one (sentinel and markers removed, bounded). */
  explanation: string | null;
}

const MAX_EXPLANATION_CHARS = 300;
/** A plain-words refusal is short; a long text that merely contains such a phrase is an answer. */
const MAX_PLAIN_REFUSAL_CHARS = 600;

const REFUSAL = [
  /\b(?:les|ces) sources?(?: fournies| disponibles| données)? ne (?:permett|contienn|mentionn|trait|couvr|indiqu|précis|donn|perm)/i,
  /\baucune (?:des )?sources?\b.{0,40}\bne\b/i,
  /\bje ne (?:peux|suis pas en mesure de|dispose pas|trouve pas|sais pas)\b/i,
  /\bje n'ai (?:pas|trouvé aucune?)\b/i,
  /\bil n'est pas possible de répondre\b/i,
  /\bthe (?:provided |given )?sources? (?:do|does) not\b/i,
  /\bI (?:cannot|can't|could not|couldn't|am unable to)\b/i,
  /\bno (?:information|source)\b.{0,40}\b(?:available|provided|given)\b/i,
];

export function modelRefusal(text: string, verifiedCitations: number): ModelRefusal | null {
  const sentinel = new RegExp(`\\[*\\s*${ABSTAIN_SENTINEL}\\s*\\]*`, 'g');
  const hasSentinel = sentinel.test(text);
  const plain = stripMarkers(text.replace(sentinel, ' ')).replace(/\s+/g, ' ').trim();
  if (!hasSentinel) {
    if (verifiedCitations > 0 || plain.length > MAX_PLAIN_REFUSAL_CHARS) return null;
    if (!REFUSAL.some((r) => r.test(plain))) return null;
  } else if (verifiedCitations > 0 && plain.length > MAX_PLAIN_REFUSAL_CHARS) {
    // A long cited answer that mentions the sentinel in passing is still an answer.
    return null;
  }
  if (!plain) return { explanation: null };
  return { explanation: plain.length > MAX_EXPLANATION_CHARS ? `${plain.slice(0, MAX_EXPLANATION_CHARS)}…` : plain };
}
