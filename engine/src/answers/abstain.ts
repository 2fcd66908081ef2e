/**
 * Deciding not to answer. Search scores (fused ranks) say how passages compare with each other,
 * not whether any of them is about the question, so relevance is judged here on the question's own
 * content terms: if no passage covers enough of them, Cité says so instead of answering.
 */
import type { AnswerLanguage } from './language.js';
import { termSet } from './text.js';
import type { RetrievedPassage } from './types.js';

export const DEFAULT_MIN_RELEVANCE = 0.5;

/** Share of the question's content terms found in the passage, its title or its headings. */
export function relevance(question: string | Set<string>, passage: RetrievedPassage): number {
  const q = typeof question === 'string' ? termSet(question) : question;
  if (q.size === 0) return 0;
  const p = termSet(`${passage.document.title} ${passage.heading_path.join(' ')} ${passage.text}`);
  let hit = 0;
  for (const t of q) if (p.has(t)) hit++;
  return hit / q.size;
}

export interface AbstainDecision {
  abstain: boolean;
  /** Best relevance over the passages (0..1). */
  best: number;
  /** Passages kept as relevant enough, in rank order. */
  relevant: RetrievedPassage[];
}

export function decideAbstention(
  question: string,
  passages: RetrievedPassage[],
  minRelevance = DEFAULT_MIN_RELEVANCE,
): AbstainDecision {
  const q = termSet(question);
  const scored = passages.map((p) => ({ p, r: relevance(q, p) }));
  const best = scored.reduce((m, s) => Math.max(m, s.r), 0);
  const relevant = scored.filter((s) => s.r >= minRelevance).map((s) => s.p);
  return { abstain: relevant.length === 0, best, relevant };
}

export interface ClosestSource {
  url: string;
  title: string;
  chunk_id: number | string;
}

/** Distinct documents among the passages, best first. */
export function closestSources(passages: RetrievedPassage[], max = 3): ClosestSource[] {
  const seen = new Set<string>();
  const out: ClosestSource[] = [];
  for (const p of passages) {
    if (seen.has(p.document.url)) continue;
    seen.add(p.document.url);
    out.push({ url: p.document.url, title: p.document.title || p.document.url, chunk_id: p.chunk_id });
    if (out.length >= max) break;
  }
  return out;
}

/** The plain statement returned instead of an answer. */
export function abstentionText(language: AnswerLanguage, closest: ClosestSource[]): string {
  const list = closest.map((c) => `- ${c.title} — ${c.url}`).join('\n');
  if (language === 'en') {
    const head =
      'I could not find information relevant enough in the available sources to answer this question, so I will not answer it.';
    return closest.length ? `${head}\n\nClosest sources:\n${list}` : head;
  }
  const head =
    "Je n'ai pas trouvé, dans les sources disponibles, d'information suffisamment pertinente pour répondre à cette question : je préfère ne pas répondre.";
  return closest.length ? `${head}\n\nSources les plus proches :\n${list}` : head;
}
