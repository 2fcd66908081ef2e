/**
 * A passage's text as the chunker leaves it (packages/ingestion/src/chunker/chunker.ts): the section's blocks
 * joined by blank lines, list items as `- item` (one block each), tables as Markdown rows
 * (`| a | b |`, header, `| --- |` separator), a table's title on the line before it. The extractive
 * answerer needs that structure back: a sentence announcing a list means nothing without the list,
 * and a table row means nothing without its header. Pure.
 */
import { isPageFurniture } from './page-furniture.js';
import { splitSentences } from './sentences.js';
import { fold } from '@cite/core/text/fold.js';

export interface Paragraph {
  kind: 'paragraph';
  /** Offset of the paragraph in the passage. */
  start: number;
  sentences: Array<{ text: string; start: number }>;
}

export interface ListBlock {
  kind: 'list';
  start: number;
  /** Item lines verbatim, bullet and indentation included. */
  items: string[];
}

export interface TableBlock {
  kind: 'table';
  start: number;
  /** The header row, verbatim. */
  header: string;
  /** The separator row as written, or one made for the header when the passage had none. */
  separator: string;
  rows: string[];
}

export type PassageBlock = Paragraph | ListBlock | TableBlock;

// « 1° », « 2° »: how the codes number the items of an article's list (« Les sanctions … sont : 1° Le blâme ; … »)
const LIST_ITEM = /^\s*(?:[-*•]|\d{1,2}[.)°])\s+\S/;
const TABLE_ROW = /^\s*\|/;
const TABLE_SEPARATOR = /^\s*(?:\|\s*)?:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*(?:\|\s*)?$/;

/** Cells of a Markdown table row (escaped pipes stay inside their cell). */
export function tableCells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

export function parsePassage(text: string): PassageBlock[] {
  const lines: Array<{ text: string; start: number }> = [];
  let at = 0;
  for (const line of text.split('\n')) {
    lines.push({ text: line, start: at });
    at += line.length + 1;
  }
  const blocks: PassageBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.text.trim()) {
      i++;
      continue;
    }
    if (TABLE_ROW.test(line.text)) {
      const rowLines: string[] = [];
      while (i < lines.length && TABLE_ROW.test(lines[i]!.text)) rowLines.push(lines[i++]!.text.trim());
      blocks.push(tableBlock(line.start, rowLines));
      continue;
    }
    if (LIST_ITEM.test(line.text)) {
      // Each item is a block of its own in the chunker's text, so blank lines do not end a list.
      const items: string[] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        if (LIST_ITEM.test(l.text)) items.push(l.text.trimEnd());
        else if (l.text.trim()) break;
        i++;
      }
      blocks.push({ kind: 'list', start: line.start, items });
      continue;
    }
    // A paragraph: its lines up to a blank line, a list or a table. Navigation and form-title lines
    // stand alone, so that they cannot run into the sentence of the next line.
    const start = line.start;
    let end = line.start + line.text.length;
    i++;
    if (!isPageFurniture(line.text)) {
      while (i < lines.length) {
        const l = lines[i]!;
        if (!l.text.trim() || TABLE_ROW.test(l.text) || LIST_ITEM.test(l.text) || isPageFurniture(l.text)) break;
        end = l.start + l.text.length;
        i++;
      }
    }
    const body = text.slice(start, end);
    blocks.push({ kind: 'paragraph', start, sentences: splitSentences(body).map((s) => ({ text: s.text, start: start + s.start })) });
  }
  return blocks;
}

function tableBlock(start: number, rowLines: string[]): TableBlock {
  const sepAt = rowLines.findIndex((r) => TABLE_SEPARATOR.test(r));
  // The chunker repeats the header (and separator) of a table continued from the previous chunk.
  if (sepAt > 0) {
    return { kind: 'table', start, header: rowLines[sepAt - 1]!, separator: rowLines[sepAt]!, rows: rowLines.slice(sepAt + 1).filter((r) => !TABLE_SEPARATOR.test(r)) };
  }
  const rows = rowLines.filter((r) => !TABLE_SEPARATOR.test(r));
  const header = rows[0] ?? '';
  return { kind: 'table', start, header, separator: `|${' --- |'.repeat(Math.max(1, tableCells(header).length))}`, rows: rows.slice(1) };
}

/** Nouns after which "suivant" is about time ("le mois suivant"), not an announced list. */
const TIME_NOUNS = new Set([
  'jour', 'jours', 'mois', 'an', 'ans', 'annee', 'annees', 'semaine', 'semaines', 'trimestre', 'semestre', 'exercice',
  'lendemain', 'rentree', 'periode', 'echeance', 'anniversaire',
]);
/** Words after which "suivant" means "according to" ("suivant votre situation"). */
const AFTER_PREPOSITION = new Set(['votre', 'vos', 'sa', 'son', 'ses', 'leur', 'leurs', 'la', 'le', 'les', "l'", 'un', 'une', 'que', "qu'", 'ce', 'cette', 'ces', 'mon', 'ma', 'mes', 'notre', 'nos']);

/**
 * A sentence that only announces what follows: it ends with a colon, or it points at a list or
 * table ("selon le tableau suivant", "les conditions suivantes", "ci-dessous", "comme suit"), outside
 * parentheses.
 */
export function isLeadIn(sentence: string): boolean {
  const s = sentence.trim();
  if (/:\s*(?:[»"”)]\s*)?$/.test(s)) return true;
  // an aside pointing further down the page (« (voir ci-dessous) ») announces nothing of its own
  const f = fold(s.replace(/\([^()]*\)/g, ' '));
  if (/\bci-(?:dessous|apres)\b|\bcomme suit\b|\bvoici\b|\bthe following\b|\bas follows\b|\bbelow\s*[.:]?$/.test(f)) return true;
  for (const m of f.matchAll(/([a-z'-]+)\s+suivant(?:e|s|es)?\b(?:\s+([a-z']+))?/g)) {
    const before = m[1]!.replace(/^[a-z]'/, '');
    if (TIME_NOUNS.has(before)) continue;
    if (m[2] && AFTER_PREPOSITION.has(m[2])) continue;
    return true;
  }
  return false;
}

/** A title-like line: no closing punctuation, a few words (a table's caption, a heading). */
export function isTitleLike(text: string): boolean {
  const t = text.trim();
  return !/[.!?…:;]["»”)]?$/.test(t) && t.split(/\s+/).length <= 15;
}
