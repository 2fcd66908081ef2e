/**
 * cite_lexical_top (migration 0360) against the sum it replaces, computed here from the postings table: each
 * term's best `term_depth` postings (impact, then chunk id), weighted by its IDF and added rarest first, the
 * best `top` chunks by score, then chunk id. One to six terms (a join for two and three, the aggregate past
 * them), through the caller's collections or not, with ties and lists cut short: the same chunks, and the
 * same scores to the bit up to three terms. Then the search statement, limited by a key and a filter at once, reads postings of the
 * collections both allow.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import type { Queryable } from '@cite/core/db/database.js';
import { buildHybridSql, idf, type HybridRow } from './hybrid-sql.js';
import { QUERY_ANALYSER } from './query-analyser.js';
import { axis, onePassagePages, scriptedEmbedder } from './scripted-vectors.js';

const WORDS = ['préavis', 'démission', 'employeur', 'licenciement', 'indemnité', 'convention'];
const TERM_DEPTH = 9;
const TOP = 12;

/** A deterministic mix of the words, each repeated 0–3 times: the same text twice makes ties. */
function pages(prefix: string, count: number, seed: number): Array<{ url: string; title: string; text: string }> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, (_, i) => {
    const words = WORDS.flatMap((w) => Array.from({ length: Math.floor(next() * 4) }, () => w));
    const text = i % 7 === 6 ? 'Le préavis et la démission.' : `Texte ${words.join(' ')} fin.`;
    return { url: `https://exemple.gouv.fr/${prefix}-${i}`, title: `${prefix} ${i}`, text };
  });
}

interface Top {
  chunk_id: number;
  score: number;
}

/** The sum as the lexical branch made it before 0360, from the table. */
async function reference(db: Queryable, lexemes: string[], idfs: number[], collections: number[] | null): Promise<Top[]> {
  const scores = new Map<number, number>();
  for (const [i, lexeme] of lexemes.entries()) {
    const { rows } = await db.query<{ chunk_id: string | number; impact: number }>(
      `SELECT chunk_id, impact::float8 AS impact FROM search_postings
       WHERE lexeme = $1 AND ($2::bigint[] IS NULL OR collection_id = ANY ($2::bigint[]))
       ORDER BY impact DESC, chunk_id LIMIT ${TERM_DEPTH}`,
      [lexeme, collections],
    );
    for (const r of rows) {
      const id = Number(r.chunk_id);
      const s = idfs[i]! * r.impact;
      const sum = scores.get(id);
      scores.set(id, sum === undefined ? s : sum + s);
    }
  }
  return [...scores]
    .map(([chunk_id, score]) => ({ chunk_id, score }))
    .sort((a, b) => b.score - a.score || a.chunk_id - b.chunk_id)
    .slice(0, TOP);
}

