/**
 * Runs a query set through a search function and scores it: every phrasing of every query (the bench's
 * `cdtn-dev.jsonl` format, and the `spf-qa-dev.jsonl` question format), metrics averaged over the
 * phrasings of a query then over queries, plus latency percentiles. The search function is injected so
 * the same run works in-process, against a running engine over HTTP, or in benchmarks.
 */
import fs from 'node:fs';
import { CiteError } from '@cite/core/errors.js';
import { findControlCharacter, UNACCEPTED_CHARACTERS } from '@cite/core/http/control-characters.js';
import { averageByQuery, rankDocuments, scoreRanking, type GoldDocument, type RetrievalScores } from './metrics.js';

export interface EvalQuery {
  id: string;
  /** Every phrasing to run: the query itself first, then its variants, each once. */
  phrasings: string[];
  gold: GoldDocument[];
}

/** Reads a JSONL query set: `{id, query, variants?, gold}` or `{id, question, gold}` per line. */
export function readQueries(file: string): EvalQuery[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiteError('EVAL_QUERIES_UNREADABLE', `Cannot read the query set ${file}: ${(e as Error).message}`, { status: 400, cause: e });
  }
  return parseQueries(text, file);
}

export function parseQueries(text: string, name = 'queries'): EvalQuery[] {
  const out: EvalQuery[] = [];
  const ids = new Set<string>();
  // a file saved with a byte order mark (Windows editors) opens with one: its first line is JSON all the same
  text.replace(/^\uFEFF/, '').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${name}:${i + 1}`;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new CiteError('EVAL_QUERIES_INVALID', `${where}: not a JSON object`, { status: 400 });
    }
    // `null` parses, and reading a field of it threw a TypeError instead of naming the line
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new CiteError('EVAL_QUERIES_INVALID', `${where}: not a JSON object`, { status: 400 });
    }
    // as the stored sets' import does: the database refuses NUL, and the engine's API every control character
    const bad = findControlCharacter(raw, 'line');
    if (bad) {
      const message = `${where}: ${bad.slice('line.'.length)}: ${UNACCEPTED_CHARACTERS}`;
      throw new CiteError('EVAL_QUERIES_INVALID', message, { status: 400 });
    }
    const main = typeof raw.query === 'string' ? raw.query : typeof raw.question === 'string' ? raw.question : null;
    if (!main || !main.trim()) throw new CiteError('EVAL_QUERIES_INVALID', `${where}: needs a "query" (or "question") string`, { status: 400 });
    const variants = Array.isArray(raw.variants) ? raw.variants.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
    if (!Array.isArray(raw.gold)) throw new CiteError('EVAL_QUERIES_INVALID', `${where}: needs "gold": [{"url", "grade"}]`, { status: 400 });
    const gold = raw.gold.map((g) => {
      const item = g as { url?: unknown; grade?: unknown };
      if (typeof item?.url !== 'string') throw new CiteError('EVAL_QUERIES_INVALID', `${where}: every gold entry needs a "url"`, { status: 400 });
      // the grades of the bench and of the stored sets: a grade of 1024 made the gain 2^grade infinite and every
      // figure NaN; "2" was read as 1 without a word
      const grade = item.grade;
      if (grade !== undefined && !(typeof grade === 'number' && Number.isInteger(grade) && grade >= 0 && grade <= 3)) {
        throw new CiteError('EVAL_QUERIES_INVALID', `${where}: a gold "grade" is a whole number from 0 to 3`, { status: 400 });
      }
      return { url: item.url, grade: grade ?? 1 };
    });
    const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : `line-${i + 1}`;
    if (ids.has(id)) throw new CiteError('EVAL_QUERIES_INVALID', `${where}: duplicate id ${id}`, { status: 400 });
    ids.add(id);
    out.push({ id, phrasings: [...new Set([main, ...variants])], gold });
  });
  if (out.length === 0) throw new CiteError('EVAL_QUERIES_INVALID', `${name}: no queries`, { status: 400 });
  return out;
}

export interface PhrasingRun {
  id: string;
  q: string;
  /** Document URLs in rank order. */
  results: string[];
}

export interface RetrievalEvalSummary extends RetrievalScores {
  queries: number;
  phrasings: number;
  failed: number;
  latency_ms: { p50: number; p95: number; p99: number; mean: number };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * `search` returns result URLs in rank order (chunks or documents: duplicates are folded to the
 * document's best rank). Phrasings whose search fails count as empty rankings and are reported.
 */
export async function runRetrievalEval(
  queries: readonly EvalQuery[],
  search: (q: string) => Promise<string[]>,
  options: { concurrency?: number; onProgress?: (done: number, total: number) => void; onError?: (q: string, e: unknown) => void } = {},
): Promise<{ summary: RetrievalEvalSummary; runs: PhrasingRun[] }> {
  const jobs = queries.flatMap((q) => q.phrasings.map((p) => ({ query: q, q: p })));
  const runs: PhrasingRun[] = new Array(jobs.length);
  const scores: Array<{ queryId: string; scores: RetrievalScores }> = new Array(jobs.length);
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i]!;
      const start = performance.now();
      let results: string[] = [];
      try {
        results = rankDocuments(await search(job.q));
        latencies.push(performance.now() - start);
      } catch (e) {
        failed++;
        options.onError?.(job.q, e);
      }
      runs[i] = { id: job.query.id, q: job.q, results };
      scores[i] = { queryId: job.query.id, scores: scoreRanking(results, job.query.gold) };
      options.onProgress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const metrics = averageByQuery(scores);
  return {
    summary: {
      ...metrics,
      queries: queries.length,
      phrasings: jobs.length,
      failed,
      latency_ms: {
        p50: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
        p99: round(percentile(latencies, 99)),
        mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
      },
    },
    runs,
  };
}
