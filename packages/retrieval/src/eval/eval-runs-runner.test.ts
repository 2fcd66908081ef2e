import { afterEach, expect, it } from 'vitest';
import type { Database } from '@cite/core/db/database.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { allResults, cancelRun, createRun, getRun } from './eval-runs-repo.js';
import { startEvalRunner, type EvalRunner } from './eval-runs-runner.js';
import { runConfigSchema, type EvalBackend, type RunConfig } from './eval-runs-types.js';
import type { EvalItemInput } from './eval-sets-import.js';
import { createSet, upsertItems } from './eval-sets-repo.js';

const U = (n: number) => `https://www.service-public.fr/particuliers/vosdroits/F${n}`;
const config = (over: Partial<RunConfig> = {}): RunConfig => ({ ...runConfigSchema.parse({ concurrency: 1 }), embeddings: 'hash', ...over });

/** A search backend answering from a fixed table; queries listed in `gate` wait until opened (or aborted). */
function tableBackend(table: Record<string, string[]>, gate?: { queries: Set<string>; open: Promise<void> }): EvalBackend & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async search(query, _config, signal) {
      calls.push(query);
      if (gate?.queries.has(query))
        await new Promise<void>((resolve, reject) => {
          gate.open.then(resolve);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      return { urls: table[query] ?? [], latency_ms: 10 * (calls.length % 5) + 1 };
    },
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function items(n: number): EvalItemInput[] {
  return Array.from({ length: n }, (_, i) => ({ external_id: `q${i}`, question: `question ${i}`, phrasings: [], gold: [{ url: U(i), grade: 2 }], expected_answer: null }));
}
/** Question i is found at rank i+1 (so every question has different figures). */
const ranks = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`question ${i}`, [...Array.from({ length: i }, (_, j) => U(1000 + j)), U(i)]]));

async function newRun(db: Database, name: string, n: number, cfg = config()) {
  const set = await createSet(db, { name, origin: 'import' });
  await upsertItems(db, set.id, items(n));
  return createRun(db, { setId: set.id, config: cfg, total: n });
}

