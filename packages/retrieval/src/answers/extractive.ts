/**
 * Answers without a language model: the parts of the retrieved passages that best match the
 * question, quoted verbatim and cited. The answer says it is extractive. It leans on one document,
 * the one covering the question best (ties: the search rank), so citations stay on topic. Other
 * documents are quoted once each when the relevance gate found them about as strongly about the
 * question (`strengths`, e.g. two articles of a code that say the same thing), or, without the
 * gate's figures, when they cover the question better.
 *
 * What is quoted (quote-units.ts): sentences; a lead-in with the list or table it announces, never
 * alone; the rows of a table holding the question's terms, as a small Markdown table under its
 * header; never navigation or form titles.
 *
 * Citations: one number per document. verifyAnswer checks a sentence citing [n] against passage n
 * only, so a quote is printed under the number of the passage it comes from; once a document has a
 * number, its other passages are quoted only where that numbered passage holds the same text
 * (chunks overlap), else not at all. Every sentence verifyAnswer will see as a claim carries the
 * marker, so an extractive answer verifies without an unsupported sentence.
 *
 * Length: the whole answer stays within `maxChars`; quotes are whole (a list or table loses its
 * lowest-scoring items first, marked "[…]"), except a single over-long first sentence, cut at a word.
 */
import type { AnswerLanguage } from './language.js';
import { parsePassage, type PassageBlock } from './passage-blocks.js';
import { isNavigationHeading } from './page-furniture.js';
import { OMITTED, quoteUnits, shrinkUnit, unitLines, type LineScore, type QuoteUnit } from './quote-units.js';
import { splitSentences } from './sentences.js';
import { fold } from '@cite/core/text/fold.js';
import { termSet } from './text.js';
import { articleReferences, isReferenceList, namesArticle, whereNamed, type ArticleReference } from '../search/legal-references.js';
import type { NumberedSource } from './types.js';
import { isClaim } from './verify.js';
import { defuseMarkers } from './citations.js';

export interface ExtractiveOptions {
  /** Quotes (a sentence, a list with its lead-in, a table excerpt) at most. */
  maxSentences?: number;
  /** Characters of the whole answer, introduction included, at most. */
  maxChars?: number;
  /** Items of a quoted list, rows of a quoted table, at most. */
  maxItems?: number;
  /** A quote from another document than the best one must score at least this share of the best. */
  otherDocumentRatio?: number;
  /** A further quote of the best document must score at least this share of the best. */
  sameDocumentRatio?: number;
  /**
   * The relevance gate's strength of each source (by n), 0 for one it does not pass: picks the leading
   * document and the others quoted.
   */
  strengths?: ReadonlyMap<number, number>;
  /** Another document is quoted when its strength is at least this share of the leading one's. */
  otherDocumentStrengthRatio?: number;
  /** Documents quoted at most. */
  maxDocuments?: number;
}

const DEFAULTS: Required<Omit<ExtractiveOptions, 'strengths'>> & Pick<ExtractiveOptions, 'strengths'> = {
  maxSentences: 4,
  maxChars: 1500,
  maxItems: 8,
  otherDocumentRatio: 0.9,
  sameDocumentRatio: 0.55,
  otherDocumentStrengthRatio: 0.9,
  maxDocuments: 3,
};
type Options = typeof DEFAULTS;

/** Share of the question's terms a document title must hold to be the question's own subject. */
const TITLE_IS_QUESTION = 0.8;

function titleCoverage(q: Set<string>, title: string): number {
  if (q.size === 0) return 0;
  const t = termSet(title);
  let hit = 0;
  for (const term of q) if (t.has(term)) hit++;
  return hit / q.size;
}

/** A quote from another document must still score this share of the best quote (not a stray line). */
const OTHER_DOCUMENT_FLOOR = 0.5;

const MAX_SENTENCE_CHARS = 450;
/** A sentence cut to fit the length bound keeps at least this much, or is not quoted. */
const MIN_CUT_CHARS = 80;

export const EXTRACTIVE_INTRO: Record<AnswerLanguage, string> = {
  fr: 'Réponse extractive (aucun modèle de langue configuré), extraits des sources les plus pertinentes :',
  en: 'Extractive answer (no language model configured), excerpts from the most relevant sources:',
};

interface Candidate {
  source: NumberedSource;
  unit: QuoteUnit;
  score: number;
  /** Index of the unit in its passage. */
  order: number;
}

interface Quote {
  n: number;
  text: string;
  /** Where the quote starts in the cited passage (reading order). */
  position: number;
  lines: string[];
}

