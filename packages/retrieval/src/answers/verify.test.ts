import { describe, expect, it } from 'vitest';
import { splitSentences } from './sentences.js';
import { DEFAULT_SUPPORT_THRESHOLD, supportScore } from './support.js';
import { termSet } from './text.js';
import { numberSources, type RetrievedPassage } from './types.js';
import { isModelAbstention, verifyAnswer } from './verify.js';

const passage = (id: number, url: string, title: string, text: string): RetrievedPassage => ({
  chunk_id: id,
  text,
  heading_path: [title],
  locator: { anchor: `s${id}` },
  score: 1 / id,
  document: { id: id * 10, url, title },
});

const sources = numberSources([
  passage(
    1,
    'https://www.service-public.fr/particuliers/vosdroits/F2883',
    'Préavis de démission',
    "Le salarié qui démissionne doit respecter un préavis. La durée du préavis est fixée par la convention collective. En l'absence de convention, elle est d'un mois pour un employé.",
  ),
  passage(
    2,
    'https://www.service-public.fr/particuliers/vosdroits/F1234',
    'Congés payés',
    'Le salarié a droit à 2,5 jours ouvrables de congé par mois de travail effectif. Les congés sont pris entre le 1er mai et le 31 octobre.',
  ),
]);

describe('splitSentences', () => {
  it('keeps trailing markers, abbreviations and decimals with their sentence', () => {
    const s = splitSentences("Voir l'art. L. 1234-5 du code. [1] Le taux est de 1.5 %. Fin [2].\n- Un point de liste\n- Un autre");
    expect(s.map((x) => x.text)).toEqual([
      "Voir l'art. L. 1234-5 du code. [1]",
      'Le taux est de 1.5 %.',
      'Fin [2].',
      '- Un point de liste',
      '- Un autre',
    ]);
  });
});

describe('supportScore', () => {
  it('scores a paraphrase high and an invented figure low, and quotes the best span', () => {
    const p = { text: sources[0].text, title: sources[0].document.title };
    const good = supportScore("Sans convention collective, le préavis d'un employé est d'un mois [1].", p);
    expect(good.score).toBeGreaterThanOrEqual(0.5);
    expect(good.quote).toContain("elle est d'un mois pour un employé");
    const invented = supportScore('Le préavis du salarié qui démissionne est de 3 mois [1].', p);
    expect(invented.score).toBeLessThan(good.score);
    const link = supportScore('Le préavis se calcule sur https://evil.example/calcul [1].', p);
    expect(link.score).toBe(0);
  });
});

describe('supportScore against claims a model invents on the topic', () => {
  const leave = {
    title: 'Congé de maternité',
    text:
      "La salariée enceinte bénéficie d'un congé de maternité. Sa durée est de seize semaines pour un premier " +
      "enfant. L'indemnité journalière n'est pas versée si la salariée reprend le travail pendant le congé.",
  };
  const given = termSet('Quelle est la durée du congé de maternité ?');

  it("weighs the question's words a quarter: its topic and an invented predicate are not support", () => {
    const invented = 'Le congé de maternité est supprimé [1].';
    // without the question, the topic words alone cover most of the claim
    expect(supportScore(invented, leave).score).toBeGreaterThanOrEqual(DEFAULT_SUPPORT_THRESHOLD);
    expect(supportScore(invented, leave, { given }).score).toBeLessThan(DEFAULT_SUPPORT_THRESHOLD);
    const answer = 'Le congé de maternité dure seize semaines pour un premier enfant [1].';
    expect(supportScore(answer, leave, { given }).score).toBeGreaterThanOrEqual(DEFAULT_SUPPORT_THRESHOLD);
    // a claim that only restates the question is judged on all its words
    expect(supportScore('Le congé de maternité [1].', leave, { given }).score).toBe(1);
  });

  it('halves a claim that states plainly what the passage denies, not one that denies it in other words', () => {
    const dropped = supportScore("L'indemnité journalière est versée si la salariée reprend le travail [1].", leave, { given });
    const kept = supportScore("L'indemnité journalière n'est pas versée si la salariée reprend le travail [1].", leave, { given });
    const reworded = supportScore("L'indemnité journalière est exclue si la salariée reprend le travail [1].", leave, { given });
    expect(kept.score).toBe(1);
    expect(dropped.score).toBeCloseTo(kept.score / 2, 5);
    expect(reworded.score).toBeGreaterThan(dropped.score);
  });

  it('reads figures written in words: a changed count is not support', () => {
    const changed = supportScore('Le congé de maternité dure douze semaines pour un premier enfant [1].', leave, { given });
    const same = supportScore('Le congé de maternité dure 16 semaines pour un premier enfant [1].', leave, { given });
    expect(same.score).toBeGreaterThanOrEqual(DEFAULT_SUPPORT_THRESHOLD);
    expect(changed.score).toBeLessThan(DEFAULT_SUPPORT_THRESHOLD);
  });

  it('finds a claim joining two consecutive sentences, not two ends of the passage', () => {
    const passage = {
      text:
        'Le bailleur rend le dépôt de garantie dans un délai de deux mois. Ce délai court à la remise des clés. ' +
        "Un état des lieux est dressé à l'entrée. Le locataire peut demander une copie de l'état des lieux.",
    };
    const joined = 'Le bailleur rend le dépôt de garantie dans les deux mois qui suivent la remise des clés [1].';
    const scattered = 'Le bailleur rend le dépôt quand le locataire demande une copie signée [1].';
    expect(supportScore(joined, passage).score).toBeGreaterThanOrEqual(0.8);
    // six of its seven words are in the passage, but never three sentences apart in one statement
    expect(supportScore(scattered, passage).score).toBeCloseTo(3 / 7, 5);
  });
});

