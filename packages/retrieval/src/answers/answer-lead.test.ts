/**
 * The answer quotes the passage the relevance gate answered for, on a real database (both modes), with
 * production hybrid search: the question's key word « intérim » is written « intérimaire » in the only
 * passage about it, and another passage repeats its other words (« recours », « motif ») without it. The
 * gate answers for the first (a derived word holds the question's, term-evidence.ts); the answer must
 * quote it, not the second, whose own words score higher.
 */
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { resetSearchStatistics, searchWith } from '../search/search-service.js';
import { loadTestCorpus } from '../search/test-corpus.js';
import { AnswerService } from './answer-service.js';

const config = loadConfig({ DATA_DIR: 'memory://' });
const TEMPORARY = 'https://exemple.gouv.fr/travail-temporaire';
const DISCRIMINATION = 'https://exemple.gouv.fr/recours-discrimination';
const LINKS = 'https://exemple.gouv.fr/conges';

describeEachDatabase('the answer leads with the passage the gate answered for', (ctx) => {
  let service: AnswerService;
  beforeAll(async () => {
    await loadTestCorpus(ctx.db, [
      {
        url: TEMPORARY,
        title: 'Le contrat de travail temporaire',
        chunks: [
          {
            heading: ['Le contrat de travail temporaire', 'Quels sont les cas de recours ?'],
            text: "Un intérimaire peut remplacer un salarié absent, quel que soit le motif de l'absence. L'entreprise peut aussi avoir recours à un intérimaire en cas d'accroissement temporaire d'activité.",
          },
        ],
      },
      {
        url: DISCRIMINATION,
        title: 'Les recours face à une discrimination',
        chunks: [
          {
            heading: ['Les recours face à une discrimination', 'Recours civil'],
            text: "Le recours devant le conseil de prud'hommes vise à annuler une décision fondée sur un motif discriminatoire. Le juge examine le recours et le motif invoqué.",
          },
        ],
      },
      {
        url: LINKS,
        title: 'Les congés du salarié',
        chunks: [
          {
            heading: ['Les congés du salarié', 'À lire sur service-public.gouv.fr'],
            text: '- Congé sabbatique du salarié : durée et conditions\n- Congé sabbatique : retour du salarié dans l’entreprise\n- Congé sabbatique et congés payés',
          },
        ],
      },
      ...Array.from({ length: 6 }, (_, i) => ({
        url: `https://exemple.gouv.fr/fiche-${i}`,
        title: `Fiche ${i}`,
        chunks: [{ text: 'Le salarié travaille dans l’entreprise selon son contrat de travail et perçoit son salaire.' }],
      })),
    ]);
    resetSearchStatistics(ctx.db);
    const deps = { db: ctx.db, embedder: new HashEmbedder(), config };
    service = new AnswerService({ db: ctx.db, retrieve: async (input) => (await searchWith(deps, { ...input, mode: 'hybrid' })).data });
  });

  it('answers « les motifs de recours à l’intérim » from the passage on temporary work, not the one on discrimination', async () => {
    const r = await service.ask({ question: 'Quels sont les motifs de recours à l’intérim ?', caller: { keyId: null, collections: null } });
    expect(r.abstained).toBe(false);
    expect(r.relevance.missing_terms).toEqual([]);
    expect(r.citations.map((c) => c.url)).toEqual([TEMPORARY]);
    expect(r.answer).toContain('Un intérimaire peut remplacer un salarié absent');
    expect(r.answer).not.toContain('discriminatoire');
  });

  it('declines, saying why, when the only passage on the question is a list of links to other pages', async () => {
    const r = await service.ask({ question: 'Quelle est la durée du congé sabbatique ?', caller: { keyId: null, collections: null } });
    expect(r.relevance.best_chunk_id).not.toBeNull(); // the gate found the words together…
    expect(r).toMatchObject({ abstained: true, abstain_code: 'nothing_to_quote', citations: [] });
    expect(r.abstain_reason).toContain('rien à citer');
    expect(r.closest_sources?.map((c) => c.url)).toContain(LINKS);
  });
});
