/**
 * Collection-level access: a key limited to some collections never sees another collection's chunks,
 * whatever the path — search, answers (plain and streamed), chat completions, answer detail, feedback,
 * the review queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalisedDocument } from '@cite/ingestion/document.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { createKey } from '../keys/api-keys.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';

const SECRET_URL = 'https://intranet.example.fr/protocole-zorglub';
const PUBLIC_URL = 'https://www.service-public.fr/particuliers/vosdroits/F2258';

function doc(url: string, title: string, text: string): NormalisedDocument {
  return { url, title, lang: 'fr', format: 'text', metadata: {}, sections: [{ headingPath: [title], blocks: [{ kind: 'paragraph', text }] }] };
}

async function seed(e: TestEngine, name: string, docs: NormalisedDocument[]): Promise<number> {
  const { rows } = await e.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ($1) RETURNING id`, [name]);
  const collectionId = rows[0]!.id;
  const outcomes = docs.map((document) => ({ ok: true as const, location: document.url, document }));
  await indexDocuments(e.db, new HashEmbedder(), { collectionId }, outcomes);
  return collectionId;
}

for (const mode of availableModes()) {
  describe(`collection-level access [${mode}]`, () => {
    let e: TestEngine;
    let limitedAgent: string;
    let limitedEvaluator: string;
    let secretAnswerId: string;
    let secretCollection: number;

    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      const open = await seed(e, 'public', [
        doc(PUBLIC_URL, 'Congés payés du salarié', 'Le salarié a droit à 2,5 jours ouvrables de congés payés par mois de travail effectif.'),
      ]);
      secretCollection = await seed(e, 'confidentiel', [
        doc(SECRET_URL, 'Protocole Zorglub des congés payés', 'Le protocole Zorglub accorde des congés payés supplémentaires aux agents du service Zorglub.'),
      ]);
      limitedAgent = (await createKey(e.db, { name: 'agent-public', role: 'agent', collections: [open] })).key;
      limitedEvaluator = (await createKey(e.db, { name: 'eval-public', role: 'evaluator', collections: [open] })).key;
      // an unrestricted agent asks about the secret collection: its answer cites the secret document
      const res = await e.fetch('/v1/answers', { role: 'agent', body: { question: 'Que prévoit le protocole Zorglub pour les congés payés ?' } });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { id: string; citations: Array<{ url: string }> };
      expect(answer.citations.map((c) => c.url)).toContain(SECRET_URL);
      secretAnswerId = answer.id;
    });
    afterAll(async () => e?.stop());

    const question = 'Que prévoit le protocole Zorglub pour les congés payés ?';

    it('search: only the allowed collection, in every mode, even when filters name the other', async () => {
      for (const searchMode of ['hybrid', 'lexical', 'vector']) {
        const res = await e.fetch('/v1/search', { key: limitedAgent, body: { query: 'protocole Zorglub congés payés', mode: searchMode, k: 20 } });
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).not.toContain(SECRET_URL);
        expect(text).not.toContain('Zorglub accorde');
      }
      const named = await e.fetch('/v1/search', {
        key: limitedAgent,
        body: { query: 'protocole Zorglub', k: 20, filters: { collections: [secretCollection] } },
      });
      expect(await named.text()).not.toContain(SECRET_URL);
      const unrestricted = await (await e.fetch('/v1/search', { role: 'agent', body: { query: 'protocole Zorglub', k: 20 } })).text();
      expect(unrestricted).toContain(SECRET_URL);
    });

    it('answers (plain and streamed): never cite or quote the other collection', async () => {
      const plain = await e.fetch('/v1/answers', { key: limitedAgent, body: { question } });
      expect(plain.status).toBe(200);
      const text = await plain.text();
      expect(text).not.toContain(SECRET_URL);
      expect(text).not.toContain('Zorglub accorde');
      const streamed = await e.fetch('/v1/answers', { key: limitedAgent, body: { question, stream: true } });
      const sse = await streamed.text();
      expect(sse).not.toContain(SECRET_URL);
      expect(sse).not.toContain('Zorglub accorde');
    });

    it('chat completions: never cite or quote the other collection', async () => {
      const res = await e.fetch('/v1/chat/completions', {
        key: limitedAgent,
        body: { model: 'cite', messages: [{ role: 'user', content: question }] },
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(SECRET_URL);
      expect(text).not.toContain('Zorglub accorde');
    });

    it("answer detail and feedback: another key's answer is out of reach", async () => {
      const detail = await e.fetch(`/v1/answers/${secretAnswerId}`, { key: limitedAgent });
      expect([403, 404]).toContain(detail.status);
      expect(await detail.text()).not.toContain(SECRET_URL);
      const feedback = await e.fetch(`/v1/answers/${secretAnswerId}/feedback`, { key: limitedAgent, body: { rating: 'down' } });
      expect([403, 404]).toContain(feedback.status);
    });

    it('review queue: an evaluator limited to a collection does not see answers citing others', async () => {
      const list = await e.fetch('/admin/api/answers?range=[0,99]', { key: limitedEvaluator });
      expect(list.status).toBe(200);
      expect(await list.text()).not.toContain(SECRET_URL);
      const one = await e.fetch(`/admin/api/answers/${secretAnswerId}`, { key: limitedEvaluator });
      expect([403, 404]).toContain(one.status);
      const detail = await e.fetch(`/v1/answers/${secretAnswerId}`, { key: limitedEvaluator });
      expect([403, 404]).toContain(detail.status);
    });
  });
}
