/**
 * How well a passage supports a claim. Lexical: the share of the claim's content terms found in
 * the passage (with its title and headings), penalised for figures and links the passage does not
 * contain; optionally blended with an embedding similarity. Also finds the passage span that best
 * supports the claim, quoted back to the user. Pure.
 */
import { stripMarkers } from './citations.js';
import { splitSentences } from './sentences.js';
import { numbers, termSet, urls } from './text.js';

export interface SupportOptions {
  /** Cosine similarity of the claim and passage embeddings, when an embedder is at hand. */
  embeddingSimilarity?: number;
  /** Weight of the embedding similarity in the blend (0..1). */
  embeddingWeight?: number;
}

export interface Support {
  /** 0..1 */
  score: number;
  /** The passage sentence(s) that best support the claim, verbatim. */
  quote: string;
  /** Offsets of the quote in the passage text. */
  start: number;
  end: number;
}

export const DEFAULT_SUPPORT_THRESHOLD = 0.5;

function coverage(claim: Set<string>, passage: Set<string>): number {
  if (claim.size === 0) return 1;
  let hit = 0;
  for (const t of claim) if (passage.has(t)) hit++;
  return hit / claim.size;
}

/** Figures and links in the claim that the passage does not contain: each one lowers the score. */
function unbackedFactors(claim: string, passageText: string): { numbers: number; links: number } {
  const passageNumbers = new Set(numbers(passageText));
  const passageUrls = urls(passageText);
  const missingNumbers = numbers(claim).filter((n) => !passageNumbers.has(n)).length;
  const missingLinks = urls(claim).filter((u) => !passageUrls.some((p) => p.startsWith(u) || u.startsWith(p))).length;
  return { numbers: missingNumbers, links: missingLinks };
}

export function supportScore(
  claimWithMarkers: string,
  passage: { text: string; title?: string; headingPath?: string[] },
  options: SupportOptions = {},
): Support {
  const claim = stripMarkers(claimWithMarkers);
  const claimTerms = termSet(claim);
  const context = [passage.title ?? '', ...(passage.headingPath ?? [])].join(' ');
  const passageTerms = termSet(`${context} ${passage.text}`);
  let lexical = coverage(claimTerms, passageTerms);
  const missing = unbackedFactors(claim, `${context} ${passage.text}`);
  if (missing.links > 0) lexical = 0;
  lexical *= Math.pow(0.5, missing.numbers);

  let score = lexical;
  if (options.embeddingSimilarity !== undefined && missing.links === 0) {
    const w = options.embeddingWeight ?? 0.3;
    score = (1 - w) * lexical + w * Math.max(0, options.embeddingSimilarity);
  }

  const quote = bestSpan(claimTerms, passage.text);
  return { score: Math.max(0, Math.min(1, score)), ...quote };
}

/** The passage sentence, or pair of adjacent sentences, sharing the most terms with the claim. */
export function bestSpan(claimTerms: Set<string>, text: string): { quote: string; start: number; end: number } {
  const sentences = splitSentences(text);
  if (sentences.length === 0) return { quote: text.slice(0, 300), start: 0, end: Math.min(300, text.length) };
  let best = { value: -1, from: 0, to: 0 };
  for (let i = 0; i < sentences.length; i++) {
    for (let j = i; j < Math.min(i + 2, sentences.length); j++) {
      const spanTerms = termSet(text.slice(sentences[i].start, sentences[j].end));
      let hit = 0;
      for (const t of claimTerms) if (spanTerms.has(t)) hit++;
      // A second sentence must earn its place: it has to add matched terms.
      const value = hit - (j - i) * 0.5;
      if (value > best.value) best = { value, from: i, to: j };
    }
  }
  const start = sentences[best.from].start;
  const end = sentences[best.to].end;
  return { quote: text.slice(start, end), start, end };
}
