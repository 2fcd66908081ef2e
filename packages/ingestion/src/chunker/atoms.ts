/**
 * Atoms: the pieces of a section's text the chunker packs and never splits when avoidable (a table row, a
 * whole list item, a sentence). Only an atom longer than the budget is cut: at sentence, then word
 * boundaries, and a single "word" over the budget (base64, junk without a space) where the budget says.
 *
 * Every function here is steps (cpu-slices.ts) that hand atoms to a sink as they are found: a block of
 * millions of sentences or lines never becomes an array of them. Such arrays (a 27 M-character list item
 * of short sentences) grew the process to ~1 GB, and one garbage collection of it held the thread 2 s.
 */
import { runAtOnce, STEP_CHARS, type Steps } from '../cpu-slices.js';
import type { Block } from '../document.js';

export interface Atom {
  start: number;
  end: number;
  tokens: number;
  block: number;
  /** Header rows (with separator) of the table this row belongs to, repeated before its rows in a later chunk. */
  tableHeader?: string;
}

/** Where a section's atoms go, in order. Once `full` (the section has made enough chunks), no more are made. */
export interface AtomSink {
  add(atom: Atom): void;
  readonly full: boolean;
}

/** Spans, words or pieces handled between two pauses (a pause costs a generator's resumption). */
const STEP = 256;

/**
 * Counting a span costs as much as its length (a 20 M-character one took seconds with a model's
 * tokenizer). A span of more characters than this many a token of the budget is first counted on that
 * many of its first characters: when those alone are over the budget (any real text), the whole is too.
 */
const MAX_CHARS_PER_TOKEN = 100;

/** What cutting one block needs to know. */
interface Cutting {
  t: string;
  budget: number;
  tokens: (s: string) => number;
  sink: AtomSink;
  /** Hands a piece [a, b[ of t to the sink (`n`: its tokens, when known). */
  emit: (a: number, b: number, n?: number) => void;
}

/** Cuts one block into atoms: table rows, a whole list item, sentences; over-budget atoms are cut further. */
export function* atomsOf(block: Block, offset: number, index: number, budget: number, tokens: (s: string) => number, sink: AtomSink): Steps<void> {
  const t = block.text;
  let header: string | undefined;
  let headerEnd = 0;
  const c: Cutting = {
    t,
    budget,
    tokens,
    sink,
    emit: (a, b, n) =>
      sink.add({ start: offset + a, end: offset + b, tokens: n ?? tokens(t.slice(a, b)), block: index, tableHeader: header && a >= headerEnd ? header : undefined }),
  };
  if (block.kind === 'table') {
    // Markdown table: header row(s) + |---| separator row form one atom, every other row is an atom
    let line = 0;
    let sep = -1;
    yield* eachLine(t, 0, (s, e) => {
      if (/^\s*(?:\|\s*)?:?-{2,}/.test(t.slice(s, e))) {
        sep = line;
        headerEnd = e;
        return false;
      }
      line++;
      return true;
    });
    if (sep > 0) {
      // repeated before the rows of every chunk the table continues in, when it leaves them room
      if ((yield* spanTokens(c, 0, headerEnd)) <= budget / 2) header = t.slice(0, headerEnd);
      yield* atomsOfSpan(c, 0, headerEnd, false);
    } else headerEnd = 0;
    yield* eachLine(t, headerEnd, function* (s, e) {
      yield* atomsOfSpan(c, s, e, false);
      return !sink.full;
    });
  } else if (block.kind === 'list-item' || block.kind === 'code') {
    yield* atomsOfSpan(c, 0, t.length, false);
  } else {
    yield* eachSentence(t, 0, t.length, (a, b) => atomsOfSpan(c, a, b, true));
  }
}

/** [s, e[ as one atom when it fits the budget (most spans: counted once), else cut (fitToBudget). */
function* atomsOfSpan(c: Cutting, s: number, e: number, sentence: boolean): Steps<void> {
  if (c.sink.full) return;
  const n = yield* spanTokens(c, s, e);
  if (n <= c.budget) c.emit(s, e, n);
  else yield* fitToBudget(c, s, e, sentence);
}

