/**
 * What the extractive answerer may quote from one passage, each unit meaningful on its own:
 * a sentence; a lead-in with the list or table it announces; the rows of a table that hold the
 * question's terms, under the table's header (and caption). A lead-in whose list is not in the
 * passage is never a unit, nor is navigation or a form title. Lists and tables are bounded: when
 * longer than the bound, the items or rows scoring best for the question are kept, in their
 * order, and a "[…]" line marks what was left out. Pure.
 */
import { isPageFurniture } from './page-furniture.js';
import { isLeadIn, isTitleLike, tableCells, type ListBlock, type PassageBlock, type TableBlock } from './passage-blocks.js';

export interface SentenceUnit {
  kind: 'sentence';
  text: string;
  start: number;
}

export interface ListUnit {
  kind: 'list';
  leadIn: string;
  /** Item lines verbatim, "[…]" lines where items were left out. */
  items: string[];
  start: number;
}

export interface TableUnit {
  kind: 'table';
  /** The sentence announcing the table, or its caption. */
  leadIn?: string;
  header: string;
  separator: string;
  /** Row lines verbatim, "| […] |" rows where rows were left out. */
  rows: string[];
  start: number;
}

export type QuoteUnit = SentenceUnit | ListUnit | TableUnit;

export interface UnitLimits {
  /** Items of a quoted list, rows of a quoted table, at most. */
  maxItems: number;
}

/** Scores a line (item, row) for the question: 0 when it holds none of the question's terms. */
export type LineScore = (line: string) => number;

export const OMITTED = '[…]';

/**
 * Whether a sentence may be quoted on its own: a statement, not a heading, a lead-in, a question
 * (a page's own « Quels sont les cas de recours ? » asks, it does not answer) or page furniture.
 */