describeEachDatabase('lexical branch, the best chunks of the written postings (cite_lexical_top)', (ctx) => {
  let lexemes: string[] = [];
  let first = 0;
  let second = 0;

  beforeAll(async () => {
    const embedder = scriptedEmbedder('scripted-lexical-top', axis(1), () => axis(1));
    const writeFirst = await onePassagePages(ctx.db, embedder, 'lexical-top-a');
    await writeFirst(pages('a', 60, 7));
    const writeSecond = await onePassagePages(ctx.db, embedder, 'lexical-top-b');
    await writeSecond(pages('b', 40, 11));
    const { rows } = await ctx.db.query<{ id: string | number; name: string }>(
      `SELECT id, name FROM collections WHERE name LIKE 'lexical-top-%' ORDER BY name`,
    );
    [first, second] = rows.map((r) => Number(r.id));
    // the words' lexemes, rarest first as the branch orders them
    const analysed = await ctx.db.query<{ lexeme: string }>(
      `SELECT q.lexeme FROM unnest(tsvector_to_array(to_tsvector('${QUERY_ANALYSER}', $1::text))) AS q(lexeme)
       JOIN search_terms t ON t.lexeme = q.lexeme GROUP BY q.lexeme ORDER BY sum(t.df), q.lexeme`,
      [WORDS.join(' ')],
    );
    lexemes = analysed.rows.map((r) => r.lexeme);
  });

  it('holds every word, each in more chunks than a term reads', async () => {
    expect(lexemes).toHaveLength(WORDS.length);
    for (const lexeme of lexemes) {
      const { rows } = await ctx.db.query<{ n: string | number }>('SELECT count(*) AS n FROM search_postings WHERE lexeme = $1', [lexeme]);
      expect(Number(rows[0]!.n)).toBeGreaterThan(TERM_DEPTH);
    }
  });

  for (const scoped of [false, true]) {
    for (let m = 0; m <= WORDS.length; m++) {
      it(`${m} term${m === 1 ? '' : 's'}${scoped ? ', through a collection' : ''}: the same chunks and scores as the sum`, async () => {
        const terms = lexemes.slice(0, m);
        // uneven weights, rarest heaviest, as IDF makes them
        const idfs = terms.map((_, i) => 2.5 / (1 + i * 0.37));
        const collections = scoped ? [second] : null;
        const { rows } = scoped
          ? await ctx.db.query<Top>('SELECT chunk_id, score FROM cite_lexical_top_in($1::text[], $2::float8[], $3, $4, $5::bigint[])', [
              terms,
              idfs,
              TERM_DEPTH,
              TOP,
              collections,
            ])
          : await ctx.db.query<Top>('SELECT chunk_id, score FROM cite_lexical_top($1::text[], $2::float8[], $3, $4)', [terms, idfs, TERM_DEPTH, TOP]);
        const expected = await reference(ctx.db, terms, idfs, collections);
        const got = rows.map((r) => ({ chunk_id: Number(r.chunk_id), score: r.score }));
        if (m <= 3) {
          expect(got).toEqual(expected);
        } else {
          // an aggregate adds a chunk's scores in the order its plan brings them (a sort by chunk may mix the
          // terms): the last bit may differ
          expect(got.map((g) => g.chunk_id)).toEqual(expected.map((e) => e.chunk_id));
          got.forEach((g, i) => expect(Math.abs(g.score - expected[i]!.score)).toBeLessThan(1e-12 * expected[i]!.score));
        }
        if (m > 0) expect(rows).toHaveLength(m === 1 ? Math.min(TOP, TERM_DEPTH) : TOP);
      });
    }
  }

  it('reads postings of the collections the key and the filter both allow', async () => {
    const { sql, params } = buildHybridSql({
      mode: 'lexical',
      query: WORDS.slice(0, 3).join(' '),
      allowedCollections: [first, second],
      filters: { collections: [second] },
      chunkCount: 100,
      depth: TOP,
      termDepth: TERM_DEPTH,
      rrfK: 60,
      weights: { lexical: 1, vector: 1 },
      limit: TOP,
      offset: 0,
    });
    expect(sql).toContain('cite_lexical_top_in');
    const found = (await ctx.db.query<HybridRow>(sql, params)).rows;
    const inSecond = await ctx.db.query<{ id: string | number }>(
      'SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.collection_id = $1',
      [second],
    );
    const allowed = new Set(inSecond.rows.map((r) => Number(r.id)));
    expect(found.length).toBe(TOP);
    expect(found.every((r) => allowed.has(Number(r.id)))).toBe(true);
    // the statement's IDF (the key's collections hold every chunk here): the same chunks and scores as the sum
    const terms = await statementIdfs(ctx.db, WORDS.slice(0, 3).join(' '), 100);
    const expected = await reference(ctx.db, terms.map((t) => t.lexeme), terms.map((t) => t.idf), [second]);
    expect(found.map((r) => ({ chunk_id: Number(r.id), score: r.lexical_score }))).toEqual(expected);
  });
});

/** The query's terms with the IDF the statement gives them over `n` chunks (every collection's df), rarest first. */
async function statementIdfs(db: Queryable, query: string, n: number): Promise<Array<{ lexeme: string; idf: number }>> {
  const { rows } = await db.query<{ lexeme: string; idf: number }>(
    `SELECT q.lexeme, ${idf('$2', 'sum(t.df)')} AS idf
     FROM unnest(tsvector_to_array(to_tsvector('${QUERY_ANALYSER}', $1::text))) AS q(lexeme) JOIN search_terms t ON t.lexeme = q.lexeme
     GROUP BY q.lexeme ORDER BY sum(t.df), q.lexeme`,
    [query, n],
  );
  return rows;
}
