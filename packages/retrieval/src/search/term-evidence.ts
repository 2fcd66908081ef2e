/**
 * Term evidence for the relevance gate of answers: for each content word of a question, its lexeme
 * as the lexical branch analyses a query (query-analyser.ts: the index's lexemes), how many chunks of the
 * index hold it, and its BM25 impact in each retrieved chunk that holds it (title and headings
 * counted as in the postings, by `cite_chunk_postings`). One round trip; the statement reads the
 * `search_terms` rows of each word (plus the waiting chunks that hold one) and the retrieved chunks' own text vectors.
 *
 * A key limited to some collections must not learn what the others hold, and how many chunks hold
 * a word is such a thing ("zorglub" known elsewhere would weigh differently from an invented word):
 * for it, the counts are those of its collections (search_terms keeps one per collection).
 *
 * A chunk writing a word derived from the question's word holds it too: French suffixes make other
 * lexemes of the same word family (« intérim » → interim, « intérimaire » → interimair), and a passage
 * on « les cas de recours à un intérimaire » is about « l'intérim ». Only where the question's lexeme
 * is the longer one's start, at least five letters long (« mis » starts « mission ») and at most four
 * letters short of it (a suffix, not another word: « constitu », « constitutionnalit »); not the
 * other way, where the passage's word is the wider one (« national » for « nationalité »). The count
 * (df) stays the question's own lexeme's; such impacts are kept apart (`derived`): they tell the gate
 * that a passage is about the question, not that it should be quoted before one using its words.
 *
 * With the question's vector, each retrieved chunk's cosine similarity with it too (the vector
 * branch's measure, for every retrieved chunk: one the lexical branch alone found has one as well).
 */
import type { Database, NamedStatement } from '@cite/core/db/database.js';
import { citedSpelling, type ArticleNamer } from './legal-references.js';
import { QUERY_ANALYSER } from './query-analyser.js';

export interface TermEvidence {
  /** The question's word that gave the lexeme (the first one, when several give the same). */
  word: string;
  lexeme: string;
  /** Chunks of the whole index holding the lexeme (0: unknown to the index). */
  df: number;
  /** BM25 impact of the lexeme in each retrieved chunk holding it, by chunk id. */
  impacts: Record<string, number>;
  /** For retrieved chunks without the lexeme but with a word derived from it: that word's impact. */
  derived?: Record<string, number>;
}

export interface QueryEvidence {
  /** Chunks in the index (IDF's N). */
  chunkCount: number;
  terms: TermEvidence[];
  /** Cosine similarity of each retrieved chunk with the question, by chunk id (no entry: no vector). */
  similarities?: Record<string, number>;
}

/**
 * The question's lexemes (q, from the words $1) and their impacts in the retrieved chunks $2 (p). A chunk's
 * lexeme holds a question's lexeme when equal to it, or when it starts with it, at least five letters long
 * and at most four short of it (the header says why): that is, when the question's lexeme is the chunk's
 * lexeme cut to one of at most five lengths. The cuts are joined to the question's lexemes by equality
 * (a hash join), not compared with each of them: a 4,000-character question of 420 distinct words over
 * 8 passages took 97 ms of the embedded database when each of its lexemes was compared with each posting,
 * 11 ms so (on the server, 47 → 5.5 ms); a question of 10 words, 2.9 → 2.8 ms.
 */
const QUESTION_LEXEMES = `WITH w AS (SELECT word, ord FROM unnest($1::text[]) WITH ORDINALITY AS x(word, ord)),
q AS (SELECT DISTINCT ON (lexeme) lexeme COLLATE "C" AS lexeme, word
      FROM w, unnest(tsvector_to_array(to_tsvector('${QUERY_ANALYSER}', w.word))) AS lexeme ORDER BY lexeme, ord),
x AS (SELECT c.id, x.lexeme COLLATE "C" AS lexeme, x.impact, length(x.lexeme) AS len
      FROM chunks c, cite_chunk_postings(c.tsv) x WHERE c.id = ANY($2::bigint[])),
p AS (SELECT x.id, q.lexeme, max(x.impact) FILTER (WHERE cut = 0) AS own, max(x.impact) AS best
      FROM x CROSS JOIN generate_series(0, 4) cut JOIN q ON q.lexeme = left(x.lexeme, x.len - cut)
      WHERE cut = 0 OR x.len - cut >= 5
      GROUP BY x.id, q.lexeme),
impacts AS (SELECT lexeme, json_object_agg(id::text, own) FILTER (WHERE own IS NOT NULL) AS own,
                   json_object_agg(id::text, best) FILTER (WHERE own IS NULL) AS derived
            FROM p GROUP BY lexeme)`;

