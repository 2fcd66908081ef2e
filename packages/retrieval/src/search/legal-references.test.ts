/**
 * An article's reference written the way legal texts write it (« L. 1237-19 ») finds the article's own page,
 * titled the way Légifrance titles it (« Article L1237-19 »), before the pages citing it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { citedSpelling, compactLegalReferences, legalReferences, withBothSpellings } from './legal-references.js';
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

const citing = (i: number): TestDoc => ({
  url: `https://exemple.gouv.fr/code/R1237-${i}`,
  title: `Code du travail - Article R1237-${i}`,
  chunks: [{ text: `La demande de validation de l'accord mentionné à l'article L. 1237-19 est adressée à l'autorité administrative (cas ${i}).` }],
});
const docs: TestDoc[] = [
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
});
