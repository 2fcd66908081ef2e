import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '@cite/core/config/config.js';
import { availableModes, failWithoutServerUnderCi } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { startEvalRunner } from './eval-runs-runner.js';
import type { EvalBackend } from './eval-runs-types.js';

const U = (n: number) => `https://www.service-public.fr/particuliers/vosdroits/F${n}`;
const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const SET = [
  { id: 'q1', query: 'congé maternité', variants: ['conge maternite'], gold: [{ url: U(1), grade: 3 }, { url: U(2), grade: 1 }] },
  { id: 'q2', query: 'préavis démission', variants: [], gold: [{ url: U(3), grade: 2 }] },
  { id: 'q3', question: 'Qu’est-ce que la médiation familiale ?', answer: 'une autre voie de règlement des conflits', gold: [{ url: U(4), grade: 1 }] },
];

/** Two "engines": the good one finds every gold first; the worse one loses q2. */
const tables: Record<string, Record<string, string[]>> = {
  good: { 'congé maternité': [U(1), U(2)], 'conge maternite': [U(2), U(1)], 'préavis démission': [U(3)], 'Qu’est-ce que la médiation familiale ?': [U(4)] },
  worse: { 'congé maternité': [U(1), U(2)], 'conge maternite': [U(2), U(1)], 'préavis démission': ['https://x.fr/a', 'https://x.fr/b', U(3)], 'Qu’est-ce que la médiation familiale ?': [U(4)] },
};

