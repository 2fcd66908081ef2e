import { describe, expect, it } from 'vitest';
import type { AnswerResult } from '@cite/retrieval/answers/answer-service.js';
import { formatDebug, formatSources } from './ask.js';

const relevance: AnswerResult['relevance'] = {
  coverage: 0.412,
  strength: 0.398,
  min_coverage: 0.5,
  min_strength: 0.55,
  similarity: 0.31,
  confirmed_strength: 0.4,
  min_similarity: 0.4,
  min_topic_words: 2,
  terms: [
    { word: 'maternité', role: 'topic', weight: 0.588, df: 0 },
    { word: 'congé', role: 'topic', weight: 0.35, df: 12 },
    { word: 'durée', role: 'framing', weight: 0.062, df: 30 },
  ],
  missing_terms: ['maternité'],
  unknown_terms: ['maternité'],
  best_chunk_id: '17',
};

const declined: AnswerResult = {
  id: '0b7c2f7e-0000-4000-8000-000000000001',
  answer: "Je n'ai pas trouvé, dans les sources disponibles, d'information suffisamment pertinente pour répondre à cette question : je préfère ne pas répondre.",
  citations: [],
  unsupported: [],
  abstained: true,
  abstain_reason: 'Aucune source disponible ne mentionne « maternité ».',
  abstain_code: 'unknown_terms',
  closest_sources: [],
  retrieval_query: 'congé de maternité Et elle dure combien de temps ?',
  relevance,
  removed_citations: 0,
  removed_links: 0,
  mode: 'extractive',
  model: null,
  language: 'fr',
  status: 'ok',
  timings: {},
  usage: { prompt_tokens: 0, completion_tokens: 40, total_tokens: 40 },
};

describe('cite ask output', () => {
  it('--debug prints the query searched, the gate figures against their thresholds, the terms and the reason', () => {
    expect(formatDebug(declined).split('\n')).toEqual([
      'retrieval query: congé de maternité Et elle dure combien de temps ?',
      'relevance: coverage 0.412 (min 0.5), strength 0.398 (min 0.55), best chunk 17',
      'similarity 0.31 (a passage at least 0.4 similar needs strength 0.4 only)',
      'terms: maternité (topic, 0.588, df 0), congé (topic, 0.35, df 12), durée (framing, 0.062, df 30)',
      'topic words one passage must hold together: 2',
      'missing from the best passage: maternité',
      'unknown to the index: maternité',
      'reason: Aucune source disponible ne mentionne « maternité ».',
      '',
    ]);
  });

  it('--debug of an answer has no reason and no missing words; the sources line says it declined with the code', () => {
    const answered: AnswerResult = {
      ...declined,
      abstained: false,
      abstain_reason: undefined,
      abstain_code: undefined,
      retrieval_query: 'Quelle est la durée du congé de maternité ?',
      relevance: { ...relevance, coverage: 1, strength: 0.9, missing_terms: [], unknown_terms: [], best_chunk_id: null, similarity: null, min_similarity: null },
    };
    const out = formatDebug(answered);
    expect(out).toContain('retrieval query: Quelle est la durée du congé de maternité ?\n');
    expect(out).toContain('relevance: coverage 1 (min 0.5), strength 0.9 (min 0.55), best chunk -\n');
    expect(out).toContain('vector evidence: none (strength alone decides)\n');
    expect(out).not.toMatch(/missing|unknown|reason/);
    expect(formatSources(declined)).toContain('(no answer: unknown_terms)');
  });

  it('prints each citation with where its quote is (headings, page) and the link that opens there', () => {
    const cited: AnswerResult = {
      ...declined,
      abstained: false,
      abstain_reason: undefined,
      abstain_code: undefined,
      answer: 'Le permis de démolir est exigé [1].',
      citations: [
        {
          n: 1, chunk_id: 4, document_id: 9, url: '/v1/documents/9/original', title: 'Arrêté démolition',
          heading_path: ['Arrêté', 'Article 2'], locator: { page: 3, page_start: 1, page_end: 3 },
          quote: 'Le permis de démolir est exigé dans le secteur sauvegardé.', link: '/v1/documents/9/original#page=3',
          support: 1, supported: true,
        },
        {
          n: 2, chunk_id: 5, document_id: 10, url: 'https://www.service-public.fr/particuliers/vosdroits/F1986', title: 'Permis de démolir',
          heading_path: [], locator: {}, quote: 'Le permis est exigé.', link: 'https://www.service-public.fr/particuliers/vosdroits/F1986#:~:text=Le%20permis%20est%20exig%C3%A9.',
          support: 1, supported: true,
        },
      ],
    };
    const lines = formatSources(cited).split('\n');
    expect(lines).toContain('[1] Arrêté démolition (Arrêté › Article 2, p. 3)');
    expect(lines).toContain('    /v1/documents/9/original#page=3');
    expect(lines).toContain('[2] Permis de démolir');
    expect(lines).toContain('    https://www.service-public.fr/particuliers/vosdroits/F1986#:~:text=Le%20permis%20est%20exig%C3%A9.');
  });
});