export function extractiveAnswer(
  question: string,
  sources: NumberedSource[],
  language: AnswerLanguage,
  options: ExtractiveOptions = {},
): { text: string; used: number[] } {
  const o = { ...DEFAULTS, ...options };
  const q = termSet(question);
  // a section of links to other pages (« À lire sur service-public.fr ») is quoted neither whole nor in part
  const quotedSources = sources.filter((s) => !isNavigationHeading(s.heading_path.at(-1) ?? ''));
  const parsed = quotedSources.map((source) => ({ source, blocks: parsePassage(source.text) }));
  const lineScore = questionScore(q, parsed.flatMap((p) => atomsOf(p.blocks)));
  const docRelevance = new Map(quotedSources.map((s) => [s.n, termOverlap(q, s)]));
  const asked = articleReferences(question);
  const named = sourcesNamingArticle(asked, quotedSources);

  const candidates = scoreCandidates(parsed, lineScore, docRelevance, o.maxItems, named, asked);
  if (candidates.length === 0) return { text: '', used: [] };
  const documents = quotedDocuments(q, quotedSources, docRelevance, o, named);
  const eligible = candidates.filter((c) => documents.has(c.source.document.url));
  // an article the question names is quoted from where it is named, or not at all: the line of another page
  // sharing the question's words (« Articles L. 3132-1 à L. 3132-31 du Code du travail ») is not about it
  if (asked.length && eligible.length === 0) return { text: '', used: [] };
  const intro = EXTRACTIVE_INTRO[language];
  const quotes = chooseQuotes(eligible.length ? eligible : candidates, documents, lineScore, o, intro.length);
  if (quotes.length === 0) return { text: '', used: [] };

  // Read in source order, then in passage order, as a human would quote them.
  quotes.sort((a, b) => a.n - b.n || a.position - b.position);
  return { text: `${intro}\n\n${quotes.map((x) => x.text).join('\n\n')}`, used: [...new Set(quotes.map((x) => x.n))] };
}

/** Share of the question's content terms found in the passage, its title or its headings. */
function termOverlap(q: Set<string>, passage: NumberedSource): number {
  if (q.size === 0) return 0;
  const p = termSet(`${passage.document.title} ${passage.heading_path.join(' ')} ${passage.text}`);
  let hit = 0;
  for (const t of q) if (p.has(t)) hit++;
  return hit / q.size;
}

/**
 * The sources about an article the question names: a page titled with it (« Que dit l'article L. 1237-19 ? »
 * and the page « Code du travail - Article L1237-19 »), whose text is what is asked for though its lines hold
 * none of the question's words (its number is only in its title); else a passage naming it in its text (an
 * index of fiches citing the article), quoted where it names it. Measured on 100 questions about articles of
 * the Code du travail drawn at random (labour-law index, hash embedder): 18 of them declined as having
 * nothing to quote, their article found first. On 100 articles the demo index only cites, 4 of 81 answers
 * quoted another line of a page citing the article, not naming it, before passages were quoted where they name it.
 */
function sourcesNamingArticle(asked: readonly ArticleReference[], sources: NumberedSource[]): Map<number, Naming> {
  const named = new Map<number, Naming>();
  if (asked.length === 0) return named;
  for (const s of sources) {
    const where = whereNamed(asked, s.document.title, `${s.heading_path.join('\n')}\n${s.text}`);
    if (where) named.set(s.n, where);
  }
  return named;
}

/** Where a source names the article asked for: its page's title (the article itself), or its text. */
type Naming = NonNullable<ReturnType<typeof whereNamed>>;

/** The texts inverse frequencies are counted over: sentences, list items, table rows. */
function atomsOf(blocks: PassageBlock[]): string[] {
  return blocks.flatMap((b) => (b.kind === 'paragraph' ? b.sentences.map((s) => s.text) : b.kind === 'list' ? b.items : [b.header, ...b.rows]));
}

/** Rare question terms weigh more: a line scores the inverse frequencies of the question terms it holds. */
function questionScore(q: Set<string>, atoms: string[]): LineScore & { total: number } {
  const atomTerms = atoms.map((a) => termSet(a));
  const idf = new Map<string, number>();
  for (const t of q) {
    const df = atomTerms.reduce((c, st) => c + (st.has(t) ? 1 : 0), 0);
    idf.set(t, Math.log((atoms.length + 1) / (df + 0.5)) + 0.1);
  }
  // Lines are scored again and again (row choice, shrinking, unit scores): each is read once.
  const cache = new Map<string, number>();
  const score = (line: string) => {
    let s = cache.get(line);
    if (s !== undefined) return s;
    const terms = termSet(line);
    s = 0;
    for (const [t, w] of idf) if (terms.has(t)) s += w;
    cache.set(line, s);
    return s;
  };
  return Object.assign(score, { total: [...idf.values()].reduce((a, b) => a + b, 0) || 1 });
}

