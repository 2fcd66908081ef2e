/**
 * A query of one term (or of one the index holds) is ranked by that term's impacts alone: the lexical branch
 * reads its best `depth` postings, not `termDepth` of them. Queries of several terms still read each term's
 * `termDepth` best, where a chunk holding two of them can come from far down either list.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { buildHybridSql, type HybridRow } from './hybrid-sql.js';
import { QUERY_ANALYSER } from './query-analyser.js';
import { axis, onePassagePages, scriptedEmbedder } from './scripted-vectors.js';

const DEPTH = 4;
const PAGES = 12;

describeEachDatabase('lexical branch, postings read per query term', (ctx) => {
  beforeAll(async () => {
    const write = await onePassagePages(ctx.db, scriptedEmbedder('scripted-one-term', axis(1), () => axis(1)), 'one-term');
    await write([
      // « préavis » held more or less densely: each page its own impact
      ...Array.from({ length: PAGES }, (_, i) => ({
        url: `https://exemple.gouv.fr/preavis-${i}`,
        title: `Page ${i}`,
        text: `${'Le préavis court. '.repeat(1 + (i % 4))}${'La convention collective le fixe. '.repeat(i % 5)}`,
      })),
      // both words, « préavis » once in a long text: far down the list of « préavis » alone
      {
        url: 'https://exemple.gouv.fr/ingenieurs',
        title: 'Cadres',
        text: `Le préavis des ingénieurs est de trois mois. ${'La convention collective le fixe. '.repeat(6)}`,
      },
    ]);
  });

  const search = async (query: string) => {
    const { sql, params } = buildHybridSql({
      mode: 'lexical',
      query,
      allowedCollections: null,
      chunkCount: PAGES + 1,
      depth: DEPTH,
      termDepth: 100,
      rrfK: 60,
      weights: { lexical: 1, vector: 1 },
      limit: DEPTH,
      offset: 0,
    });
    // The postings the statement read, from the rank index's counts of this backend not yet reported, before
    // and after it in one transaction: the branch reads them in cite_lexical_top (migration 0360), whose
    // statements no EXPLAIN of the search shows. A few dozen postings: the planner would rather read them
    // all and sort (a scan of the table or a bitmap of the index); the index read in order is what is measured.
    const { rows, read } = await ctx.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query('SET LOCAL enable_bitmapscan = off');
      const counted = async () => {
        const { rows } = await tx.query<{ n: string | number }>(`SELECT pg_stat_get_xact_tuples_returned('search_postings_rank_idx'::regclass) AS n`);
        return Number(rows[0]!.n);
      };
      const before = await counted();
      const found = (await tx.query<HybridRow>(sql, params)).rows;
      return { rows: found, read: (await counted()) - before };
    });
    return { ids: rows.map((r) => Number(r.id)), urls: rows.map((r) => r.url), read };
  };

  /** The term's best postings, straight from the table: what its own ranking is. */
  const bestOf = async (word: string): Promise<number[]> => {
    const { rows } = await ctx.db.query<{ chunk_id: string }>(
      `SELECT chunk_id FROM search_postings
       WHERE lexeme = (SELECT lexeme FROM unnest(tsvector_to_array(to_tsvector('${QUERY_ANALYSER}', $1::text))) AS lexeme)
       ORDER BY impact DESC, chunk_id LIMIT ${DEPTH}`,
      [word],
    );
    return rows.map((r) => Number(r.chunk_id));
  };

  it('reads only the depth of a one-term query, and ranks it as reading them all would', async () => {
    const found = await search('préavis');
    expect(found.ids).toEqual(await bestOf('préavis'));
    expect(found.read).toBe(DEPTH);
  });

  it('counts only the terms the index holds: a word it has never seen leaves one term', async () => {
    const found = await search('préavis xylophoniste');
    expect(found.ids).toEqual(await bestOf('préavis'));
    expect(found.read).toBe(DEPTH);
  });

  it('still reads every term deep when there are several, where a chunk holding two comes from far down', async () => {
    const found = await search('préavis ingénieurs');
    // the page of both words is not among the best of « préavis » alone, yet it ranks first
    expect(await bestOf('préavis')).not.toContain(found.ids[0]);
    expect(found.urls[0]).toBe('https://exemple.gouv.fr/ingenieurs');
    // every posting of « préavis » (13 pages) and the one of « ingénieurs »
    expect(found.read).toBe(PAGES + 2);
  });
});
