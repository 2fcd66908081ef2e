/**
 * The engine's analysis of chunks against the database's own, on both databases: every text it analyses
 * gets exactly the tsvector `cite_french` gives (lexemes, positions, weights), over French prose and over
 * thousands of texts drawn at random from the pieces where the parser's rules are subtle (hyphens, dots,
 * digits, stop words, accents, separators); every token of a segment is the parser's; texts of shapes it
 * does not know are left to the database; and a database that analyses otherwise is not trusted.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Queryable } from '@cite/core/db/database.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { calibrateFrenchAnalysis } from './french-calibration.js';
import { segmentTokens, type FrenchAnalyser } from './french-analysis.js';

const PROSE = [
  ['Code du travail > Partie législative > Livre II', "Le salarié démissionnaire doit respecter un préavis d'une durée fixée par la convention collective."],
  ['Service public > Particuliers > Travail', "L'employeur peut-il refuser un congé sabbatique ? Oui, au-delà de 6 mois d'absence, dans les cas prévus à l'article L. 3142-113."],
  ['Œuvres sociales', 'Le comité social et économique (CSE) gère les activités sociales et culturelles : chèques-vacances, arbre de Noël…'],
  ['', "ÉTAT D'URGENCE SANITAIRE — Les mesures du 1er janvier 2024 au 31 décembre 2024 ; voir les articles R. 4624-10 à R. 4624-15."],
] as const;

/** Pieces whose neighbours change how the parser cuts them, with words, stop words and separators. */
const PIECES = [
  'a', 'A', '1', '9', 'e', 'E', '-', '.', 'é', 'É', ' ', ',', "'", '’', '«', '»', '(', ')', '>', 'le', 'la', 'à', 'est', 'Œ',
  'œuvre', 'salariés', 'L', '1er', '2e', '…', '—', '\u00a0', ':', ';', '%', '€', '°', 'n°', 'ème', '--', '...',
];

/** A deterministic generator (xorshift): the same texts at every run. */
function generator(seed: number) {
  let s = seed;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

function randomTexts(count: number, maxPieces: number, pieces: readonly string[], seed: number): string[] {
  const next = generator(seed);
  const texts = new Set<string>();
  while (texts.size < count) texts.add(Array.from({ length: 1 + next(maxPieces) }, () => pieces[next(pieces.length)]).join(''));
  return [...texts];
}

/** For each [context, text], whether the analyser's tsvector is the database's (null: the analyser declined). */
async function sameAsDatabase(db: Queryable, analyser: FrenchAnalyser, pairs: readonly (readonly [string, string])[]) {
  const given = pairs.map(([context, text]) => analyser.chunkTsvector(context, text) ?? null);
  const { rows } = await db.query<{ same: boolean | null }>(
    `SELECT CASE WHEN s.tsv IS NULL THEN NULL
                 ELSE s.tsv::tsvector = setweight(to_tsvector('cite_french', s.context), 'A') || setweight(to_tsvector('cite_french', s.text), 'B') END AS same
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS s(context, text, tsv, n) ORDER BY s.n`,
    [pairs.map(([c]) => c), pairs.map(([, t]) => t), given],
  );
  return rows.map((r) => r.same);
}

describeEachDatabase('the engine’s analysis of chunks', (ctx) => {
  let analyser: FrenchAnalyser;
  beforeAll(async () => {
    const calibration = await calibrateFrenchAnalysis(ctx.db);
    expect(calibration.reason).toBeUndefined();
    analyser = calibration.analyser!;
  });

  it('gives French prose exactly the database’s tsvector', async () => {
    expect(await sameAsDatabase(ctx.db, analyser, PROSE)).toEqual([true, true, true, true]);
  });

  it('gives every random text it analyses the database’s tsvector, and analyses most of them', async () => {
    const texts = randomTexts(4000, 14, PIECES, 7);
    const pairs = texts.map((t, i) => [texts[(i * 7) % texts.length]!.slice(0, 12), t] as const);
    const same = await sameAsDatabase(ctx.db, analyser, pairs);
    const differing = pairs.filter((_, i) => same[i] === false);
    expect(differing).toEqual([]);
    expect(same.filter((s) => s === true).length).toBeGreaterThan(pairs.length * 0.6);
  });

  it('cuts segments into the parser’s very tokens', async () => {
    const segments = randomTexts(3000, 9, ['a', 'b', '1', '9', 'e', '-', '.', 'é'], 11);
    const { rows } = await ctx.db.query<{ tokens: string[] | null }>(
      `SELECT (SELECT array_agg(t.alias || ':' || p.token ORDER BY p.n)
                 FROM ts_parse('default', s.text) WITH ORDINALITY AS p(tokid, token, n)
                 JOIN ts_token_type('default') t ON t.tokid = p.tokid WHERE t.alias <> 'blank') AS tokens
         FROM unnest($1::text[]) WITH ORDINALITY AS s(text, n) ORDER BY s.n`,
      [segments],
    );
    const KIND: Record<string, string> = {
      asciiword: 'word', word: 'word', asciihword: 'hword', hword: 'hword', hword_asciipart: 'hpart', hword_part: 'hpart',
      numword: 'numword', uint: 'uint', int: 'int',
    };
    let cut = 0;
    const differing: string[] = [];
    segments.forEach((segment, i) => {
      const mine = segmentTokens(segment);
      if (!mine) return;
      cut++;
      const theirs = (rows[i]!.tokens ?? []).map((t) => {
        const colon = t.indexOf(':');
        return `${KIND[t.slice(0, colon)] ?? t.slice(0, colon)}:${t.slice(colon + 1)}`;
      });
      if (mine.map((t) => `${t.kind}:${t.text}`).join(' ') !== theirs.join(' ')) differing.push(segment);
    });
    expect(differing).toEqual([]);
    expect(cut).toBeGreaterThan(segments.length * 0.3);
  });

  it('leaves to the database the texts of shapes it does not know', () => {
    for (const text of [
      'voir https://www.service-public.fr/particuliers',
      'écrire à contact@travail.gouv.fr',
      'un taux de 10.5 pour cent',
      'le fichier rapport.pdf',
      'la version 1.2.3',
      '<b>gras</b>',
      'un facteur 1e5',
      'le COVID-19 et le co-2b',
      'et/ou',
      'a.. b',
      'ﬁn de contrat', // a ligature the calibration does not cover
    ]) {
      expect(analyser.chunkTsvector('', text), text).toBeUndefined();
    }
    // the title's lexeme at weight A, the text's after it at weight B, stems as french_stem makes them
    expect(analyser.chunkTsvector('Titre', 'Texte simple.')).toBe("'simpl':3B 'text':2B 'titr':1A");
  });

  it('is not used when the database analyses otherwise', async () => {
    // the same database, but its stop list read without "le": the sample then differs
    const lying: Queryable = {
      query: async <T>(sql: unknown, params?: readonly unknown[]) => {
        const result = await ctx.db.query<T & Record<string, unknown>>(sql as string, params);
        if (typeof sql === 'string' && sql.includes('french.stop')) {
          return { ...result, rows: result.rows.map((r) => ({ ...r, words: String(r.words).replace(/^le$/m, '') })) };
        }
        return result;
      },
    };
    const calibration = await calibrateFrenchAnalysis(lying);
    expect(calibration.analyser).toBeUndefined();
    expect(calibration.reason).toMatch(/analysed otherwise/);
  });
});
