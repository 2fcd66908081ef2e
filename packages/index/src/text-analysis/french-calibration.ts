/**
 * What `french-analysis.ts` needs to know of a database, asked of that database: which non-ASCII
 * characters its parser takes as letters or separators (this depends on its locale), what `unaccent`
 * folds the letters to and `lower` makes of them, and french_stem's stop words. Then a sample is analysed
 * both ways; the engine analyses chunks only if every tsvector came out the same.
 */
import { stemmer } from '@orama/stemmers/french';
import type { Queryable } from '@cite/core/db/database.js';
import { frenchAnalyser, type FrenchAnalyser, type FrenchLexicon } from './french-analysis.js';

/** The non-ASCII characters worth knowing: Latin-1, Latin Extended-A, general punctuation, the euro. */
const CANDIDATE_CHARACTERS: readonly string[] = [
  ...range(0xa0, 0x17f),
  ...range(0x2000, 0x206f),
  '\u20ac',
].filter((ch) => ch !== '\u00ad'); // the soft hyphen is invisible: the parser treats it apart

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
}

/** The tokens (type:text) the parser of `cite_french`, PostgreSQL's default one, cuts `text` (SQL) into. */
const tokensOf = (text: string) => `(SELECT array_agg(t.alias || ':' || p.token ORDER BY p.n)
    FROM ts_parse('default', ${text}) WITH ORDINALITY AS p(tokid, token, n) JOIN types t USING (tokid))`;

/**
 * Each candidate as the parser sees it between two letters and at a word's start and end: one word token
 * each time (a letter), or never part of one (a separator). `unaccent` and `lower` of it beside.
 */
const CLASSIFY = `
  WITH types AS (SELECT tokid, alias FROM ts_token_type('default'))
  SELECT c, ${tokensOf(`'x' || c || 'y'`)} AS inside, ${tokensOf(`c || 'y'`)} AS first, ${tokensOf(`'x' || c`)} AS last,
         unaccent(c) AS folded, lower(c) AS lower
    FROM unnest($1::text[]) AS c`;

interface Classified {
  c: string;
  inside: string[] | null;
  first: string[] | null;
  last: string[] | null;
  folded: string;
  lower: string;
}

const same = (a: string[] | null, b: string[]) => a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

/** Letters (with their fold) and separators among the candidates, as this database's parser has them. */
async function classifyCharacters(db: Queryable): Promise<Pick<FrenchLexicon, 'letters' | 'separators'>> {
  const { rows } = await db.query<Classified>(CLASSIFY, [CANDIDATE_CHARACTERS]);
  const letters = new Map<string, string>();
  const separators = new Set<string>();
  for (const r of rows) {
    const { c } = r;
    if (same(r.inside, [`word:x${c}y`]) && same(r.first, [`word:${c}y`]) && same(r.last, [`word:x${c}`])) {
      // only letters that fold to ASCII letters, and that JavaScript lower-cases as the database does
      if (/^[A-Za-z]+$/.test(r.folded) && r.lower === c.toLowerCase()) letters.set(c, r.folded);
    } else if (
      same(r.inside, ['asciiword:x', `blank:${c}`, 'asciiword:y']) &&
      same(r.first, [`blank:${c}`, 'asciiword:y']) &&
      same(r.last, ['asciiword:x', `blank:${c}`])
    ) {
      separators.add(c);
    }
  }
  return { letters, separators };
}

/** french_stem's stop words: its stop file, read from the database's share directory. */
async function frenchStopWords(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ words: string }>(
    `SELECT pg_read_file(setting || '/tsearch_data/french.stop') AS words FROM pg_config WHERE name = 'SHAREDIR'`,
  );
  const words = (rows[0]?.words ?? '').split('\n').map((w) => w.trim().toLowerCase()).filter(Boolean);
  // the file is what the dictionary reads; each word must indeed be stopped
  const { rows: check } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM unnest($1::text[]) AS w WHERE ts_lexize('french_stem', w) <> '{}'`,
    [words],
  );
  if (words.length === 0 || check[0]!.n !== 0) throw new Error('french.stop does not match french_stem');
  return new Set(words);
}

/** Texts of every shape the analyser handles: each must be analysed, and as the database does. */
const CALIBRATION_SAMPLE: readonly [string, string][] = [
  [
    'Code du travail > Partie législative > Article L1234-1',
    "En cas de démission, l'existence et la durée du préavis sont fixées par la loi (article L. 1237-1).",
  ],
  [
    'Service public > Particuliers',
    "C'est-à-dire : le salarié peut-être ÉLU au Comité social et économique (CSE) dès le 1er janvier 2024 ; 2ème alinéa.",
  ],
  ['Œuvres', 'Les sœurs Ève et Zoé ont reçu 1 500 € — soit « 10 % » du total… Où est-il ? Là-bas, au-delà.'],
  ['', 'AVANT-PROJET DE LOI N° 2024-123 : arrêt-maladie, non-respect, celle-ci, 35 heures, 1234-5, L1234-5.'],
];

export interface Calibration {
  analyser?: FrenchAnalyser;
  /** Why the engine does not analyse chunks, when it does not. */
  reason?: string;
}

/** The analyser for `db`, if its own analysis of the sample is the analyser's. */
export async function calibrateFrenchAnalysis(db: Queryable): Promise<Calibration> {
  let lexicon: FrenchLexicon;
  try {
    lexicon = { ...(await classifyCharacters(db)), stopWords: await frenchStopWords(db), stem: stemmer };
  } catch (e) {
    return { reason: `could not read the database's text analysis: ${(e as Error).message}` };
  }
  const analyser = frenchAnalyser(lexicon);
  const computed = CALIBRATION_SAMPLE.map(([context, text]) => analyser.chunkTsvector(context, text) ?? null);
  const declined = computed.indexOf(null);
  if (declined >= 0) return { reason: `sample ${declined + 1} was not analysed` };
  const { rows } = await db.query<{ same: boolean }>(
    `SELECT s.tsv::tsvector = cite_chunk_tsvector(s.context, s.text) AS same
       FROM unnest($1::text[], $2::text[], $3::text[]) AS s(context, text, tsv)`,
    [CALIBRATION_SAMPLE.map(([c]) => c), CALIBRATION_SAMPLE.map(([, t]) => t), computed],
  );
  const differ = rows.findIndex((r) => !r.same);
  if (differ >= 0) return { reason: `sample ${differ + 1} is analysed otherwise by the database` };
  return { analyser };
}
