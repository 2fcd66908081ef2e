/**
 * Plain text and Markdown → normalised document. Markdown headings (ATX `#` and setext
 * underlines) open sections; lists, tables and fenced code stay whole blocks; paragraphs are
 * separated by blank lines. Plain text is paragraphs only.
 */
import type { Block, NormalisedDocument, Section } from '../document.js';

export interface TextInput {
  text: string;
  /** Document URL (file://… for local files). */
  url: string;
  /** Title when the text has none of its own (file name). */
  fallbackTitle?: string;
  lang?: string;
}

const clean = (s: string) => s.replace(/[ \t\u00a0]+/g, ' ').trim();

function paragraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => clean(p.replace(/(?<!\s)\s*\n\s*/g, ' ')))
    .filter(Boolean);
}

/** Plain text: title = fallback or first short line; blocks = paragraphs. */
export function extractText(input: TextInput): NormalisedDocument {
  const paras = paragraphs(input.text);
  let title = input.fallbackTitle;
  const firstLine = input.text.replace(/^\ufeff/, '').trimStart().split('\n', 1)[0]?.trim() ?? '';
  if (!title && firstLine && firstLine.length <= 150) title = firstLine;
  title ??= input.url;
  const sections: Section[] = paras.length
    ? [{ headingPath: [title], blocks: paras.map((p): Block => ({ text: p, kind: 'paragraph' })) }]
    : [];
  return { url: input.url, title, lang: input.lang ?? 'fr', sections, metadata: {}, format: 'text' };
}

const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM_START = /^(\s*)([-*+]|\d{1,9}[.)])[ \t]+/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
/** What a `.` of a regular expression does not match: such a line is no heading or list item. */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

// ATX headings and list items are read in steps rather than by one expression: written as one
// (`^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`), the spaces of a line could be shared out between
// its parts in every way before the match failed, and a 20,000-character line took minutes.

/** `# Title #`: level and text of an ATX heading line. */
function atxHeading(line: string): { level: number; text: string } | undefined {
  const open = /^ {0,3}(#{1,6})[ \t]+/.exec(line);
  if (!open) return undefined;
  const rest = line.slice(open[0].length);
  if (LINE_BREAK.test(rest)) return undefined;
  let end = trimEndSpaces(rest, rest.length);
  // an optional closing run of #, after a space
  let hashes = end;
  while (hashes > 0 && rest[hashes - 1] === '#') hashes--;
  if (hashes < end && hashes > 0 && (rest[hashes - 1] === ' ' || rest[hashes - 1] === '\t')) end = trimEndSpaces(rest, hashes);
  return { level: open[1]!.length, text: rest.slice(0, end) };
}

/** `- item`, `1. item`: indentation and text of a list item line. */
function listItem(line: string): { indent: string; text: string } | undefined {
  const open = LIST_ITEM_START.exec(line);
  if (!open) return undefined;
  const text = line.slice(open[0].length);
  return LINE_BREAK.test(text) ? undefined : { indent: open[1]!, text };
}

/** Where `s.slice(0, end)` ends once its trailing spaces and tabs are left out. */
function trimEndSpaces(s: string, end: number): number {
  while (end > 0 && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  return end;
}

/** Front matter (`---` YAML block at the top): only flat `key: value` pairs are read. */
function frontMatter(text: string): { meta: Record<string, string>; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!m) return { meta: {}, body: text };
  const meta: Record<string, string> = {};
  for (const line of m[1].split(/\r?\n/)) {
    const kv = /^([A-Za-z_][\w-]*)\s*:(.*)$/.exec(line);
    if (kv) meta[kv[1]] = kv[2].trim().replace(/^["']|["']$/g, '').trim();
  }
  return { meta, body: text.slice(m[0].length) };
}

/** Markdown: headings become heading paths; the first level-1 heading is the title. */
export function extractMarkdown(input: TextInput): NormalisedDocument {
  const { meta, body } = frontMatter(input.text.replace(/^\ufeff/, ''));
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const stack: (string | undefined)[] = [];
  const sections: Section[] = [];
  let current: Section = { headingPath: [], blocks: [] };
  sections.push(current);
  let title: string | undefined = meta.title;
  let para: string[] = [];

  const flush = () => {
    const t = clean(para.join(' '));
    para = [];
    if (t) current.blocks.push({ text: t, kind: 'paragraph' });
  };
  const heading = (level: number, text: string) => {
    flush();
    const t = clean(text.replace(/[*_`]+/g, ''));
    if (!t) return;
    if (level === 1 && !title) title = t;
    stack[level - 1] = t;
    stack.length = level;
    const path = stack.filter((s): s is string => !!s);
    if (current.blocks.length === 0) current.headingPath = path;
    else {
      current = { headingPath: path, blocks: [] };
      sections.push(current);
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      let j = i + 1;
      while (j < lines.length && !lines[j].trimStart().startsWith(fence[1])) code.push(lines[j++]);
      current.blocks.push({ text: code.join('\n'), kind: 'code' });
      i = j;
      continue;
    }
    const atx = atxHeading(line);
    if (atx) {
      heading(atx.level, atx.text);
      continue;
    }
    // Setext: a paragraph line followed by === (h1) or --- (h2).
    const next = lines[i + 1];
    if (para.length === 0 && line.trim() && next !== undefined && SETEXT.test(next) && !listItem(line)) {
      heading(next.trim().startsWith('=') ? 1 : 2, line);
      i++;
      continue;
    }
    if (TABLE_ROW.test(line)) {
      flush();
      const rows: string[] = [];
      let j = i;
      while (j < lines.length && TABLE_ROW.test(lines[j])) rows.push(lines[j++].trim());
      current.blocks.push({ text: rows.join('\n'), kind: 'table' });
      i = j - 1;
      continue;
    }
    const li = listItem(line);
    if (li) {
      flush();
      // Continuation lines (indented, not a new item) belong to the item.
      let text = li.text;
      while (i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1]) && !listItem(lines[i + 1])) text += ' ' + lines[++i].trim();
      const depth = Math.floor(li.indent.replace(/\t/g, '  ').length / 2);
      const t = clean(text);
      if (t) current.blocks.push({ text: `${'  '.repeat(depth)}- ${t}`, kind: 'list-item' });
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    if (/^ {0,3}([-*_])( *\1){2,} *$/.test(line)) {
      flush();
      continue;
    }
    para.push(line.replace(/^\s*>\s?/, ''));
  }
  flush();

  title ??= input.fallbackTitle ?? input.url;
  // Sections before the first heading sit under the title, like the rest of the document.
  for (const s of sections) if (s.headingPath.length === 0 || s.headingPath[0] !== title) s.headingPath = [title, ...s.headingPath].filter((v, k, a) => k === 0 || v !== a[k - 1]);
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (k !== 'title') metadata[k] = v;
  const doc: NormalisedDocument = {
    url: input.url,
    title,
    lang: meta.lang ?? input.lang ?? 'fr',
    sections: sections.filter((s) => s.blocks.length > 0),
    metadata,
    format: 'markdown',
  };
  if (meta.description) doc.description = meta.description;
  return doc;
}