describeEachDatabase('evaluation runs', (ctx) => {
  let runners: EvalRunner[] = [];
  const start = (backend: EvalBackend, over: { staleMs?: number; maxAttempts?: number } = {}) => {
    const r = startEvalRunner(ctx.db, { deps: async () => ({ backend }), pollMs: 20, heartbeatMs: 50, staleMs: over.staleMs ?? 60_000, maxAttempts: over.maxAttempts ?? 3 });
    runners.push(r);
    return r;
  };
  const stopAll = async () => {
    for (const r of runners) await r.stop();
    runners = [];
  };
  afterEach(stopAll);

  it('aggregates a set by hand-computed figures: graded nDCG, duplicates, phrasings averaged, questions without gold left out', async () => {
    const set = await createSet(ctx.db, { name: 'hand' });
    await upsertItems(ctx.db, set.id, [
      { external_id: 'a', question: 'congé parental', phrasings: ['conge parental'], gold: [{ url: U(1), grade: 3 }, { url: U(2), grade: 1 }], expected_answer: null },
      { external_id: 'b', question: 'préavis', phrasings: [], gold: [{ url: U(3), grade: 2 }], expected_answer: null },
      { external_id: 'c', question: 'réponse seule', phrasings: [], gold: [], expected_answer: 'Oui.' },
    ]);
    const backend = tableBackend({
      'congé parental': [U(1), 'https://x.fr/a', U(2)],
      // the same document twice counts once; host case, fragment and trailing slash do not matter
      'conge parental': ['https://x.fr/a', 'https://WWW.service-public.fr/particuliers/vosdroits/F1/', `${U(1)}#section`, U(2)],
      préavis: [],
    });
    const run = await createRun(ctx.db, { setId: set.id, config: config(), total: 3 });
    start(backend);
    await waitFor('run end', async () => (await getRun(ctx.db, run.id))!.status === 'succeeded');
    await stopAll();

    const idcg = 7 + 1 / Math.log2(3);
    const ndcgA = (7.5 / idcg + (7 / Math.log2(3) + 1 / Math.log2(4)) / idcg) / 2;
    const agg = (await getRun(ctx.db, run.id))!.aggregates;
    expect(agg.questions).toBe(3);
    expect(agg.retrieval_questions).toBe(2);
    expect(agg.phrasings).toBe(3);
    expect(agg['ndcg@10']).toBeCloseTo(ndcgA / 2, 10);
    expect(agg['recall@10']).toBeCloseTo(0.5, 10);
    expect(agg['mrr@10']).toBeCloseTo((1 + 0.5) / 2 / 2, 10);
    expect(backend.calls).not.toContain('réponse seule');

    const results = await allResults(ctx.db, run.id);
    const a = results.find((r) => r.external_id === 'a')!;
    expect(a.phrasings[1]!.gold_ranks).toEqual({ [U(1)]: 2, [U(2)]: 3 });
    expect(a.metrics['mrr@10']).toBeCloseTo(0.75, 10);
    expect(results.find((r) => r.external_id === 'c')!.metrics).toEqual({});
  });

  it('survives a stop mid-run: results so far are kept, the run goes back to the queue and a new runner resumes it', async () => {
    let open!: () => void;
    const gate = { queries: new Set(['question 3']), open: new Promise<void>((r) => (open = r)) };
    const run = await newRun(ctx.db, 'restart', 6);
    start(tableBackend(ranks(6), gate));
    await waitFor('3 results', async () => (await getRun(ctx.db, run.id))!.done === 3);
    await stopAll(); // the engine stops while question 3 is being searched

    const stopped = (await getRun(ctx.db, run.id))!;
    expect(stopped.status).toBe('queued');
    expect(stopped.done).toBe(3);
    expect(stopped.aggregates.questions).toBe(3);
    const before = await allResults(ctx.db, run.id);
    expect(before.map((r) => r.external_id)).toEqual(['q0', 'q1', 'q2']);

    open();
    const second = tableBackend(ranks(6));
    start(second);
    await waitFor('run end', async () => (await getRun(ctx.db, run.id))!.status === 'succeeded');
    await stopAll();
    // only the missing questions were evaluated again, and the first results are the same rows
    expect(second.calls).toEqual(['question 3', 'question 4', 'question 5']);
    const after = await allResults(ctx.db, run.id);
    expect(after.map((r) => r.external_id)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
    expect(after.slice(0, 3).map((r) => r.id)).toEqual(before.map((r) => r.id));
    const done = (await getRun(ctx.db, run.id))!;
    expect(done.done).toBe(6);
    expect(done.attempts).toBe(1); // a clean hand-back is not a failed attempt
    expect(done.aggregates['mrr@10']).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6) / 6, 10);
  });

  it('survives a crashed runner: its stale run is taken over and resumed', async () => {
    let open!: () => void;
    const gate = { queries: new Set(['question 2']), open: new Promise<void>((r) => (open = r)) };
    const run = await newRun(ctx.db, 'crash', 4);
    const first = start(tableBackend(ranks(4), gate), { staleMs: 400 });
    await waitFor('2 results', async () => (await getRun(ctx.db, run.id))!.done === 2);
    first.halt(); // as if the process were killed: no hand-back, the heartbeat just stops
    runners = runners.filter((r) => r !== first);
    expect((await getRun(ctx.db, run.id))!.status).toBe('running');

    open();
    start(tableBackend(ranks(4)), { staleMs: 400 });
    await waitFor('run end', async () => (await getRun(ctx.db, run.id))!.status === 'succeeded');
    await stopAll();
    const done = (await getRun(ctx.db, run.id))!;
    expect(done.attempts).toBe(2);
    expect(done.aggregates.questions).toBe(4);
    expect((await allResults(ctx.db, run.id)).map((r) => r.external_id)).toEqual(['q0', 'q1', 'q2', 'q3']);
  });

  it('marks a run that keeps dying as failed, keeping its partial results and aggregates', async () => {
    const gate = { queries: new Set(['question 1']), open: new Promise<void>(() => {}) };
    const run = await newRun(ctx.db, 'doomed', 3);
    const first = start(tableBackend(ranks(3), gate), { staleMs: 300, maxAttempts: 1 });
    await waitFor('1 result', async () => (await getRun(ctx.db, run.id))!.done === 1);
    first.halt();
    runners = runners.filter((r) => r !== first);

    start(tableBackend(ranks(3)), { staleMs: 300, maxAttempts: 1 });
    await waitFor('run failed', async () => (await getRun(ctx.db, run.id))!.status === 'failed');
    await stopAll();
    const failed = (await getRun(ctx.db, run.id))!;
    expect(failed.error).toMatch(/Interrupted 1 times/);
    expect(failed.aggregates).toMatchObject({ questions: 1, 'mrr@10': 1 });
    expect((await allResults(ctx.db, run.id)).map((r) => r.external_id)).toEqual(['q0']);
  });

  it('stops a cancelled run at once and keeps what it measured; a failing question is recorded, not fatal', async () => {
    const gate = { queries: new Set(['question 2']), open: new Promise<void>(() => {}) };
    const run = await newRun(ctx.db, 'cancel', 4);
    const backend = tableBackend(ranks(4), gate);
    const search = backend.search.bind(backend);
    backend.search = async (q, c, s) => {
      if (q === 'question 1') throw new Error('search exploded');
      return search(q, c, s);
    };
    start(backend);
    await waitFor('2 results', async () => (await getRun(ctx.db, run.id))!.done === 2);
    await cancelRun(ctx.db, run.id);
    // the runner notices at its next heartbeat and gives up the question it was on
    await waitFor('run released', async () => (await getRun(ctx.db, run.id))!.locked_by === null);
    expect(backend.calls).toEqual(['question 0', 'question 2']);
    await stopAll();
    const cancelled = (await getRun(ctx.db, run.id))!;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.errors).toBe(1);
    const results = await allResults(ctx.db, run.id);
    expect(results.map((r) => [r.external_id, r.status])).toEqual([['q0', 'ok'], ['q1', 'error']]);
    expect(results[1]!.error).toBe('question 1: search exploded');
  });
});