/**
 * Tokens of [s, e[, exact unless the span is long and known to be over the budget without counting it
 * whole: then more words than the budget (budget + 1 stands in), or a first MAX_CHARS_PER_TOKEN × budget
 * characters already over it (their count scaled to the span's length stands in).
 */
function* spanTokens(c: Cutting, s: number, e: number): Steps<number> {
  const head = c.budget * MAX_CHARS_PER_TOKEN;
  if (e - s > head) {
    // a tokenizer makes at least a token of each word: past the budget's words, no need to read further
    // (a span of 20 M characters, one word in every thousand, took 0.5 s to count whole)
    if (yield* moreWordsThan(c.t, s, e, c.budget)) return c.budget + 1;
    const n = c.tokens(c.t.slice(s, s + head));
    if (n > c.budget) return Math.ceil((n * (e - s)) / head);
  }
  return c.tokens(c.t.slice(s, e));
}

/**
 * Whether [s, e[ of t holds more than `limit` words (read only until it has), pausing every million
 * characters: a single 27 M-character word was read in one go, 0.23 s.
 */
function* moreWordsThan(t: string, s: number, e: number, limit: number): Steps<boolean> {
  let words = 0;
  let inWord = false;
  for (let i = s; i < e; i++) {
    if ((i - s) % STEP_CHARS === STEP_CHARS - 1) yield;
    const space = isSpace(t.charCodeAt(i));
    if (!space && !inWord && ++words > limit) return true;
    inWord = !space;
  }
  return false;
}

/**
 * Cuts [s, e[, over the budget, at sentence, then word boundaries (then inside an over-budget word) until
 * every piece fits. `sentence`: [s, e[ is already one sentence (sentenceSpans found no end inside it).
 */
function* fitToBudget(c: Cutting, s: number, e: number, sentence: boolean): Steps<void> {
  if (!sentence) {
    // cut at its sentences when it has more than one; the first waits until a second shows there are
    let first: [number, number] | null = null;
    let count = 0;
    yield* eachSentence(c.t, s, e, function* (a, b) {
      if (++count === 1) {
        first = [a, b];
        return;
      }
      if (first) {
        yield* atomsOfSpan(c, first[0], first[1], true);
        first = null;
      }
      yield* atomsOfSpan(c, a, b, true);
    });
    if (count > 1) return;
  }
  yield* packWords(c, s, e);
}

/**
 * One over-long sentence: its words packed up to the budget, found one at a time (an array of a long
 * sentence's matches was most of its chunking time, in garbage collection) and without an expression, which
 * could not pause inside a word of millions of characters.
 */
function* packWords(c: Cutting, s: number, e: number): Steps<void> {
  const { t, budget } = c;
  let start = -1;
  let end = -1;
  let used = 0;
  let words = 0;
  for (let i = s; ; ) {
    while (i < e && isSpace(t.charCodeAt(i))) if ((++i & 0xffff) === 0) yield;
    if (i >= e) break;
    const a = i;
    while (i < e && !isSpace(t.charCodeAt(i))) if ((++i & 0xffff) === 0) yield;
    const b = i;
    if (++words % STEP === 0) {
      if (c.sink.full) return;
      yield;
    }
    // a word of no more characters than the head is counted straight (spanTokens would too): most words
    const n = b - a > budget * MAX_CHARS_PER_TOKEN ? yield* spanTokens(c, a, b) : c.tokens(t.slice(a, b));
    if (n > budget) {
      // no chunk holds this "word" (a hash, base64, junk without a space): cut it where the budget says
      if (start !== -1) c.emit(start, end);
      start = -1;
      used = 0;
      yield* cutRun(c, a, b, n);
      continue;
    }
    if (start !== -1 && used + n > budget) {
      c.emit(start, end);
      start = -1;
      used = 0;
    }
    if (start === -1) start = a;
    end = b;
    used += n;
  }
  if (start !== -1) c.emit(start, end);
}

/**
 * Cuts [a, b[ (`n` tokens, over the budget; an estimate for a run too long to count whole, spanTokens) into
 * pieces of at most `budget` tokens, never inside a surrogate pair.
 */
