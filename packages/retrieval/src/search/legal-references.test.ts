/**
 * An article's reference written the way legal texts write it (« L. 1237-19 ») finds the article's own page,
 * titled the way Légifrance titles it (« Article L1237-19 »), before the pages citing it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import {
  articleNamer,
  articleReferences,
  citedSpelling,
  compactLegalReferences,
  isReferenceList,
  legalReferences,
  namesArticle,
  withBothSpellings,
} from './legal-references.js';
import { withoutCodeAbbreviations } from './legal-codes.js';
import { resetSearchStatistics, searchWith, type SearchDeps } from './search-service.js';
import { loadTestCorpus, type TestDoc } from './test-corpus.js';

describe('compactLegalReferences', () => {
  it('writes a code article\'s reference as one word, whatever the dot and spaces', () => {
    for (const ref of ['L. 1237-19', 'L.1237-19', 'L 1237-19', 'L .1237-19', 'l. 1237-19']) {
      expect(compactLegalReferences(`article ${ref} du code`), ref).toBe('article L1237-19 du code');
    }
    expect(compactLegalReferences('articles R. 4624-10 à R. 4624-15, D. 1234-5-1 et A. 12-3')).toBe(
      'articles R4624-10 à R4624-15, D1234-5-1 et A12-3',
    );
  });

  it('names the articles a text cites, each once, never a longer one for a shorter', () => {
    expect(legalReferences("Que dit l'article l1237-19, et l'article L. 1237-19 ?")).toEqual(['L1237-19']);
    expect(legalReferences('Code du travail - Article L1237-19-1')).toEqual(['L1237-19-1']);
    expect(legalReferences('articles R. 4624-10 à R. 4624-15')).toEqual(['R4624-10', 'R4624-15']);
    expect(legalReferences('Code du travail - Partie législative')).toEqual([]);
  });

  it('spells a reference both ways for search: as the article is titled, as pages citing it write it', () => {
    expect(withBothSpellings("Que dit l'article L. 1237-19 ? et l1237-8")).toBe("Que dit l'article L1237-19 1237-19 ? et l1237-8 1237-8");
    expect(citedSpelling('l1237-19')).toBe('1237-19');
    expect(citedSpelling('covid-19')).toBeUndefined();
    expect(citedSpelling('2023-2024')).toBeUndefined();
  });

  it('leaves alone what is not a reference', () => {
    for (const text of ['L1237-19', 'en 2024-2025', 'le 12/05/2024', 'L 2024', 'Art. 12', 'URL. 12-3', "l'1234-5", 'l 1234-5', 'L. 1237']) {
      expect(compactLegalReferences(text), text).toBe(text);
    }
  });
});

describe('articleReferences: the code each article belongs to', () => {
  const TRAVAIL = 'Code du travail';
  const CSS = 'Code de la sécurité sociale';
  it('reads the code named right after a reference, past the rest of its list', () => {
    expect(articleReferences("Que dit l'article L. 1237-1 du code de commerce ?")).toEqual([{ article: 'L1237-1', code: 'Code de commerce' }]);
    expect(articleReferences('Articles L. 1225-61 à L. 1225-65-2, R. 1225-14, et D. 1225-17 du Code du travail').map((r) => r.code))
      .toEqual([TRAVAIL, TRAVAIL, TRAVAIL, TRAVAIL]);
    expect(articleReferences('les articles L. 1237-1 et L. 1237-2 du Code du Travail')).toEqual([
      { article: 'L1237-1', code: TRAVAIL },
      { article: 'L1237-2', code: TRAVAIL },
    ]);
    expect(articleReferences("l'article L. 1234-1 du code du travail et l'article L. 161-1 du code de la securite sociale")).toEqual([
      { article: 'L1234-1', code: TRAVAIL },
      { article: 'L161-1', code: CSS },
    ]);
    expect(articleReferences('art. L. 161-1 CSS, art. L. 1234-1 C. trav.')).toEqual([
      { article: 'L161-1', code: CSS },
      { article: 'L1234-1', code: TRAVAIL },
    ]);
    // the longest name: a code of its own
    expect(articleReferences('Code du travail applicable à Mayotte - Article L122-1')).toEqual([
      { article: 'L122-1', code: 'Code du travail applicable à Mayotte' },
    ]);
  });

  it("otherwise takes the text's only code, and leaves it unknown when the text names none or several", () => {
    expect(articleReferences('Code du travail - Article L1237-19')).toEqual([{ article: 'L1237-19', code: TRAVAIL }]);
    expect(articleReferences("Que prévoit le code du travail à l'article L. 1237-19 ?")).toEqual([{ article: 'L1237-19', code: TRAVAIL }]);
    expect(articleReferences("l'article L. 2312-8 du même code")).toEqual([{ article: 'L2312-8' }]);
    // « du même code »: the code named last before; « du présent code »: the text's first (the page's title)
    expect(articleReferences("aux articles L. 7231-1 et D. 7231-1 du Code du travail ; un organisme déclaré selon l'article L. 7232-1-1 du même code"))
      .toEqual([{ article: 'L7231-1', code: TRAVAIL }, { article: 'D7231-1', code: TRAVAIL }, { article: 'L7232-1-1', code: TRAVAIL }]);
    expect(articleReferences("Code du travail - Article L1234-1\nVoir l'article L. 242-1 du code de la sécurité sociale et l'article L. 1234-5 du présent code."))
      .toEqual([{ article: 'L1234-1', code: TRAVAIL }, { article: 'L242-1', code: CSS }, { article: 'L1234-5', code: TRAVAIL }]);
    // a line's only code before the text's: a page's title above a text citing another code
    expect(articleReferences('Code du travail - Article L1234-5\nLes indemnités au sens de l\'article L. 242-1 du code de la sécurité sociale.'))
      .toEqual([{ article: 'L1234-5', code: TRAVAIL }, { article: 'L242-1', code: CSS }]);
    // a code claimed by a reference is not its line's for another: the page's own code is
    const page = "Code du travail - Article L4154-3\nLa faute prévue à l'article L. 452-1 du code de la sécurité sociale, sauf à l'article L. 4154-2.";
    expect(articleReferences(page)).toEqual([
      { article: 'L4154-3', code: TRAVAIL },
      { article: 'L452-1', code: CSS },
      { article: 'L4154-2', code: TRAVAIL },
    ]);
    expect(articleReferences("Le code civil et le code de commerce s'appliquent ; voir l'article L. 1234-1.")).toEqual([{ article: 'L1234-1' }]);
    // an abbreviation is read as written: « css » in running text is not a code
    expect(articleReferences('article L. 161-1 css')).toEqual([{ article: 'L161-1' }]);
  });

  it("tells an article from another code's article of the same number, and from none when a side does not say", () => {
    const title = 'Code du travail - Article L1237-1';
    expect(namesArticle(title, articleReferences("Que dit l'article L. 1237-1 du code de commerce ?"))).toBe(false);
    expect(namesArticle(title, articleReferences("Que dit l'article L. 1237-1 du code du travail ?"))).toBe(true);
    expect(namesArticle(title, articleReferences("Que dit l'article L. 1237-1 ?"))).toBe(true);
    expect(namesArticle(title, articleReferences("Que dit l'article L. 1237-10 ?"))).toBe(false);
    expect(namesArticle('Article L1237-1', articleReferences("l'article L. 1237-1 du code de commerce"))).toBe(true);
  });

  it('reads articles numbered without a letter after « article », held to their code', () => {
    const CIVIL = 'Code civil';
    expect(articleReferences("Que dit l'article 1240 du code civil ?")).toEqual([{ article: '1240', code: CIVIL }]);
    expect(articleReferences('les articles 1240 et 1241 du Code civil, art. 1242 C. civ.')).toEqual([
      { article: '1240', code: CIVIL },
      { article: '1241', code: CIVIL },
      { article: '1242', code: CIVIL },
    ]);
    expect(articleReferences('Code civil - Article 1240')).toEqual([{ article: '1240', code: CIVIL }]);
    // not an article's number: a reference with a letter, the first article, an amount, a date
    for (const text of ["l'article L. 1240-1", "l'article 1er", 'article 12,5 %', 'en 1240 euros']) {
      expect(articleReferences(text).filter((r) => !/^L/.test(r.article)), text).toEqual([]);
    }
    const asked = articleReferences("Que dit l'article 12 du code civil ?");
    expect(namesArticle('Code civil - Article 12', asked)).toBe(true);
    expect(namesArticle('Code pénal - Article 12', asked)).toBe(false);
    // a law's or an agreement's article 12 is not the code's: a number without a code is held to none
    expect(namesArticle("l'article 12 de la loi du 6 juillet 1989", asked)).toBe(false);
    expect(namesArticle("l'article 12 de la loi du 6 juillet 1989", articleReferences("Que dit l'article 12 ?"))).toBe(true);
  });

  it('reads an article inserted after another (« 238 bis », « 302 septies A ») as another article', () => {
    const CGI = 'Code général des impôts';
    expect(articleReferences("Que dit l'article 238 bis du code général des impôts ?")).toEqual([{ article: '238 bis', code: CGI }]);
    expect(articleReferences('articles 302 septies A et 1649 quater B du CGI, art. 199 sexdecies CGI')).toEqual([
      { article: '302 septies A', code: CGI },
      { article: '1649 quater B', code: CGI },
      { article: '199 sexdecies', code: CGI },
    ]);
    expect(articleReferences("l'article L. 5212-7 bis du code du travail")).toEqual([{ article: 'L5212-7 bis', code: 'Code du travail' }]);
    const jei = articleReferences("au sens de l'article 44 sexies-0 A du code général des impôts");
    expect(jei).toEqual([{ article: '44 sexies-0 A', code: CGI }]);
    expect(namesArticle("l'article 44 sexies-0 A du code général des impôts", articleReferences("l'article 44 sexies du CGI"))).toBe(false);
    // a word after the number that numbers nothing, a capital letter after no adverb
    expect(articleReferences("l'article 200 a été modifié par la loi")).toEqual([{ article: '200' }]);
    expect(articleReferences("l'article 238 A du CGI")).toEqual([{ article: '238', code: CGI }]);
    const bis = articleReferences("Que dit l'article 238 bis du CGI ?");
    expect(namesArticle("Le don ouvre droit à la réduction de l'article 238 bis du code général des impôts.", bis)).toBe(true);
    for (const text of ["la réduction de l'article 238 du code général des impôts", "l'article 238 ter du code général des impôts"]) {
      expect(namesArticle(text, bis), text).toBe(false);
    }
    expect(isReferenceList('Articles 200 quater, 200 quater A et 238 bis du code général des impôts')).toBe(true);
  });

  it('tells a list of references (a page\'s sources) from a text saying something of an article', () => {
    for (const list of [
      '- Articles L. 1225-4-2, L. 1232-1, L. 1234-1 à L. 1234-5 du Code du travail',
      'Code du travail : articles L. 1234-1 et suivants',
      'Articles 1240 et 1241 du code civil',
    ]) expect(isReferenceList(list), list).toBe(true);
    for (const text of ["Le préavis est fixé par l'article L. 1234-1 du code du travail.", 'Articles L. 2315-16 à L. 2315-18 (formation des membres du CSE)', 'Le salarié']) {
      expect(isReferenceList(text), text).toBe(false);
    }
  });

  it('reads, for the relevance gate, which passages name the article of the code the question names', () => {
    const texts: Record<string, string> = {
      travail: 'Le préavis\nIl est fixé par l\'article L. 1234-1 du code du travail.',
      silent: 'Le préavis\nIl est fixé par l\'article L. 1234-1.',
      commerce: 'Le bail\nVoir les articles L. 1234-1 et L. 145-4 du code de commerce.',
    };
    const read: string[] = [];
    const names = articleNamer("Que dit l'article L. 1234-1 du code de commerce ?", (id) => (read.push(id), texts[id]!));
    expect(Object.keys(texts).filter((id) => names(id, 'l1234-1'))).toEqual(['silent', 'commerce']);
    expect(names('commerce', 'l145-4')).toBe(true);
    expect(read).toEqual(['travail', 'silent', 'commerce']); // each passage read once
    const anyCode = articleNamer("Que dit l'article L. 1234-1 ?", (id) => texts[id]!);
    expect(Object.keys(texts).filter((id) => anyCode(id, 'l1234-1'))).toEqual(['travail', 'silent', 'commerce']);
  });

  it('drops the abbreviations of codes from a question\'s words, not the words that look like them', () => {
    expect(withoutCodeAbbreviations('art. L. 1234-1 C. trav. et L. 161-1 CSS, C. pén.').replace(/\s+/g, ' ')).toBe('art. L. 1234-1 et L. 161-1 , ');
    expect(withoutCodeAbbreviations('le CSSCT et les cssr')).toBe('le CSSCT et les cssr');
  });
});

const citing = (i: number): TestDoc => ({
  url: `https://exemple.gouv.fr/code/R1237-${i}`,
  title: `Code du travail - Article R1237-${i}`,
  chunks: [{ text: `La demande de validation de l'accord mentionné à l'article L. 1237-19 est adressée à l'autorité administrative (cas ${i}).` }],
});
/** Fiches citing articles no page is titled with: one names L. 1233-4, the shorter others its numbers apart. */
const fiches: TestDoc[] = [
  {
    url: 'https://exemple.gouv.fr/fiches/reclassement',
    title: 'Le reclassement du salarié',
    chunks: [{ text: "L'employeur recherche un poste de reclassement avant tout licenciement économique, comme le prévoit l'article L. 1233-4 du code du travail pour chaque salarié concerné par la procédure." }],
  },
  ...[1, 2, 3, 4].map((i) => ({
    url: `https://exemple.gouv.fr/fiches/autre-${i}`,
    title: `Fiche ${i}`,
    chunks: [{ text: `Voir les articles L. 1233-${10 + i} et L. ${1240 + i}-4 (cas ${i}).` }],
  })),
];
const docs: TestDoc[] = [
  ...fiches,
  {
    url: 'https://exemple.gouv.fr/code/L1237-19',
    title: 'Code du travail - Article L1237-19',
    chunks: [{ text: "Un accord collectif peut déterminer le contenu d'une rupture conventionnelle collective excluant tout licenciement." }],
  },
  ...Array.from({ length: 6 }, (_, i) => citing(i + 1)),
  // shorter pages whose titles hold « l1237 » and « -19 » too: BM25 prefers them to the article
  ...[1, 2, 3].map((i) => ({
    url: `https://exemple.gouv.fr/code/L1237-19-${i}`,
    title: `Code du travail - Article L1237-19-${i}`,
    chunks: [{ text: `Les modalités ${i} sont fixées par accord.` }],
  })),
];

