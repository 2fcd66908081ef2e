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

/** Whether `text` (a page's title) names one of `articles` (as legalReferences gives them). */
export function namesArticle(text: string, articles: readonly string[]): boolean {
  return articles.length > 0 && legalReferences(text).some((r) => articles.includes(r));
}

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
