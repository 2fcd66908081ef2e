import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQueries, percentile, readQueries, runRetrievalEval } from './retrieval-eval.js';

describe('retrieval eval', () => {
  const set = [
    { id: 'q1', query: 'congés payés', variants: ['conges payes', 'congés payés', 'cp'], gold: [{ url: 'https://ex.fr/cp', grade: 3 }] },
    { id: 'q2', question: 'Comment démissionner ?', gold: [{ url: 'https://ex.fr/dem', grade: 1 }] },
  ];

  it('runs every phrasing once, averages per query then over queries, and reports latency', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cite-eval-')), 'q.jsonl');
    fs.writeFileSync(file, set.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const queries = readQueries(file);
    expect(queries.map((q) => q.phrasings.length)).toEqual([3, 1]);
    const seen: string[] = [];
    const { summary, runs } = await runRetrievalEval(
      queries,
      async (q) => {
        seen.push(q);
        if (q === 'cp') throw new Error('engine down');
        await new Promise((r) => setTimeout(r, 20)); // a search that takes time, so latency is measurable
        // q1's first phrasing finds the gold document at rank 1 (twice: two chunks), the second not at all
        if (q === 'congés payés') return ['https://ex.fr/cp#a', 'https://ex.fr/cp', 'https://ex.fr/other'];
        if (q === 'Comment démissionner ?') return ['https://ex.fr/x', 'https://ex.fr/dem'];
        return ['https://ex.fr/other'];
      },
      { concurrency: 3 },
    );
    expect(seen.sort()).toEqual(['Comment démissionner ?', 'congés payés', 'conges payes', 'cp'].sort());
    expect(summary.queries).toBe(2);
    expect(summary.phrasings).toBe(4);
    expect(summary.failed).toBe(1);
    // q1: (1 + 0 + 0) / 3; q2: MRR 1/2
    expect(summary['mrr@10']).toBeCloseTo((1 / 3 + 1 / 2) / 2, 12);
    expect(summary['recall@10']).toBeCloseTo((1 / 3 + 1) / 2, 12);
    // latency of the three searches that answered (each waited 20 ms); the failed one is not counted
    expect(summary.latency_ms.p50).toBeGreaterThanOrEqual(19);
    expect(summary.latency_ms.p50).toBeLessThanOrEqual(summary.latency_ms.p95);
    expect(summary.latency_ms.p95).toBeLessThanOrEqual(summary.latency_ms.p99);
    expect(summary.latency_ms.mean).toBeGreaterThanOrEqual(19);
    expect(runs.find((r) => r.q === 'congés payés')!.results).toEqual(['https://ex.fr/cp', 'https://ex.fr/other']);
  });

  it('refuses malformed query sets with the line at fault', () => {
    expect(() => parseQueries('{"id":"a","query":"x","gold":[]}\nnot json', 'set.jsonl')).toThrow(/set.jsonl:2/);
    expect(() => parseQueries('{"id":"a","gold":[]}')).toThrow(/query/);
    expect(() => parseQueries('{"id":"a","query":"x"}')).toThrow(/gold/);
    expect(() => parseQueries('{"id":"a","query":"x","gold":[]}\n{"id":"a","query":"y","gold":[]}')).toThrow(/duplicate/);
    expect(() => parseQueries('\n')).toThrow(/no queries/);
    expect(() => readQueries('/nonexistent/q.jsonl')).toThrow(expect.objectContaining({ code: 'EVAL_QUERIES_UNREADABLE' }));
    // JSON that is no object: named with its line, not a TypeError
    for (const line of ['null', '[]', '"x"', '3']) {
      expect(() => parseQueries(`{"id":"a","query":"x","gold":[]}\n${line}`, 'set.jsonl'), line).toThrow(
        expect.objectContaining({ code: 'EVAL_QUERIES_INVALID', message: expect.stringMatching(/^set.jsonl:2: /) }),
      );
    }
    // grades outside the bench's 0–3 made every figure NaN (gain 2^grade − 1), or were read as 1
    for (const grade of ['1024', '"2"', '-1', '1.5', 'null']) {
      expect(() => parseQueries(`{"id":"a","query":"x","gold":[{"url":"https://ex.fr/a","grade":${grade}}]}`), grade).toThrow(/grade/);
    }
    // NUL and unpaired surrogates, which the database refuses, are named with their field
    expect(() => parseQueries('{"id":"a","query":"x\\u0000y","gold":[]}')).toThrow(/queries:1: query: control characters/);
    expect(() => parseQueries('{"id":"a","query":"x","variants":["\\ud800"],"gold":[]}')).toThrow(/variants\.0: control/);
  });

  it('reads a file saved with a byte order mark, and grades as the bench writes them', () => {
    const queries = parseQueries('\uFEFF{"id":"a","query":"x","gold":[{"url":"https://ex.fr/a","grade":3},{"url":"https://ex.fr/b"}]}\r\n');
    expect(queries).toEqual([{ id: 'a', phrasings: ['x'], gold: [{ url: 'https://ex.fr/a', grade: 3 }, { url: 'https://ex.fr/b', grade: 1 }] }]);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(percentile([], 50)).toBe(0);
  });
});
