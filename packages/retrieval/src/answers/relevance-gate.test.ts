/**
 * The relevance gate on hand-made evidence (what search/term-evidence.ts reads from the index):
 * document frequencies over an index of 1,000 chunks and BM25 impacts per retrieved chunk.
 */
import { describe, expect, it } from 'vitest';
import type { QueryEvidence, TermEvidence } from '../search/term-evidence.js';
import { gateReason } from './abstain.js';
import { questionWords, type QuestionWord } from './question-terms.js';
import { HASH_EMBEDDER_VERSION } from '@cite/core/embeddings/hash-embedder.js';
import { confirmingSimilarity, decideRelevance, DEFAULT_GATE, HASH_CONFIRMING_SIMILARITY, relevanceFigures, weighTerms } from './relevance-gate.js';
import type { RetrievedPassage } from './types.js';

const N = 1000;

const passage = (id: number): RetrievedPassage => ({
  chunk_id: id,
  text: `passage ${id}`,
  heading_path: [],
  locator: {},
  score: 1 / id,
  document: { id, url: `https://www.service-public.fr/particuliers/vosdroits/F${id}`, title: `Fiche ${id}` },
});

/** One word of the question: its document frequency and its impact in each retrieved chunk holding it. */
const term = (word: string, df: number, impacts: Record<number, number> = {}): TermEvidence => ({
  word,
  lexeme: word.slice(0, 6),
  df,
  impacts: Object.fromEntries(Object.entries(impacts).map(([id, v]) => [String(id), v])),
});

const evidence = (...terms: TermEvidence[]): QueryEvidence => ({ chunkCount: N, terms });

