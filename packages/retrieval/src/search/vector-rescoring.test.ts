/**
 * HNSW is approximate: it can miss a chunk's vector, and which ones it misses depends on the order chunks
 * were written in. In hybrid mode the lexical branch's best candidates are measured exactly as well, so a
 * chunk the lexical branch finds keeps its vector vote whatever the graph did. `hnsw.ef_search = 1` makes
 * the miss certain here: the index then returns one neighbour, the nearest.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { buildHybridSql, type HybridRow } from './hybrid-sql.js';
import type { SearchMode } from './search-schema.js';
import { axis, onePassagePages, scriptedEmbedder } from './scripted-vectors.js';

const QUERY = axis(1);
/** Nearest the query: « Vecteur »; 45° away: the page holding the query's words; far: the others. */
const scripted = scriptedEmbedder('scripted-rescoring', QUERY, (t) =>
  t.includes('Vecteur') ? axis(1, 0.1) : t.includes('ingénieurs') ? axis(1, 1) : axis(1, 3, 1),
);

describeEachDatabase('hybrid search, vectors the index misses', (ctx) => {
  let chunkCount = 0;

  beforeAll(async () => {
    const write = await onePassagePages(ctx.db, scripted, 'rescoring');
    await write([
      { url: 'https://exemple.gouv.fr/vecteur', title: 'Vecteur', text: 'Les règles propres à chaque branche professionnelle et les usages locaux.' },
      { url: 'https://exemple.gouv.fr/lexical', title: 'Lexical', text: 'Préavis des ingénieurs : le préavis des ingénieurs est de trois mois.' },
      ...[1, 2, 3, 4].map((i) => ({ url: `https://exemple.gouv.fr/autre-${i}`, title: `Autre ${i}`, text: `Congés payés, page ${i}.` })),
    ]);
    chunkCount = 6;
  });

  const search = async (mode: SearchMode): Promise<HybridRow[]> => {
    const { sql, params } = buildHybridSql({
      mode,
      query: 'préavis des ingénieurs',
      vector: `[${Array.from(QUERY).join(',')}]`,
      allowedCollections: null,
      chunkCount,
      depth: 10,
      termDepth: 100,
      rrfK: 60,
      weights: { lexical: 1, vector: 1 },
      limit: 10,
      offset: 0,
    });
    // on six rows the planner may sort them all instead (exact): the index is what this test is about
    const settings = { 'hnsw.ef_search': '1', enable_seqscan: 'off' };
    return (await ctx.db.queryWithSettings<HybridRow>(settings, sql, params)).rows;
  };

  it('gives the lexical branch its exact vector rank and score when HNSW does not return it', async () => {
    // the index alone returns one neighbour: the lexical page is not among them
    const vectorOnly = await search('vector');
    expect(vectorOnly.map((r) => r.url)).toEqual(['https://exemple.gouv.fr/vecteur']);

    const rows = await search('hybrid');
    const lexical = rows.find((r) => r.url === 'https://exemple.gouv.fr/lexical')!;
    const vecteur = rows.find((r) => r.url === 'https://exemple.gouv.fr/vecteur')!;
    expect(Number(lexical.lexical_rank)).toBe(1);
    expect(Number(lexical.vector_rank)).toBe(2);
    expect(lexical.vector_score).toBeCloseTo(Math.SQRT1_2, 5);
    expect(Number(vecteur.vector_rank)).toBe(1);
    // both votes: first of the fusion, ahead of the page only the vector branch found
    expect(rows[0]!.url).toBe('https://exemple.gouv.fr/lexical');
    expect(lexical.score).toBeCloseTo(1 / 61 + 1 / 62, 10);
    // the other pages hold none of the query's words: HNSW did not return them, nothing else brings them in
    expect(rows.map((r) => r.url).sort()).toEqual(['https://exemple.gouv.fr/lexical', 'https://exemple.gouv.fr/vecteur']);
  });
});
