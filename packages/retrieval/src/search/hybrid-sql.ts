/**
 * The one statement that searches: lexical branch (BM25 over search_postings, plus the postings backlog
 * read from the impacts kept with it), vector branch (pgvector HNSW, cosine, plus the vector backlog and the
 * lexical branch's best candidates scored exactly), both under the same filters, fused by reciprocal rank on
 * the chunk id (vector candidates below a similarity floor left out of the vote), paginated after fusion,
 * joined to chunk text and document fields. One round trip whatever the mode.
 */
import { SqlParams, filterPredicates } from './filter-sql.js';
import type { ResolvedSearchFilters, SearchMode } from './search-schema.js';
import type { QueryExpansion } from './synonyms/synonym-expansion.js';
import { QUERY_ANALYSER } from './query-analyser.js';

export interface HybridSqlInput {
  mode: SearchMode;
  query: string;
  /** pgvector text form of the query embedding (vector and hybrid modes). */
  vector?: string;
  filters?: ResolvedSearchFilters;
  allowedCollections: readonly number[] | null;
  /**
   * Chunks for IDF (BM25's N): of the whole index, or of `allowedCollections` when the caller is limited
   * to them. The lexical branch then counts each term's chunks in those collections only (df), so that a
   * limited key's scores and order say nothing of the collections it cannot read (migration 0310).
   */
  chunkCount: number;
  /** Candidates each branch contributes to the fusion. */
  depth: number;
  /** Postings read per query term (best impacts first). */
  termDepth: number;
  rrfK: number;
  weights: { lexical: number; vector: number };
  /**
   * Hybrid only: vector candidates whose cosine similarity is below this get no vote in the fusion
   * (search-service.ts `vectorFloor` says why and how much). 0 or less: every candidate votes.
   */
  minSimilarity?: number;
  limit: number;
  offset: number;
  /**
   * Synonyms that apply to the query (search/synonyms/): the lexical branch searches `kept` instead of
   * the query's own lexemes, plus each group, which scores for a chunk only when the chunk holds all of
   * its lexemes, times its weight.
   */
  expansion?: QueryExpansion | null;
  /**
   * Hybrid only: fuse documents rather than chunks (a document's rank in a branch is its best chunk's),
   * so a document found through different chunks by the two branches gathers both votes. Rows then come
   * ordered by document score (`doc_score`), each document's chunks together, best first.
   */
  fuseDocuments?: boolean;
}

export interface HybridRow {
  id: string | number;
  score: number;
  lexical_rank: string | number | null;
  lexical_score: number | null;
  vector_rank: string | number | null;
  vector_score: number | null;
  doc_score?: number | null;
  text: string;
  /** As JSON: node-postgres parses a text[] one character at a time (1.8 µs a heading path, JSON 0.17). */
  heading_path: string[];
  locator: Record<string, unknown>;
  document_id: string | number;
  url: string;
  title: string;
  /** ISO 8601 in UTC, as `Date.toISOString()` writes it (isoTime). */
  updated_at: string | null;
  fetched_at?: string | null;
  metadata: Record<string, unknown>;
}

/**
 * With filters other than collections, the best postings of a term may all fall outside them: read more of
 * them so a selective filter still finds its matches (the branch stays exact up to that many postings per
 * term). Collections need no more: postings are read through them (filter-sql.ts, `scopes`).
 */
const FILTERED_TERM_DEPTH_FACTOR = 5;

/**
 * A synonym group's lexemes are read deeper than a query term's (synonymCtes says why), but not to the end:
 * every posting of a common word made the cost grow with the corpus. On 100,000 synthetic chunks where
 * "contrat" and "durée" fill two thirds of them, a CDD query with the example list took 236 ms, 17 ms cut at
 * 4,000. On the labour-law corpus (19,245 chunks, 17 lexemes beyond 4,000 postings), the lexical statement
 * of its 544 cdtn-dev phrasings the list expands: 7.4 → 7.1 ms on average and 19.3 → 14.9 ms at p95, with
 * the same nDCG@10 (0.2306) and recall@10. Twice the term depth: cut at the term depth itself (2,000),
 * nDCG@10 fell by 0.0002.
 */
const GROUP_TERM_DEPTH_FACTOR = 2;