failWithoutServerUnderCi('evaluation admin API');
for (const mode of availableModes())
  describe(`evaluation admin API [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode);
    });
    afterAll(async () => {
      await e?.stop();
    });

    const importFile = (query: string, body: string, role: 'admin' | 'evaluator' | 'agent' = 'evaluator') =>
      e.fetch(`/admin/api/eval-sets/import?${query}`, { method: 'POST', body, role, headers: { 'content-type': 'application/x-ndjson' } });

    async function runWith(setId: number, table: keyof typeof tables, config: Record<string, unknown> = {}) {
      const res = await e.fetch('/admin/api/eval-runs', { body: { set_id: setId, config: { concurrency: 1, ...config } }, role: 'evaluator' });
      expect(res.status).toBe(201);
      const run = (await res.json()) as { id: number; status: string; config: Record<string, unknown> };
      expect(run.status).toBe('queued');
      const backend: EvalBackend = { search: async (q) => ({ urls: tables[table]![q] ?? [], latency_ms: 5 }) };
      const runner = startEvalRunner(e.db, { deps: async () => ({ backend }), pollMs: 20, staleMs: 60_000, maxAttempts: 3 });
      const until = Date.now() + 20_000;
      let current: { status: string; aggregates: Record<string, number> };
      do {
        await new Promise((r) => setTimeout(r, 30));
        current = (await (await e.fetch(`/admin/api/eval-runs/${run.id}`, { role: 'evaluator' })).json()) as typeof current;
      } while (current.status !== 'succeeded' && Date.now() < until);
      await runner.stop();
      expect(current.status).toBe('succeeded');
      return { id: run.id, config: run.config, aggregates: current.aggregates };
    }

    it('refuses an invalid file with every bad line reported, and imports nothing', async () => {
      const res = await importFile('name=broken', jsonl([SET[0], '{"id": "x", "query": ', { id: 'y', query: 'sans or' }, SET[1]]));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; message: string; details: Array<{ line: number; message: string }> };
      expect(body.code).toBe('EVAL_IMPORT_INVALID');
      expect(body.details.map((d) => d.line)).toEqual([2, 3]);
      expect(body.message).toMatch(/2 of 4 line\(s\) are invalid/);
      const list = await e.fetch('/admin/api/eval-sets?filter={"q":"broken"}', { role: 'evaluator' });
      expect(await list.json()).toEqual([]);
      // agents may not touch evaluation
      expect((await importFile('name=x', jsonl([SET[0]]), 'agent')).status).toBe(403);
    });

    it('refuses lines holding NUL or an unpaired surrogate by line, and a failed write leaves no set behind', async () => {
      const nul = { id: 'n1', query: 'association \u0000 dons', gold: [{ url: 'https://x.fr/a', grade: 1 }] };
      const lone = { id: 'n2', query: 'association \ud800 dons', gold: [{ url: 'https://x.fr/a', grade: 1 }] };
      const res = await importFile('name=controls', jsonl([SET[0], nul, lone]));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; details: Array<{ line: number; message: string }> };
      expect(body.code).toBe('EVAL_IMPORT_INVALID');
      expect(body.details).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/^query: /) }), expect.objectContaining({ line: 3 })]);
      const skipped = await importFile('name=controls-skipped&skip_invalid=true', jsonl([SET[0], nul, lone]));
      expect(await skipped.json()).toMatchObject({ created: 1, rejected: 2 });

      // the database refusing the write (here a constraint added for the test): the new set goes with it
      await e.db.query(`ALTER TABLE eval_items ADD CONSTRAINT test_no_boom CHECK (question <> 'boum') NOT VALID`);
      try {
        const failed = await importFile('name=write-fails', jsonl([SET[0], { id: 'b', query: 'boum', gold: [{ url: 'https://x.fr/b', grade: 1 }] }]));
        expect(failed.status).toBe(500);
      } finally {
        await e.db.query('ALTER TABLE eval_items DROP CONSTRAINT test_no_boom');
      }
      const list = await e.fetch('/admin/api/eval-sets?filter={"q":"write-fails"}', { role: 'evaluator' });
      expect(await list.json()).toEqual([]);
    });

    it('imports with skip_invalid, re-imports in place, exports what it imported', async () => {
      const res = await importFile('name=partial&skip_invalid=true', jsonl([SET[0], 'pas du json', SET[2]]));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { set: { id: number; item_count: number; origin: string }; created: number; rejected: number; errors: Array<{ line: number }> };
      expect(body).toMatchObject({ created: 2, rejected: 1, errors: [{ line: 2 }] });
      expect(body.set).toMatchObject({ item_count: 2, origin: 'import' });

      const again = await importFile(`set_id=${body.set.id}`, jsonl([{ ...SET[0], variants: ['conge maternite', 'congés maternité'] }, SET[1]]));
      expect(await again.json()).toMatchObject({ created: 1, updated: 1, unchanged: 0 });

      const exported = await e.fetch(`/admin/api/eval-sets/${body.set.id}/export`, { role: 'evaluator' });
      const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as { id: string; phrasings: string[] });
      expect(lines.map((l) => l.id)).toEqual(['q1', 'q3', 'q2']);
      expect(lines[0]!.phrasings).toEqual(['conge maternite', 'congés maternité']);
    });

    it('edits questions; refuses a question with nothing to measure', async () => {
      const set = (await (await e.fetch('/admin/api/eval-sets', { body: { name: 'manuel' }, role: 'evaluator' })).json()) as { id: number };
      const created = await e.fetch('/admin/api/eval-items', { body: { set_id: set.id, question: 'Durée du congé paternité ?', gold: [{ url: U(9), grade: 3 }] }, role: 'evaluator' });
      expect(created.status).toBe(201);
      const item = (await created.json()) as { id: number; gold: unknown[] };
      const put = await e.fetch(`/admin/api/eval-items/${item.id}`, { method: 'PUT', body: { ...item, phrasings: ['conge paternite'], expected_answer: '25 jours' }, role: 'evaluator' });
      expect(await put.json()).toMatchObject({ phrasings: ['conge paternite'], expected_answer: '25 jours' });
      const empty = await e.fetch(`/admin/api/eval-items/${item.id}`, { method: 'PUT', body: { gold: [], expected_answer: null }, role: 'evaluator' });
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as { code: string }).code).toBe('EVAL_ITEM_EMPTY');
      const badUrl = await e.fetch(`/admin/api/eval-items/${item.id}`, { method: 'PUT', body: { gold: [{ url: 'file:///etc/passwd', grade: 1 }] }, role: 'evaluator' });
      expect(badUrl.status).toBe(400);
    });

    it("adds a reviewed answer's question with its supported sources as gold", async () => {
      const set = (await (await e.fetch('/admin/api/eval-sets', { body: { name: 'depuis réponses' }, role: 'evaluator' })).json()) as { id: number };
      const { rows } = await e.db.query<{ id: string }>(
        `INSERT INTO answers (question, answer, citations) VALUES ($1, $2, $3) RETURNING id`,
        ['Quelle durée de préavis ?', 'Un mois [1]. Deux mois après deux ans [2].', JSON.stringify([{ n: 1, url: U(11) }, { n: 2, url: U(12) }])],
      );
      const answerId = rows[0]!.id;
      await e.db.query(`INSERT INTO feedback (answer_id, rating, citations) VALUES ($1, 'up', $2)`, [answerId, JSON.stringify([{ n: 1, verdict: 'supports' }, { n: 2, verdict: 'irrelevant' }])]);
      const res = await e.fetch(`/admin/api/eval-sets/${set.id}/items/from-answer`, { body: { answer_id: answerId }, role: 'evaluator' });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({
        question: 'Quelle durée de préavis ?',
        gold: [{ url: U(11), grade: 2 }],
        expected_answer: 'Un mois. Deux mois après deux ans.',
        answer_id: answerId,
      });
      const missing = await e.fetch(`/admin/api/eval-sets/${set.id}/items/from-answer`, { body: { answer_id: '00000000-0000-0000-0000-000000000000' }, role: 'evaluator' });
      expect(missing.status).toBe(404);
    });

    it('runs a set twice, compares the runs question by question, and guards against the regression', async () => {
      const imported = (await (await importFile('name=cdtn-mini', jsonl(SET))).json()) as { set: { id: number } };
      const base = await runWith(imported.set.id, 'good', { mode: 'hybrid' });
      expect(base.config).toMatchObject({ mode: 'hybrid', k: 50, embeddings: 'hash' });
      expect(base.aggregates).toMatchObject({ questions: 3, phrasings: 4, 'ndcg@10': expect.any(Number) });
      const cand = await runWith(imported.set.id, 'worse', { mode: 'lexical' });

      const cmp = (await (await e.fetch(`/admin/api/eval-runs/${cand.id}/compare?baseline=${base.id}`, { role: 'evaluator' })).json()) as {
        same_set: boolean;
        metrics: Array<{ metric: string; baseline: number; candidate: number; improved: boolean | null }>;
        regressed: Array<{ external_id: string; delta: number; baseline: { best_gold_rank: number }; candidate: { best_gold_rank: number; results: string[] } }>;
        improved: unknown[];
        unchanged: number;
      };
      expect(cmp.same_set).toBe(true);
      expect(cmp.improved).toEqual([]);
      expect(cmp.unchanged).toBe(2);
      expect(cmp.regressed).toHaveLength(1);
      expect(cmp.regressed[0]).toMatchObject({ external_id: 'q2', baseline: { best_gold_rank: 1 }, candidate: { best_gold_rank: 3, results: ['https://x.fr/a', 'https://x.fr/b', U(3)] } });
      // q2: its only gold document (grade 2) moves from rank 1 to 3: nDCG 1 → (3/log2(4))/3 = 0.5
      expect(cmp.regressed[0]!.delta).toBeCloseTo(-0.5, 10);
      const ndcg = cmp.metrics.find((m) => m.metric === 'ndcg@10')!;
      expect(ndcg.improved).toBe(false);
      expect(ndcg.candidate).toBeCloseTo(ndcg.baseline - 0.5 / 3, 10);

      const guard = (await (await e.fetch(`/admin/api/eval-runs/${cand.id}/guard?baseline=${base.id}&ratio=0.98`, { role: 'evaluator' })).json()) as { ok: boolean; failures: Array<{ metric: string }> };
      expect(guard.ok).toBe(false);
      expect(guard.failures.map((f) => f.metric)).toEqual(expect.arrayContaining(['ndcg@10', 'mrr@10']));
      const same = (await (await e.fetch(`/admin/api/eval-runs/${base.id}/guard?baseline=${base.id}&ratio=0.98`, { role: 'evaluator' })).json()) as { ok: boolean };
      expect(same.ok).toBe(true);

      const results = await e.fetch(`/admin/api/eval-results?filter={"run_id":${cand.id}}&range=[0,1]`, { role: 'evaluator' });
      expect(results.headers.get('content-range')).toBe('eval-results 0-1/3');
    });

    it('refuses runs it cannot do, with a clear code', async () => {
      const imported = (await (await importFile('name=refus', jsonl([SET[0]]))).json()) as { set: { id: number } };
      const judge = await e.fetch('/admin/api/eval-runs', { body: { set_id: imported.set.id, config: { answers: true, judge: true } }, role: 'evaluator' });
      expect(((await judge.json()) as { code: string }).code).toBe('JUDGE_NOT_CONFIGURED');
      const noSet = await e.fetch('/admin/api/eval-runs', { body: { set_id: 999999 }, role: 'evaluator' });
      expect(noSet.status).toBe(404);
      const badMode = await e.fetch('/admin/api/eval-runs', { body: { set_id: imported.set.id, config: { mode: 'magic' } }, role: 'evaluator' });
      expect(badMode.status).toBe(400);
    });
  });

/** `n` one-line questions, as in the import that held the embedded database 28 s (200,000 lines, 7.7 MB). */
const oneLiners = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `q${i}`, query: `question ${i}`, answer: 'oui' })).join('\n');

for (const mode of availableModes())
  describe(`evaluation imports beside searches [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      // the database behind admission control as `cite start` opens it: embedded, one statement at a time,
      // and a request that waits DATABASE_QUEUE_TIMEOUT_MS (15 s) for its turn is refused with 503
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' }, { admission: true });
    });
    afterAll(async () => {
      await e?.stop();
    });

    const importFile = (query: string, body: string) =>
      e.fetch(`/admin/api/eval-sets/import?${query}`, { method: 'POST', body, role: 'evaluator', headers: { 'content-type': 'application/x-ndjson' } });

    /** Searches, one after the other, until `pending` settles: their statuses. */
    async function searchesDuring(pending: Promise<unknown>): Promise<number[]> {
      let settled = false;
      pending.then(
        () => (settled = true),
        () => (settled = true),
      );
      const statuses: number[] = [];
      do {
        statuses.push((await e.fetch('/v1/search', { method: 'POST', body: { query: 'congé maternité' }, role: 'agent' })).status);
        await sleep(20);
      } while (!settled);
      return statuses;
    }

    it('refuses an import of more questions than EVAL_IMPORT_MAX_ITEMS at once, storing nothing, while searches are answered', async () => {
      const max = CONFIG_DEFAULTS.EVAL_IMPORT_MAX_ITEMS;
      const imported = importFile('name=trop-grand', oneLiners(200_000));
      const searches = await searchesDuring(imported);
      const res = await imported;
      expect(res.status).toBe(413);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('EVAL_IMPORT_TOO_MANY_ITEMS');
      expect(body.message).toContain(`holds 200000 questions; an import takes at most ${max} (EVAL_IMPORT_MAX_ITEMS)`);
      expect(searches.every((s) => s === 200)).toBe(true);
      const list = await e.fetch('/admin/api/eval-sets?filter={"q":"trop-grand"}', { role: 'evaluator' });
      expect(await list.json()).toEqual([]);
    });

    it('imports the largest file allowed while searches sent during it are answered, not refused as busy', async () => {
      const max = CONFIG_DEFAULTS.EVAL_IMPORT_MAX_ITEMS;
      const imported = importFile('name=le-plus-grand', oneLiners(max));
      const searches = await searchesDuring(imported);
      const res = await imported;
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ created: max, set: { item_count: max } });
      expect(searches.length).toBeGreaterThan(1);
      expect(searches.every((s) => s === 200)).toBe(true);
    });
  });
