/**
 * Checks a generated answer against the sources it was given, after generation: markers pointing
 * at no source are removed, links found in no source are replaced, and every sentence that makes a
 * claim must cite a source that supports it, or it is reported in `unsupported`. Pure.
 */
import { citationLink, citationLocator } from './citation-link.js';
import { parseCitations, stripMarkers } from './citations.js';
import type { AnswerLanguage } from './language.js';
import { splitSentences } from './sentences.js';
import { DEFAULT_SUPPORT_THRESHOLD, supportScore } from './support.js';
import { terms, termSet, urls } from './text.js';
import type { Citation, NumberedSource, UnsupportedSentence, VerifiedAnswer } from './types.js';

export interface VerifyOptions {
  language?: AnswerLanguage;
  /** Minimum support score for a citation to back a sentence. */
  threshold?: number;
  /** Embedding similarity of a sentence and a source, when an embedder is available. */
  similarity?: (sentence: string, source: NumberedSource) => number | undefined;
  /** The question answered: the words a sentence takes from it are no evidence that a source backs it. */
  question?: string;
}

const LINK_REMOVED: Record<AnswerLanguage, string> = { fr: '(lien retiré)', en: '(link removed)' };

/**
 * Links that run or hold content rather than lead to a page: a chat client that renders the answer's Markdown
 * (chat completions) would make them clickable. No source is a reason for one: always replaced.
 */
const SCRIPT_LINK =
  /\[([^\]\n]{0,200})\]\(\s*(?:javascript|vbscript|data|file):[^)]*\)|\b(?:javascript|vbscript):[^\s<>"'\]]+|\bdata:[a-z]+\/[^\s<>"'\]]+/gi;

/** Markdown links and bare URLs. */
const LINK = /\[([^\]\n]{0,200})\]\((https?:\/\/[^\s)]+)\)|\bhttps?:\/\/[^\s<>()"'\]]+|\bwww\.[^\s<>()"'\]]+/gi;

function normaliseUrl(url: string): string {
  return url
    .replace(/[.,;:!?]+$/, '')
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/\/+$/, '');
}

/**
 * A link may appear in an answer when it is the address of a retrieved document, or when it is
 * written in a source the same sentence cites. A link copied from an uncited passage is exactly
 * what an injected instruction would produce, so it is replaced.
 */
function linkAllowed(url: string, cited: NumberedSource[], all: NumberedSource[]): boolean {
  const u = normaliseUrl(url);
  const matches = (k: string) => {
    const kb = normaliseUrl(k);
    return kb === u || kb.startsWith(`${u}/`) || kb.startsWith(`${u}#`) || kb.startsWith(`${u}?`);
  };
  if (all.some((s) => matches(s.document.url))) return true;
  return cited.some((s) => urls(s.text).some(matches));
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
  const given = options.question === undefined ? undefined : termSet(options.question);

  const byN = new Map(sources.map((s) => [s.n, s]));
  const best = new Map<number, { score: number; quote: string; start: number; supported: boolean }>();
  const unsupported: UnsupportedSentence[] = [];
  const placeholder = LINK_REMOVED[language];
  let removedLinks = 0;
  let answer = '';
  let last = 0;

  for (const sentence of splitSentences(parsed.text)) {
    const cited = [...new Set([...sentence.text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))].filter((n) => byN.has(n));
    const citedSources = cited.map((n) => byN.get(n)!);
    let removedHere = 0;
    const replaced = (label: string | undefined) => {
      removedHere++;
      return label ? `${label} ${placeholder}` : placeholder;
    };
    const text = sentence.text
      .replace(SCRIPT_LINK, (_match, label: string | undefined) => replaced(label))
      .replace(LINK, (match, label: string | undefined, target: string | undefined) =>
        linkAllowed(target ?? match, citedSources, sources) ? match : replaced(label),
      );
    removedLinks += removedHere;
    const start = answer.length + (sentence.start - last);
    answer += parsed.text.slice(last, sentence.start) + text;
    last = sentence.end;

    // A citation stands behind what its sentence says: a sentence of markers or stop words alone says
    // nothing, and its empty claim, "covered" in full by any passage, must not make a citation supported.
    const says = terms(stripMarkers(text)).length > 0;
    let top = 0;
    for (const n of cited) {
      const source = byN.get(n)!;
      const support = supportScore(
        text,
        { text: source.text, title: source.document.title, headingPath: source.heading_path },
        { embeddingSimilarity: options.similarity?.(text, source), given },
      );
      const score = says ? support.score : 0;
      top = Math.max(top, score);
      const ok = says && score >= threshold && removedHere === 0;
      const prev = best.get(n);
      if (!prev || score > prev.score) {
        best.set(n, { score, quote: support.quote, start: support.start, supported: ok || !!prev?.supported });
      } else if (ok) prev.supported = true;
    }
    const base = { sentence: text, start, end: start + text.length, cited, support: top };
    if (removedHere > 0) unsupported.push({ ...base, reason: 'unknown_link' });
    else if (cited.length === 0) {
      if (isClaim(text)) unsupported.push({ ...base, reason: 'no_citation' });
    } else if (says && top < threshold) unsupported.push({ ...base, reason: 'not_supported' });
  }
  answer += parsed.text.slice(last);

  const citations: Citation[] = [];
  for (const n of parsed.used) {
    const source = byN.get(n);
    const b = best.get(n);
    if (!source || !b) continue;
    const locator = citationLocator(source.locator, b.start);
    citations.push({
      n,
      chunk_id: source.chunk_id,
      document_id: source.document.id,
      url: source.document.url,
      title: source.document.title,
      heading_path: source.heading_path,
      locator,
      quote: b.quote,
      link: citationLink(source.document.url, locator, b.quote),
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
