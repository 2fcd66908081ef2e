import { codesIn, foldForCodes, withoutCodes } from './legal-codes.js';

/**
 * References to articles of a code, written as one: « L. 1237-19 », « L.1237-19 » and « L 1237-19 » become
 * « L1237-19 », as Légifrance titles its articles (« Code du travail - Article L1237-19 »).
 *
 * The text-search parser reads « L. 1237-19 » as the number « 1237 » (the letter is dropped) and
 * « L1237-19 » as the word « l1237 »: an agent asking about « l'article L. 1237-19 », as legal texts write it,
 * searched for a number the article's own page does not hold, and found the pages citing it. Measured on 200
 * articles of the Code du travail drawn at random (labour-law index, hash embedder, hybrid search), the
 * article's own page first for « article L. 1234-5 »: 0.155 of them (0.410 in the ten first); written
 * « article L1234-5 »: 0.625 (0.925). Search looks for both spellings (withBothSpellings): an index that
 * only cites the article (fiches writing « L. 1234-5 ») must still find the pages citing it.
 *
 * Only a capital L, R, D or A (législative, réglementaire, décret, arrêté) followed by a dot or a space and a
 * number with at least one hyphenated part: « A 2021-3 » in running text is rare, « L 2024 » is left alone.
 * With a dot, a lower-case letter too (« l. 1237-19 »).
 */
