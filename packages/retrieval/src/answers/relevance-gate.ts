/**
 * Deciding, before any answer is written, whether the retrieved passages cover the question.
 * Fused search ranks say how passages compare with each other, not whether any of them is about the
 * question; a word count says little either ("durée" and "congé" are everywhere in labour law, and
 * "maternité" is what matters). So each content word of the question is weighed by how rare it is
 * in the index (BM25's IDF) and by the part it plays (topic words count fully, action and framing
 * words less: question-terms.ts), and one passage must cover the weighted words together:
 * - coverage: the share of the question's weight whose words the passage holds (title and headings
 *   included);
 * - strength: the passage's BM25 score for those weights, divided by the most a passage can score
 *   (k1 + 1 per word): near 1 when the passage is about every word (repeated, or in its title),
 *   low when they only occur in passing.
 * - similarity: the cosine similarity of the passage's vector with the question's (the vector
 *   branch's view), when the index has one for this embedder.
 * Cité answers when one passage reaches the coverage and either the strength threshold on its own, or
 * a lower one confirmed by its similarity. The two kinds of evidence fail differently: BM25 strength
 * fails keyword queries and unusual words ("arret maladie avant et apres vacances": the rarest word is
 * in no passage, the rest is), while the hash embedder's character n-gram similarity is untroubled by
 * them but rates any passage of the same register fairly high. A passage both fairly strong and
 * fairly similar is rarely off topic. Measured on bench:abstain (labour-law index, hash embedder):
 * strength ≥ 0.48 alone declined 0.827 of off-topic questions and answered 0.886 of on-topic ones;
 * strength ≥ 0.55, or ≥ 0.40 with similarity ≥ 0.40: 0.907 and 0.898 (0.893 and 0.909 on today's index)
 * — and on questions worded otherwise (service-public titles, keyword queries; never tuned on),
 * 0.812/0.75 → 0.875/0.77; on bench/queries/abstain-heldout.jsonl, 0.917/0.717.
 * A rare word can reach the coverage alone in a short question ("médiation", 0.57 of « Qu'est-ce que la
 * médiation familiale ? », found in a passage on harassment): a passage must also hold two of the topic
 * words the index knows when the question has two or more (ANSWER_MIN_TOPIC_WORDS). Measured: declined
 * 0.893 → 0.920 on the development set, answered unchanged (0.898); on the held-out set neither moved
 * (0.917/0.717): no on-topic question there was answered by a passage holding one topic word only.
 * Counting coverage per document (its retrieved passages together) instead of per passage, and asking
 * for the heaviest topic word, were measured too: each traded one kind of error for the other on the
 * held-out set (0.883/0.75; 0.883/0.733), so neither is used.
 * A passage writing a word derived from the question's holds it (« intérimaire » for « intérim »,
 * term-evidence.ts), for the decision; the passages an answer quotes are those the gate passes first
 * (`passes`), then by the question's own words (`own_strength`). Measured: development set
 * 0.920/0.898 → 0.907/0.909, held-out 0.917/0.733 → 0.917/0.750, spf-qa citation precision and gold
 * recall 0.952/0.962 → 0.957/0.971 (ordering by the derived forms too cost one gold source there:
 * 0.948/0.952). Counting a derived form at 0.5–0.8 of its impact lost the on-topic question it gained,
 * and matching the other way too (« intérim » for « intérimaire ») declined only 0.880 of the
 * development set's off-topic questions.
 * Pure: the evidence comes from the index (search/term-evidence.ts), so this is testable without a
 * database.
 */
import { HASH_EMBEDDER_VERSION } from '@cite/core/embeddings/hash-embedder.js';
import type { QueryEvidence } from '../search/term-evidence.js';
import { ROLE_WEIGHT, type QuestionWord } from './question-terms.js';
import type { RetrievedPassage } from './types.js';

export interface GateThresholds {
  /** Share of the question's weight one passage must hold (0–1). */
  minCoverage: number;
  /** Normalised BM25 strength that suffices on its own (0–1). */
  minStrength: number;
  /** Lower strength that suffices for a passage at least `minSimilarity` similar to the question. */
  confirmedStrength: number;
  /** Vector similarity confirming a passage; null: no vector evidence (strength alone decides). */
  minSimilarity: number | null;
  /**
   * Topic words the index knows that one passage must hold together (fewer when the question has fewer):
   * a passage holding only the heaviest one is about that word, not about the question.
   */
  minTopicWords: number;
}

export const DEFAULT_GATE: GateThresholds = { minCoverage: 0.5, minStrength: 0.55, confirmedStrength: 0.4, minSimilarity: null, minTopicWords: 2 };

/**
 * Hash-embedder similarity that confirms a passage. Its chance level is 0 ± 0.05 (search-service.ts,
 * vectorFloor); on the bench, the best passage of on-topic questions has a median similarity of 0.52,
 * off-topic ones 0.32. A trained model has its own scale (e5 similarities rarely fall below 0.7), not
 * measured: no confirmation unless ANSWER_MIN_SIMILARITY sets one.
 */
