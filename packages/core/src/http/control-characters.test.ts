/**
 * NUL and other control characters in query strings, path parameters and JSON bodies are refused with
 * 400 INVALID_CHARACTERS before any route runs, instead of reaching the database as 500s; and a search
 * the database fails answers SEARCH_FAILED without the database's words (issue 21, finding 8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalisedDocument } from '@cite/ingestion/document.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { HashEmbedder } from '../embeddings/hash-embedder.js';
import { availableModes } from '../testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { findControlCharacter } from './control-characters.js';

describe('findControlCharacter', () => {
  it('finds NUL and C0 controls in values and keys, at any depth; tab, line feed and carriage return pass', () => {
    expect(findControlCharacter({ q: 'a\u0000b' }, 'query')).toBe('query.q');
    expect(findControlCharacter({ messages: [{ content: 'ok' }, { content: 'x\u0007' }] }, 'body')).toBe('body.messages.1.content');
    expect(findControlCharacter({ 'k\u0000': 1 }, 'body')).toBe('body.k\u0000');
    // react-admin's JSON query parameters: the escape is a NUL once parsed
    expect(findControlCharacter({ filter: '{"q":"a\\u0000b"}' }, 'query', 0, true)).toBe('query.filter.q');
    expect(findControlCharacter({ filter: '{"q":"a\\u0000b"}' }, 'body')).toBeUndefined();
    expect(findControlCharacter({ q: 'congés\tpayés\r\nà 2,5 jours', n: 3, b: true, z: null }, 'body')).toBeUndefined();
  });

  it('finds unpaired surrogates, high or low, and lets pairs (an emoji) pass', () => {
    expect(findControlCharacter({ q: 'dons \ud800 ?' }, 'body')).toBe('body.q');
    expect(findControlCharacter({ q: 'fin\ud83d' }, 'body')).toBe('body.q');
    expect(findControlCharacter({ q: '\ude00début' }, 'body')).toBe('body.q');
    expect(findControlCharacter({ q: ['\udc00\ud800'] }, 'body')).toBe('body.q.0'); // low then high: no pair
    expect(findControlCharacter({ q: 'congés 😀 payés' }, 'body')).toBeUndefined();
  });
});

const json = async (res: Response) => (await res.json()) as { code: string; message: string };

for (const mode of availableModes())
  describe(`control characters and database errors [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      const collectionId = await collectionByName(e.db, 'public');
      const document: NormalisedDocument = {
        url: 'https://www.example.fr/conges',
        title: 'Congés payés',
        lang: 'fr',
        format: 'text',
        metadata: {},
        sections: [{ headingPath: ['Congés payés'], blocks: [{ kind: 'paragraph', text: 'Le salarié a droit à 2,5 jours de congés payés par mois.' }] }],
      };
      await indexDocuments(e.db, new HashEmbedder(), { collectionId }, [{ ok: true, location: document.url, document }]);
    });
    afterAll(async () => e?.stop());

    it('JSON bodies: 400 INVALID_CHARACTERS naming the field, for values and keys', async () => {
      for (const body of [
        { query: 'congés\u0000payés' },
        { query: 'congés', filters: { collections: [1], 'x\u0000': 1 } },
        { query: 'congés\u001b[31m' },
        { query: 'congés \ud800 payés' },
      ]) {
        const res = await e.fetch('/v1/search', { role: 'agent', body });
        expect(res.status).toBe(400);
        const error = await json(res);
        expect(error.code).toBe('INVALID_CHARACTERS');
        expect(error.message).toMatch(/^body\./);
      }
      const admin = await e.fetch('/admin/api/api-keys', { body: { name: 'clé\u0000', role: 'agent' } });
      expect(admin.status).toBe(400);
      expect((await json(admin)).code).toBe('INVALID_CHARACTERS');
      // an unpaired surrogate reached jsonb columns as a 500 from answers, chat completions and sources
      for (const [path, role, body] of [
        ['/v1/answers', 'agent', { question: 'association dons \ud800 ?' }],
        ['/v1/chat/completions', 'agent', { messages: [{ role: 'user', content: 'dons \udfff' }] }],
        ['/admin/api/sources', 'admin', { name: 'site \ud800', type: 'website', start_urls: ['https://www.example.fr/'] }],
      ] as const) {
        const res = await e.fetch(path, { role, body });
        expect(res.status, path).toBe(400);
        expect((await json(res)).code, path).toBe('INVALID_CHARACTERS');
      }
    });

    it('query strings and path parameters: 400 INVALID_CHARACTERS, not 500', async () => {
      const filter = encodeURIComponent(JSON.stringify({ q: 'a\u0000b' }));
      for (const path of [`/admin/api/documents?filter=${filter}`, '/admin/api/answers?filter=%7B%22q%22%3A%22%00%22%7D', '/admin/api/answers/abc%00def', '/admin/api/audit-log?x=%01']) {
        const res = await e.fetch(path);
        expect(res.status, path).toBe(400);
        expect((await json(res)).code).toBe('INVALID_CHARACTERS');
      }
    });

    it('path ids are decimal integers as written: other spellings of a number are refused, not read as it', async () => {
      for (const id of ['0x1', '1e0', '01', '%201', '-1', '1.0']) {
        const res = await e.fetch(`/admin/api/api-keys/${id}`);
        expect(res.status, id).toBe(400);
        expect((await json(res)).code, id).toBe('VALIDATION_FAILED');
      }
      expect((await e.fetch('/admin/api/api-keys/1')).status).toBe(200);
      // the OpenAPI document still describes them
      const doc = (await (await e.fetch('/openapi.json', { role: null })).json()) as { paths: Record<string, unknown> };
      expect(JSON.stringify(doc.paths['/admin/api/api-keys/{id}'])).toContain('"in":"path"');
    });

    it('tab and line breaks are still accepted', async () => {
      const res = await e.fetch('/v1/search', { role: 'agent', body: { query: 'congés\tpayés\r\njours' } });
      expect(res.status).toBe(200);
    });

    it('a search the database fails answers SEARCH_FAILED without the database’s error text', async () => {
      await e.db.query('ALTER TABLE chunks RENAME COLUMN embedding TO embedding_gone');
      try {
        const res = await e.fetch('/v1/search', { role: 'agent', body: { query: 'congés payés', mode: 'vector' } });
        expect(res.status).toBe(500);
        const text = await res.text();
        expect(JSON.parse(text).code).toBe('SEARCH_FAILED');
        expect(text).not.toMatch(/embedding|column|does not exist/i);
      } finally {
        await e.db.query('ALTER TABLE chunks RENAME COLUMN embedding_gone TO embedding');
      }
    });
  });