function scoreCandidates(
  parsed: Array<{ source: NumberedSource; blocks: PassageBlock[] }>,
  lineScore: LineScore & { total: number },
  docRelevance: Map<number, number>,
  maxItems: number,
  named: ReadonlyMap<number, Naming>,
  asked: readonly ArticleReference[],
): Candidate[] {
  const out: Candidate[] = [];
  for (const { source, blocks } of parsed) {
    const naming = named.get(source.n);
    // a question about an article: only the passages naming it (another passage of a page citing it is not)
    if (asked.length && !naming) continue;
    quoteUnits(source.text, blocks, lineScore, { maxItems }).forEach((unit, order) => {
      const lines = unitLines(unit).join('\n');
      const own = lineScore(lines) / lineScore.total;
      // what the question asks for: the article's own page, or where a page citing it names it (not in a list
      // of the page's sources, which says nothing of what it says)
      const wanted = naming === 'title' || (naming === 'text' && namesArticle(lines, asked) && !isReferenceList(lines));
      // a unit holding none of the question's words says nothing of it, whatever its page is about
      // (the « Qui contacter ? » list of a page titled like the question), unless it is what was asked for
      // (its own words still order the units); a page citing the article is quoted where it names it only
      if ((own === 0 || naming === 'text') && !wanted) return;
      const overlap = wanted ? 0.5 + own / 2 : own;
      const score = 0.55 * overlap + 0.3 * (docRelevance.get(source.n) ?? 0) + 0.1 / source.n + (order === 0 ? 0.05 : order === 1 ? 0.025 : 0);
      out.push({ source, unit, score, order });
    });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * The documents the answer may quote, the leading one first: the strongest by the gate's figures
 * (else the best covering), ties going to the search rank; then, with the gate's figures, the others
 * nearly as strong, up to `maxDocuments`; without them, those covering the question better.
 */
function quotedDocuments(
  q: Set<string>,
  sources: NumberedSource[],
  docRelevance: Map<number, number>,
  o: Options,
  named: ReadonlyMap<number, Naming>,
): Map<string, 'lead' | 'other'> {
  const weight = (s: NumberedSource) => (o.strengths ? (o.strengths.get(s.n) ?? 0) : (docRelevance.get(s.n) ?? 0));
  // the articles the question names, and only them, the strongest first; without their pages, those citing them
  const pages = sources.filter((s) => named.get(s.n) === 'title');
  const articles = (pages.length ? pages : sources.filter((s) => named.has(s.n))).sort((a, b) => weight(b) - weight(a));
  if (articles.length) return new Map(articles.map((s, i) => [s.document.url, i === 0 ? 'lead' : 'other']));
  let lead = sources[0]!;
  for (const src of sources) if (weight(src) > weight(lead)) lead = src;
  const documents = new Map<string, 'lead' | 'other'>([[lead.document.url, 'lead']]);
  // A document titled like the question is the one it asks about: no other is needed beside it.
  if (titleCoverage(q, lead.document.title) >= TITLE_IS_QUESTION) return documents;
  for (const src of sources) {
    if (documents.size >= o.maxDocuments || documents.has(src.document.url)) continue;
    const admitted = o.strengths
      ? weight(src) > 0 && weight(src) >= weight(lead) * o.otherDocumentStrengthRatio
      : weight(src) > weight(lead);
    if (admitted) documents.set(src.document.url, 'other');
  }
  return documents;
}

function chooseQuotes(
  eligible: Candidate[],
  documents: Map<string, 'lead' | 'other'>,
  lineScore: LineScore,
  o: Options,
  introLength: number,
): Quote[] {
  const best = eligible[0]!;
  const quotedDocs = new Set<string>();
  const quotes: Quote[] = [];
  /** The passage each document is cited by: its number is the document's number in this answer. */
  const citedPassage = new Map<string, NumberedSource>();
  let length = introLength;
  for (const c of eligible) {
    if (quotes.length >= o.maxSentences) break;
    const doc = c.source.document.url;
    if (quotes.length > 0) {
      const corroborating = o.strengths !== undefined && documents.get(doc) === 'other';
      // A corroborating document is quoted once, by its best part; the leading one may give more.
      if (corroborating && quotedDocs.has(doc)) continue;
      const ratio = doc === best.source.document.url ? o.sameDocumentRatio : corroborating ? OTHER_DOCUMENT_FLOOR : o.otherDocumentRatio;
      if (c.score < best.score * ratio) continue;
    }
    if (alreadyQuoted(unitLines(c.unit), quotes)) continue;
    const cited = citedPassage.get(doc) ?? c.source;
    if (cited !== c.source && !containedIn(c.unit, cited.text)) continue;
    const text = fit(c.unit, cited.n, o.maxChars - length - 2, quotes.length === 0, lineScore);
    if (!text) continue;
    citedPassage.set(doc, cited);
    quotedDocs.add(doc);
    length += text.length + 2;
    const lines = unitLines(c.unit);
    quotes.push({ n: cited.n, text, lines, position: cited === c.source ? c.unit.start : cited.text.indexOf(lines[0]!) });
  }
  return quotes;
}

/** More than half of the unit's lines are in quotes already chosen (overlapping chunks, repeats). */
function alreadyQuoted(lines: string[], quotes: Quote[]): boolean {
  const seen = new Set(quotes.flatMap((x) => x.lines.map(fold)));
  const real = lines.filter((l) => !l.includes(OMITTED));
  return real.filter((l) => seen.has(fold(l))).length * 2 > real.length;
}

/** Every line the unit quotes is in the passage text: quoting it under that passage's number verifies. */
function containedIn(unit: QuoteUnit, text: string): boolean {
  return unitLines(unit).every((l) => l.includes(OMITTED) || text.includes(l));
}

/** The unit rendered within `room` characters: lists and tables lose items, a first sentence is cut. */
function fit(unit: QuoteUnit, n: number, room: number, first: boolean, lineScore: LineScore): string | undefined {
  let u: QuoteUnit | undefined = unit;
  while (u) {
    const text = render(u, n);
    if (text && text.length <= room) return text;
    u = shrinkUnit(u, lineScore);
  }
  if (!first || unit.kind !== 'sentence') return undefined;
  const cut = cutAt(unit.text, room - ` « » [${n}]`.length);
  return cut ? render({ ...unit, text: cut }, n) : undefined;
}

function cutAt(text: string, max: number): string | undefined {
  if (max < MIN_CUT_CHARS) return undefined;
  const cut = text.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), Math.floor(max / 2)))}…`;
}

function trimSentence(text: string): string {
  return text.length <= MAX_SENTENCE_CHARS ? text : cutAt(text, MAX_SENTENCE_CHARS)!;
}

/** The quote as the reader sees it, or undefined when it cannot be cited so that it verifies. */
function render(unit: QuoteUnit, n: number): string | undefined {
  let body: string;
  if (unit.kind === 'sentence') body = `« ${trimSentence(unit.text)} »`;
  else if (unit.kind === 'list') body = `« ${unit.leadIn}\n${unit.items.join('\n')} »`;
  else body = [...(unit.leadIn ? [`« ${unit.leadIn} »`] : []), unit.header, unit.separator, ...unit.rows].join('\n');
  return citeEveryClaim(defuseMarkers(body), n);
}

/**
 * Puts the marker after every part verifyAnswer will read as a claim (a list item, a lead-in that
 * does not end with a colon, the table), and always at the end; a table's marker goes inside its
 * last cell so that the Markdown table stays whole. Undefined if some claim would still go uncited.
 */
function citeEveryClaim(body: string, n: number): string | undefined {
  const marker = `[${n}]`;
  const parts = splitSentences(body);
  let out = body;
  for (let k = parts.length - 1; k >= 0; k--) {
    const part = parts[k]!;
    if (/\[\d+\]/.test(part.text)) continue;
    if (k !== parts.length - 1 && !isClaim(part.text)) continue;
    if (/\|\s*$/.test(part.text)) {
      // In the last cell of the last quoted row (not of an omission row).
      const rows = [...part.text.matchAll(/^.*\|[ \t]*$/gm)].filter((m) => !m[0].includes(OMITTED));
      const row = rows.at(-1) ?? [...part.text.matchAll(/^.*\|[ \t]*$/gm)].at(-1)!;
      const pipe = part.start + row.index! + row[0].lastIndexOf('|');
      out = `${out.slice(0, pipe).trimEnd()} ${marker} ${out.slice(pipe)}`;
    } else out = `${out.slice(0, part.end)} ${marker}${out.slice(part.end)}`;
  }
  const uncited = splitSentences(out).some((s) => isClaim(s.text) && !s.text.includes(marker));
  return uncited ? undefined : out;
}