export const HASH_CONFIRMING_SIMILARITY = 0.4;

export function confirmingSimilarity(configured: number | undefined, embedder: { id: string } | null): number | null {
  if (configured !== undefined) return configured;
  return embedder?.id.startsWith(HASH_EMBEDDER_VERSION) ? HASH_CONFIRMING_SIMILARITY : null;
}

/** The most one word can add to a chunk's BM25 score (k1 + 1 with k1 = 1.2, as in the postings). */
const MAX_IMPACT = 2.2;

export interface WeightedTerm {
  /** Folded. */
  word: string;
  /** As the question spells it. */
  text: string;
  lexeme: string;
  role: QuestionWord['role'];
  df: number;
  /** Share of the question's total weight (sums to 1). */
  share: number;
  /** Names an article; `code`: the code the question names it of. */
  reference?: boolean;
  code?: string;
}

export interface PassageRelevance {
  chunk_id: string;
  coverage: number;
  strength: number;
  /**
   * The strength from the question's own words only, derived forms left out: what orders the passages
   * an answer quotes (a passage writing « européen » is about « Europe », but one writing « Europe »
   * comes first).
   */
  own_strength: number;
  /**
   * Whether this passage alone covers the question (what the gate asks of one passage to answer): the
   * answer leads with such a passage, the one the gate answered for.
   */
  passes: boolean;
  /** Cosine similarity with the question (null: no vector evidence for this passage). */
  similarity: number | null;
}

export type AbstainCode = 'no_terms' | 'no_passages' | 'unknown_terms' | 'terms_not_together' | 'weak_match' | 'article_not_found';

export interface GateDecision {
  abstain: boolean;
  code?: AbstainCode;
  /** Figures of the best passage (highest strength among those passing, else overall). */
  coverage: number;
  strength: number;
  similarity: number | null;
  thresholds: GateThresholds;
  best_chunk_id: string | null;
  /** The question's words by weight, heaviest first. */
  terms: WeightedTerm[];
  /**
   * Topic words the best passage lacks, heaviest first (as the question spells them); when it holds
   * every topic word, the action and framing words it lacks (a rare verb can outweigh a common noun).
   */
  missing: string[];
  /** Topic words no retrieved passage holds and the index does not know at all. */
  unknown: string[];
  /** Per retrieved passage, in retrieval order. */
  passages: PassageRelevance[];
}

const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function weighTerms(words: QuestionWord[], evidence: QueryEvidence): WeightedTerm[] {
  const byWord = new Map(words.map((w) => [w.word, w]));
  const raw = evidence.terms.map((t) => {
    const r = byWord.get(t.word)?.role ?? 'topic';
    const text = byWord.get(t.word)?.text ?? t.word;
    const { reference, code } = byWord.get(t.word) ?? {};
    const about = { ...(reference ? { reference } : {}), ...(code ? { code } : {}) };
    return { word: t.word, text, lexeme: t.lexeme, role: r, df: t.df, w: idf(evidence.chunkCount, t.df) * ROLE_WEIGHT[r], ...about };
  });
  const total = raw.reduce((s, t) => s + t.w, 0);
  return raw
    .map(({ w, ...t }) => ({ ...t, share: total > 0 ? w / total : 0 }))
    .sort((a, b) => b.share - a.share || a.word.localeCompare(b.word));
}

