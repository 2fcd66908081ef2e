/**
 * Answers without a language model: the sentences of the retrieved passages that best match the
 * question, quoted verbatim and cited. The answer says it is extractive. It quotes one document,
 * the one covering the question best (ties: the search rank), so citations stay on topic; another
 * document is quoted only when it covers the question better.
 */
import { relevance } from './abstain.js';
import type { AnswerLanguage } from './language.js';
import { splitSentences } from './sentences.js';
import { fold, termSet } from './text.js';
import type { NumberedSource } from './types.js';

export interface ExtractiveOptions {
  maxSentences?: number;
  maxChars?: number;
  /** A sentence from another document than the best one must score at least this share of the best. */
  otherDocumentRatio?: number;
  /** A further sentence of the best document must score at least this share of the best. */
  sameDocumentRatio?: number;
}

const DEFAULTS: Required<ExtractiveOptions> = {
  maxSentences: 4,
  maxChars: 1000,
  otherDocumentRatio: 0.9,
  sameDocumentRatio: 0.55,
};

const MAX_SENTENCE_CHARS = 450;

interface Candidate {
  n: number;
  documentKey: string;
  text: string;
  score: number;
  order: number;
}

export const EXTRACTIVE_INTRO: Record<AnswerLanguage, string> = {
  fr: 'Réponse extractive (aucun modèle de langue configuré), extraits des sources les plus pertinentes :',
  en: 'Extractive answer (no language model configured), excerpts from the most relevant sources:',
};

/**
 * Sentences worth quoting: not headings (short, no final punctuation), not lead-ins ending with a
 * colon, not table rows or link lists.
 */
export function quotable(text: string): boolean {
  const words = text.split(/\s+/).length;
  if (words < 4 || /:\s*$/.test(text)) return false;
  if (/^\s*\|/.test(text) || /^#{1,6}\s/.test(text)) return false;
  const ended = /[.!?…»)"]\s*$/.test(text);
  return ended || words >= 12;
}

function trimSentence(text: string): string {
  if (text.length <= MAX_SENTENCE_CHARS) return text;
  const cut = text.slice(0, MAX_SENTENCE_CHARS);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 200))}…`;
}

export function extractiveAnswer(
  question: string,
  sources: NumberedSource[],
  language: AnswerLanguage,
  options: ExtractiveOptions = {},
): { text: string; used: number[] } {
  const o = { ...DEFAULTS, ...options };
  const q = termSet(question);
  const candidates: Omit<Candidate, 'score'>[] = [];
  const sentenceTerms: Set<string>[] = [];
  const docRelevance = new Map<number, number>();
  for (const s of sources) {
    docRelevance.set(s.n, relevance(q, s));
    splitSentences(s.text).forEach((sentence, i) => {
      if (!quotable(sentence.text)) return;
      candidates.push({ n: s.n, documentKey: s.document.url, text: sentence.text, order: i });
      sentenceTerms.push(termSet(sentence.text));
    });
  }
  if (candidates.length === 0) return { text: '', used: [] };

  // Rare question terms weigh more: inverse frequency over the candidate sentences.
  const idf = new Map<string, number>();
  for (const t of q) {
    const df = sentenceTerms.reduce((c, st) => c + (st.has(t) ? 1 : 0), 0);
    idf.set(t, Math.log((candidates.length + 1) / (df + 0.5)) + 0.1);
  }
  const totalIdf = [...idf.values()].reduce((a, b) => a + b, 0) || 1;

  const scored: Candidate[] = candidates.map((c, i) => {
    let overlap = 0;
    for (const t of q) if (sentenceTerms[i].has(t)) overlap += idf.get(t) ?? 0;
    const rank = c.n;
    const score =
      0.55 * (overlap / totalIdf) +
      0.3 * (docRelevance.get(c.n) ?? 0) +
      0.1 / rank +
      (c.order === 0 ? 0.05 : c.order === 1 ? 0.025 : 0);
    return { ...c, score };
  });
  scored.sort((a, b) => b.score - a.score);

  // The answer leans on one document: the best-covering one, ties going to the search rank.
  // Another document is quoted only when it covers the question better than that one does.
  let primary = sources[0]!;
  for (const src of sources) if ((docRelevance.get(src.n) ?? 0) > (docRelevance.get(primary.n) ?? 0)) primary = src;
  const primaryRelevance = docRelevance.get(primary.n) ?? 0;
  const eligible = scored.filter((c) => c.documentKey === primary.document.url || (docRelevance.get(c.n) ?? 0) > primaryRelevance);
  const best = eligible[0] ?? scored[0]!;
  const chosen: Candidate[] = [best];
  const seen = new Set([fold(best.text)]);
  let chars = best.text.length;
  for (const c of eligible.slice(1)) {
    if (chosen.length >= o.maxSentences) break;
    const ratio = c.documentKey === best.documentKey ? o.sameDocumentRatio : o.otherDocumentRatio;
    if (c.score < best.score * ratio) continue;
    const key = fold(c.text);
    if (seen.has(key) || chars + c.text.length > o.maxChars) continue;
    seen.add(key);
    chars += c.text.length;
    chosen.push(c);
  }
  // Read in source order, then in passage order, as a human would quote them.
  chosen.sort((a, b) => a.n - b.n || a.order - b.order);
  const quotes = chosen.map((c) => `« ${trimSentence(c.text)} » [${c.n}]`);
  return { text: `${EXTRACTIVE_INTRO[language]}\n\n${quotes.join('\n\n')}`, used: [...new Set(chosen.map((c) => c.n))] };
}