/**
 * $3: the asking key's collections, or null for the whole index. search_terms holds one row per
 * (lexeme, collection), and a waiting chunk counts through its document's collection (migration 0310).
 */
const EVIDENCE_SQL: NamedStatement = {
  name: 'answers_term_evidence',
  text: `${QUESTION_LEXEMES}
SELECT q.word, q.lexeme, (coalesce(t.df, 0) + coalesce(w.n, 0))::int AS df,
       coalesce(i.own, '{}'::json) AS impacts, coalesce(i.derived, '{}'::json) AS derived
FROM q
  LEFT JOIN impacts i ON i.lexeme = q.lexeme
  LEFT JOIN LATERAL (SELECT sum(t.df) AS df FROM search_terms t
                     WHERE t.lexeme = q.lexeme AND ($3::bigint[] IS NULL OR t.collection_id = ANY($3::bigint[]))) t ON true
  -- chunks whose postings wait in the backlog, which search_terms does not count yet (migration 0300)
  LEFT JOIN (SELECT u.lexeme, count(*) AS n
             FROM postings_backlog b JOIN chunks c ON c.id = b.chunk_id JOIN documents d ON d.id = c.document_id,
                  unnest(b.lexemes) AS u(lexeme)
             WHERE b.lexemes && (SELECT array_agg(lexeme) FROM q)
               AND ($3::bigint[] IS NULL OR d.collection_id = ANY($3::bigint[]))
             GROUP BY u.lexeme) w ON w.lexeme = q.lexeme
ORDER BY q.lexeme`,
};

/** A chunk without a vector (not embedded yet) or of another dimension has no similarity. */
const SIMILARITY_SQL: NamedStatement = {
  name: 'answers_chunk_similarity',
  text: `SELECT c.id::text AS id, 1 - (c.embedding <=> $2::vector) AS similarity
FROM chunks c
WHERE c.id = ANY($1::bigint[]) AND c.embedding IS NOT NULL AND vector_dims(c.embedding) = vector_dims($2::vector)`,
};

/** Each retrieved chunk's cosine similarity with `vector` (the question's, from the index's embedder). */
export async function chunkSimilarities(
  db: Pick<Database, 'query'>,
  chunkIds: readonly (string | number)[],
  vector: string,
): Promise<Record<string, number>> {
  if (chunkIds.length === 0) return {};
  const { rows } = await db.query<{ id: string; similarity: number }>(SIMILARITY_SQL, [chunkIds.map((id) => String(id)), vector]);
  return Object.fromEntries(rows.map((r) => [r.id, Number(r.similarity)]));
}

/**
 * `allowedCollections`: the asking key's collections (null = every collection). `chunkCount`: IDF's N
 * over the same collections (search-service.ts, chunkCountIn).
 */
export async function queryEvidence(
  db: Pick<Database, 'query'>,
  words: readonly string[],
  chunkIds: readonly (string | number)[],
  chunkCount: number,
  allowedCollections: readonly number[] | null = null,
  names?: ArticleNamer,
): Promise<QueryEvidence> {
  if (words.length === 0) return { chunkCount, terms: [] };
  const ids = chunkIds.map((id) => String(id));
  // an article's reference is also looked up as the pages citing it spell it (wholeWords), after the
  // question's own words, so that a lexeme both give stays the reference's; only with a reader of the
  // passages' texts (`names`, legal-references.ts articleNamer), which tells a page citing « L. 161-1 » from one
  // citing « L. 161-17-2 » and « L. 5421-1 », and the Code du travail's L. 1237-1 from the Code de commerce's
  const cited = new Map<string, string>();
  for (const w of names ? words : []) {
    const alias = citedSpelling(w);
    if (alias && !words.includes(alias) && !cited.has(alias)) cited.set(alias, w);
  }
  const { rows } = await db.query<{
    word: string;
    lexeme: string;
    df: number;
    impacts: Record<string, number>;
    derived: Record<string, number>;
  }>(EVIDENCE_SQL, [[...words, ...cited.keys()], ids, allowedCollections]);
  const terms = rows.map((r) => ({ word: r.word, lexeme: r.lexeme, df: Number(r.df), impacts: r.impacts ?? {}, derived: r.derived ?? {} }));
  return { chunkCount, terms: wholeWords(terms, cited, names, names?.references) };
}

