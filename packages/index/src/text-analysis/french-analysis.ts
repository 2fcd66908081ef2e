/**
 * A chunk's tsvector computed in the engine, as `cite_french` computes it in the database, for the texts
 * whose every word has one of the few shapes this module knows (plain words, hyphenated words, integers,
 * letters and digits mixed, "1234-5"); `undefined` for any other text, which the database then analyses
 * itself (the chunks' insert trigger fills a missing tsvector).
 *
 * Why: in the embedded database, PostgreSQL's text-search parser runs in WebAssembly on the database's one
 * thread, and analysing a chunk cost more than the rest of its insert (measured: 340 µs of 530 at 1,500
 * characters). The crawl waits on that thread; the engine's thread had time to spare.
 *
 * Nothing here is guessed from PostgreSQL's source: what a character is (letter or separator), what the
 * accents fold to and the stop words come from the database itself (`calibrateFrenchAnalysis`), which
 * also checks a sample against `to_tsvector` before the engine uses any of it; the shapes were checked
 * against PGlite's parser by the tests beside this file. A shape not listed, or any character the
 * calibration did not classify, sends the whole text to the database.
 */

/** What the calibration learnt from the database. */
export interface FrenchLexicon {
  /** Non-ASCII characters the database's parser takes as letters, with what `unaccent` folds each to. */
  readonly letters: ReadonlyMap<string, string>;
  /** Non-ASCII characters the database's parser takes as separators. */
  readonly separators: ReadonlySet<string>;
  /** The stop words of `french_stem` (checked on the folded, lower-case word). */
  readonly stopWords: ReadonlySet<string>;
  /** French Snowball stemming of a folded, lower-case word. */
  stem(word: string): string;
}

/** The largest position a tsvector holds, and the positions one lexeme keeps (PostgreSQL's limits). */
const MAX_POSITION = 16_383;
const MAX_POSITIONS_PER_LEXEME = 255;
/** Longer words go to the database (PostgreSQL skips words above 2 KB; Snowball has its own limits). */
const MAX_WORD_LENGTH = 60;

// ASCII separators the parser never joins into anything when no '/', '@', '<', '&', '+', '_', '~', '\\' or
// '#' is around (those start URLs, e-mails, tags, entities, signed numbers, hosts and paths). '>' ends a
// tag only after a '<'; the contexts' "Title > Section" holds it.
const ASCII_SEPARATORS = new Set([...' \t\n\r\f\v', ...'!"$%\'()*,:;=>?[]^`{|}']);

type Kind = 'word' | 'hword' | 'hpart' | 'numword' | 'uint' | 'int';
export interface Token {
  kind: Kind;
  text: string;
}

const enum C {
  Letter,
  Digit,
  Hyphen,
  Dot,
  Separator,
  Unknown,
}

/** An ASCII character's class (the calibration classes the others). */
function asciiClass(code: number): C {
  if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) return C.Letter;
  if (code >= 0x30 && code <= 0x39) return C.Digit;
  const ch = String.fromCharCode(code);
  if (ch === '-') return C.Hyphen;
  if (ch === '.') return C.Dot;
  return ASCII_SEPARATORS.has(ch) ? C.Separator : C.Unknown;
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
const isLetter = (ch: string | undefined) => ch !== undefined && ch !== '-' && ch !== '.' && !isDigit(ch);
const isAlnum = (ch: string | undefined) => ch !== undefined && ch !== '-' && ch !== '.';

/** What ended just before a hyphen: it decides whether "-12" is a signed integer, "-mail" a word's part. */
type Before = 'blank' | 'word' | 'hword' | 'number' | 'numword';

/**
 * The tokens of one segment (a run of letters, digits, hyphens and dots between separators), as the
 * database's parser cuts it; `undefined` when it holds a shape this module does not know (a dot before a
 * letter or digit: hosts, files, decimals, versions; hyphenated words with digits; exponents).
 */