/**
 * Query terms the lexical branch searches, the rarest first: each reads up to SEARCH_TERM_DEPTH postings, so
 * a 2,000-character query of 116 distinct words held everywhere took 74–83 ms of the database on 100,000
 * synthetic chunks (29–33 ms now), and an answer's question may be twice as long. The commonest words, left
 * out past this, weigh least in BM25. The development sets' queries have 14 distinct terms at most (p99 9).
 *
 * The depth, measured on the whole bench corpus (65,817 chunks, `cite eval`), cdtn-dev nDCG@10 hybrid /
 * lexical: 2,000 0.3786 / 0.3358; 4,000 0.3789 / 0.3357; 1,500 0.3735 / 0.3270. Also measured, not adopted: a
 * budget of postings a query, shared among its terms rarest first (each the smaller of its df, the depth and
 * its IDF's share of what the rarer ones left), so that only queries of four terms and more read less. At
 * 6,000: 0.3774 / 0.3337, spf-qa 0.993 → 0.988 (equal shares: 0.3770 / 0.3299), and no gain on bench:search
 * (−1%, 2 of 5 rounds), where 3.5% of the phrasings have four terms or more.
 */
const MAX_QUERY_TERMS = 32;

/**
 * Hybrid only: the lexical branch's best candidates whose distance to the query the vector branch also
 * measures exactly. HNSW is approximate: on the labour-law index (19,245 chunks, hash embedder, ef_search
 * 200) it missed the exact nearest chunk for 4.5–6% of the abstain-dev and cdtn-dev questions, and which
 * ones depended on the order the chunks were written in (two ingests of the same files answered 3 of 163
 * abstain-dev questions differently: a fiche at cosine 0.51, 0.32 the next, lost its vector vote in one).
 * A chunk both branches should find then kept one vote. Measured there, cdtn-dev nDCG@10 0.2324 / 0.2290
 * on two ingests → 0.2350 / 0.2344 with 20 (10, 30, 50, 100 within 0.0005 of it), +0.15–0.2 ms a statement
 * (20 primary-key lookups; 100 cost ~1.3 ms). With them, a hybrid search lost nothing measured from ef_search
 * 200 to 100 (SEARCH_EF_SEARCH says where).
 */
const RESCORED_LEXICAL = 20;

