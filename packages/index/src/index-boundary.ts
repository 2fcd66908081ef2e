/**
 * The index store's boundary, as a check: finds SQL that writes the index's tables (documents, chunks,
 * vector_backlog, postings_backlog, search_terms, search_postings, document_originals) in source files
 * outside packages/index/src. Such a write would bypass what the store keeps right (chunk_count, the
 * backlogs, the model record, the retry policy), and tests seeding that way would not exercise the real write path.
 *
 * Text matching, not parsing: any INSERT INTO / UPDATE / DELETE FROM / TRUNCATE / COPY / MERGE INTO naming
 * one of the tables counts (case-insensitive, across line breaks, upserts included since they start with
 * INSERT), except in comments. A string that only looks like a write (an SQL-injection probe a test sends
 * to the API) is let through by `index-boundary: not a write` on its line or the line above.
 */
import fs from 'node:fs';
import path from 'node:path';

export const INDEX_TABLES = ['documents', 'chunks', 'vector_backlog', 'postings_backlog', 'search_terms', 'search_postings', 'document_originals'] as const;

const TABLE = `(?:public\\.)?"?(?:${INDEX_TABLES.join('|')})\\b"?`;
const WRITE = new RegExp(
  [
    `\\binsert\\s+into\\s+${TABLE}`,
    `\\bupdate\\s+(?:only\\s+)?${TABLE}`,
    `\\bdelete\\s+from\\s+(?:only\\s+)?${TABLE}`,
    // every table of the list counts: TRUNCATE a, chunks
    `\\btruncate\\s+(?:table\\s+)?(?:only\\s+)?(?:[\\w."]+\\s*,\\s*)*${TABLE}`,
    `\\bcopy\\s+${TABLE}`,
    `\\bmerge\\s+into\\s+${TABLE}`,
  ].join('|'),
  'gi',
);
const ALLOW = 'index-boundary: not a write';

export interface Offence {
  file: string;
  line: number;
  statement: string;
}

/** Blanks out comments (keeping line breaks, so lines still count right). */
function withoutComments(source: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return source
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .split('\n')
    .map((l) => (/^\s*\/\//.test(l) ? blank(l) : l))
    .join('\n');
}

/** Writes of the index's tables in one file's text. */
export function findIndexWrites(file: string, source: string): Offence[] {
  const lines = source.split('\n');
  const scanned = withoutComments(source);
  const out: Offence[] = [];
  for (const m of scanned.matchAll(WRITE)) {
    const line = scanned.slice(0, m.index).split('\n').length;
    if (lines[line - 1]?.includes(ALLOW) || lines[line - 2]?.includes(ALLOW)) continue;
    out.push({ file, line, statement: m[0].replace(/\s+/g, ' ') });
  }
  return out;
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'migrations', '.git']);

/** Every .ts/.tsx file under `dirs` (relative to `root`), node_modules, migrations and `except` left out. */
export function sourceFiles(root: string, dirs: string[], except: string[]): string[] {
  const out: string[] = [];
  const excluded = except.map((e) => path.resolve(root, e));
  const walk = (dir: string) => {
    if (excluded.includes(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push(full);
      }
    }
  };
  for (const d of dirs) {
    const full = path.resolve(root, d);
    if (fs.existsSync(full)) walk(full);
  }
  return out.sort();
}