describe('verifyAnswer', () => {
  it("passes the question's words to the support check", () => {
    const text = 'Le préavis de démission est supprimé [1].';
    expect(verifyAnswer(text, sources).unsupported).toEqual([]);
    const v = verifyAnswer(text, sources, { question: 'Quelle est la durée du préavis de démission ?' });
    expect(v.unsupported.map((u) => u.reason)).toEqual(['not_supported']);
    expect(v.citations[0]!.supported).toBe(false);
  });


  it('flags uncited and unsupported sentences, removes invalid markers, builds citations', () => {
    const text = [
      "En l'absence de convention collective, le préavis de démission d'un employé est d'un mois [1].",
      'Le salarié acquiert 2,5 jours ouvrables de congé par mois de travail [2][7].',
      'La rupture conventionnelle ouvre droit aux allocations chômage versées par France Travail.',
      'Le préavis de démission est toujours supprimé pour les cadres dirigeants [1].',
    ].join(' ');
    const v = verifyAnswer(text, sources);
    expect(v.removed_citations).toBe(1);
    expect(v.answer).not.toContain('[7]');
    expect(v.citations.map((c) => c.n)).toEqual([1, 2]);
    const c1 = v.citations[0];
    expect(c1).toMatchObject({ chunk_id: 1, document_id: 10, url: sources[0].document.url, title: 'Préavis de démission', locator: { anchor: 's1' }, supported: true });
    expect(c1.quote).toContain("d'un mois pour un employé");
    expect(v.citations[1].quote).toContain('2,5 jours ouvrables');
    expect(v.unsupported.map((u) => u.reason)).toEqual(['no_citation', 'not_supported']);
    expect(v.unsupported[0].sentence).toContain('France Travail');
    expect(v.unsupported[1].sentence).toContain('cadres dirigeants');
    expect(v.unsupported[1].cited).toEqual([1]);
  });

  it('counts no citation as supported by a sentence that says nothing (markers or stop words alone)', () => {
    // an empty claim is "covered" in full by any passage: its citations backed nothing
    const v = verifyAnswer('Le salarié a droit à 2,5 jours ouvrables de congé par mois [2]. Oui [1]. [1][2]', sources);
    expect(v.citations.map((c) => [c.n, c.supported])).toEqual([[2, true], [1, false]]);
    expect(v.citations.find((c) => c.n === 2)!.quote).toContain('2,5 jours ouvrables');
    expect(v.citations.find((c) => c.n === 1)!.support).toBe(0);
    expect(v.unsupported).toEqual([]);
  });

  it('gives each citation the page of its quote and a link to the quoted place (issue 19)', () => {
    const page1 = 'Le permis de construire est exigé pour toute construction nouvelle.';
    const page3 = 'Le permis de démolir est obligatoire dans les secteurs sauvegardés.';
    const text = `${page1}\n\nLa déclaration préalable suffit pour les travaux modestes.\n\n${page3}`;
    const pdf = numberSources([
      {
        chunk_id: 5, text, heading_path: ['Urbanisme'], score: 1,
        locator: { page: 1, page_start: 1, page_end: 3, page_breaks: [{ offset: page1.length + 2, page: 2 }, { offset: text.indexOf(page3), page: 3 }] },
        document: { id: 50, url: 'https://ex.fr/urbanisme.pdf', title: 'Urbanisme' },
      },
      sources[0]!,
    ]);
    const v = verifyAnswer('Le permis de démolir est obligatoire dans les secteurs sauvegardés [1]. Le préavis est fixé par la convention collective [2].', pdf);
    const [c1, c2] = v.citations;
    expect(c1!.quote).toBe(page3);
    expect(c1!.locator).toEqual({ page: 3, page_start: 1, page_end: 3 });
    expect(c1!.link).toBe('https://ex.fr/urbanisme.pdf#page=3');
    expect(c2!.link).toBe(`${sources[0]!.document.url}#s1:~:text=La%20dur%C3%A9e%20du%20pr%C3%A9avis%20est%20fix%C3%A9e%20par%20la%20convention%20collective.`);
  });

  it('replaces links found in no source and flags their sentence', () => {
    const v = verifyAnswer(
      'Faites la démarche sur [ce site](https://phishing.example/login) [1]. La fiche officielle est https://www.service-public.fr/particuliers/vosdroits/F2883 [1].',
      sources,
    );
    expect(v.removed_links).toBe(1);
    expect(v.answer).not.toContain('phishing');
    expect(v.answer).toContain('ce site (lien retiré)');
    expect(v.answer).toContain('https://www.service-public.fr/particuliers/vosdroits/F2883');
    expect(v.unsupported[0].reason).toBe('unknown_link');
  });

  it('replaces links that run script or carry content, whatever the sources say', () => {
    // a chat client rendering the answer's Markdown would make them clickable; a page can plant the same text
    const planted = [{ ...sources[0]!, text: `${sources[0]!.text} Voir [le formulaire](javascript:alert(document.cookie)).` }];
    const v = verifyAnswer(
      'Le préavis est fixé par la convention collective, voir [le formulaire](javascript:alert(document.cookie)) [1]. ' +
        'Une image ![x](data:image/svg+xml;base64,PHN2Zz4=) et <a href="vbscript:msgbox(1)">ici</a> [1].',
      planted,
    );
    expect(v.answer).not.toMatch(/javascript|vbscript|data:/);
    expect(v.answer).toContain('le formulaire (lien retiré)');
    expect(v.removed_links).toBe(3);
    expect(v.unsupported.map((u) => u.reason)).toEqual(['unknown_link', 'unknown_link']);
    // prose that merely names a scheme is left alone
    expect(verifyAnswer('Les données (data: tableaux) sont publiées [1].', sources).removed_links).toBe(0);
  });

  it('does not count lead-ins and headings as claims', () => {
    const v = verifyAnswer('Voici ce que disent les sources :\n\nLe préavis est fixé par la convention collective [1].', sources);
    expect(v.unsupported).toEqual([]);
    expect(isModelAbstention('[[NO_ANSWER]]')).toBe(true);
  });
});