export function segmentTokens(s: string): Token[] | undefined {
  const tokens: Token[] = [];
  let before: Before = 'blank';
  let i = 0;
  const runEnd = (from: number) => {
    let j = from;
    while (isAlnum(s[j])) j++;
    return j;
  };
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '.') {
      let j = i;
      while (s[j] === '.') j++;
      // ".." alone is a file name; a dot before a letter or digit may start a host, a file or a decimal
      if (j - i === 2 || isAlnum(s[j])) return undefined;
      before = 'blank';
      i = j;
      continue;
    }
    if (ch === '-') {
      const end = runEnd(i + 1);
      const run = s.slice(i + 1, end);
      if (run === '' || (isLetter(run[0]) && before !== 'numword')) {
        // a separator (a word's own hyphens are read with the word)
        before = 'blank';
        i++;
        continue;
      }
      if (before === 'hword' && /^[0-9]+$/.test(run)) {
        // after a hyphenated word, "-12" is a separator and a number
        before = 'blank';
        i++;
        continue;
      }
      const digits = /^[0-9]+/.exec(run)?.[0] ?? '';
      if (digits === '' || before === 'word' || before === 'hword' || before === 'numword') {
        if (digits !== run || before === 'hword') return undefined;
      }
      if (/^[eE]/.test(run.slice(digits.length))) return undefined;
      // a signed integer; letters right after it start a word of their own ("-5a")
      tokens.push({ kind: 'int', text: `-${digits}` });
      i += 1 + digits.length;
      before = 'number';
      if (digits !== run) {
        const letters = run.slice(digits.length);
        if (!/^[^0-9]+$/.test(letters) || s[end] === '-') return undefined;
        tokens.push({ kind: 'word', text: letters });
        i = end;
        before = 'word';
      }
      continue;
    }
    const end = runEnd(i);
    const run = s.slice(i, end);
    if (/[0-9][eE]([0-9]|$)/.test(run) && (/[0-9][eE][0-9]/.test(run) || s[end] === '-' || s[end] === '+')) return undefined;
    if (!/[0-9]/.test(run)) {
      // a word, hyphenated if letters follow its hyphens
      const parts = [run];
      let k = end;
      while (s[k] === '-' && isLetter(s[k + 1])) {
        const next = runEnd(k + 1);
        const part = s.slice(k + 1, next);
        if (/[0-9]/.test(part)) return undefined;
        parts.push(part);
        k = next;
      }
      if (parts.length > 1) {
        tokens.push({ kind: 'hword', text: parts.join('-') }, ...parts.map((p): Token => ({ kind: 'hpart', text: p })));
        before = 'hword';
      } else {
        tokens.push({ kind: 'word', text: run });
        before = 'word';
      }
      i = k;
    } else if (/^[0-9]+$/.test(run)) {
      tokens.push({ kind: 'uint', text: run });
      before = 'number';
      i = end;
    } else {
      tokens.push({ kind: 'numword', text: run });
      before = 'numword';
      i = end;
    }
  }
  if (tokens.some((t) => t.text.length > MAX_WORD_LENGTH)) return undefined;
  return tokens;
}

/** What one analyser keeps: the character classes as a table, and each word's lexeme once computed. */
interface Analysis {
  lexicon: FrenchLexicon;
  classes: Uint8Array;
  /** A word as written → its lexeme, `null` for a stop word. Words repeat (Zipf): most are looked up. */
  words: Map<string, string | null>;
}

const WORD_CACHE_SIZE = 200_000;

function analysis(lexicon: FrenchLexicon): Analysis {
  const classes = new Uint8Array(0x10000).fill(C.Unknown);
  for (let code = 0; code < 0x80; code++) classes[code] = asciiClass(code);
  for (const ch of lexicon.letters.keys()) classes[ch.charCodeAt(0)] = C.Letter;
  for (const ch of lexicon.separators) classes[ch.charCodeAt(0)] = C.Separator;
  return { lexicon, classes, words: new Map() };
}