function* cutRun(c: Cutting, a: number, b: number, n: number): Steps<void> {
  const { t, budget, tokens } = c;
  const step = Math.max(2, Math.floor(((b - a) * budget) / n));
  for (let s = a, pieces = 0; s < b; ) {
    if (++pieces % STEP === 0) {
      if (c.sink.full) return;
      yield;
    }
    let e = Math.min(b, s + step);
    while (e - s > 2 && tokens(t.slice(s, e)) > budget) e = s + Math.floor((e - s) * 0.9);
    if (e < b && /[\ud800-\udbff]/.test(t[e - 1]!)) e--;
    c.emit(s, e);
    s = e;
  }
}

/** JavaScript's white space (`\s`): what separates the words of an over-long sentence. */
export function isSpace(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** Each line of t from `from` on that holds more than white space, until `visit` returns false. */
function* eachLine(t: string, from: number, visit: (s: number, e: number) => boolean | Steps<boolean>): Steps<void> {
  for (let s = from, lines = 0; s <= t.length; lines++) {
    if (lines % STEP === STEP - 1) yield;
    let i = t.indexOf('\n', s);
    if (i < 0) i = t.length;
    if (t.slice(s, i).trim()) {
      const visited = visit(s, i);
      if (!(typeof visited === 'boolean' ? visited : yield* visited)) return;
    }
    s = i + 1;
  }
}

/**
 * Sentence spans: ends at . ! ? … followed by space and an upper-case letter, digit or quote, or
 * at a line break. French abbreviations ("art. L. 1234", "M. Dupont") may split a sentence; the
 * pieces are then simply packed together again.
 */
export function sentenceSpans(t: string): [number, number][] {
  const out: [number, number][] = [];
  runAtOnce(eachSentence(t, 0, t.length, (a, b) => void out.push([a, b])));
  return out;
}

/**
 * Each sentence of t's [from, to[, as offsets in t, handed to `visit`. The expression runs over windows of
 * about STEP_CHARS characters: one run over 27 M characters without a sentence end held the thread
 * 0.1 s. A window ends after a character that is neither white space nor the first half of a surrogate pair:
 * no sentence end (white space between its look-behind and its look-ahead) spans it, and the next window
 * starts one character early for its look-behind.
 */
function* eachSentence(t: string, from: number, to: number, visit: (a: number, b: number) => void | Steps<void>): Steps<void> {
  const part = from === 0 && to === t.length ? t : t.slice(from, to);
  const re = /(?<=[.!?…:;])\s+(?=[\p{Lu}\d«"(\-–•])|\n+/gu;
  let s = 0;
  let ends = 0;
  for (let w = 0; w < part.length; ) {
    let k = Math.min(part.length, w + STEP_CHARS);
    while (k < part.length && !safeWindowEnd(part, k)) k++;
    const origin = Math.max(0, w - 1);
    const window = origin === 0 && k === part.length ? part : part.slice(origin, k);
    re.lastIndex = w - origin;
    for (let m = re.exec(window); m; m = re.exec(window)) {
      if (++ends % STEP === 0) yield;
      const end = origin + m.index;
      if (part.slice(s, end).trim()) yield* visited(visit(...trimSpan(part, s, end, from)));
      s = end + m[0].length;
    }
    w = k;
    if (w < part.length) yield;
  }
  if (part.slice(s).trim()) yield* visited(visit(...trimSpan(part, s, part.length, from)));
}

/** Whether a window of the sentence expression may end before t[k] (eachSentence). */
function safeWindowEnd(t: string, k: number): boolean {
  const c = t.charCodeAt(k - 1);
  return !isSpace(c) && !(c >= 0xd800 && c <= 0xdbff);
}

/** A visitor's own steps, if it has any. */
function* visited(steps: void | Steps<void>): Steps<void> {
  if (steps) yield* steps;
}

/** [s, e[ of t without its surrounding white space, shifted by `origin`. */
function trimSpan(t: string, s: number, e: number, origin: number): [number, number] {
  while (s < e && isSpace(t.charCodeAt(s))) s++;
  while (e > s && isSpace(t.charCodeAt(e - 1))) e--;
  return [s + origin, e + origin];
}