export function buildHybridSql(input: HybridSqlInput): { sql: string; params: unknown[] } {
  const p = new SqlParams();
  const { scopes, all: predicates } = filterPredicates(input.filters, input.allowedCollections, p);
  const filtered = predicates.length > 0;
  const where = filtered ? `AND ${predicates.join(' AND ')}` : '';
  // Depths are written into the text, not passed: they shape the plan (a LIMIT parameter is planned as a
  // tenth of the rows, a generic plan would read the HNSW index as if it returned 10,000), and they come
  // from the configuration and validated page sizes, so one shape of search keeps one text.
  const depth = literalCount(input.depth);
  const ctes: string[] = [];
  const useLexical = input.mode !== 'vector';
  const useVector = input.mode !== 'lexical';

  if (useLexical) {
    const expansion = input.expansion?.groups.length ? input.expansion : null;
    const q = p.add(expansion ? expansion.kept : input.query);
    const n = p.add(input.chunkCount);
    // Postings, written or waiting, carry their collection: the branch reads those of the searched
    // collections only, exactly, and needs the chunk and document rows only for the other filters.
    const beyondScopes = predicates.length > scopes.length;
    const termPostings = beyondScopes ? input.termDepth * FILTERED_TERM_DEPTH_FACTOR : input.termDepth;
    const termDepth = literalCount(termPostings);
    // Without other filters or synonyms, the best `depth` chunks of the written postings are all the branch
    // needs of them: cite_lexical_top (migration 0360) sums them in the statement of the query's number of
    // terms (a hash join for two or three, one term's impacts alone for one). On 100,000 synthetic chunks,
    // cdtn-dev's 2,558 phrasings: the same rows, the hybrid statement 2.83 → 2.74 ms on average (two terms
    // 3.75 → 3.44, three 4.56 → 4.35); on the labour-law index 2.34 → 2.28. Other filters drop chunks after
    // the read and a synonym group can lift a chunk from further down: those sum every posting read, in the
    // statement.
    const topOfWritten = !beyondScopes && !expansion;
    // the key's collections, for the df of IDF: the filter's do not change a word's weight
    const scope = input.allowedCollections ? scopes[0]! : null;
    const limited = scopes.length > 0;
    const inScopes = (alias: string) => scopes.map((s) => ` AND ${alias}.collection_id = ANY(${s}::bigint[])`).join('');
    ctes.push(
      expansion
        ? `q AS (SELECT DISTINCT lexeme COLLATE "C" AS lexeme FROM unnest(${q}::text[]) AS lexeme)`
        : `q AS (SELECT DISTINCT lexeme COLLATE "C" AS lexeme FROM unnest(tsvector_to_array(to_tsvector('${QUERY_ANALYSER}', ${q}::text))) AS lexeme)`,
      waitingPostings('q_waiting', 'q', scope, limited),
      `terms AS (SELECT x.lexeme, x.df, ${idf(n, 'x.df')} AS idf FROM ${counted('q', 'q_waiting', scope)}
        ORDER BY x.df, x.lexeme LIMIT ${MAX_QUERY_TERMS})`,
      // A chunk's postings are written or waiting, never both (the statement that writes them deletes its
      // backlog row, documents-repo.ts), so each side is summed on its own. Summed together through a UNION
      // ALL, the planner could not trace chunk_id to search_postings and sized the hash table for 200 chunks
      // where a query's postings make thousands, and every posting passed through two more plan nodes.
      // Same top 100 (1,200 statements on each bench index); a lexical statement 1.60 → 1.51 ms on 100,000
      // synthetic chunks, 1.77 → 1.73 on the labour-law index; hybrid 4.22 → 4.12 and 2.70 → 2.64 (means
      // of 5,116 phrasings each, the two statements alternated one phrasing at a time, one connection).
      `lex_pool AS (
        ${topOfWritten ? lexicalTop(scopes, termDepth, depth) : `SELECT sp.chunk_id, sum(terms.idf * sp.impact) AS score FROM terms CROSS JOIN LATERAL (
          SELECT sp.chunk_id, sp.impact FROM search_postings sp WHERE sp.lexeme = terms.lexeme${inScopes('sp')} ORDER BY sp.impact DESC, sp.chunk_id LIMIT ${termDepth}
        ) sp
        GROUP BY sp.chunk_id`}
        UNION ALL
        SELECT w.chunk_id, sum(terms.idf * w.impact) FROM q_waiting w JOIN terms ON terms.lexeme = w.lexeme${inScopes('w')}
        GROUP BY w.chunk_id)`,
      ...(expansion ? synonymCtes(expansion, p, n, scope, limited, inScopes, literalCount(termPostings * GROUP_TERM_DEPTH_FACTOR)) : []),
      beyondScopes
        ? `lexical AS (
        SELECT id, score, row_number() OVER (ORDER BY score DESC, id) AS rank FROM (
          SELECT lp.chunk_id AS id, lp.score FROM ${expansion ? 'lex_all' : 'lex_pool'} lp
          JOIN chunks c ON c.id = lp.chunk_id JOIN documents d ON d.id = c.document_id
          WHERE d.status = 'active' ${where}
          ORDER BY lp.score DESC, lp.chunk_id LIMIT ${depth}) x)`
        : `lexical AS (
        SELECT id, score, row_number() OVER (ORDER BY score DESC, id) AS rank FROM (
          SELECT lp.chunk_id AS id, lp.score FROM ${expansion ? 'lex_all' : 'lex_pool'} lp ORDER BY lp.score DESC, lp.chunk_id LIMIT ${depth}) x)`,
    );
  }
  if (useVector) {
    if (!input.vector) throw new Error('vector search needs the query embedding');
    const v = p.add(input.vector);
    const join = filtered ? 'JOIN documents d ON d.id = c.document_id' : '';
    // The floor cuts the tail of the ranked list: the ranks above it do not change. A distance to a zero
    // vector is NaN, which PostgreSQL orders above every number (so `NaN >= floor` holds): such candidates
    // (a chunk of stop words waiting in the backlog) are left out by name. search-service.ts never sends
    // a zero query vector.
    const floor = useLexical && (input.minSimilarity ?? 0) > 0 ? ` AND 1 - x.dist >= ${p.add(input.minSimilarity)}::float8` : '';
    // HNSW over indexed vectors, plus an exact scan of the vector backlog (crawled chunks whose vectors a
    // worker has not moved into the index yet, bounded by CRAWLER_VECTOR_BACKLOG_MAX). In hybrid mode, the
    // lexical branch's best candidates are measured exactly too (RESCORED_LEXICAL says why): the branch is
    // then the nearest `depth` of all these; a chunk found twice has the same distance, kept once.
    const lexicalCandidates = useLexical
      ? `
            UNION ALL
            (SELECT c.id, c.embedding <=> ${v}::vector AS dist
             FROM lexical l JOIN chunks c ON c.id = l.id
             WHERE l.rank <= ${literalCount(RESCORED_LEXICAL)} AND c.embedding IS NOT NULL)`
      : '';
    ctes.push(
      `vector AS (
        SELECT id, 1 - dist AS score, row_number() OVER (ORDER BY dist, id) AS rank FROM (
          SELECT id, min(dist) AS dist FROM (
            (SELECT c.id, c.embedding <=> ${v}::vector AS dist
             FROM chunks c ${join}
             WHERE c.embedding IS NOT NULL ${where}
             ORDER BY c.embedding <=> ${v}::vector LIMIT ${depth})
            UNION ALL
            (SELECT b.chunk_id AS id, b.embedding <=> ${v}::vector AS dist
             FROM vector_backlog b ${filtered ? `JOIN chunks c ON c.id = b.chunk_id ${join} WHERE true ${where}` : ''}
             ORDER BY 2 LIMIT ${depth})${lexicalCandidates}
          ) both_tiers WHERE dist <> 'NaN'::float8 GROUP BY id ORDER BY dist, id LIMIT ${depth}) x WHERE true${floor})`,
    );
  }

  let fused: string;
  if (useLexical && useVector) {
    const k = p.add(input.rrfK);
    const wl = p.add(input.weights.lexical);
    const wv = p.add(input.weights.vector);
    fused = `fused AS (
      SELECT coalesce(l.id, v.id) AS id,
             coalesce(${wl}::float8 / (${k}::float8 + l.rank), 0) + coalesce(${wv}::float8 / (${k}::float8 + v.rank), 0) AS score,
             l.rank AS lexical_rank, l.score AS lexical_score, v.rank AS vector_rank, v.score AS vector_score
      FROM lexical l FULL JOIN vector v ON v.id = l.id)`;
  } else if (useLexical) {
    fused = `fused AS (
      SELECT id, score, rank AS lexical_rank, score AS lexical_score, NULL::bigint AS vector_rank, NULL::float8 AS vector_score FROM lexical)`;
  } else {
    fused = `fused AS (
      SELECT id, score, NULL::bigint AS lexical_rank, NULL::float8 AS lexical_score, rank AS vector_rank, score AS vector_score FROM vector)`;
  }
  ctes.push(fused);
  let docScore = 'NULL::float8';
  // an exact tie in the fusion (ranks 1+2 against 2+1) goes to the better lexical rank: an exact term
  // match is the stronger evidence, and the order then no longer depends on the order chunks were written
  const chunkOrder = 'f.score DESC, f.lexical_rank NULLS LAST, f.id';
  const fusedOrder = 'score DESC, lexical_rank NULLS LAST, id'; // chunkOrder inside the fused subquery
  let order = chunkOrder;
  // Fused in order before the joins: the chunk and document rows are then looked up one candidate at a
  // time, best first, only until the page is full (the document's status is known only from its row),
  // not for every candidate of both branches. 7.7 → 6.6 ms a hybrid statement on 100,000 chunks.
  let from = `(SELECT * FROM fused ORDER BY ${fusedOrder}) f JOIN chunks c ON c.id = f.id`;
  if (input.fuseDocuments && useLexical && useVector) {
    const k = p.add(input.rrfK);
    const wl = p.add(input.weights.lexical);
    const wv = p.add(input.weights.vector);
    ctes.push(
      `fused_chunks AS (SELECT f.*, c.document_id FROM fused f JOIN chunks c ON c.id = f.id)`,
      `lexical_docs AS (
        SELECT document_id, row_number() OVER (ORDER BY min(lexical_rank), document_id) AS rank
        FROM fused_chunks WHERE lexical_rank IS NOT NULL GROUP BY document_id)`,
      `vector_docs AS (
        SELECT document_id, row_number() OVER (ORDER BY min(vector_rank), document_id) AS rank
        FROM fused_chunks WHERE vector_rank IS NOT NULL GROUP BY document_id)`,
      `doc_scores AS (
        SELECT coalesce(l.document_id, v.document_id) AS document_id,
               coalesce(${wl}::float8 / (${k}::float8 + l.rank), 0) + coalesce(${wv}::float8 / (${k}::float8 + v.rank), 0) AS doc_score,
               l.rank AS doc_lexical_rank
        FROM lexical_docs l FULL JOIN vector_docs v ON v.document_id = l.document_id)`,
    );
    from = 'fused_chunks f JOIN doc_scores ds ON ds.document_id = f.document_id JOIN chunks c ON c.id = f.id';
    docScore = 'ds.doc_score';
    order = `ds.doc_score DESC, ds.doc_lexical_rank NULLS LAST, f.document_id, ${chunkOrder}`;
  }
  const limit = p.add(input.limit);
  const offset = p.add(input.offset);
  const sql = `WITH ${ctes.join(',\n')}
SELECT f.id, f.score::float8 AS score, f.lexical_rank, f.lexical_score::float8 AS lexical_score,
       f.vector_rank, f.vector_score::float8 AS vector_score, ${docScore} AS doc_score,
       c.text, to_json(c.heading_path) AS heading_path, c.locator, c.document_id, d.url, d.title,
       ${isoTime('coalesce(d.modified_at, d.updated_at)')} AS updated_at, ${isoTime('d.fetched_at')} AS fetched_at, d.metadata
FROM ${from} JOIN documents d ON d.id = c.document_id
WHERE d.status = 'active'
ORDER BY ${order}
LIMIT ${limit} OFFSET ${offset}`;
  return { sql, params: p.values };
}

