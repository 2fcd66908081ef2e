/**
 * Checks a generated answer against the sources it was given, after generation: markers pointing
 * at no source are removed, links found in no source are replaced, and every sentence that makes a
 * claim must cite a source that supports it, or it is reported in `unsupported`. Pure.
 */
import { parseCitations } from './citations.js';
import type { AnswerLanguage } from './language.js';
import { splitSentences } from './sentences.js';
import { DEFAULT_SUPPORT_THRESHOLD, supportScore } from './support.js';
import { terms, urls } from './text.js';
import type { Citation, NumberedSource, UnsupportedSentence, VerifiedAnswer } from './types.js';

export interface VerifyOptions {
  language?: AnswerLanguage;
  /** Minimum support score for a citation to back a sentence. */
  threshold?: number;
  /** Embedding similarity of a sentence and a source, when an embedder is available. */
  similarity?: (sentence: string, source: NumberedSource) => number | undefined;
}

const LINK_REMOVED: Record<AnswerLanguage, string> = { fr: '(lien retiré)', en: '(link removed)' };

/** Markdown links and bare URLs. */
const LINK = /\[([^\]\n]{0,200})\]\((https?:\/\/[^\s)]+)\)|\bhttps?:\/\/[^\s<>()"'\]]+|\bwww\.[^\s<>()"'\]]+/gi;

function knownUrls(sources: NumberedSource[]): string[] {
  const known: string[] = [];
  for (const s of sources) {
    known.push(s.document.url.toLowerCase().replace(/\/+$/, ''));
    for (const u of urls(s.text)) known.push(u.replace(/\/+$/, ''));
  }
  return known;
}

function isKnown(url: string, known: string[]): boolean {
  const u = url.replace(/[.,;:!?]+$/, '').toLowerCase().replace(/\/+$/, '');
  const bare = u.replace(/^https?:\/\//, '').replace(/^www\./, '');
  return known.some((k) => {
    const kb = k.replace(/^https?:\/\//, '').replace(/^www\./, '');
    return kb === bare || kb.startsWith(`${bare}/`) || kb.startsWith(`${bare}#`) || kb.startsWith(`${bare}?`);
  });
}

/** Sentences that state something: not headings, not lead-ins ending with a colon, not a few words. */
export function isClaim(sentence: string): boolean {
  const s = sentence.replace(/\[\d+\]/g, '').trim();
  if (/^#{1,6}\s/.test(s)) return false;
  if (/:\s*$/.test(s)) return false;
  return terms(s).length >= 3;
}

export function verifyAnswer(text: string, sources: NumberedSource[], options: VerifyOptions = {}): VerifiedAnswer {
  const language = options.language ?? 'fr';
  const threshold = options.threshold ?? DEFAULT_SUPPORT_THRESHOLD;
  const parsed = parseCitations(text, sources.length);

  const known = knownUrls(sources);
  let removedLinks = 0;
  const placeholder = LINK_REMOVED[language];
  const answer = parsed.text.replace(LINK, (match, label: string | undefined, target: string | undefined) => {
    const url = target ?? match;
    if (isKnown(url, known)) return match;
    removedLinks++;
    return label ? `${label} ${placeholder}` : placeholder;
  });

  const byN = new Map(sources.map((s) => [s.n, s]));
  const best = new Map<number, { score: number; quote: string; supported: boolean }>();
  const unsupported: UnsupportedSentence[] = [];

  for (const sentence of splitSentences(answer)) {
    const cited = [...new Set([...sentence.text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))].filter((n) =>
      byN.has(n),
    );
    const hasRemovedLink = sentence.text.includes(placeholder);
    let top = 0;
    for (const n of cited) {
      const source = byN.get(n)!;
      const support = supportScore(
        sentence.text,
        { text: source.text, title: source.document.title, headingPath: source.heading_path },
        { embeddingSimilarity: options.similarity?.(sentence.text, source) },
      );
      top = Math.max(top, support.score);
      const ok = support.score >= threshold && !hasRemovedLink;
      const prev = best.get(n);
      if (!prev || support.score > prev.score) best.set(n, { score: support.score, quote: support.quote, supported: ok || !!prev?.supported });
      else if (ok) prev.supported = true;
    }
    const base = { sentence: sentence.text, start: sentence.start, end: sentence.end, cited, support: top };
    if (hasRemovedLink) unsupported.push({ ...base, reason: 'unknown_link' });
    else if (cited.length === 0) {
      if (isClaim(sentence.text)) unsupported.push({ ...base, reason: 'no_citation' });
    } else if (top < threshold) unsupported.push({ ...base, reason: 'not_supported' });
  }

  const citations: Citation[] = [];
  for (const n of parsed.used) {
    const source = byN.get(n);
    const b = best.get(n);
    if (!source || !b) continue;
    citations.push({
      n,
      chunk_id: source.chunk_id,
      document_id: source.document.id,
      url: source.document.url,
      title: source.document.title,
      heading_path: source.heading_path,
      locator: source.locator,
      quote: b.quote,
      support: Math.round(b.score * 1000) / 1000,
      supported: b.supported,
    });
  }
  return { answer, citations, unsupported, removed_citations: parsed.removed, removed_links: removedLinks };
}

/** True when the model used the abstention sentinel the prompt asks for. */
export function isModelAbstention(text: string): boolean {
  return /\bNO_ANSWER\b/.test(text);
}
