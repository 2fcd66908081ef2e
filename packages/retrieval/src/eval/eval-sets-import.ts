/**
 * Parses evaluation sets from JSONL, one question per line, in the formats of the bench query sets:
 * `{"id","query","variants","gold":[{"url","grade"}]}` (cdtn-dev) and `{"id","question","answer","gold"}`
 * (spf-qa-dev), plus the export format of Cité itself (`phrasings`, `expected_answer`). Every line
 * is validated on its own so a file with mistakes gets every mistake reported with its line number.
 * Pure: no database.
 */
import crypto from 'node:crypto';
import { findControlCharacter } from '@cite/core/http/control-characters.js';
import { z } from 'zod';

export interface GoldSource {
  url: string;
  /** 1..3, 3 = most relevant (gain 2^grade − 1); 0 = judged not relevant. */
  grade: number;
}

export interface EvalItemInput {
  external_id: string;
  question: string;
  phrasings: string[];
  gold: GoldSource[];
  expected_answer: string | null;
}

export interface ImportLineError {
  line: number;
  id?: string;
  message: string;
}

export interface ParsedEvalFile {
  items: EvalItemInput[];
  errors: ImportLineError[];
  /** Lines that held something (blank lines are ignored). */
  lines: number;
  /** sha256 of the text, to recognise a file imported before. */
  hash: string;
}

export const MAX_LINE_CHARS = 200_000;
export const MAX_PHRASINGS = 200;
export const MAX_GOLD = 200;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const goldSchema = z.object({
  url: z
    .string()
    .trim()
    .max(4000)
    .refine((u) => {
      try {
        const p = new URL(u);
        return p.protocol === 'http:' || p.protocol === 'https:';
      } catch {
        return false;
      }
    }, 'must be an http(s) URL'),
  grade: z.number().int('must be a whole number').min(0).max(3).default(1),
});

/** Accepts the field names of each known format; normalised by `toItem`. */
export const evalLineSchema = z
  .object({
    id: z.union([text(200), z.number().int().transform(String)]).optional(),
    query: text(10_000).optional(),
    question: text(10_000).optional(),
    variants: z.array(text(10_000)).max(MAX_PHRASINGS).optional(),
    phrasings: z.array(text(10_000)).max(MAX_PHRASINGS).optional(),
    gold: z.array(goldSchema).max(MAX_GOLD).default([]),
    answer: z.string().trim().max(50_000).nullable().optional(),
    expected_answer: z.string().trim().max(50_000).nullable().optional(),
  })
  .passthrough()
  .superRefine((v, ctx) => {
    if (!v.query && !v.question) ctx.addIssue({ code: 'custom', path: ['question'], message: 'a "question" (or "query") is required' });
    if (v.query && v.question && v.query !== v.question)
      ctx.addIssue({ code: 'custom', path: ['query'], message: '"query" and "question" disagree: give one of them' });
    const expected = v.expected_answer ?? v.answer;
    if (v.gold.length === 0 && !expected)
      ctx.addIssue({ code: 'custom', path: ['gold'], message: 'needs gold sources or an expected answer, otherwise nothing can be measured' });
    const seen = new Set<string>();
    v.gold.forEach((g, i) => {
      const key = canonicalUrl(g.url);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['gold', i, 'url'], message: `duplicate gold URL ${g.url}` });
      seen.add(key);
    });
  });

/**
 * The URL comparison rule of the bench: case-insensitive scheme and host, no fragment, no trailing
 * slash. Used to detect duplicate gold entries at import time.
 */
export function canonicalUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    u.hash = '';
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return url.trim();
  }
}

function toItem(v: z.infer<typeof evalLineSchema>, line: number): EvalItemInput {
  const question = (v.question ?? v.query)!;
  const phrasings = [...new Set([...(v.phrasings ?? []), ...(v.variants ?? [])])].filter((p) => p !== question);
  return {
    external_id: v.id ?? `line-${line}`,
    question,
    phrasings,
    gold: v.gold.map((g) => ({ url: g.url, grade: g.grade })),
    expected_answer: v.expected_answer ?? v.answer ?? null,
  };
}

function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}

/**
 * The lines of a file that hold something, numbered from 1, in the order of the file: lines end at `\n`
 * (a `\r` before it dropped), a leading byte order mark is not part of the first. Blank lines are skipped
 * without being copied or listed: a 50 MB file of blank lines costs no array of 50 million strings.
 */