/**
 * `name`: the postings (lexeme, impact, chunk_id, collection_id) of the chunks waiting in the postings
 * backlog (crawled, their postings not written yet) for the lexemes of `lexemes` (a CTE with a `lexeme`
 * column), read from the lexemes and impacts each backlog row keeps (migration 0290): a waiting chunk scores
 * as it will once written. Every match counts, not only a term's best `termDepth`: the backlog is bounded
 * (CRAWLER_POSTINGS_BACKLOG_MAX), and empty once the worker is idle. Its rows per lexeme are also the
 * waiting chunks' share of the lexeme's df (migration 0300): with a `scope` (the caller's
 * collections), only the chunks of those collections. With `limited` (the search is limited to some
 * collections, the key's or a filter's), each row also carries its chunk's `collection_id`, as a written
 * posting does (migration 0320); a search of every collection does not look the chunks up.
 */
function waitingPostings(name: string, lexemes: string, scope: string | null, limited: boolean): string {
  const inScope = scope ? ` AND sd.collection_id = ANY(${scope}::bigint[])` : '';
  const collection = limited ? ', sd.collection_id' : '';
  const join = limited ? `\n        JOIN chunks sc ON sc.id = b.chunk_id JOIN documents sd ON sd.id = sc.document_id${inScope}` : '';
  return `${name} AS (
        SELECT t.lexeme, b.impacts[array_position(b.lexemes, t.lexeme)] AS impact, b.chunk_id${collection}
        FROM postings_backlog b JOIN (SELECT DISTINCT lexeme FROM ${lexemes}) t ON t.lexeme = ANY (b.lexemes)${join}
        WHERE b.lexemes && (SELECT array_agg(lexeme) FROM ${lexemes}))`;
}

