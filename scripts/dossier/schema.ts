/**
 * The database schema as the migrations define it: tables, their columns and the comments written
 * above them. Only what the dossier needs (CREATE TABLE, ALTER TABLE … ADD COLUMN, DROP TABLE), read
 * from the plain SQL files in order, so the data-flow description follows the migrations exactly.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SchemaColumn {
  name: string;
  type: string;
  comment?: string;
  /** Migration that added it. */
  migration: string;
}
export interface SchemaTable {
  name: string;
  comment?: string;
  migration: string;
  columns: SchemaColumn[];
  /** Tables this one references (foreign keys), with the ON DELETE action when declared. */
  references: Array<{ column: string; table: string; onDelete?: string }>;
}

const IDENT = '[a-z_][a-z0-9_]*';

function stripStrings(line: string): string {
  return line.replace(/'(?:[^']|'')*'/g, "''");
}

/** Comment lines right above position `i` of `lines` (joined), stopping at a blank or SQL line. */
function commentAbove(lines: string[], i: number): string | undefined {
  const out: string[] = [];
  for (let j = i - 1; j >= 0; j--) {
    const m = /^\s*--\s?(.*)$/.exec(lines[j]!);
    if (!m) break;
    out.unshift(m[1]!.trim());
  }
  return out.length ? out.join(' ') : undefined;
}

function parseColumn(line: string, lines: string[], i: number, migration: string, table: SchemaTable): void {
  const body = stripStrings(line).replace(/--.*$/, '').trim().replace(/,$/, '');
  const m = new RegExp(`^(${IDENT})\\s+(.+)$`, 'i').exec(body);
  if (!m) return;
  const name = m[1]!.toLowerCase();
  if (['primary', 'unique', 'constraint', 'foreign', 'check', 'exclude'].includes(name)) return;
  const rest = m[2]!;
  const type = /^([a-z]+(?:\s+precision|\s+varying)?(?:\([^)]*\))?(?:\[\])?)/i.exec(rest)?.[1] ?? rest.split(/\s+/)[0]!;
  const trailing = /--\s?(.*)$/.exec(line)?.[1]?.trim();
  table.columns.push({ name, type, comment: commentAbove(lines, i) ?? trailing, migration });
  const ref = new RegExp(`REFERENCES\\s+(${IDENT})(?:\\s*\\([^)]*\\))?(?:\\s+ON\\s+DELETE\\s+(CASCADE|SET NULL|RESTRICT|NO ACTION|SET DEFAULT))?`, 'i').exec(rest);
  if (ref) table.references.push({ column: name, table: ref[1]!.toLowerCase(), onDelete: ref[2]?.toUpperCase() });
}

export function parseMigrations(dir: string): { tables: Map<string, SchemaTable>; migrations: string[] } {
  const files = fs.readdirSync(dir).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const tables = new Map<string, SchemaTable>();
  for (const file of files) {
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    let current: SchemaTable | undefined;
    let depth = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const code = stripStrings(line).replace(/--.*$/, '');
      if (!current) {
        const create = new RegExp(`^\\s*CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(${IDENT})\\s*\\(`, 'i').exec(code);
        if (create) {
          current = { name: create[1]!.toLowerCase(), comment: commentAbove(lines, i), migration: file, columns: [], references: [] };
          tables.set(current.name, current);
          depth = 1;
          continue;
        }
        const add = new RegExp(`^\\s*ALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(${IDENT})\\s+ADD\\s+COLUMN\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(.+)$`, 'i').exec(code);
        if (add && tables.has(add[1]!.toLowerCase())) {
          const t = tables.get(add[1]!.toLowerCase())!;
          const before = t.columns.length;
          parseColumn(add[2]!.replace(/;\s*$/, ''), lines, i, file, t);
          if (t.columns.length > before && !t.columns.at(-1)!.comment) t.columns.at(-1)!.comment = /--\s?(.*)$/.exec(line)?.[1]?.trim();
          continue;
        }
        const drop = new RegExp(`^\\s*DROP\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(${IDENT})`, 'i').exec(code);
        if (drop) tables.delete(drop[1]!.toLowerCase());
        const dropCol = new RegExp(`^\\s*ALTER\\s+TABLE\\s+(${IDENT})\\s+DROP\\s+COLUMN\\s+(?:IF\\s+EXISTS\\s+)?(${IDENT})`, 'i').exec(code);
        if (dropCol) {
          const t = tables.get(dropCol[1]!.toLowerCase());
          if (t) t.columns = t.columns.filter((c) => c.name !== dropCol[2]!.toLowerCase());
        }
        continue;
      }
      // inside CREATE TABLE: a column starts at depth 1; multi-line column definitions are rare here
      if (depth === 1 && code.trim() && !/^\s*\)/.test(code)) parseColumn(line, lines, i, file, current);
      for (const ch of code) {
        if (ch === '(') depth++;
        else if (ch === ')') depth--;
      }
      if (depth <= 0) current = undefined;
    }
  }
  return { tables, migrations: files };
}
