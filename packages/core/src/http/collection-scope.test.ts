/**
 * An admin key limited to some collections administers those collections only (issue 21, finding 7),
 * over HTTP on every /admin/api route family: sources and crawls, crawl runs, documents and chunks,
 * keys (no key wider than the caller), audit log, stats, uploads, data export and erasure, retention
 * purge, outbound policy. Lists are filtered, another collection's records are not found, writes into
 * another collection (or a new one) are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalisedDocument } from '@cite/ingestion/document.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { HashEmbedder } from '../embeddings/hash-embedder.js';
import { CiteError } from '../errors.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { availableModes } from '../testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { requireKeyWithin, type Scope } from './collection-scope.js';

const SECRET_URL = 'https://intranet.example.fr/protocole-zorglub';

function doc(url: string, title: string, text: string): NormalisedDocument {
  return { url, title, lang: 'fr', format: 'text', metadata: {}, sections: [{ headingPath: [title], blocks: [{ kind: 'paragraph', text }] }] };
}

async function seed(e: TestEngine, name: string, docs: NormalisedDocument[]): Promise<number> {
  const collectionId = await collectionByName(e.db, name);
  await indexDocuments(e.db, new HashEmbedder(), { collectionId }, docs.map((document) => ({ ok: true as const, location: document.url, document })));
  return collectionId;
}

const json = async <T = any>(res: Response): Promise<T> => (await res.json()) as T;

describe('requireKeyWithin', () => {
  const limited: Scope = { role: 'evaluator', collections: [1, 2] };
  const refused = (key: Parameters<typeof requireKeyWithin>[1], caller: Scope = limited) => {
    try {
      requireKeyWithin(caller, key);
      return undefined;
    } catch (e) {
      return (e as CiteError).code;
    }
  };
  it('refuses a higher role, an unrestricted key, or collections outside the caller’s', () => {
    expect(refused({ role: 'admin', collections: [1] })).toBe('KEY_WIDER_THAN_CALLER');
    expect(refused({ role: 'agent', collections: null })).toBe('KEY_WIDER_THAN_CALLER');
    expect(refused({ role: 'agent', collections: [1, 3] })).toBe('KEY_WIDER_THAN_CALLER');
    expect(refused({ role: 'evaluator', collections: [2] })).toBeUndefined();
    expect(refused({ role: 'agent', collections: [] })).toBeUndefined();
    expect(refused({ role: 'admin', collections: null }, { role: 'admin', collections: null })).toBeUndefined();
  });
});

for (const mode of availableModes())
  describe(`a limited admin administers its collections only [${mode}]`, () => {
    let e: TestEngine;
    let mine: number;
    let theirs: number;
    let limited: string;
    let limitedId: number;
    let unrestrictedAdminId: number;
    let mySource: number;
    let theirSource: number;
    let myRun: number;
    let theirRun: number;
    let theirDoc: number;
    const as = (path: string, init: Parameters<TestEngine['fetch']>[1] = {}) => e.fetch(path, { ...init, key: limited });

    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      mine = await seed(e, 'mine', [doc('https://www.example.fr/public', 'Congés payés', 'Le salarié a droit à des congés payés.')]);
      theirs = await seed(e, 'theirs', [doc(SECRET_URL, 'Protocole Zorglub', 'Le protocole Zorglub accorde des congés supplémentaires.')]);
      const created = await createKey(e.db, { name: 'admin-mine', role: 'admin', collections: [mine] });
      limited = created.key;
      limitedId = created.row.id;
      const keys = await json<Array<{ id: number; name: string }>>(await e.fetch('/admin/api/api-keys?range=[0,99]'));
      unrestrictedAdminId = keys.find((k) => k.name === 'test-admin')!.id;
      const source = async (collection_id: number, host: string) => {
        const res = await e.fetch('/admin/api/sources', { body: { name: host, kind: 'website', collection_id, start_urls: [`https://${host}/`] } });
        expect(res.status).toBe(201);
        return (await json<{ id: number }>(res)).id;
      };
      mySource = await source(mine, 'mine.example.fr');
      theirSource = await source(theirs, 'theirs.example.fr');
      myRun = (await json<{ id: number }>(await e.fetch(`/admin/api/sources/${mySource}/crawl`, { method: 'POST' }))).id;
      theirRun = (await json<{ id: number }>(await e.fetch(`/admin/api/sources/${theirSource}/crawl`, { method: 'POST' }))).id;
      const docs = await json<Array<{ id: number; url: string }>>(await e.fetch('/admin/api/documents?range=[0,99]'));
      theirDoc = docs.find((d) => d.url === SECRET_URL)!.id;
    });
    afterAll(async () => e?.stop());

    it('sources: lists and reads only its collections’ sources; another’s is not found, whatever the action', async () => {
      const list = await json<Array<{ id: number }>>(await as('/admin/api/sources?range=[0,99]'));
      expect(list.map((s) => s.id)).toEqual([mySource]);
      expect((await as(`/admin/api/sources/${mySource}`)).status).toBe(200);
      expect((await as(`/admin/api/sources/${theirSource}`)).status).toBe(404);
      expect((await as(`/admin/api/sources/${theirSource}`, { method: 'PUT', body: { name: 'pris' } })).status).toBe(404);
      expect((await as(`/admin/api/sources/${theirSource}/crawl`, { method: 'POST' })).status).toBe(404);
      expect((await as(`/admin/api/sources/${theirSource}/disable`, { method: 'POST' })).status).toBe(404);
      expect((await as(`/admin/api/sources/${theirSource}`, { method: 'DELETE' })).status).toBe(404);
      const theirsNow = await json<{ name: string; enabled: boolean; status: string }>(await e.fetch(`/admin/api/sources/${theirSource}`));
      expect(theirsNow).toMatchObject({ name: 'theirs.example.fr', enabled: true });
      // the unrestricted admin still sees both
      expect((await json<unknown[]>(await e.fetch('/admin/api/sources?range=[0,99]'))).length).toBe(2);
    });

    it('sources: creates and moves sources only into its collections, and creates no collection', async () => {
      const body = (target: Record<string, unknown>) => ({ body: { name: 'nouvelle', kind: 'website', start_urls: ['https://n.example.fr/'], ...target } });
      for (const target of [{ collection_id: theirs }, { collection: 'theirs' }, { collection: 'brand-new' }]) {
        const res = await as('/admin/api/sources', body(target));
        expect(res.status).toBe(403);
        expect((await json(res)).code).toBe('COLLECTION_FORBIDDEN');
      }
      const { rows } = await e.db.query(`SELECT id FROM collections WHERE name = 'brand-new'`);
      expect(rows).toEqual([]);
      expect((await as('/admin/api/sources', body({ collection: 'mine' }))).status).toBe(201);
      const moved = await as(`/admin/api/sources/${mySource}`, { method: 'PUT', body: { collection_id: theirs } });
      expect(moved.status).toBe(403);
      expect((await json(await e.fetch(`/admin/api/sources/${mySource}`))).collection_id).toBe(mine);
    });

    it('crawl runs: lists only its collections’ runs; another’s is not found and cannot be cancelled', async () => {
      const runs = await json<Array<{ id: number }>>(await as('/admin/api/crawl-runs?range=[0,99]'));
      expect(runs.map((r) => r.id)).toEqual([myRun]);
      expect((await as(`/admin/api/crawl-runs/${myRun}`)).status).toBe(200);
      expect((await as(`/admin/api/crawl-runs/${theirRun}`)).status).toBe(404);
      expect((await as(`/admin/api/crawl-runs/${theirRun}/cancel`, { method: 'POST' })).status).toBe(404);
      expect((await json(await e.fetch(`/admin/api/crawl-runs/${theirRun}`))).status).toBe('queued');
    });

    it('documents and chunks: another collection’s are not listed, read, deleted or reindexed', async () => {
      const docs = await (await as('/admin/api/documents?range=[0,99]')).text();
      expect(docs).not.toContain(SECRET_URL);
      expect((await as(`/admin/api/documents/${theirDoc}`)).status).toBe(404);
      expect((await as(`/admin/api/documents/${theirDoc}/reindex`, { method: 'POST', body: {} })).status).toBe(404);
      expect((await as(`/admin/api/documents/${theirDoc}`, { method: 'DELETE' })).status).toBe(404);
      const chunks = await as(`/admin/api/chunks?filter=${encodeURIComponent(JSON.stringify({ document_id: theirDoc }))}`);
      expect(await json(chunks)).toEqual([]);
      expect((await json(await e.fetch(`/admin/api/documents/${theirDoc}`))).status).toBe('active');
    });

    it('keys: sees only keys within its collections, revokes no other, creates none wider than itself', async () => {
      const agent = await as('/admin/api/api-keys', { body: { name: 'agent-mine', role: 'agent', collections: [mine] } });
      expect(agent.status).toBe(201);
      const agentId = (await json<{ id: number }>(agent)).id;
      const keys = await json<Array<{ id: number }>>(await as('/admin/api/api-keys?range=[0,99]'));
      expect(keys.map((k) => k.id).sort((a, b) => a - b)).toEqual([limitedId, agentId].sort((a, b) => a - b));
      const byIds = await json<Array<{ id: number }>>(await as(`/admin/api/api-keys?filter=${encodeURIComponent(JSON.stringify({ id: [unrestrictedAdminId, agentId] }))}`));
      expect(byIds.map((k) => k.id)).toEqual([agentId]);
      expect((await as(`/admin/api/api-keys/${unrestrictedAdminId}`)).status).toBe(404);
      expect((await as(`/admin/api/api-keys/${unrestrictedAdminId}`, { method: 'DELETE' })).status).toBe(404);
      expect((await e.fetch('/admin/api/api-keys?range=[0,0]')).status).toBe(200); // the unrestricted admin's key still works
      for (const body of [
        { name: 'root', role: 'admin' },
        { name: 'root', role: 'admin', collections: null },
        { name: 'wide', role: 'agent', collections: [theirs] },
        { name: 'wide', role: 'agent', collections: [mine, theirs] },
      ]) {
        const res = await as('/admin/api/api-keys', { body });
        expect(res.status).toBe(403);
        expect((await json(res)).code).toBe('KEY_WIDER_THAN_CALLER');
      }
    });

    it('data control: exports and erases only keys it sees; retention purge and outbound policy are for unrestricted admins', async () => {
      expect((await as(`/admin/api/api-keys/${unrestrictedAdminId}/export`)).status).toBe(404);
      expect((await as(`/admin/api/api-keys/${unrestrictedAdminId}/erase`, { body: { confirm: true } })).status).toBe(404);
      expect((await as(`/admin/api/api-keys/${limitedId}/export`)).status).toBe(200);
      const purge = await as('/admin/api/retention/purge', { method: 'POST' });
      expect(purge.status).toBe(403);
      expect((await json(purge)).code).toBe('UNRESTRICTED_ONLY');
      expect((await as('/admin/api/outbound')).status).toBe(403);
      expect((await e.fetch('/admin/api/outbound')).status).toBe(200);
    });

    it('uploads: only into its collections, never into a new one', async () => {
      const send = (collection: string) => {
        const form = new FormData();
        form.append('collection', collection);
        form.append('files', new Blob(['# Note\n\nUne note de service sur les congés.'], { type: 'text/markdown' }), 'note.md');
        return fetch(`${e.url}/admin/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${limited}` }, body: form });
      };
      for (const collection of ['theirs', 'uploads-nouvelles']) {
        const res = await send(collection);
        expect(res.status).toBe(403);
        expect((await json(res)).code).toBe('COLLECTION_FORBIDDEN');
      }
      expect((await e.db.query(`SELECT id FROM collections WHERE name = 'uploads-nouvelles'`)).rows).toEqual([]);
      expect((await send('mine')).status).toBe(202);
    });

    it('audit log and stats: only its keys’ entries and its collections’ figures', async () => {
      const audit = await json<Array<{ actor_key_id: number | null; action: string }>>(await as('/admin/api/audit-log?range=[0,199]'));
      expect(audit.length).toBeGreaterThan(0);
      expect(audit.every((a) => a.actor_key_id === limitedId)).toBe(true);
      expect(JSON.stringify(audit)).not.toContain('theirs.example.fr');
      const all = await json<Array<{ action: string }>>(await e.fetch('/admin/api/audit-log?range=[0,199]'));
      expect(JSON.stringify(all)).toContain('theirs.example.fr');
      const stats = await json<{ collections: Array<{ id: number }> }>(await as('/admin/api/stats'));
      expect(stats.collections.map((c) => c.id)).toEqual([mine]);
    });
  });