const REFERENCE = /(?<![\p{L}\p{N}'’])(?:([LRDAlrda])\s*\.\s*|([LRDA])\s+)(\d{1,4}(?:-\d+)+)(?![\p{L}\p{N}])/gu;

export function compactLegalReferences(text: string): string {
  return text.replace(REFERENCE, (_match, dotted: string | undefined, spaced: string | undefined, number: string) =>
    `${(dotted ?? spaced)!.toUpperCase()}${number}`,
  );
}

/** A reference written as one word (« L1237-19 », « l1237-19 »), not the start of a longer one (« L1237-19-1 »). */
const COMPACT = /(?<![\p{L}\p{N}])[LRDA]\d{1,4}(?:-\d+)+(?![\p{L}\p{N}]|-\d)/giu;

/** The articles a text names, each as one word in capitals (« L1237-19 »), however it writes them. */
export function legalReferences(text: string): string[] {
  return [...new Set((compactLegalReferences(text).match(COMPACT) ?? []).map((r) => r.toUpperCase()))];
}

/** An article a text names (« L1237-19 », « 238 bis »), and the code it names it of, if the text tells. */
export interface ArticleReference {
  article: string;
  /** As Légifrance titles it (« Code du travail »): legal-codes.ts. */
  code?: string;
}

/**
 * The Latin adverbs that number an article inserted after another (« 238 bis », « 199 sexdecies », « 302
 * septies A » of the Code général des impôts): the article is another one than « 238 ».
 */
const ADVERBS = new Set(
  ('bis ter quater quinquies sexies septies octies nonies novies decies undecies duodecies terdecies ' +
    'quaterdecies quindecies sexdecies septdecies octodecies novodecies vicies').split(' '),
);
/** After an article's number: an adverb, perhaps a number, perhaps a capital letter (« septies A », « sexies-0 A »). */
const SUFFIX = /\s+(\p{L}+)(-\d+)?(?:\s+(\p{Lu})(?![\p{L}\p{N}]))?(?![\p{L}\p{N}-])/uy;

/**
 * `article` ending at `end` of `text`, with its suffix if one follows (« 238 bis », « 302 septies A », « 44
 * sexies-0 A »: the Jeunes entreprises innovantes' article is not « 44 sexies »).
 */
function withSuffix(text: string, article: string, end: number): { article: string; end: number } {
  SUFFIX.lastIndex = end;
  const m = SUFFIX.exec(text);
  if (!m || !ADVERBS.has(m[1]!.toLowerCase())) return { article, end };
  const suffix = `${m[1]!.toLowerCase()}${m[2] ?? ''}`;
  return { article: [article, suffix, ...(m[3] ? [m[3]] : [])].join(' '), end: SUFFIX.lastIndex };
}

/** The word of a question that stands for an article: its number (« l1237-19 », « 238 » of « 238 bis »). */
export const referenceWord = (article: string): string => article.split(' ')[0]!.toLowerCase();

/** The words that may stand between a reference and its code: the rest of its list (« , et L. 1237-2 »). */
const LIST_WORD = /^(?:,|et|ou|à|a|(?:l')?(?:art\.|articles?)|[LRDA]?\d{1,4}(?:-\d+)*)$/iu;
/** A suffix's word: « bis », « septies », the « A » of « 302 septies A ». */
const isSuffixWord = (w: string) => ADVERBS.has(w.toLowerCase()) || /^\p{Lu}$/u.test(w);
const isListWord = (w: string) => LIST_WORD.test(w) || isSuffixWord(w);

/**
 * Whether `between`, the text from a reference to a code, is only the rest of its list and « du »: the code
 * is then the reference's. Word by word, not one regular expression (its nested repetitions could take
 * exponential time on a hostile text).
 */
function leadsToCode(between: string): boolean {
  if (between.length > 400 || between.includes('\n')) return false;
  const words = between.replace(/,/g, ' , ').split(/\s+/).filter(Boolean);
  if (words.length && /^(?:du|au|de|des)$/i.test(words.at(-1)!)) words.pop();
  return words.every(isListWord);
}

/** A code named by reference to one named before: « du même code », « dudit code », « du présent code ». */
const SAME_CODE = /(?:(?:du|de)\s+)?(?:meme|dudit|ce|(present))\s+code(?![\p{L}])/iu;

/**
 * The articles a text names and their codes. A reference's code is the one named right after it, past the
 * rest of its list (« articles L. 1237-1 et L. 1237-2 du code du travail », « L. 161-1 CSS »). Otherwise, of
 * the codes no other reference claims that way, the only one of its line (a page's title « Code du travail -
 * Article L1237-19 » above a text citing « L. 452-1 du code de la sécurité sociale »), then of the text (a
 * question « Que dit le code civil à l'article… »). « Du même code » is the code named last before it, « du
 * présent code » the text's first (a page's title). Otherwise unknown (a fiche naming no code, or several).
 */
export function articleReferences(text: string): ArticleReference[] {
  // every search query and question comes here: most name no article, and no reference is without a digit
  if (!/\d/.test(text)) return [];
  const folded = compactLegalReferences(foldForCodes(text));
  const written = [
    ...[...folded.matchAll(COMPACT)].map((m) => {
      const start = m.index!;
      return { start, ...withSuffix(folded, m[0].toUpperCase(), start + m[0].length) };
    }),
    ...numberedArticles(folded),
  ].sort((a, b) => a.start - b.start);
  // codes matter only to the articles found: most digits are dates, amounts and ages
  if (written.length === 0) return [];
  const codes = codesIn(folded);
  const claimed = new Set<(typeof codes)[number]>();
  const references = written.map(({ article, start, end }) => {
    const next = codes.find((c) => c.start >= end);
    const own = next && leadsToCode(folded.slice(end, next.start)) ? next : undefined;
    if (own) claimed.add(own);
    // « du même code », « dudit code »: the one named last before; « du présent code »: the page's, named first
    const rest = folded.slice(end, end + 400);
    const sameMatch = own ? null : SAME_CODE.exec(rest);
    const same = sameMatch && leadsToCode(rest.slice(0, sameMatch.index)) ? sameMatch : null;
    const last = () => codes.findLast((c) => c.end <= start)?.code;
    const code = own?.code ?? (same ? (same[1] ? codes[0]?.code : last()) : undefined);
    return { article, start, end, code };
  });
  const free = codes.filter((c) => !claimed.has(c));
  const onlyOf = (named: typeof codes) => (new Set(named.map((c) => c.code)).size === 1 ? named[0]!.code : undefined);
  const found = new Map<string, ArticleReference>();
  for (const r of references) {
    const lineStart = folded.lastIndexOf('\n', r.start) + 1;
    const newline = folded.indexOf('\n', r.end);
    const lineEnd = newline < 0 ? folded.length : newline;
    const code = r.code ?? onlyOf(free.filter((c) => c.start >= lineStart && c.end <= lineEnd)) ?? onlyOf(free);
    found.set(`${r.article} ${code ?? ''}`, { article: r.article, ...(code ? { code } : {}) });
  }
  return [...found.values()];
}

/** « article 1240 », « art. 1240 », « articles 1240 et 1241 » (folded): articles of codes numbered without a letter. */
const NUMBERED = /(?<![\p{L}\p{N}])(?:l')?(?:art\.|articles?)\s*(\d{1,4}(?:-\d+)*)(?![\p{L}\p{N}]|[.,]\d)/giu;
const NEXT_NUMBER = /\s*(?:,|et|ou|à|a)\s*(\d{1,4}(?:-\d+)*)(?![\p{L}\p{N}]|[.,]\d)/iuy;

/**
 * The Code civil, the Code pénal and the Code général des impôts number most articles without a letter
 * (Légifrance titles them « Code civil - Article 1240 »): a number is an article's only after « article ».
 */
function numberedArticles(folded: string): Array<{ article: string; start: number; end: number }> {
  const out: Array<{ article: string; start: number; end: number }> = [];
  // the number ending at `numberEnd`, with its suffix: where the list goes on from
  const take = (number: string, numberEnd: number) => {
    const reference = { start: numberEnd - number.length, ...withSuffix(folded, number, numberEnd) };
    out.push(reference);
    return reference.end;
  };
  for (const m of folded.matchAll(NUMBERED)) {
    NEXT_NUMBER.lastIndex = take(m[1]!, m.index! + m[0].length);
    for (let n = NEXT_NUMBER.exec(folded); n; n = NEXT_NUMBER.exec(folded)) {
      NEXT_NUMBER.lastIndex = take(n[1]!, NEXT_NUMBER.lastIndex);
    }
  }
  return out;
}

/**
 * Whether `found` (in a text) is the article `asked` (by a question): the same article, of the same code
 * unless one of the two does not say. An article numbered without a letter is held to its code: « article 12 »
 * of a text naming no code may be a law's or a collective agreement's.
 */
function sameArticle(asked: ArticleReference, found: ArticleReference): boolean {
  if (asked.article !== found.article) return false;
  if (!asked.code) return true;
  if (found.code) return found.code === asked.code;
  return /^[LRDA]/.test(found.article);
}

/**
 * Whether `text` is only a list of references (« Articles L. 1232-1, L. 1234-1 à L. 1234-5 du Code du travail »,
 * a page's sources): it names articles without saying anything of them. At most two other words.
 */
export function isReferenceList(text: string): boolean {
  const rest = withoutCodes(compactLegalReferences(foldForCodes(text)))
    .replace(COMPACT, ' ')
    .replace(NUMBERED, ' ')
    .replace(/(?<![\p{L}\p{N}])(?:l'|les?\s+)?(?:art\.|articles?|et|ou|à|a|du|de|des|au)(?![\p{L}\p{N}])/giu, ' ');
  const words = (rest.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !isSuffixWord(w));
  return words.length <= 2 && articleReferences(text).length > 0;
}

/**
 * Whether `text` (a page's title) names one of the articles `asked` (articleReferences of a question): the
 * Code du travail's « Article L1237-1 » is not the one asked for « l'article L. 1237-1 du code de commerce ».
 */
export function namesArticle(text: string, asked: readonly ArticleReference[]): boolean {
  // a text without the article's first number cannot name it: most of the hits search reads (~9 → 1 ms for 200)
  if (!asked.some((a) => text.includes(/\d+/.exec(a.article)![0]))) return false;
  return articleReferences(text).some((r) => asked.some((a) => sameArticle(a, r)));
}

/**
 * Where a passage names one of the articles `asked`: in its page's title (the article's own page, « Code du
 * travail - Article L1237-19 »), else in its text (`body`: a page citing it), else nowhere.
 */
export function whereNamed(asked: readonly ArticleReference[], title: string, body: string): 'title' | 'text' | undefined {
  if (namesArticle(title, asked)) return 'title';
  return namesArticle(`${title}\n${body}`, asked) ? 'text' : undefined;
}

/**
 * For the relevance gate (term-evidence.ts): whether a passage (`textOf`: its title, headings and text) names
 * the article `reference` (a question word, « l1237-19 », « 1240 ») of the code the question names it of. Each
 * passage is read once, however many references the question names.
 */
export function articleNamer(question: string, textOf: (id: string) => string): ArticleNamer {
  const asked = articleReferences(question);
  const named = new Map<string, ArticleReference[]>();
  const names = (id: string, reference: string) => {
    const article = reference.toUpperCase();
    const wanted = asked.filter((a) => referenceWord(a.article) === reference);
    if (!named.has(id)) named.set(id, articleReferences(textOf(id)));
    return named.get(id)!.some((r) => (wanted.length ? wanted : [{ article }]).some((a) => sameArticle(a, r)));
  };
  return Object.assign(names, { references: new Set(asked.map((a) => referenceWord(a.article))) });
}

/** articleNamer's reader, with the question's words naming an article (« l1237-19 », « 1240 »). */
export type ArticleNamer = ((id: string, reference: string) => boolean) & { references: ReadonlySet<string> };

/**
 * The text with each article it names written both ways: « L1237-19 1237-19 ». A page citing the article
 * writes « L. 1237-19 », which the parser reads as the number « 1237 »: a search for « L1237-19 » alone
 * found the article's own page (titled « Article L1237-19 ») but no longer the pages citing it, the only
 * ones an index without the code holds (the travail-emploi fiches cite « L. 1237-1 »).
 */
export function withBothSpellings(text: string): string {
  return compactLegalReferences(text).replace(COMPACT, (ref) => `${ref} ${ref.slice(1)}`);
}

/** A question's word naming an article (« l1237-19 », folded), as the pages citing it spell it: « 1237-19 ». */
export function citedSpelling(word: string): string | undefined {
  return /^[lrda]\d{1,4}(?:-\d+)+$/.test(word) ? word.slice(1) : undefined;
}