/**
 * A word the analyser reads as several lexemes is one term, held by the chunks holding all of them: an
 * article's reference « l1237-19 » (l1237 and -19: the article's page, not those of L1237-8 and L1233-19),
 * « covid-19 ». Its impact in a chunk is its lexemes' mean, its count the rarest one's (no chunk holds all
 * of them more often), no derived forms. Counted separately, a reference the index does not know
 * (« L. 1237-99 ») was covered by any article of its chapter. A lexeme two such words share goes to the
 * first one only (the statement's q, one row a lexeme).
 *
 * `cited`: for a reference, the word of its cited spelling (« 1237-19 » for « l1237-19 », citedSpelling):
 * the pages citing the article write « L. 1237-19 », read as 1237 and -19. Lexemes say nothing of their
 * order: a page citing « L. 1237-9 » and « L. 1233-19 » holds 1237 and -19, the page « Article L1237-19-1 »
 * holds l1237 and -19. So a reference (`references`: those words, and « 1240 » of « l'article 1240 du code
 * civil », a number elsewhere) is held, in either spelling, only where `names` (the chunk's title, headings
 * and text) names it, of the code the question names it of. Its impact there is its lexemes' mean; it is
 * counted in at most as many chunks as hold the first part of either spelling.
 */
export function wholeWords(
  terms: TermEvidence[],
  cited: ReadonlyMap<string, string> = new Map(),
  names: (chunkId: string, reference: string) => boolean = () => false,
  references: ReadonlySet<string> = new Set(cited.values()),
): TermEvidence[] {
  const byWord = new Map<string, TermEvidence[]>();
  const aliasParts = new Map<string, TermEvidence[]>();
  for (const t of terms) {
    const reference = cited.get(t.word);
    if (reference) aliasParts.set(reference, [...(aliasParts.get(reference) ?? []), t]);
    else byWord.set(t.word, [...(byWord.get(t.word) ?? []), t]);
  }
  return [...byWord.values()].map((parts) => {
    const alias = aliasParts.get(parts[0]!.word) ?? [];
    // a reference, with the texts to read it in: held only where the text names it
    const named = references.has(parts[0]!.word);
    if (parts.length === 1 && alias.length === 0 && !named) return parts[0]!;
    // the cited spelling: the reference's number parts (« -19 ») with the alias's own lexemes (« 1237 »)
    const letters = parts.filter((p) => /^\p{L}/u.test(p.lexeme));
    const numbers = parts.filter((p) => !letters.includes(p));
    const spellings = alias.length ? [parts, [...alias, ...numbers]] : [parts];
    const impacts: Record<string, number> = {};
    for (const spelling of spellings) {
      for (const id of Object.keys(spelling[0]!.impacts)) {
        const each = spelling.map((p) => p.impacts[id]);
        if (!each.every((x) => x !== undefined)) continue;
        if (named && !names(id, parts[0]!.word)) continue;
        const mean = (each as number[]).reduce((a, b) => a + b, 0) / each.length;
        impacts[id] = Math.max(impacts[id] ?? 0, mean);
      }
    }
    const firstParts = [...letters, ...alias].reduce((n, p) => n + p.df, 0);
    const df = Math.min(...numbers.map((p) => p.df), ...(letters.length || alias.length ? [firstParts] : []));
    return { word: parts[0]!.word, lexeme: parts.map((p) => p.lexeme).join(' '), df, impacts, derived: {} };
  });
}