describe('relevance gate', () => {
  it('declines when the rarest topic word is in no passage and unknown to the index, naming it', () => {
    const words = questionWords('Quel est le délai pour obtenir un passeport ?');
    expect(words.map((w) => w.word)).toEqual(['delai', 'obtenir', 'passeport']);
    // "délai" and "obtenir" are everywhere, strongly; "passeport" nowhere.
    const ev = evidence(term('delai', 60, { 1: 2.2, 2: 2 }), term('obtenir', 90, { 1: 2, 2: 2.1 }), term('passeport', 0));
    const d = decideRelevance(words, ev, [passage(1), passage(2)]);
    expect(d).toMatchObject({ abstain: true, code: 'unknown_terms', unknown: ['passeport'], missing: ['passeport'] });
    expect(d.coverage).toBeLessThan(0.5);
    expect(gateReason('fr', d)).toBe('Aucune source disponible ne mentionne « passeport ».');
  });

  it('takes a word the index holds only in derived forms as held, not unknown', () => {
    const words = questionWords('Quel est le délai pour obtenir un passeport ?');
    // no chunk writes « passeport » itself; passage 2 writes a longer word of its family (term-evidence.ts)
    const ev = evidence(term('delai', 60, { 1: 2.2 }), term('obtenir', 90, { 1: 2 }), { ...term('passeport', 0), derived: { '2': 2.2 } });
    const d = decideRelevance(words, ev, [passage(1), passage(2)]);
    expect(d).toMatchObject({ abstain: false, unknown: [], best_chunk_id: '2' });
  });

  it('answers from a passage writing derived forms of the key word, but keeps them out of the quoting order', () => {
    const words = questionWords('Quels sont les motifs de recours à l’intérim ?');
    // passage 1 writes « intérimaire » (derived from « intérim ») and « motif »; passage 2 « recours » only
    const interim = { ...term('interim', 5), derived: { '1': 2.2 } };
    const ev = evidence(interim, term('motifs', 60, { 1: 2 }), term('recours', 60, { 1: 1.5, 2: 2.2 }));
    const d = decideRelevance(words, ev, [passage(1), passage(2)]);
    expect(d).toMatchObject({ abstain: false, best_chunk_id: '1', missing: [], unknown: [] });
    const [p1, p2] = d.passages;
    expect(p1!.coverage).toBe(1);
    expect(p1!.own_strength).toBeLessThan(p1!.strength);
    expect(p1!.strength - p1!.own_strength).toBeCloseTo(d.terms.find((t) => t.word === 'interim')!.share, 2);
    expect(p2!.own_strength).toBe(p2!.strength);
    expect([p1!.passes, p2!.passes]).toEqual([true, false]); // the passage the gate answered for
    // without the derived form the key word is in no passage
    expect(decideRelevance(words, evidence(term('interim', 5), ev.terms[1]!, ev.terms[2]!), [passage(1), passage(2)]).abstain).toBe(true);
  });

  it('answers a question naming an article only from a passage naming it, and names the article when none does', () => {
    const words = questionWords("Que dit l'article L. 1237-1 du code de commerce sur la démission ?");
    expect(words.find((w) => w.word === 'l1237-1')).toMatchObject({ text: 'L1237-1', code: 'Code de commerce' });
    // passage 1 holds every word but the reference (a page on the code de commerce), strongly; passage 2 names
    // the article too (term-evidence.ts counts it held only there)
    const others = [term('code', 300, { 1: 2.2, 2: 1.8 }), term('commerce', 30, { 1: 2.2, 2: 1.8 }), term('demission', 20, { 1: 2.2, 2: 1.8 })];
    const named = decideRelevance(words, evidence(term('l1237-1', 3, { 2: 2 }), ...others), [passage(1), passage(2)]);
    expect(named).toMatchObject({ abstain: false, best_chunk_id: '2' });
    expect(named.passages.map((p) => p.passes)).toEqual([false, true]);
    const none = decideRelevance(words, evidence(term('l1237-1', 3), ...others), [passage(1), passage(2)]);
    expect(none).toMatchObject({ abstain: true, code: 'article_not_found', missing: ['L1237-1 (Code de commerce)'] });
    expect(gateReason('fr', none)).toBe("Aucun passage des sources trouvées ne cite l'article « L1237-1 (Code de commerce) ».");
  });

  it('declines a rare topic word the index knows but no retrieved passage holds, naming it as missing', () => {
    const words = questionWords('Quelle est la durée du congé de maternité ?');
    // "durée" and "congé" fill the volunteer-leave fiche; "maternité" is elsewhere in the index.
    const ev = evidence(term('duree', 120, { 1: 2.2 }), term('conge', 40, { 1: 2.2, 2: 1.5 }), term('maternite', 4));
    const d = decideRelevance(words, ev, [passage(1), passage(2)]);
    expect(d).toMatchObject({ abstain: true, code: 'terms_not_together', unknown: [], missing: ['maternité'] });
    expect(d.terms[0]).toMatchObject({ word: 'maternite', text: 'maternité', role: 'topic' });
    expect(gateReason('fr', d)).toContain('« maternité »');
  });

  it('declines when the key words are scattered over passages, none holding them together', () => {
    const words = questionWords('Récépissé de titre de séjour ?');
    expect(words.map((w) => w.word)).toEqual(['recepisse', 'titre', 'sejour']);
    // Each passage is strongly about one of the three words, equally rare.
    const ev = evidence(term('recepisse', 10, { 1: 2.2 }), term('titre', 10, { 2: 2.2 }), term('sejour', 10, { 3: 2.2 }));
    const d = decideRelevance(words, ev, [passage(1), passage(2), passage(3)]);
    expect(d.abstain).toBe(true);
    expect(d.code).toBe('terms_not_together');
    expect(d.passages.map((p) => p.coverage)).toEqual([0.333, 0.333, 0.333]);
    expect(d.missing).toHaveLength(2);

    // The same three words in one passage: answered, from that passage.
    const together = evidence(
      term('recepisse', 10, { 1: 2.2, 4: 1.9 }),
      term('titre', 10, { 2: 2.2, 4: 1.8 }),
      term('sejour', 10, { 3: 2.2, 4: 2 }),
    );
    const ok = decideRelevance(words, together, [passage(1), passage(2), passage(3), passage(4)]);
    expect(ok).toMatchObject({ abstain: false, best_chunk_id: '4', missing: [], coverage: 1 });
    expect(ok.strength).toBeGreaterThan(0.8);
  });

  it('answers when one passage covers the key words strongly, and picks it over a partial one', () => {
    const words = questionWords('Quelle est la durée du congé de maternité ?');
    const ev = evidence(term('duree', 120, { 1: 2.2, 2: 1.2 }), term('conge', 40, { 1: 2.2, 2: 1.6 }), term('maternite', 4, { 2: 2.1 }));
    const d = decideRelevance(words, ev, [passage(1), passage(2)]);
    expect(d).toMatchObject({ abstain: false, best_chunk_id: '2', missing: [] });
    expect(d.coverage).toBe(1);
    expect(d.strength).toBeGreaterThanOrEqual(d.thresholds.minStrength);
    expect(d.passages[0]!.coverage).toBeLessThan(0.5); // the volunteer-leave passage alone would not do
    expect(relevanceFigures(d)).toMatchObject({ coverage: 1, min_coverage: 0.5, min_strength: 0.55, best_chunk_id: '2', missing_terms: [], unknown_terms: [] });
  });

  it('declines a passage that holds every word only in passing', () => {
    const words = questionWords('Récépissé de titre de séjour ?');
    const ev = evidence(term('recepisse', 10, { 1: 0.4 }), term('titre', 10, { 1: 0.5 }), term('sejour', 10, { 1: 0.3 }));
    const d = decideRelevance(words, ev, [passage(1)]);
    expect(d).toMatchObject({ abstain: true, code: 'weak_match', coverage: 1 });
    expect(d.strength).toBeLessThan(0.55);
  });

  it('weighs action and framing words less than a topic word of the same rarity', () => {
    const words: QuestionWord[] = [
      { word: 'delai', text: 'délai', role: 'framing' },
      { word: 'obtenir', text: 'obtenir', role: 'action' },
      { word: 'passeport', text: 'passeport', role: 'topic' },
    ];
    const same = (impacts: Record<number, number>) => [20, impacts] as const;
    const ev = evidence(term('delai', ...same({ 1: 2.2 })), term('obtenir', ...same({ 1: 2.2 })), term('passeport', ...same({ 2: 2.2 })));
    const weights = Object.fromEntries(weighTerms(words, ev).map((t) => [t.word, t.share]));
    expect(weights.passeport).toBeCloseTo(weights.delai! / 0.3, 6);
    expect(weights.obtenir).toBeCloseTo(weights.delai!, 6);
    // The passage with the topic word passes; the one with both the other words does not.
    const d = decideRelevance(words, ev, [passage(1), passage(2)]);
    expect(d.abstain).toBe(false);
    expect(d.best_chunk_id).toBe('2');
    expect(d.passages.find((p) => p.chunk_id === '1')!.coverage).toBeLessThan(0.5);
  });

  it('names the words the best passage lacks even when they are not topic words', () => {
    // A very common topic word and a rare verb: the passage holds the topic word, not the action.
    const words: QuestionWord[] = [
      { word: 'resilier', text: 'résilier', role: 'action' },
      { word: 'contrat', text: 'contrat', role: 'topic' },
    ];
    const ev = evidence(term('resilier', 1), term('contrat', 500, { 1: 2.2 }));
    const d = decideRelevance(words, ev, [passage(1)]);
    expect(d).toMatchObject({ abstain: true, code: 'terms_not_together' });
    expect(d.missing).toEqual(['résilier']);
    expect(gateReason('fr', d)).toContain('« résilier »');
  });

  it("declines a question without content words ('no_terms') and a search that found nothing ('no_passages')", () => {
    const none = questionWords('Comment est-ce que je peux le faire ?');
    expect(none).toEqual([]);
    expect(decideRelevance(none, evidence(), [passage(1)])).toMatchObject({ abstain: true, code: 'no_terms', terms: [] });

    const words = questionWords('Durée du congé de maternité');
    const d = decideRelevance(words, evidence(term('duree', 120), term('conge', 40), term('maternite', 4)), []);
    expect(d).toMatchObject({ abstain: true, code: 'no_passages', best_chunk_id: null, coverage: 0, strength: 0 });
    expect(gateReason('fr', d)).toBe('Aucune source disponible ne correspond à la recherche.');
  });

  it('passes with thresholds lowered, declines with thresholds raised (the thresholds are honoured)', () => {
    const words = questionWords('Récépissé de titre de séjour ?');
    const ev = evidence(term('recepisse', 10, { 1: 1.2 }), term('titre', 10, { 1: 1.2 }), term('sejour', 10, { 1: 1.2 }));
    const strength = decideRelevance(words, ev, [passage(1)]).strength;
    expect(decideRelevance(words, ev, [passage(1)], { ...DEFAULT_GATE, minCoverage: 1, minStrength: strength }).abstain).toBe(false);
    expect(decideRelevance(words, ev, [passage(1)], { ...DEFAULT_GATE, minCoverage: 1, minStrength: strength + 0.01 }).code).toBe('weak_match');
  });

  it('declines a passage holding only the rarest of two topic words, though it alone reaches the coverage', () => {
    const words = questionWords("Qu'est-ce que la médiation familiale ?");
    expect(words.map((w) => [w.word, w.role])).toEqual([['mediation', 'topic'], ['familiale', 'topic']]);
    // passage 1 is about mediation (harassment cases), passage 2 about family leave: "médiation" is the
    // rarer word, so passage 1 covers more than half of the question's weight, strongly
    const ev = evidence(term('mediation', 6, { 1: 2.2 }), term('familiale', 25, { 2: 2.2 }));
    const d = decideRelevance(words, ev, [passage(1), passage(2)]);
    expect(d.passages[0]!.coverage).toBeGreaterThan(DEFAULT_GATE.minCoverage);
    expect(d.passages[0]!.strength).toBeGreaterThan(DEFAULT_GATE.minStrength);
    expect(d).toMatchObject({ abstain: true, code: 'terms_not_together', best_chunk_id: '1', missing: ['familiale'] });
    expect(gateReason('fr', d)).toContain('« familiale »');
    expect(relevanceFigures(d)).toMatchObject({ min_topic_words: 2 });

    // held together by one passage: answered from it
    const both = evidence(term('mediation', 6, { 1: 2.2, 3: 2 }), term('familiale', 25, { 2: 2.2, 3: 2 }));
    expect(decideRelevance(words, both, [passage(1), passage(2), passage(3)])).toMatchObject({ abstain: false, best_chunk_id: '3' });
    // ANSWER_MIN_TOPIC_WORDS=1: the rule is off, the rare word suffices
    expect(decideRelevance(words, ev, [passage(1), passage(2)], { ...DEFAULT_GATE, minTopicWords: 1 })).toMatchObject({ abstain: false, best_chunk_id: '1' });
  });

  it('asks for no more topic words together than the question has', () => {
    // one topic word ("préavis"), the others action and framing words: one passage holding it suffices
    const words = questionWords('Quelle est la durée du préavis ?');
    expect(words.filter((w) => w.role === 'topic').map((w) => w.word)).toEqual(['preavis']);
    const ev = evidence(term('duree', 120, { 1: 2.2 }), term('preavis', 8, { 1: 2.2 }));
    expect(decideRelevance(words, ev, [passage(1)])).toMatchObject({ abstain: false, best_chunk_id: '1' });
  });

  describe('vector evidence', () => {
    // A keyword query: "vacances" is in no passage, "arrêt" and "maladie" are in passage 1, not in its title.
    const words = questionWords('arrêt maladie vacances');
    const ev = (similarities?: Record<string, number>): QueryEvidence => ({
      ...evidence(term('arret', 100, { 1: 1.2 }), term('maladie', 100, { 1: 2.2, 2: 0.3 }), term('vacances', 100)),
      ...(similarities ? { similarities } : {}),
    });
    const passages = [passage(1), passage(2)];
    const gate = { ...DEFAULT_GATE, minSimilarity: 0.4 };

    it('answers a passage of middling strength that the vector branch finds similar, and only then', () => {
      expect(words.map((w) => w.word)).toEqual(['arret', 'maladie', 'vacances']);
      const lexical = decideRelevance(words, ev(), passages, gate);
      expect(lexical.strength).toBeGreaterThanOrEqual(gate.confirmedStrength);
      expect(lexical.strength).toBeLessThan(gate.minStrength);
      expect(lexical).toMatchObject({ abstain: true, code: 'weak_match', similarity: null });

      const confirmed = decideRelevance(words, ev({ 1: 0.52, 2: 0.3 }), passages, gate);
      expect(confirmed).toMatchObject({ abstain: false, best_chunk_id: '1', similarity: 0.52 });
      expect(relevanceFigures(confirmed)).toMatchObject({ similarity: 0.52, min_similarity: 0.4, confirmed_strength: 0.4, min_strength: 0.55 });

      // Similar, but not the passage holding the words: no confirmation.
      expect(decideRelevance(words, ev({ 1: 0.39, 2: 0.9 }), passages, gate)).toMatchObject({ abstain: true, code: 'weak_match' });
      // Without a similarity scale (another embedder, lexical search), similarity is not evidence.
      expect(decideRelevance(words, ev({ 1: 0.9 }), passages, { ...gate, minSimilarity: null }).abstain).toBe(true);
    });

    it('never lets similarity alone answer: the passage must still hold the key words strongly enough', () => {
      const weak: QueryEvidence = { ...evidence(term('arret', 100, { 1: 0.5 }), term('maladie', 100, { 1: 0.5 }), term('vacances', 100)), similarities: { 1: 0.95 } };
      const d = decideRelevance(words, weak, passages, gate);
      expect(d.strength).toBeLessThan(gate.confirmedStrength);
      expect(d).toMatchObject({ abstain: true, code: 'weak_match', similarity: 0.95 });
      // Nor with the words scattered: coverage first.
      const scattered: QueryEvidence = {
        ...evidence(term('arret', 100, { 2: 2.2 }), term('maladie', 100, { 1: 2.2 }), term('vacances', 100)),
        similarities: { 1: 0.95, 2: 0.95 },
      };
      expect(decideRelevance(words, scattered, passages, gate)).toMatchObject({ abstain: true, code: 'terms_not_together' });
    });

    it('takes the hash embedder similarity scale by default, a configured one always, and none for other embedders', () => {
      expect(confirmingSimilarity(undefined, { id: `${HASH_EMBEDDER_VERSION}-384` })).toBe(HASH_CONFIRMING_SIMILARITY);
      expect(confirmingSimilarity(undefined, { id: 'transformers:Xenova/multilingual-e5-small' })).toBeNull();
      expect(confirmingSimilarity(0.82, { id: 'transformers:Xenova/multilingual-e5-small' })).toBe(0.82);
      expect(confirmingSimilarity(undefined, null)).toBeNull();
    });
  });
});
