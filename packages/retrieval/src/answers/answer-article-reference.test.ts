/**
 * A question naming an article of a code, end to end (a real engine on loopback, both databases, extractive
 * answers, hash embedder): written as legal texts write it (« L. 1237-19 »), it is answered from the article
 * itself (titled « Article L1237-19 » by Légifrance), not from the articles citing it; one the index only cites
 * is answered from a page citing it; an article the index does not hold (« L. 1237-99 ») is declined, though
 * its chapter's articles are indexed; so is an article of another code with the same number (« L. 1237-1 du
 * code de commerce »).
 */
import type { NormalisedDocument } from '@cite/ingestion/document.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { resetSearchStatistics } from '../search/search-service.js';

const LEGI = 'https://www.legifrance.gouv.fr/codes/article_lc';

function article(id: string, ref: string, ...paragraphs: string[]): NormalisedDocument {
  const title = `Code du travail - Article ${ref}`;
  return {
    url: `${LEGI}/${id}`,
    title,
    lang: 'fr',
    format: 'html',
    metadata: {},
    sections: [{ headingPath: [title], blocks: paragraphs.map((text) => ({ kind: 'paragraph' as const, text, locator: {} })) }],
  };
}

const ASKED = article(
  'LEGIARTI000035623969',
  'L1237-19',
  "Un accord collectif peut déterminer le contenu d'une rupture conventionnelle collective excluant tout licenciement pour atteindre les objectifs qui lui sont assignés en termes de suppression d'emplois.",
);
/** A fiche citing an article the index does not hold, and a page citing its neighbours (1234 and -1, apart). */
const CITING = fiche('https://travail-emploi.gouv.fr/le-preavis', 'Le préavis de licenciement', "Le salarié licencié a droit à un préavis dont la durée est fixée par l'article L. 1234-1 du code du travail selon son ancienneté.");
const NEIGHBOURS = fiche('https://travail-emploi.gouv.fr/indemnites', 'Les indemnités', "L'indemnité de licenciement suit les articles L. 1234-19 et L. 1233-1 du code du travail, selon l'ancienneté du salarié.");

function fiche(url: string, title: string, text: string): NormalisedDocument {
  return { url, title, lang: 'fr', format: 'html', metadata: {}, sections: [{ headingPath: [title], blocks: [{ kind: 'paragraph', text, locator: {} }] }] };
}

/** Cites an article of the Code civil, numbered without a letter; and another text's article 1242. */
const CIVIL = fiche('https://travail-emploi.gouv.fr/retenues', 'Les retenues sur salaire', "Il est interdit à l'employeur, sous réserve des dispositions de l'article 1240 du code civil, d'imposer des retenues d'argent aux salariés.");
const AGREEMENT = fiche('https://travail-emploi.gouv.fr/accord', "L'accord de branche", "L'article 1242 de l'accord de branche fixe les retenues d'argent des salariés.");
/** Cites an article of the Code général des impôts inserted after another (« 238 bis »), and that other one. */
const DONS = fiche('https://www.service-public.fr/dons', 'Les dons des entreprises', "Les dons des entreprises aux associations ouvrent droit à la réduction d'impôt de l'article 238 bis du code général des impôts.");
const AMORTISSEMENT = fiche('https://www.service-public.fr/amortissement', 'Les amortissements', "Les entreprises suivent l'article 238 du code général des impôts pour les amortissements des brevets.");
/** Names L. 3123-9 in its list of sources only: nothing it says of the article can be quoted. */
const LISTED: NormalisedDocument = {
  url: 'https://travail-emploi.gouv.fr/temps-partiel',
  title: 'Le temps partiel',
  lang: 'fr',
  format: 'html',
  metadata: {},
  sections: [{ headingPath: ['Le temps partiel', 'Références'], blocks: [{ kind: 'paragraph', text: 'Références :\n\n- Articles L. 3123-1 à L. 3123-5, L. 3123-9 et R. 3123-1 du Code du travail', locator: {} }] }],
};
/** Names other codes, holding every word of questions about their articles but the reference. */
const OTHER = fiche('https://travail-emploi.gouv.fr/autres-codes', 'Les autres codes', "Le code de la sécurité sociale, le code de commerce et le code civil s'appliquent aussi au salarié selon les cas.");
const ARTICLES = [
  DONS,
  AMORTISSEMENT,
  LISTED,
  CIVIL,
  AGREEMENT,
  OTHER,
  CITING,
  NEIGHBOURS,
  ASKED,
  article('LEGIARTI000036762161', 'L1237-19-3', "L'accord collectif mentionné à l'article L. 1237-19 est transmis à l'autorité administrative pour validation."),
  article('LEGIARTI000036762166', 'L1237-19-2', "Les salariés dont la rupture du contrat de travail résulte de l'accord mentionné à l'article L. 1237-19 bénéficient d'un accompagnement."),
  article('LEGIARTI000052437244', 'L1237-19-1', "L'accord portant rupture conventionnelle collective détermine les modalités d'information du comité social et économique."),
  article('LEGIARTI000006901197', 'L1237-8', 'Le salarié qui démissionne respecte un préavis dont la durée est fixée par la loi ou la convention collective.'),
  article('LEGIARTI000006901187', 'L1237-1', "En cas de démission, l'existence et la durée du préavis sont fixées par la loi, ou par convention ou accord collectif de travail."),
];

