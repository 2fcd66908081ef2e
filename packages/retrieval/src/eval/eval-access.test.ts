/**
 * Evaluation follows collection rights and set owners (issue 21), over HTTP: a run started by a key
 * limited to a collection searches and answers within it; a limited key sees only its own sets and the
 * runs within its collections; questions are made only from answers the caller may read; only a set's
 * owner or an admin changes it; sets without an owner (made before owners existed) are for unrestricted
 * keys only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalisedDocument } from '@cite/ingestion/document.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { engineDeps } from './eval-runs-backend.js';
import { getRun } from './eval-runs-repo.js';
import { startEvalRunner } from './eval-runs-runner.js';
import { createSet, upsertItems } from './eval-sets-repo.js';

const SECRET_URL = 'https://intranet.example.fr/protocole-zorglub';
const SECRET_TEXT = 'Zorglub accorde';
const PUBLIC_URL = 'https://www.service-public.fr/particuliers/vosdroits/F2258';
const QUESTION = 'Que prévoit le protocole Zorglub pour les congés payés ?';

function doc(url: string, title: string, text: string): NormalisedDocument {
  return { url, title, lang: 'fr', format: 'text', metadata: {}, sections: [{ headingPath: [title], blocks: [{ kind: 'paragraph', text }] }] };
}

async function seed(e: TestEngine, name: string, docs: NormalisedDocument[]): Promise<number> {
  const collectionId = await collectionByName(e.db, name);
  await indexDocuments(e.db, new HashEmbedder(), { collectionId }, docs.map((document) => ({ ok: true as const, location: document.url, document })));
  return collectionId;
}

interface Run {
  id: number;
  status: string;
  collections: number[] | null;
}

for (const mode of availableModes())
  describe(`evaluation and collection rights [${mode}]`, () => {
    let e: TestEngine;
    let open: number;
    /** An evaluator limited to the public collection, and a second one (same rights, another key). */
    let limited: string;
    let limitedId: number;
    let other: string;
    let secretAnswerId: string;

    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      open = await seed(e, 'public', [
        doc(PUBLIC_URL, 'Congés payés du salarié', 'Le salarié a droit à 2,5 jours ouvrables de congés payés par mois de travail effectif.'),
      ]);
      await seed(e, 'confidentiel', [
        doc(SECRET_URL, 'Protocole Zorglub des congés payés', 'Le protocole Zorglub accorde des congés payés supplémentaires aux agents du service Zorglub.'),
      ]);
      const created = await createKey(e.db, { name: 'eval-public', role: 'evaluator', collections: [open] });
      limited = created.key;
      limitedId = created.row.id;
      other = (await createKey(e.db, { name: 'eval-public-2', role: 'evaluator', collections: [open] })).key;
      // an unrestricted agent's answer, citing the confidential collection
      const res = await e.fetch('/v1/answers', { role: 'agent', body: { question: QUESTION } });
      const answer = (await res.json()) as { id: string; citations: Array<{ url: string }> };
      expect(res.status, JSON.stringify(answer)).toBe(200);
      expect(answer.citations.map((c) => c.url)).toContain(SECRET_URL);
      secretAnswerId = answer.id;
    });
    afterAll(async () => e?.stop());

    const asKey = (key: string) => (path: string, init: { method?: string; body?: unknown } = {}) => e.fetch(path, { ...init, key });
    const code = async (res: Response) => ((await res.json()) as { code: string }).code;

    async function newSet(key: string, name: string): Promise<number> {
      const res = await e.fetch('/admin/api/eval-sets', { key, body: { name } });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: number }).id;
    }
    async function addQuestion(key: string, setId: number): Promise<Response> {
      return e.fetch('/admin/api/eval-items', { key, body: { set_id: setId, question: QUESTION, gold: [{ url: SECRET_URL, grade: 3 }] } });
    }
    /** Starts a run with answers through the API and executes it on the engine's real search and answers. */
    async function runToEnd(key: string, setId: number, config: Record<string, unknown> = {}): Promise<Run> {
      const res = await e.fetch('/admin/api/eval-runs', { key, body: { set_id: setId, config: { answers: true, concurrency: 1, ...config } } });
      expect(res.status).toBe(201);
      const run = (await res.json()) as Run;
      const app = e.engine.app;
      const runner = startEvalRunner(e.db, { deps: (r) => engineDeps(app, r), pollMs: 20, staleMs: 60_000, maxAttempts: 3 });
      const until = Date.now() + 60_000;
      try {
        while (!['succeeded', 'failed'].includes((await getRun(e.db, run.id))!.status) && Date.now() < until) await new Promise((r) => setTimeout(r, 30));
      } finally {
        await runner.stop();
      }
      expect((await getRun(e.db, run.id))!.status).toBe('succeeded');
      return run;
    }

    it("a limited evaluator's run searches and answers within its collections; its results show nothing else", async () => {
      const setId = await newSet(limited, 'zorglub (limité)');
      expect((await addQuestion(limited, setId)).status).toBe(201);
      const run = await runToEnd(limited, setId);
      expect(run.collections).toEqual([open]);

      const results = await asKey(limited)(`/admin/api/eval-results?filter={"run_id":${run.id}}&range=[0,99]`);
      expect(results.status).toBe(200);
      const text = await results.text();
      const rows = JSON.parse(text) as Array<{ status: string; answer: { answer: string } | null }>;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe('ok');
      expect(rows[0]!.answer).not.toBeNull();
      expect(text).not.toContain(SECRET_URL);
      expect(text).not.toContain(SECRET_TEXT);
      // a run varying retrieval answers through its own answer service: the same limits hold
      const varied = await runToEnd(limited, setId, { rrf_k: 30 });
      const variedText = await (await asKey(limited)(`/admin/api/eval-results?filter={"run_id":${varied.id}}`)).text();
      expect(JSON.parse(variedText)).toHaveLength(1);
      expect(variedText).not.toContain(SECRET_URL);
      expect(variedText).not.toContain(SECRET_TEXT);

      // the same question run by an unrestricted admin does reach the confidential collection…
      const adminRun = await runToEnd(e.keys.admin, setId);
      expect(adminRun.collections).toBeNull();
      const adminText = await (await e.fetch(`/admin/api/eval-results?filter={"run_id":${adminRun.id}}`)).text();
      expect(adminText).toContain(SECRET_URL);
      // …and that run is not the limited key's to see, although it ran on its set
      const get = asKey(limited);
      expect((await get(`/admin/api/eval-runs/${adminRun.id}`)).status).toBe(404);
      expect(await (await get(`/admin/api/eval-results?filter={"run_id":${adminRun.id}}`)).json()).toEqual([]);
      const everything = await (await get('/admin/api/eval-results?range=[0,999]')).text();
      expect(everything).not.toContain(SECRET_URL);
      expect(everything).not.toContain(SECRET_TEXT);
      const runs = (await (await get('/admin/api/eval-runs?range=[0,999]')).json()) as Run[];
      expect(runs.map((r) => r.id)).toEqual([varied.id, run.id]);
      expect(((await (await get(`/admin/api/eval-sets/${setId}`)).json()) as { last_run_id: number }).last_run_id).toBe(varied.id);
      expect(((await (await e.fetch(`/admin/api/eval-sets/${setId}`)).json()) as { last_run_id: number }).last_run_id).toBe(adminRun.id);
      const compare = await get(`/admin/api/eval-runs/${run.id}/compare?baseline=${adminRun.id}`);
      expect(compare.status).toBe(404);
      expect(await code(compare)).toBe('EVAL_RUN_NOT_FOUND');
      expect((await get(`/admin/api/eval-runs/${adminRun.id}/guard?baseline=${run.id}&ratio=0.9`)).status).toBe(404);
      expect((await get(`/admin/api/eval-runs/${adminRun.id}`, { method: 'DELETE' })).status).toBe(404);
      // another key with the very same collections does not see this key's set or its runs
      expect((await asKey(other)(`/admin/api/eval-runs/${run.id}`)).status).toBe(404);
      expect(await (await asKey(other)(`/admin/api/eval-results?filter={"run_id":${run.id}}`)).json()).toEqual([]);
      // the admin sees both runs
      const all = (await (await e.fetch(`/admin/api/eval-runs?filter={"set_id":${setId}}`)).json()) as Run[];
      expect(all.map((r) => r.id)).toEqual([adminRun.id, varied.id, run.id]);
    });

    it("refuses to copy an answer the caller may not read into a question, as the answer's own page does", async () => {
      const setId = await newSet(limited, 'depuis réponses (limité)');
      const page = await asKey(limited)(`/admin/api/answers/${secretAnswerId}`);
      const copy = await asKey(limited)(`/admin/api/eval-sets/${setId}/items/from-answer`, { body: { answer_id: secretAnswerId } });
      expect(copy.status).toBe(page.status);
      expect(copy.status).toBe(404);
      const body = await copy.text();
      expect(JSON.parse(body)).toMatchObject({ code: 'ANSWER_NOT_FOUND' });
      expect(body).not.toContain(SECRET_TEXT);
      expect(await (await asKey(limited)(`/admin/api/eval-items?filter={"set_id":${setId}}`)).json()).toEqual([]);

      // an answer asked within the key's collection can be copied
      const agent = (await createKey(e.db, { name: 'agent-public', role: 'agent', collections: [open] })).key;
      const mine = (await (await e.fetch('/v1/answers', { key: agent, body: { question: 'Combien de jours de congés payés par mois ?' } })).json()) as { id: string };
      const ok = await asKey(limited)(`/admin/api/eval-sets/${setId}/items/from-answer`, { body: { answer_id: mine.id, gold: [{ url: PUBLIC_URL, grade: 2 }] } });
      expect(ok.status).toBe(201);
      // an unrestricted evaluator may read, hence copy, the confidential answer
      const openSet = await newSet(e.keys.evaluator, 'depuis réponses (tout)');
      const full = await e.fetch(`/admin/api/eval-sets/${openSet}/items/from-answer`, { role: 'evaluator', body: { answer_id: secretAnswerId, gold: [{ url: SECRET_URL, grade: 2 }] } });
      expect(full.status).toBe(201);
    });

    it('lists and shows a limited key only its own sets and their questions; unrestricted keys see every set', async () => {
      const adminSet = await newSet(e.keys.admin, 'admin: confidentiel');
      expect((await addQuestion(e.keys.admin, adminSet)).status).toBe(201);
      const adminItem = ((await (await e.fetch(`/admin/api/eval-items?filter={"set_id":${adminSet}}`)).json()) as Array<{ id: number }>)[0]!.id;
      const mine = await newSet(limited, 'à moi');
      const get = asKey(limited);

      const sets = (await (await get('/admin/api/eval-sets?range=[0,999]')).json()) as Array<{ id: number; owner_id: number | null }>;
      expect(sets.map((s) => s.id)).toContain(mine);
      expect(sets.map((s) => s.id)).not.toContain(adminSet);
      expect(sets.every((s) => s.owner_id === limitedId)).toBe(true);
      expect((await get(`/admin/api/eval-sets/${adminSet}`)).status).toBe(404);
      expect((await get(`/admin/api/eval-sets/${adminSet}/export`)).status).toBe(404);
      expect((await get(`/admin/api/eval-items/${adminItem}`)).status).toBe(404);
      expect(await (await get(`/admin/api/eval-items?filter={"set_id":${adminSet}}`)).json()).toEqual([]);
      const items = (await (await get('/admin/api/eval-items?range=[0,999]')).json()) as Array<{ set_id: number }>;
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => sets.some((s) => s.id === i.set_id))).toBe(true);
      const start = await get('/admin/api/eval-runs', { body: { set_id: adminSet } });
      expect(start.status).toBe(404);
      expect(await code(start)).toBe('EVAL_SET_NOT_FOUND');
      expect((await asKey(other)(`/admin/api/eval-sets/${mine}`)).status).toBe(404);

      for (const role of ['evaluator', 'admin'] as const) {
        const seen = (await (await e.fetch('/admin/api/eval-sets?range=[0,999]', { role })).json()) as Array<{ id: number }>;
        expect(seen.map((s) => s.id)).toEqual(expect.arrayContaining([adminSet, mine]));
      }
    });

    it("only a set's owner or an admin changes or deletes it; a run, its starter, the set's owner or an admin", async () => {
      const adminSet = await newSet(e.keys.admin, 'admin: à garder');
      expect((await addQuestion(e.keys.admin, adminSet)).status).toBe(201);
      const item = ((await (await e.fetch(`/admin/api/eval-items?filter={"set_id":${adminSet}}`)).json()) as Array<{ id: number }>)[0]!;
      const ev = (path: string, init: { method?: string; body?: unknown } = {}) => e.fetch(path, { ...init, role: 'evaluator' });

      // an unrestricted evaluator sees the admin's set, may run it, but not change it
      for (const res of [
        await ev(`/admin/api/eval-sets/${adminSet}`, { method: 'DELETE' }),
        await ev(`/admin/api/eval-sets/${adminSet}`, { method: 'PUT', body: { name: 'volé' } }),
        await addQuestion(e.keys.evaluator, adminSet),
        await ev(`/admin/api/eval-items/${item.id}`, { method: 'PUT', body: { question: 'autre' } }),
        await ev(`/admin/api/eval-items/${item.id}`, { method: 'DELETE' }),
        await ev(`/admin/api/eval-sets/${adminSet}/items/from-answer`, { body: { answer_id: secretAnswerId, gold: [{ url: SECRET_URL, grade: 1 }] } }),
        await e.fetch(`/admin/api/eval-sets/import?set_id=${adminSet}`, {
          role: 'evaluator',
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: JSON.stringify({ id: 'x', query: 'x', gold: [{ url: PUBLIC_URL, grade: 1 }] }),
        }),
      ]) {
        expect(res.status).toBe(403);
        expect(await code(res)).toBe('EVAL_SET_NOT_OWNER');
      }
      // a limited evaluator does not even see it
      const gone = await asKey(limited)(`/admin/api/eval-sets/${adminSet}`, { method: 'DELETE' });
      expect(gone.status).toBe(404);
      expect(await code(gone)).toBe('EVAL_SET_NOT_FOUND');
      expect((await e.fetch(`/admin/api/eval-sets/${adminSet}`)).status).toBe(200);

      // runs: the admin's run is the admin's; the evaluator's own run is its own
      const adminRun = (await (await e.fetch('/admin/api/eval-runs', { body: { set_id: adminSet } })).json()) as Run;
      const cancel = await ev(`/admin/api/eval-runs/${adminRun.id}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(403);
      expect(await code(cancel)).toBe('EVAL_RUN_NOT_OWNER');
      const evRun = (await (await ev('/admin/api/eval-runs', { body: { set_id: adminSet } })).json()) as Run;
      expect((await ev(`/admin/api/eval-runs/${evRun.id}/cancel`, { method: 'POST' })).status).toBe(200);
      expect((await ev(`/admin/api/eval-runs/${evRun.id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await e.fetch(`/admin/api/eval-runs/${adminRun.id}/cancel`, { method: 'POST' })).status).toBe(200);

      // the owner changes its own set, and an admin anyone's
      const mine = await newSet(limited, 'à moi, à jeter');
      expect((await asKey(limited)(`/admin/api/eval-sets/${mine}`, { method: 'PUT', body: { description: 'ok' } })).status).toBe(200);
      expect((await addQuestion(limited, mine)).status).toBe(201);
      expect((await e.fetch(`/admin/api/eval-sets/${mine}`, { method: 'DELETE' })).status).toBe(200);
      const evSet = await newSet(e.keys.evaluator, "l'évaluateur, à jeter");
      expect((await ev(`/admin/api/eval-sets/${evSet}`, { method: 'DELETE' })).status).toBe(200);
    });

    it('a set without an owner (made before owners, or by the CLI) is for unrestricted keys, and changed by admins only', async () => {
      const legacy = await createSet(e.db, { name: 'ancien jeu', origin: 'import' });
      await upsertItems(e.db, legacy.id, [{ external_id: 'q1', question: QUESTION, phrasings: [], gold: [{ url: SECRET_URL, grade: 3 }], expected_answer: null }]);
      expect(legacy.owner_id).toBeNull();
      expect((await asKey(limited)(`/admin/api/eval-sets/${legacy.id}`)).status).toBe(404);
      expect((await e.fetch(`/admin/api/eval-sets/${legacy.id}`, { role: 'evaluator' })).status).toBe(200);
      expect((await e.fetch(`/admin/api/eval-sets/${legacy.id}`, { role: 'evaluator', method: 'DELETE' })).status).toBe(403);
      expect((await e.fetch(`/admin/api/eval-sets/${legacy.id}`, { method: 'DELETE' })).status).toBe(200);
    });
  });