export function decideRelevance(
  words: QuestionWord[],
  evidence: QueryEvidence,
  passages: readonly RetrievedPassage[],
  thresholds: GateThresholds = DEFAULT_GATE,
): GateDecision {
  const terms = weighTerms(words, evidence);
  const own = new Map(evidence.terms.map((t) => [t.lexeme, t.impacts]));
  const derived = new Map(evidence.terms.map((t) => [t.lexeme, t.derived ?? {}]));
  const impactOf = (lexeme: string, id: string) => own.get(lexeme)?.[id] ?? derived.get(lexeme)?.[id];
  const held = (t: WeightedTerm, id: string) => impactOf(t.lexeme, id) !== undefined;
  const similarities = evidence.similarities ?? {};
  const scored: PassageRelevance[] = passages.map((p) => {
    const id = String(p.chunk_id);
    let coverage = 0;
    let strength = 0;
    let ownStrength = 0;
    for (const t of terms) {
      const impact = impactOf(t.lexeme, id);
      if (impact === undefined) continue;
      const part = (t.share * Math.min(impact, MAX_IMPACT)) / MAX_IMPACT;
      coverage += t.share;
      strength += part;
      if (own.get(t.lexeme)?.[id] !== undefined) ownStrength += part;
    }
    const similarity = similarities[id];
    return {
      chunk_id: id,
      coverage: round3(coverage),
      strength: round3(strength),
      own_strength: round3(ownStrength),
      passes: false,
      similarity: similarity === undefined || similarity === null ? null : round3(similarity),
    };
  });
  const confirmed = (s: PassageRelevance) =>
    thresholds.minSimilarity !== null && s.similarity !== null && s.similarity >= thresholds.minSimilarity && s.strength >= thresholds.confirmedStrength;
  const strongEnough = (s: PassageRelevance) => s.coverage >= thresholds.minCoverage && (s.strength >= thresholds.minStrength || confirmed(s));
  // a rare word can carry the coverage on its own ("médiation" in « la médiation familiale », "passeport" in
  // « deux passeports ? »): one passage must also hold several of the topic words the index knows
  const knownTopics = terms.filter((t) => t.role === 'topic' && t.df > 0);
  const topicsNeeded = Math.min(thresholds.minTopicWords, knownTopics.length);
  const together = (s: PassageRelevance) => knownTopics.filter((t) => held(t, s.chunk_id)).length >= topicsNeeded;
  // a question naming an article asks about that article: a passage not naming it (of the code the question
  // names) does not answer it, however many of the other words it holds (« Que dit l'article L. 1237-1 du code
  // de commerce ? » and a page on « le code de commerce »)
  const articles = terms.filter((t) => t.reference);
  const holdsAskedArticle = (s: PassageRelevance) => articles.length === 0 || articles.some((t) => held(t, s.chunk_id));
  const passing = scored.filter((s) => strongEnough(s) && together(s) && holdsAskedArticle(s));
  for (const s of passing) s.passes = true;
  const pool = passing.length ? passing : scored;
  const best = pool.reduce<PassageRelevance | null>((b, s) => (!b || s.strength > b.strength ? s : b), null);
  const inBest = (t: WeightedTerm) => best !== null && held(t, best.chunk_id);
  const lacking = terms.filter((t) => !inBest(t));
  const topicLacking = lacking.filter((t) => t.role === 'topic');
  const missing = (topicLacking.length ? topicLacking : lacking).map((t) => t.text);
  const unknown = terms.filter((t) => t.role === 'topic' && t.df === 0 && !scored.some((s) => held(t, s.chunk_id))).map((t) => t.text);
  const base = {
    coverage: best?.coverage ?? 0,
    strength: best?.strength ?? 0,
    similarity: best?.similarity ?? null,
    thresholds,
    best_chunk_id: best?.chunk_id ?? null,
    terms: terms.map((t) => ({ ...t, share: round3(t.share) })),
    missing,
    unknown,
    passages: scored,
  };
  if (terms.length === 0) return { ...base, abstain: true, code: 'no_terms' };
  if (passages.length === 0) return { ...base, abstain: true, code: 'no_passages' };
  if (passing.length) return { ...base, abstain: false };
  if (!scored.some(holdsAskedArticle)) {
    return { ...base, missing: namedArticles(terms), abstain: true, code: 'article_not_found' };
  }
  const alone = scored.some((s) => strongEnough(s) && !together(s));
  const code: AbstainCode = unknown.length
    ? 'unknown_terms'
    : alone || base.coverage < thresholds.minCoverage
      ? 'terms_not_together'
      : 'weak_match';
  return { ...base, abstain: true, code };
}

/** The articles the question names, as messages name them: « L1237-1 (Code de commerce) », « 1240 (Code civil) ». */
export function namedArticles(terms: readonly WeightedTerm[]): string[] {
  return terms.filter((t) => t.reference).map((t) => (t.code ? `${t.text} (${t.code})` : t.text));
}

/** What answers show of the decision (response, debug output, console). */
export interface RelevanceFigures {
  coverage: number;
  strength: number;
  min_coverage: number;
  min_strength: number;
  /** The best passage's similarity with the question (null: no vector evidence). */
  similarity: number | null;
  /** Strength that suffices for a passage at least `min_similarity` similar. */
  confirmed_strength: number;
  min_similarity: number | null;
  /** Topic words one passage must hold together (fewer when the question has fewer the index knows). */
  min_topic_words: number;
  /** The question's words by weight: word, role, share of the weight, chunks of the index holding it. */
  terms: Array<{ word: string; role: WeightedTerm['role']; weight: number; df: number }>;
  missing_terms: string[];
  unknown_terms: string[];
  best_chunk_id: string | null;
}

export function relevanceFigures(d: GateDecision): RelevanceFigures {
  return {
    coverage: d.coverage,
    strength: d.strength,
    min_coverage: d.thresholds.minCoverage,
    min_strength: d.thresholds.minStrength,
    similarity: d.similarity,
    confirmed_strength: d.thresholds.confirmedStrength,
    min_topic_words: d.thresholds.minTopicWords,
    min_similarity: d.thresholds.minSimilarity,
    terms: d.terms.map((t) => ({ word: t.text, role: t.role, weight: t.share, df: t.df })),
    missing_terms: d.missing,
    unknown_terms: d.unknown,
    best_chunk_id: d.best_chunk_id,
  };
}