for (const mode of availableModes())
  describe(`answers about an article named by its reference [${mode}]`, () => {
    let engine: TestEngine;
    const ask = async (question: string) => {
      const res = await engine.fetch('/v1/answers', { body: { question }, role: 'agent' });
      expect(res.status).toBe(200);
      return (await res.json()) as { abstained: boolean; abstain_code?: string; abstain_reason?: string; citations: Array<{ url: string; quote: string }> };
    };

    beforeAll(async () => {
      engine = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      const collectionId = await collectionByName(engine.db, 'code-du-travail');
      const summary = await indexDocuments(engine.db, new HashEmbedder(), { collectionId }, ARTICLES.map((document) => ({ ok: true as const, location: document.url, document })));
      expect(summary.failed).toBe(0);
      resetSearchStatistics(engine.db);
    });
    afterAll(async () => {
      await engine?.stop();
    });

    it('answers from the article itself, however the reference is written', async () => {
      for (const question of ["Que dit l'article L. 1237-19 ?", "Que dit l'article L.1237-19 ?", 'article L 1237-19', 'article L1237-19']) {
        const a = await ask(question);
        expect(a.abstained, question).toBe(false);
        expect(a.citations.map((c) => c.url), question).toEqual([ASKED.url]);
        expect(a.citations[0]!.quote).toContain('rupture conventionnelle collective excluant tout licenciement');
      }
    });

    it('answers from a page citing an article the index does not hold, not from one citing its neighbours', async () => {
      for (const question of ["Que dit l'article L. 1234-1 ?", 'article L1234-1']) {
        const a = await ask(question);
        expect(a.abstained, question).toBe(false);
        expect(a.citations.map((c) => c.url), question).toEqual([CITING.url]);
      }
    });

    it('answers about the article of the code the question names, not of another code with the same number', async () => {
      // the article's page is titled with its code; the fiche cites « L. 1234-1 du code du travail »
      for (const question of ["Que dit l'article L. 1237-19 du code du travail ?", 'article L. 1237-19 C. trav.', "Que prévoit le Code du Travail à l'article L1237-19 ?"]) {
        const a = await ask(question);
        expect(a.abstained, question).toBe(false);
        expect(a.citations.map((c) => c.url), question).toEqual([ASKED.url]);
      }
      const cited = await ask("Que dit l'article L. 1234-1 du code du travail ?");
      expect(cited.citations.map((c) => c.url)).toEqual([CITING.url]);
      // the same numbers in other codes, whose names a page holds (OTHER): no passage names those articles
      for (const question of [
        "Que dit l'article L. 1237-19 du code de la sécurité sociale ?",
        "Que dit l'article L. 1237-1 du code de commerce ?",
        'article L. 1237-19 CSS',
        "Que dit l'article L. 1234-1 du code de la securite sociale ?",
      ]) {
        const a = await ask(question);
        expect(a.abstained, question).toBe(true);
        expect(a.abstain_code, question).toBe('article_not_found');
        expect(a.citations).toEqual([]);
      }
      // an article numbered without a letter: the page citing it; not « L. 1234-1 » for « article 1234 », nor another
      // text's article 1242
      const civil = await ask("Que dit l'article 1240 du code civil ?");
      expect(civil.citations.map((c) => c.url)).toEqual([CIVIL.url]);
      expect(civil.citations[0]!.quote).toContain("l'article 1240 du code civil");
      for (const question of ["Que dit l'article 1234 du code civil ?", "Que dit l'article 1242 du code civil ?"]) {
        const a = await ask(question);
        expect(a.abstain_code, question).toBe('article_not_found');
      }
      // named in a page's list of sources only: declined, saying so
      const listed = await ask("Que dit l'article L. 3123-9 du code du travail ?");
      expect(listed).toMatchObject({ abstained: true, abstain_code: 'nothing_to_quote', citations: [] });
      expect(listed.abstain_reason).toContain("Les sources trouvées citent l'article « L3123-9 (Code du travail) » sans en dire le contenu");
      const declined = await ask("Que dit l'article L. 1237-1 du code de commerce ?");
      expect(declined.abstain_reason).toContain('« L1237-1 (Code de commerce) »');
    });

    it('tells an article inserted after another (« 238 bis ») from that other one and from its siblings', async () => {
      const bis = await ask("Que dit l'article 238 bis du code général des impôts ?");
      expect(bis.citations.map((c) => c.url)).toEqual([DONS.url]);
      expect(bis.citations[0]!.quote).toContain("l'article 238 bis du code général des impôts");
      const plain = await ask("Que dit l'article 238 du code général des impôts ?");
      expect(plain.citations.map((c) => c.url)).toEqual([AMORTISSEMENT.url]);
      // the words of the question are all held (DONS: « article 238 bis », AMORTISSEMENT: « 238 »), not the article
      const ter = await ask("Que dit l'article 238 ter du CGI ?");
      expect(ter).toMatchObject({ abstained: true, abstain_code: 'article_not_found', citations: [] });
      expect(ter.abstain_reason).toContain('« 238 ter (Code général des impôts) »');
    });

    it('declines an article the index does not hold, though its chapter is indexed', async () => {
      for (const question of ["Que dit l'article L. 1237-99 ?", "Que dit l'article L. 1237-19-9 ?"]) {
        const a = await ask(question);
        expect(a.abstained, question).toBe(true);
        expect(a.abstain_code, question).toBe('article_not_found');
        expect(a.citations).toEqual([]);
      }
    });
  });
