/**
 * Synonym lists in the Solr/Elasticsearch syntax admins already know (the `synonym` filters' files):
 * - `cse, comité social et économique`: equivalent terms, each searched as any of them;
 * - `cse, ce => comité social et économique`: explicit mapping, the left terms are searched as the right ones;
 * - `#` starts a comment (whole line or end of line), blank lines are ignored, `\,` `\#` `\=` escape.
 * Terms may hold several words; they are matched on the index's analysed words (search/synonyms/synonym-expansion.ts),
 * so case, accents, plural and stop words do not matter. Parsing never stops at the first bad line: every
 * error is reported with its line number, so an admin fixes a pasted file in one go.
 */

export interface SynonymRule {
  /** 1-based line of the list. */
  line: number;
  /** Equivalence lines: every term; mappings: the left terms. */
  from: string[];
  /** Mappings only: what the left terms are searched as. Null for equivalence lines. */
  to: string[] | null;
}

export interface SynonymLineError {
  line: number;
  message: string;
}

export interface ParsedSynonyms {
  rules: SynonymRule[];
  errors: SynonymLineError[];
}

/** Longest term accepted: a synonym is a word or a name, not a paragraph. */
export const MAX_TERM_CHARS = 200;
/** Most terms on one line (each one searched as a group of the query). */
export const MAX_TERMS_PER_LINE = 50;
/** Most rules of one list. */
export const MAX_RULES = 5000;

const ARROW = '=>';
const BACKSLASH = 0x5c;

/**
 * Splits on an unescaped separator, keeping escapes for the next step. Parts are sliced, not built a
 * character at a time: a 1 MB line (the largest body the route reads) took 0.2–0.4 s that way, 2 s on a
 * busy machine, with the engine's event loop held.
 */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  const first = separator.charCodeAt(0);
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // an escape keeps the character after it, whatever it is
    if (c === BACKSLASH) i++;
    else if (c === first && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      i += separator.length - 1;
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '#') return line.slice(0, i);
  }
  return line;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

function terms(side: string, where: string, lineNo: number, errors: SynonymLineError[]): string[] | null {
  const out: string[] = [];
  // by their lower case: a line of 60,000 terms took 45 s to refuse when each was compared with every other
  const seen = new Set<string>();
  for (const raw of splitUnescaped(side, ',')) {
    const term = unescape(raw).replace(/\s+/g, ' ').trim();
    if (!term) {
      errors.push({ line: lineNo, message: `empty term ${where} (two commas in a row, or a comma at an end)` });
      return null;
    }
    if (term.length > MAX_TERM_CHARS) {
      errors.push({ line: lineNo, message: `term longer than ${MAX_TERM_CHARS} characters: "${term.slice(0, 40)}…"` });
      return null;
    }
    if (!/[\p{L}\p{N}]/u.test(term)) {
      errors.push({ line: lineNo, message: `term "${term}" has no letter or digit: nothing to search` });
      return null;
    }
    const key = term.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      // one past the limit says the line has too many: the rest need not be read
      if (out.push(term) > MAX_TERMS_PER_LINE) break;
    }
  }
  return out;
}

export function parseSynonyms(text: string): ParsedSynonyms {
  const rules: SynonymRule[] = [];
  const errors: SynonymLineError[] = [];
  text.split(/\r\n|\n|\r/).forEach((rawLine, i) => {
    const lineNo = i + 1;
    const line = stripComment(rawLine).trim();
    if (!line) return;
    const sides = splitUnescaped(line, ARROW);
    if (sides.length > 2) {
      errors.push({ line: lineNo, message: `more than one "${ARROW}": write one mapping per line` });
      return;
    }
    if (sides.length === 2) {
      if (!sides[0]!.trim() || !sides[1]!.trim()) {
        errors.push({ line: lineNo, message: `"${ARROW}" needs terms on both sides: "a, b => c"` });
        return;
      }
      const from = terms(sides[0]!, `before "${ARROW}"`, lineNo, errors);
      const to = from && terms(sides[1]!, `after "${ARROW}"`, lineNo, errors);
      if (!from || !to) return;
      if (from.length + to.length > MAX_TERMS_PER_LINE) {
        errors.push({ line: lineNo, message: `more than ${MAX_TERMS_PER_LINE} terms on one line` });
        return;
      }
      rules.push({ line: lineNo, from, to });
      return;
    }
    const all = terms(line, 'in the list', lineNo, errors);
    if (!all) return;
    if (all.length < 2) {
      errors.push({ line: lineNo, message: `"${all[0]}" alone: an equivalence needs at least two terms ("a, b"), a mapping "a => b"` });
      return;
    }
    if (all.length > MAX_TERMS_PER_LINE) {
      errors.push({ line: lineNo, message: `more than ${MAX_TERMS_PER_LINE} terms on one line` });
      return;
    }
    rules.push({ line: lineNo, from: all, to: null });
  });
  if (rules.length > MAX_RULES) errors.push({ line: rules[MAX_RULES]!.line, message: `more than ${MAX_RULES} rules in one list: split it` });
  return { rules, errors };
}
