/**
 * How well a passage supports a claim. Lexical: the share of the claim's content terms found in the
 * best window of the passage (two sentences, with the passage's title and headings), penalised for figures
 * and links the passage does not contain and for a denial the claim drops; optionally blended with an
 * embedding similarity. Also finds the passage span that best supports the claim, quoted back to the user.
 * Pure.
 *
 * Measured with `npm run bench:support` on labelled claims (bench/claims): the words a claim shares with the
 * question weigh a quarter, because a claim made of the question's topic words and an invented predicate
 * (« Le congé de maternité est supprimé [1] ») found its topic words in every passage on the topic.
 */
import { LRUCache } from 'lru-cache';
import { fold } from '@cite/core/text/fold.js';
import { stripMarkers } from './citations.js';
import { splitSentences, type Sentence } from './sentences.js';
import { numbers, termSet, urls } from './text.js';

export interface SupportOptions {
  /** Cosine similarity of the claim and passage embeddings, when an embedder is at hand. */
  embeddingSimilarity?: number;
  /** Weight of the embedding similarity in the blend (0..1). */
  embeddingWeight?: number;
  /** The question's terms: a claim repeating them says nothing the passage has to back. */
  given?: ReadonlySet<string>;
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

/** Weight of a claim term the question already holds, against 1 for a term the claim adds. */
const GIVEN_WEIGHT = 0.25;
/** Consecutive passage sentences a claim may draw on (a claim often joins two statements). */
const WINDOW_SENTENCES = 2;
/** Factor for each figure the passage does not contain, and for a denial the claim leaves out. */
const MISSING_FIGURE_FACTOR = 0.5;
const DROPPED_DENIAL_FACTOR = 0.5;
/** Share of the claim's own words, among those the window holds, that the window only denies. */
const DENIED_SHARE = 1 / 3;

/**
 * Words that deny what their clause says (folded). A bare « ne » is not one: « ne … que » restricts, and
 * « ne peut être inférieure à » sets a floor.
 */
const DENIAL_WORDS = ['pas', 'jamais', 'aucune?s?', 'nulle?s?', 'interdite?s?', 'interdiction', 'impossible', 'ni', 'not', 'never', 'cannot'];
const DENIAL = wordsPattern(DENIAL_WORDS);

/**
 * Denials, and the words that say the same in other terms: « exonérées » for « n'ont pas à payer », « exclus »
 * for « ne s'applique pas », « limitée à » for « ne peut pas dépasser », « ne … que ».
 */
const DENIAL_IN_OTHER_WORDS = wordsPattern([
  ...DENIAL_WORDS, 'interdi\\w*', 'sans', 'exon\\w*', 'exclu\\w*', 'dispens\\w*', 'facultati\\w*', 'refus\\w*', 'seule?s?', 'seulement',
  'uniquement', 'limit\\w*', 'maxim\\w*', 'plafon\\w*', 'inferieur\\w*', 'superieur\\w*', 'depass\\w*', 'prohib\\w*',
  'absence', 'hors', 'sauf', 'except\\w*', 'non', 'que', 'qu',
]);

function wordsPattern(words: string[]): RegExp {
  return new RegExp(`\\b(?:${words.join('|')})\\b`);
}

export function denies(text: string): boolean {
  return DENIAL.test(fold(text));
}

/** Clauses of a sentence: cut at punctuation and at the words that open a condition or an exception. */
function clauses(text: string): string[] {
  return text.split(/[,;:()]|\s(?:mais|sauf|si|lorsque|lorsqu|toutefois|quand)\b/i).filter((c) => c.trim());
}

/** A passage read once for every sentence that cites it: its sentences, and their words and clauses. */
interface PreparedPassage {
  sentences: Sentence[];
  terms: Set<string>[];
  clauses: { terms: Set<string>; denies: boolean }[][];
}

/**
 * What was read lately of a text, by text: an answer checks each of its sentences against the same few sources,
 * and would read each one again for every sentence citing it.
 */
function recently<T extends object>(read: (text: string) => T): (text: string) => T {
  const seen = new LRUCache<string, T>({ max: 256 });
  return (text) => {
    let value = seen.get(text);
    if (!value) {
      value = read(text);
      seen.set(text, value);
    }
    return value;
  };
}

const prepare = recently((text): PreparedPassage => {
  const sentences = splitSentences(text);
  return {
    sentences,
    terms: sentences.map((x) => termSet(x.text)),
    clauses: sentences.map((x) => clauses(x.text).map((c) => ({ terms: termSet(c), denies: denies(c) }))),
  };
});

/** The figures and links of a passage with its title and headings. */
const figuresOf = recently((text) => ({ numbers: new Set(numbers(text)), urls: urls(text) }));

/** The claim's terms, each weighing 1, or GIVEN_WEIGHT when the question holds it (unless it holds them all). */
function termWeights(claim: Set<string>, given?: ReadonlySet<string>): Map<string, number> {
  const adds = given ? [...claim].some((t) => !given.has(t)) : false;
  return new Map([...claim].map((t) => [t, adds && given!.has(t) ? GIVEN_WEIGHT : 1]));
}

function weightOf(weights: Map<string, number>, found: Set<string>, also?: Set<string>): number {
  let hit = 0;
  for (const [t, w] of weights) if (found.has(t) || also?.has(t)) hit += w;
  return hit;
}

/** The run of at most WINDOW_SENTENCES sentences (with the title and headings) that holds the most of the claim. */
function bestWindow(
  weights: Map<string, number>,
  passage: PreparedPassage,
  context: Set<string>,
): { coverage: number; from: number; to: number } {
  const n = passage.sentences.length;
  let total = 0;
  for (const w of weights.values()) total += w;
  if (total === 0) return { coverage: 1, from: 0, to: n - 1 };
  if (n === 0) return { coverage: weightOf(weights, context) / total, from: 0, to: -1 };
  let best = { coverage: -1, from: 0, to: 0 };
  for (let i = 0; i < n; i++) {
    const found = new Set<string>();
    for (let j = i; j < Math.min(i + WINDOW_SENTENCES, n); j++) {
      for (const t of passage.terms[j]!) found.add(t);
      const coverage = weightOf(weights, found, context) / total;
      if (coverage > best.coverage) best = { coverage, from: i, to: j };
    }
  }
  return best;
}

/**
 * Whether the claim leaves out a denial of the passage: the claim says in no words of denial what the window
 * says only in clauses that deny it (« … est due » where the window has « … n'est pas due »). Weighed on the
 * claim's own words (not the question's): a third of those the window holds.
 */
function dropsDenial(
  claim: string,
  weights: Map<string, number>,
  passage: PreparedPassage,
  window: { from: number; to: number },
): boolean {
  if (DENIAL_IN_OTHER_WORDS.test(fold(claim))) return false;
  const plain = new Set<string>();
  const denied = new Set<string>();
  for (let i = window.from; i <= window.to; i++) {
    for (const clause of passage.clauses[i]!) for (const t of clause.terms) (clause.denies ? denied : plain).add(t);
  }
  let held = 0;
  let onlyDenied = 0;
  for (const [t, w] of weights) {
    if (w < 1 || !(plain.has(t) || denied.has(t))) continue;
    held += w;
    if (!plain.has(t)) onlyDenied += w;
  }
  return held > 0 && onlyDenied / held >= DENIED_SHARE;
}

/** Figures and links in the claim that the passage does not contain: each one lowers the score. */
function unbackedFactors(claim: string, passageText: string): { numbers: number; links: number } {
  const passage = figuresOf(passageText);
  const missingNumbers = numbers(claim).filter((n) => !passage.numbers.has(n)).length;
  const missingLinks = urls(claim).filter((u) => !passage.urls.some((p) => p.startsWith(u) || u.startsWith(p))).length;
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
  const read = prepare(passage.text);
  const weights = termWeights(claimTerms, options.given);
  const window = bestWindow(weights, read, termSet(context));

  let lexical = window.coverage;
  const missing = unbackedFactors(claim, `${context} ${passage.text}`);
  if (missing.links > 0) lexical = 0;
  lexical *= Math.pow(MISSING_FIGURE_FACTOR, missing.numbers);
  if (dropsDenial(claim, weights, read, window)) lexical *= DROPPED_DENIAL_FACTOR;

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
  const { sentences, terms } = prepare(text);
  if (sentences.length === 0) return { quote: text.slice(0, 300), start: 0, end: Math.min(300, text.length) };
  let best = { value: -1, from: 0, to: 0 };
  for (let i = 0; i < sentences.length; i++) {
    for (let j = i; j < Math.min(i + 2, sentences.length); j++) {
      let hit = 0;
      for (const t of claimTerms) if (terms[i]!.has(t) || (j > i && terms[j]!.has(t))) hit++;
      // A second sentence must earn its place: it has to add matched terms.
      const value = hit - (j - i) * 0.5;
      if (value > best.value) best = { value, from: i, to: j };
    }
  }
  const start = sentences[best.from].start;
  const end = sentences[best.to].end;
  return { quote: text.slice(start, end), start, end };
}