/** Each lexeme's positions in one text (1-based, in order), or `undefined` when the text is not of a known shape. */
function analyse(text: string, an: Analysis): Map<string, number[]> | undefined {
  const lexemes = new Map<string, number[]>();
  let position = 0;
  const add = (lexeme: string | null) => {
    position += 1;
    if (lexeme === null) return;
    const positions = lexemes.get(lexeme);
    if (positions) positions.push(position);
    else lexemes.set(lexeme, [position]);
  };
  let start = -1;
  // what the current segment holds: most are one word of letters, read without segmentTokens
  let letters = false;
  let others = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? an.classes[text.charCodeAt(i)]! : C.Separator;
    if (c === C.Unknown) return undefined;
    if (c !== C.Separator) {
      if (start < 0) start = i;
      if (c === C.Letter) letters = true;
      else others = true;
      continue;
    }
    if (start < 0) continue;
    const segment = text.slice(start, i);
    start = -1;
    if (letters && !others && segment.length <= MAX_WORD_LENGTH) {
      add(wordLexeme(segment, an));
    } else {
      const tokens = segmentTokens(segment);
      if (!tokens) return undefined;
      for (const token of tokens) {
        const numeric = token.kind === 'numword' || token.kind === 'uint' || token.kind === 'int';
        add(numeric ? token.text.toLowerCase() : wordLexeme(token.text, an));
      }
    }
    letters = others = false;
  }
  if (position > MAX_POSITION) return undefined;
  for (const positions of lexemes.values()) if (positions.length > MAX_POSITIONS_PER_LEXEME) return undefined;
  return lexemes;
}

/**
 * A word's lexeme (`null` for a stop word, which still takes its position): `unaccent`, then french_stem
 * (lower case, stop words, Snowball). Numbers and words with digits go to the `simple` dictionary instead
 * (lower case, accents kept).
 */
function wordLexeme(word: string, an: Analysis): string | null {
  const known = an.words.get(word);
  if (known !== undefined) return known;
  let folded = '';
  for (const ch of word) folded += ch.charCodeAt(0) < 0x80 ? ch : an.lexicon.letters.get(ch)!;
  folded = folded.toLowerCase();
  const lexeme = an.lexicon.stopWords.has(folded) ? null : an.lexicon.stem(folded);
  if (an.words.size >= WORD_CACHE_SIZE) an.words.clear();
  an.words.set(word, lexeme);
  return lexeme;
}

/** A tsvector literal: lexemes quoted, positions with their weight. */
function literal(entries: [string, string[]][]): string {
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([lexeme, positions]) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}':${positions.join(',')}`)
    .join(' ');
}

export interface FrenchAnalyser {
  /**
   * `setweight(to_tsvector('cite_french', context), 'A') || setweight(to_tsvector('cite_french', text), 'B')`
   * as a tsvector literal, or `undefined` when the database must compute it.
   */
  chunkTsvector(context: string, text: string): string | undefined;
}

export function frenchAnalyser(lexicon: FrenchLexicon): FrenchAnalyser {
  const an = analysis(lexicon);
  return {
    chunkTsvector(context, text) {
      const a = analyse(context, an);
      const b = a && analyse(text, an);
      if (!a || !b) return undefined;
      // `||` shifts the right operand's positions by the left's largest position
      let shift = 0;
      for (const positions of a.values()) shift = Math.max(shift, positions[positions.length - 1]!);
      const merged = new Map<string, string[]>();
      for (const [lexeme, positions] of a) merged.set(lexeme, positions.map((p) => `${p}A`));
      for (const [lexeme, positions] of b) {
        const shifted = positions.map((p) => `${p + shift}B`);
        const before = merged.get(lexeme);
        if (before) before.push(...shifted);
        else merged.set(lexeme, shifted);
      }
      for (const positions of merged.values()) if (positions.length > MAX_POSITIONS_PER_LEXEME) return undefined;
      for (const positions of b.values()) if (positions[positions.length - 1]! + shift > MAX_POSITION) return undefined;
      return literal([...merged]);
    },
  };
}