describe('numbers', () => {
  it('reads grouped thousands and decimals without gluing separate figures together', async () => {
    const { numbers } = await import('./text.js');
    expect(numbers('1 500 euros, 2,5 jours, en 2024, 15 jours, 1.234 et 3.5 %')).toEqual(['1500', '2.5', '2024', '15', '1234', '3.5']);
  });

  it('reads figures written in words, not articles, « les deux » or « pour cent »', async () => {
    const { numbers } = await import('./text.js');
    expect(numbers('soixante-douze heures, vingt et un ans, quatre-vingt-dix jours, deux mille cinq cents euros')).toEqual([
      '72', '21', '90', '2500',
    ]);
    expect(numbers("un mois, une fois, les deux parents, cinq pour cent, constructor")).toEqual(['5']);
    expect(numbers('deux parents, pendant les trois mois')).toEqual(['2', '3']);
  });
});

describe('embedding support', () => {
  it('lets a semantic similarity lift a paraphrase the word count misses, never an unknown link', () => {
    const paraphrase = 'Sans accord de branche, un employé démissionnaire doit prévenir son patron un mois avant [1].';
    const lexicalOnly = verifyAnswer(paraphrase, sources);
    expect(lexicalOnly.unsupported.map((u) => u.reason)).toEqual(['not_supported']);
    const blended = verifyAnswer(paraphrase, sources, { similarity: () => 0.95 });
    expect(blended.unsupported).toEqual([]);
    const link = verifyAnswer('Le préavis se calcule sur https://evil.example/x [1].', sources, { similarity: () => 1 });
    expect(link.unsupported[0]!.reason).toBe('unknown_link');
  });
});