/**
 * The rows of `lexemes` (a CTE with a `lexeme` column) held by some chunk, as `x` with their df: the chunks
 * whose postings are written (search_terms, one row per collection holding the lexeme) plus those waiting
 * in the backlog (`waiting`, from waitingPostings), which search_terms does not count yet (migration 0300).
 * With a `scope` (the caller's collections, as SQL), the chunks of those collections only. A
 * lateral sum per lexeme: the same sum over `lexeme IN (SELECT … FROM q)` made a hybrid search 2.5 ms
 * slower (9.9 against 7.4 ms on 100,000 chunks).
 */
function counted(lexemes: string, waiting: string, scope: string | null): string {
  const inScope = scope ? ` AND t.collection_id = ANY(${scope}::bigint[])` : '';
  return `(SELECT ${lexemes}.*, coalesce(t.df, 0) + coalesce(w.n, 0) AS df FROM ${lexemes}
          LEFT JOIN LATERAL (SELECT sum(t.df) AS df FROM search_terms t WHERE t.lexeme = ${lexemes}.lexeme${inScope}) t ON true
          LEFT JOIN (SELECT lexeme, count(*) AS n FROM ${waiting} GROUP BY lexeme) w ON w.lexeme = ${lexemes}.lexeme) x
        WHERE x.df > 0`;
}

/**
 * The best `depth` chunks of the written postings of `terms` (a CTE of lexeme, df, idf), through
 * cite_lexical_top (migration 0360), which adds the terms' scores in the order given: rarest first, as the
 * statement's own sum adds them. Limited to collections (`scopes`, as SQL arrays: the key's, the filter's),
 * it reads postings of the collections they all hold.
 */