describeEachDatabase('search by an article\'s reference', (ctx) => {
  let deps: SearchDeps;
  beforeAll(async () => {
    await loadTestCorpus(ctx.db, docs);
    deps = { db: ctx.db, embedder: new HashEmbedder(), config: loadConfig({ DATA_DIR: 'memory://' }) };
    resetSearchStatistics(ctx.db);
  });

  it('finds the article itself first, written as legal texts write it or as its page is titled', async () => {
    for (const query of ['article L. 1237-19', 'L.1237-19', 'article L1237-19', "Que prévoit l'article L. 1237-19 ?"]) {
      for (const mode of ['hybrid', 'lexical'] as const) {
        const res = await searchWith(deps, { query, allowedCollections: null, mode, k: 3 });
        expect(res.data[0]!.document.url, `${mode}: ${query}`).toBe('https://exemple.gouv.fr/code/L1237-19');
        // then the fused order, and pages of the same length whatever the first
        expect(res.data).toHaveLength(3);
      }
    }
    // the second page holds the same results as a deeper first page would
    const first = await searchWith(deps, { query: 'article L. 1237-19', allowedCollections: null, k: 4 });
    const second = await searchWith(deps, { query: 'article L. 1237-19', allowedCollections: null, k: 2, offset: 2 });
    expect(second.data.map((h) => h.document.url)).toEqual(first.data.slice(2).map((h) => h.document.url));
    // an article of the same chapter, named: its own page first, not the one the others cite
    const other = await searchWith(deps, { query: 'article L. 1237-19-2', allowedCollections: null, k: 3 });
    expect(other.data[0]!.document.url).toBe('https://exemple.gouv.fr/code/L1237-19-2');
  });

  it('puts a passage whose text names the article first when no page is titled with it', async () => {
    const url = 'https://exemple.gouv.fr/fiches/reclassement';
    for (const query of ['article L. 1233-4', "Que dit l'article L. 1233-4 du code du travail ?"]) {
      const res = await searchWith(deps, { query, allowedCollections: null, mode: 'lexical', k: 3 });
      expect(res.data[0]!.document.url, query).toBe(url);
    }
  });
});
