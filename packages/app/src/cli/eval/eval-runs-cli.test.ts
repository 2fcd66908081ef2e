import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { availableModes, describeEachDatabase } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../../testing/engine.js';
import { seedDocuments, SP } from '@cite/retrieval/eval/eval-runs-fixtures.js';
import { getRun, listRuns } from '@cite/retrieval/eval/eval-runs-repo.js';
import { EXIT_QUALITY_DROPPED, formatOutcome, outcomeJson, runStoredEvaluation } from './eval-runs-cli.js';
import type { EvalBackend } from '@cite/retrieval/eval/eval-runs-types.js';
import { listSets } from '@cite/retrieval/eval/eval-sets-repo.js';

const U = (n: number) => `https://code.travail.gouv.fr/fiche/${n}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-eval-cli-'));
const file = path.join(dir, 'mini-dev.jsonl');
fs.writeFileSync(
  file,
  [
    { id: 'a', query: 'rupture conventionnelle', variants: ['rupture co'], gold: [{ url: U(1), grade: 3 }] },
    { id: 'b', query: 'heures supplémentaires', variants: [], gold: [{ url: U(2), grade: 2 }, { url: U(3), grade: 1 }] },
  ]
    .map((l) => JSON.stringify(l))
    .join('\n'),
);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const backend = (table: Record<string, string[]>): EvalBackend => ({ search: async (q) => ({ urls: table[q] ?? [], latency_ms: 3 }) });
const good = backend({ 'rupture conventionnelle': [U(1)], 'rupture co': [U(1)], 'heures supplémentaires': [U(2), U(3)] });
const slightlyWorse = backend({ 'rupture conventionnelle': [U(1)], 'rupture co': [U(1)], 'heures supplémentaires': [U(3), U(2)] });

describeEachDatabase('cite eval --save / --baseline', (ctx) => {
  const config = loadConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent' });
  const run = (opts: Parameters<typeof runStoredEvaluation>[0], b: EvalBackend) => runStoredEvaluation(opts, { db: ctx.db, config, engine: null, deps: async () => ({ backend: b }) });

  it('keeps a run only with --save, reusing the set of an identical file', async () => {
    const unsaved = await run({ queries: file, config: { mode: 'lexical' } }, good);
    expect(unsaved.exitCode).toBe(0);
    expect(unsaved.run.aggregates).toMatchObject({ questions: 2, phrasings: 3, 'ndcg@10': 1, 'mrr@10': 1 });
    expect(await getRun(ctx.db, unsaved.run.id)).toBeUndefined();
    expect((await listSets(ctx.db, { sort: 'id', order: 'ASC', limit: 10, offset: 0 })).total).toBe(0);

    const saved = await run({ queries: file, save: true, config: { mode: 'lexical' } }, good);
    const again = await run({ queries: file, save: true, config: { mode: 'hybrid' } }, good);
    expect((await getRun(ctx.db, saved.run.id))!.status).toBe('succeeded');
    expect(again.run.set_id).toBe(saved.run.set_id);
    expect(again.run.config).toMatchObject({ mode: 'hybrid' });
    expect(outcomeJson(again)).toMatchObject({ run_id: again.run.id, 'ndcg@10': 1, queries: 2 });
    expect(formatOutcome(again)).toMatch(/ndcg@10\s+1\.0000/);
  });

  it('exits with code 3 when quality drops under ratio × the baseline, 0 when it holds', async () => {
    const base = await run({ queries: file, save: true, config: {} }, good);
    const drop = await run({ queries: file, baseline: base.run.id, failUnderRatio: 0.98, config: {} }, slightlyWorse);
    expect(drop.exitCode).toBe(EXIT_QUALITY_DROPPED);
    expect(drop.guard!.failures.map((f) => f.metric)).toEqual(['ndcg@10']); // U(3) is relevant too: MRR holds
    expect(formatOutcome(drop)).toMatch(/Quality dropped below 0.98 of the baseline:\n\s+ndcg@10/);

    // b's nDCG falls from 1 to (1/1 + 3/log2(3)) / (3 + 1/log2(3)); the set's mean falls by half that
    const bNdcg = (1 + 3 / Math.log2(3)) / (3 + 1 / Math.log2(3));
    expect(drop.run.aggregates['ndcg@10']).toBeCloseTo((1 + bNdcg) / 2, 10);
    const tolerant = await run({ set: base.run.set_id, baseline: base.run.id, failUnderRatio: Math.floor(((1 + bNdcg) / 2) * 100) / 100 - 0.3, config: {} }, slightlyWorse);
    expect(tolerant.exitCode).toBe(0);
    const same = await run({ set: base.run.set_id, baseline: base.run.id, config: {} }, good);
    expect(same.guard).toMatchObject({ ok: true, ratio: 0.98 });
    // the unsaved runs were removed
    expect((await listRuns(ctx.db, { sort: 'id', order: 'ASC', limit: 50, offset: 0 })).rows.map((r) => r.id)).not.toContain(drop.run.id);
  });

  it('refuses unclear input with a code', async () => {
    await expect(run({ config: {} }, good)).rejects.toMatchObject({ code: 'EVAL_INPUT_REQUIRED' });
    await expect(run({ queries: path.join(dir, 'absent.jsonl'), config: {} }, good)).rejects.toMatchObject({ code: 'QUERIES_FILE_UNREADABLE' });
    await expect(run({ set: 1, baseline: 1, failUnderRatio: 1.5, config: {} }, good)).rejects.toMatchObject({ code: 'INVALID_RATIO' });
    await expect(run({ set: 99999, config: {} }, good)).rejects.toMatchObject({ code: 'EVAL_SET_NOT_FOUND' });
    let searched = false;
    const watch: EvalBackend = { search: async () => ((searched = true), { urls: [], latency_ms: 1 }) };
    await expect(run({ queries: file, baseline: 99999, config: {} }, watch)).rejects.toMatchObject({ code: 'EVAL_RUN_NOT_FOUND' });
    expect(searched).toBe(false);
  });
});

for (const mode of availableModes())
  describe(`cite eval --save against a running engine [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      // the engine's own background runner and search execute the run; the CLI only follows it
      e = await startTestEngine(mode, { EMBEDDINGS: 'hash' }, { worker: true });
      await seedDocuments(e.db);
    });
    afterAll(async () => {
      await e?.stop();
    });

    it('imports the file through the API, follows the run to its end, and guards against a baseline', async () => {
      const remote = { url: e.url, key: e.keys.evaluator };
      const queries = path.join(dir, 'remote.jsonl');
      fs.writeFileSync(queries, [{ id: 'r1', query: 'préavis démission', gold: [{ url: SP('F2883'), grade: 3 }] }, { id: 'r2', query: 'heures supplémentaires majorées', gold: [{ url: SP('F2238'), grade: 2 }] }].map((l) => JSON.stringify(l)).join('\n'));
      const saved = await runStoredEvaluation({ queries, save: true, config: { mode: 'lexical' }, json: true }, { engine: remote });
      expect(saved.run.status).toBe('succeeded');
      expect(saved.run.aggregates).toMatchObject({ questions: 2, 'recall@50': 1 });
      const again = await runStoredEvaluation({ queries, baseline: saved.run.id, failUnderRatio: 0.98, config: { mode: 'lexical' }, json: true }, { engine: remote });
      expect(again.run.set_id).toBe(saved.run.set_id);
      expect(again).toMatchObject({ exitCode: 0, guard: { ok: true } });
      // the unsaved run is gone, the saved one stays
      expect((await e.fetch(`/admin/api/eval-runs/${again.run.id}`, { role: 'evaluator' })).status).toBe(404);
      expect((await e.fetch(`/admin/api/eval-runs/${saved.run.id}`, { role: 'evaluator' })).status).toBe(200);
    });
  });