function* filledLines(content: string): Generator<{ line: number; raw: string }> {
  const visible = /\S/g;
  let start = content.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  for (;;) {
    visible.lastIndex = start;
    const found = visible.exec(content);
    if (!found) return;
    // the lines passed over to reach it are blank
    for (let nl = content.indexOf('\n', start); nl !== -1 && nl < found.index; nl = content.indexOf('\n', start)) {
      line++;
      start = nl + 1;
    }
    const end = content.indexOf('\n', found.index);
    if (end === -1) {
      yield { line, raw: content.slice(start) };
      return;
    }
    yield { line, raw: content.slice(start, content.charCodeAt(end - 1) === 13 ? end - 1 : end) };
    start = end + 1;
    line++;
  }
}

/**
 * The questions a file holds: its lines that hold something, valid or not (`lines` of `parseEvalJsonl`),
 * counted without parsing them, so that a file over the import limit is refused before it costs anything.
 */
export function countJsonlLines(content: string): number {
  let lines = 0;
  for (const _ of filledLines(content)) lines++;
  return lines;
}

/**
 * Lines parsed between two turns of the event loop by parseEvalJsonl. Parsed at once, 20,000
 * cdtn-dev lines (EVAL_IMPORT_MAX_ITEMS) held the engine's event loop for 0.7–0.9 s, every search and
 * answer waiting behind them; now for 15 ms at most, in about the same time overall (measured beside other work).
 */
const LINES_PER_SLICE = 250;

/**
 * Validates every line, a slice of lines at a time, letting the engine's other requests run between slices;
 * returns the valid items and one error per invalid line (all its problems).
 */
export async function parseEvalJsonl(content: string, linesPerSlice = LINES_PER_SLICE): Promise<ParsedEvalFile> {
  const parser = evalJsonlParser(content);
  while (!parser.step(linesPerSlice)) await new Promise((resolve) => setImmediate(resolve));
  return parser.result();
}

/** The parse of a file, `step(n)` lines at a time (true once every line is read). */
function evalJsonlParser(content: string): { step(count: number): boolean; result(): ParsedEvalFile } {
  const items: EvalItemInput[] = [];
  const errors: ImportLineError[] = [];
  const ids = new Map<string, number>();
  let lines = 0;
  const pending = filledLines(content);
  return {
    step(count) {
      for (let i = 0; i < count; i++) {
        const next = pending.next();
        if (next.done) return true;
        const { line, raw } = next.value;
        lines++;
        if (raw.length > MAX_LINE_CHARS) {
          errors.push({ line, message: `line is longer than ${MAX_LINE_CHARS} characters` });
          continue;
        }
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch (e) {
          errors.push({ line, message: `not valid JSON: ${(e as Error).message}` });
          continue;
        }
        if (!json || typeof json !== 'object' || Array.isArray(json)) {
          errors.push({ line, message: 'each line must be a JSON object' });
          continue;
        }
        // PostgreSQL refuses NUL in text and unpaired surrogates in jsonb: a line holding one is refused here,
        // not by the database at the import's write (a 500 that left an empty set behind)
        const bad = findControlCharacter(json, 'line');
        if (bad) {
          errors.push({ line, message: `${bad.slice('line.'.length)}: control characters (such as NUL) and unpaired surrogates are not accepted` });
          continue;
        }
        const parsed = evalLineSchema.safeParse(json);
        const id = typeof (json as { id?: unknown }).id === 'string' ? (json as { id: string }).id : undefined;
        if (!parsed.success) {
          errors.push({ line, id, message: parsed.error.issues.map(describe).join('; ') });
          continue;
        }
        const item = toItem(parsed.data, line);
        const first = ids.get(item.external_id);
        if (first !== undefined) {
          errors.push({ line, id: item.external_id, message: `id "${item.external_id}" already used on line ${first}` });
          continue;
        }
        ids.set(item.external_id, line);
        items.push(item);
      }
      return false;
    },
    result: () => ({ items, errors, lines, hash: crypto.createHash('sha256').update(content).digest('hex') }),
  };
}

/** One line of the export format (what `parseEvalJsonl` reads back). */
export function toJsonlLine(item: EvalItemInput): string {
  return JSON.stringify({
    id: item.external_id,
    question: item.question,
    phrasings: item.phrasings,
    gold: item.gold,
    expected_answer: item.expected_answer,
  });
}