function lexicalTop(scopes: readonly string[], termDepth: string, depth: string): string {
  const lexemes = '(SELECT array_agg(lexeme ORDER BY df, lexeme) FROM terms)';
  const idfs = '(SELECT array_agg(idf ORDER BY df, lexeme) FROM terms)';
  if (scopes.length === 0) return `SELECT chunk_id, score FROM cite_lexical_top(${lexemes}, ${idfs}, ${termDepth}, ${depth})`;
  const collections =
    scopes.length === 1 ? `${scopes[0]}::bigint[]` : `ARRAY(${scopes.map((s) => `SELECT unnest(${s}::bigint[])`).join(' INTERSECT ')})`;
  return `SELECT chunk_id, score FROM cite_lexical_top_in(${lexemes}, ${idfs}, ${termDepth}, ${depth}, ${collections})`;
}

/** BM25's IDF of a term held by `df` of `n` chunks (n at least df: the chunk count is cached), as SQL. */
export function idf(n: string, df: string): string {
  return `ln(1.0::float8 + (greatest(${n}::float8, ${df}) - ${df} + 0.5::float8) / (${df} + 0.5::float8))`;
}

/**
 * A timestamptz as the ISO 8601 text the API returns (`Date.toISOString()`'s form: UTC, milliseconds, both
 * truncated from microseconds alike). Parsed into a Date by node-postgres and written back, each cost ~0.85 µs
 * of the engine a date, two a hit. The database writes them (and the heading path as JSON) for ~0.3 µs a row
 * (pgbench, 200 rows: 0.19 → 0.24–0.30 ms): ~5 µs a search of 10 hits where the engine saves ~35.
 */
function isoTime(expr: string): string {
  return `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A count written into the statement's text: only ever a safe non-negative integer. */
function literalCount(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`a search depth must be a non-negative integer, not ${n}`);
  return String(n);
}

/**
 * The synonym groups' scores, added to the query's own (lex_all). A group's lexemes are read deeper than a
 * query term's (`groupDepth` postings each, best impacts first): a group counts only where all its lexemes
 * meet, and the chunk where "comité", "social" and "économique" meet is rarely among the best postings of
 * "social" alone. Each lexeme's postings are an index-only range, cut at that depth.
 */
function synonymCtes(
  expansion: QueryExpansion,
  p: SqlParams,
  n: string,
  scope: string | null,
  limited: boolean,
  inScopes: (alias: string) => string,
  groupDepth: string,
): string[] {
  const groupIds: number[] = [];
  const lexemes: string[] = [];
  const weights: number[] = [];
  const sizes: number[] = [];
  expansion.groups.forEach((g, i) => {
    const distinct = [...new Set(g.lexemes)];
    for (const l of distinct) {
      groupIds.push(i);
      lexemes.push(l);
      weights.push(g.weight);
      sizes.push(distinct.length);
    }
  });
  return [
    `alt AS (SELECT grp, lexeme COLLATE "C" AS lexeme, weight, size
        FROM unnest(${p.add(groupIds)}::int[], ${p.add(lexemes)}::text[], ${p.add(weights)}::float8[], ${p.add(sizes)}::int[]) AS x(grp, lexeme, weight, size))`,
    waitingPostings('alt_waiting', 'alt', scope, limited),
    `alt_terms AS (SELECT x.grp, x.lexeme, x.weight, x.size, ${idf(n, 'x.df')} AS idf FROM ${counted('alt', 'alt_waiting', scope)})`,
    `alt_hits AS (
        SELECT a.grp, a.weight, a.size, a.idf, sp.impact, sp.chunk_id FROM alt_terms a CROSS JOIN LATERAL (
          SELECT sp.impact, sp.chunk_id FROM search_postings sp WHERE sp.lexeme = a.lexeme${inScopes('sp')} ORDER BY sp.impact DESC LIMIT ${groupDepth}) sp
        UNION ALL
        SELECT a.grp, a.weight, a.size, a.idf, w.impact, w.chunk_id FROM alt_waiting w JOIN alt_terms a ON a.lexeme = w.lexeme${inScopes('w')})`,
    `alt_pool AS (
        SELECT chunk_id, sum(score) AS score FROM (
          SELECT chunk_id, max(weight) * sum(idf * impact) AS score
          FROM alt_hits GROUP BY grp, chunk_id HAVING count(*) = max(size)) g
        GROUP BY chunk_id)`,
    `lex_all AS (
        SELECT chunk_id, sum(score) AS score FROM (SELECT chunk_id, score FROM lex_pool UNION ALL SELECT chunk_id, score FROM alt_pool) x
        GROUP BY chunk_id)`,
  ];
}