export function quotable(text: string): boolean {
  const words = text.split(/\s+/).length;
  if (words < 4 || isLeadIn(text)) return false;
  if (/\?\s*(?:["»”)]\s*)?$/.test(text)) return false;
  if (/^\s*\|/.test(text) || /^#{1,6}\s/.test(text)) return false;
  if (isPageFurniture(text)) return false;
  const ended = /[.!?…»)"]\s*$/.test(text);
  return ended || words >= 12;
}

/** The units of a passage (`blocks` parsed from `text` by parsePassage), in passage order. */
export function quoteUnits(text: string, blocks: PassageBlock[], score: LineScore, limits: UnitLimits): QuoteUnit[] {
  const units: QuoteUnit[] = [];
  const announced = new Set<PassageBlock>();
  blocks.forEach((block, b) => {
    if (block.kind === 'paragraph') {
      block.sentences.forEach((s, k) => {
        if (isLeadIn(s.text)) {
          if (k !== block.sentences.length - 1 || isPageFurniture(s.text)) return;
          const target = announcedBlock(blocks, b);
          if (!target) return; // a lead-in without its list says nothing
          announced.add(target);
          const unit = target.kind === 'list' ? listUnit(s.text, s.start, target, score, limits) : tableUnit(s.text, s.start, target, score, limits, true);
          if (unit) units.push(unit);
          return;
        }
        if (quotable(s.text)) units.push({ kind: 'sentence', text: s.text, start: s.start });
      });
      return;
    }
    if (announced.has(block)) return;
    if (block.kind === 'table') {
      const caption = captionOf(blocks, b);
      const unit = tableUnit(caption?.text, caption?.start ?? block.start, block, score, limits, false);
      if (unit) units.push(unit);
      return;
    }
    // A list without its lead-in (cut off by the chunk's start, or after a heading): only its
    // items that are statements of their own.
    for (const item of block.items) {
      const bare = item.replace(/^\s*(?:[-*•]|\d{1,2}[.)])\s+/, '');
      if (quotable(bare)) units.push({ kind: 'sentence', text: bare, start: block.start + Math.max(0, text.slice(block.start).indexOf(item)) });
    }
  });
  return units;
}

/** The list or table a paragraph's last sentence announces: the next block, past a table caption. */
function announcedBlock(blocks: PassageBlock[], b: number): ListBlock | TableBlock | undefined {
  const next = blocks[b + 1];
  if (!next) return undefined;
  if (next.kind === 'list' || next.kind === 'table') return next;
  const after = blocks[b + 2];
  if (after?.kind === 'table' && next.sentences.length === 1 && isTitleLike(next.sentences[0]!.text)) return after;
  return undefined;
}

/** A table's title: the one-line, title-like paragraph just before it. */
function captionOf(blocks: PassageBlock[], b: number): { text: string; start: number } | undefined {
  const prev = blocks[b - 1];
  if (prev?.kind !== 'paragraph' || prev.sentences.length !== 1) return undefined;
  const only = prev.sentences[0]!;
  return isTitleLike(only.text) && !isPageFurniture(only.text) ? only : undefined;
}

/**
 * The lines to keep when there are more than `max`: the best-scoring ones (ties: the first), in
 * their order, with an omission line wherever lines were left out.
 */
function keepBest(lines: string[], score: LineScore, max: number, omission: string, only?: (i: number) => boolean): string[] {
  const candidates = lines.map((line, i) => ({ line, i, s: score(line) })).filter((c) => !only || only(c.i));
  const kept = candidates.length <= max ? candidates : [...candidates].sort((a, b) => b.s - a.s || a.i - b.i).slice(0, max);
  const keep = new Set(kept.map((c) => c.i));
  const out: string[] = [];
  let gap = false;
  lines.forEach((line, i) => {
    if (keep.has(i)) {
      if (gap) out.push(omission);
      out.push(line);
      gap = false;
    } else gap = true;
  });
  if (gap && out.length) out.push(omission);
  return out;
}

function listUnit(leadIn: string, start: number, list: ListBlock, score: LineScore, limits: UnitLimits): ListUnit | undefined {
  // A list of links or forms ("Voir aussi", pointers to forms) is navigation, whatever announced it.
  const furniture = list.items.filter((i) => isPageFurniture(i)).length;
  if (furniture * 2 >= list.items.length) return undefined;
  const indent = /^\s*/.exec(list.items[0]!)![0];
  const items = keepBest(list.items, score, limits.maxItems, `${indent}- ${OMITTED}`, (i) => !isPageFurniture(list.items[i]!));
  return { kind: 'list', leadIn, items, start };
}

function tableUnit(
  leadIn: string | undefined,
  start: number,
  table: TableBlock,
  score: LineScore,
  limits: UnitLimits,
  announced: boolean,
): TableUnit | undefined {
  if (table.rows.length === 0) return undefined;
  const omission = omissionRow(table.header);
  // A row answers by what it adds to the header: in "| Nombre d'enfants | Plafond |", every row
  // says "enfants", only one says "3".
  const headerScore = score(table.header);
  const rowScore: LineScore = (r) => score(`${table.header}\n${r}`) - headerScore;
  const matching = table.rows.map((r, i) => ({ r, i })).filter(({ r }) => rowScore(r) > 0);
  let rows: string[];
  if (matching.length > 0 && (!announced || table.rows.length > limits.maxItems)) {
    // The rows that hold the question's terms, under the header.
    // An excerpt of an announced table marks its gaps; rows picked from a table nobody announced
    // read as what they are, a few rows under their header.
    const only = new Set(matching.map((m) => m.i));
    rows = keepBest(table.rows, rowScore, limits.maxItems, announced ? omission : '', (i) => only.has(i)).filter(Boolean);
  } else if (announced || score(`${leadIn ?? ''} ${table.header}`) > 0) {
    // No row names the question's terms but the table is about them (its header, caption or
    // lead-in does): its first rows.
    rows = keepBest(table.rows, () => 0, limits.maxItems, omission);
  } else return undefined;
  return { kind: 'table', leadIn, header: table.header, separator: table.separator, rows, start };
}

function omissionRow(header: string): string {
  return `|${` ${OMITTED} |`.repeat(Math.max(1, tableCells(header).length))}`;
}

/** The unit's source lines, as they appear in the passage (for comparing and containment). */
export function unitLines(unit: QuoteUnit): string[] {
  if (unit.kind === 'sentence') return [unit.text];
  if (unit.kind === 'list') return [unit.leadIn, ...unit.items];
  return [...(unit.leadIn ? [unit.leadIn] : []), unit.header, ...unit.rows];
}

/** How many items or rows a unit quotes (omission lines excluded). */
export function unitItems(unit: QuoteUnit): string[] {
  if (unit.kind === 'sentence') return [];
  const lines = unit.kind === 'list' ? unit.items : unit.rows;
  return lines.filter((l) => !l.includes(OMITTED));
}

/** The same unit with one item or row fewer (the lowest-scoring one), or undefined at one. */
export function shrinkUnit(unit: QuoteUnit, score: LineScore): QuoteUnit | undefined {
  if (unit.kind === 'sentence') return undefined;
  const lines = unit.kind === 'list' ? unit.items : unit.rows;
  const real = lines.map((l, i) => ({ l, i })).filter(({ l }) => !l.includes(OMITTED));
  if (real.length <= 1) return undefined;
  const drop = [...real].sort((a, b) => score(a.l) - score(b.l) || b.i - a.i)[0]!.i;
  const omission = unit.kind === 'list' ? `${/^\s*/.exec(lines[0]!)![0]}- ${OMITTED}` : omissionRow(unit.header);
  const next: string[] = [];
  lines.forEach((l, i) => {
    const out = i === drop ? omission : l;
    // Adjacent omission lines fold into one.
    if (out.includes(OMITTED) && next.at(-1)?.includes(OMITTED)) return;
    next.push(out);
  });
  return unit.kind === 'list' ? { ...unit, items: next } : { ...unit, rows: next };
}
