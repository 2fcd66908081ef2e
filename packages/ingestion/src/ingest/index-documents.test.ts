import { expect, it } from 'vitest';
import { statementText, type Database, type Queryable } from '@cite/core/db/database.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { getEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { HASH_EMBEDDER_VERSION, HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { CiteError } from '@cite/core/errors.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import type { NormalisedDocument } from '../document.js';
import { extractSources, type ExtractOutcome } from '../extractors/extract.js';
import { writePdf, writePdfBomb } from '../extractors/testing/pdf-writer.js';
import { computeCounts, getRunDetail } from '../runs/run-repo.js';
import { indexDocument, indexDocuments } from './index-documents.js';
import { finishIngestRun, startIngestRun } from './ingest-run.js';
import { reembed } from '@cite/index/reembed.js';

/** The hash embedder, counting the texts it embeds (and optionally renamed/resized). */
class CountingEmbedder implements Embedder {
  readonly inner: HashEmbedder;
  texts = 0;
  constructor(
    readonly id = HASH_EMBEDDER_VERSION,
    readonly dimension = 384,
  ) {
    this.inner = new HashEmbedder(dimension);
  }
  async embedDocuments(texts: readonly string[]) {
    this.texts += texts.length;
    return this.inner.embedDocuments(texts);
  }
  embedQuery(text: string) {
    return this.inner.embedQuery(text);
  }
  countTokens(text: string) {
    return this.inner.countTokens(text);
  }
}

const sentences = (topic: string, n: number) =>
  Array.from({ length: n }, (_, i) => `Le ${topic} numéro ${i} précise les droits et obligations du salarié concerné.`).join(' ');

function makeDoc(url: string, parts: string[], title = 'Fiche'): NormalisedDocument {
  return {
    url,
    title,
    lang: 'fr',
    format: 'markdown',
    metadata: { source: 'test' },
    sections: parts.map((text, i) => ({ headingPath: [`Partie ${i + 1}`], blocks: [{ kind: 'paragraph', text }] })),
  };
}
const ok = (document: NormalisedDocument): ExtractOutcome => ({ ok: true, location: document.url, document });

async function setup(db: Database, name: string): Promise<{ collectionId: number; sourceId: number }> {
  const c = await db.query<{ id: number }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [name]);
  const s = await db.query<{ id: number }>(`INSERT INTO sources (collection_id, name, kind) VALUES ($1, 'src', 'files') RETURNING id`, [
    c.rows[0]!.id,
  ]);
  return { collectionId: Number(c.rows[0]!.id), sourceId: Number(s.rows[0]!.id) };
}

/** What a reader sees: active documents' chunks matching a word, as search does. */
async function searchable(db: Queryable, collectionId: number, word: string): Promise<string[]> {
  const { rows } = await db.query<{ url: string }>(
    `SELECT DISTINCT d.url FROM chunks c JOIN documents d ON d.id = c.document_id
      WHERE d.collection_id = $1 AND d.status = 'active' AND c.tsv @@ plainto_tsquery('cite_french', $2) ORDER BY d.url`,
    [collectionId, word],
  );
  return rows.map((r) => r.url);
}

const opts = { chunkTokens: 80, overlapTokens: 0 };

describeEachDatabase('indexing', (ctx) => {
  it('indexes new documents, records the model, and re-does nothing for unchanged ones', async () => {
    const { collectionId } = await setup(ctx.db, 'c1');
    const e = new CountingEmbedder();
    const docs = [makeDoc('https://ex.fr/a', [sentences('congé', 8), sentences('préavis', 3)]), makeDoc('https://ex.fr/b', [sentences('salaire', 2)])];
    const progress: number[] = [];
    const first = await indexDocuments(ctx.db, e, { collectionId }, docs.map(ok), (p) => progress.push(p.documents), opts);
    expect(first).toMatchObject({ new: 2, changed: 0, unchanged: 0, failed: 0 });
    expect(first.chunks).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(2);
    const { rows } = await ctx.db.query<{ n: number; e: number }>(
      `SELECT count(*)::int AS n, count(embedding)::int AS e FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.collection_id = $1`,
      [collectionId],
    );
    expect(rows[0]).toEqual({ n: first.chunks, e: first.chunks });
    expect(e.texts).toBe(first.embedded);
    expect(await getEmbeddingModel(ctx.db)).toEqual({ id: HASH_EMBEDDER_VERSION, dimension: 384 });
    expect(await searchable(ctx.db, collectionId, 'préavis')).toEqual(['https://ex.fr/a']);

    e.texts = 0;
    const again = await indexDocuments(ctx.db, e, { collectionId }, docs.map(ok), undefined, opts);
    expect(again).toMatchObject({ new: 0, changed: 0, unchanged: 2, failed: 0, embedded: 0 });
    expect(e.texts).toBe(0);
  });

  it('re-embeds only the chunks that changed and keeps the others (same ids)', async () => {
    const { collectionId } = await setup(ctx.db, 'c2');
    const e = new CountingEmbedder();
    const v1 = makeDoc('https://ex.fr/doc', ['Premier paragraphe stable.', 'Deuxième paragraphe stable.', 'Troisième paragraphe ancien.']);
    await indexDocuments(ctx.db, e, { collectionId }, [ok(v1)], undefined, opts);
    const before = await ctx.db.query<{ id: number; text: string }>(
      `SELECT c.id, c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = $1 AND d.collection_id = $2 ORDER BY ord`,
      [v1.url, collectionId],
    );
    e.texts = 0;
    const v2 = makeDoc(v1.url, ['Premier paragraphe stable.', 'Deuxième paragraphe stable.', 'Troisième paragraphe nouveau et réécrit.']);
    const s = await indexDocuments(ctx.db, e, { collectionId }, [ok(v2)], undefined, opts);
    expect(s).toMatchObject({ changed: 1, new: 0, unchanged: 0 });
    expect(e.texts).toBe(1);
    const after = await ctx.db.query<{ id: number; text: string; ord: number }>(
      `SELECT c.id, c.text, c.ord FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = $1 AND d.collection_id = $2 ORDER BY ord`,
      [v1.url, collectionId],
    );
    expect(after.rows.map((r) => r.text)).toEqual(v2.sections.map((s) => s.blocks[0]!.text));
    expect(after.rows.slice(0, 2).map((r) => r.id)).toEqual(before.rows.slice(0, 2).map((r) => r.id));
    expect(after.rows[2]!.id).not.toBe(before.rows[2]!.id);
    expect(await searchable(ctx.db, collectionId, 'ancien')).toEqual([]);
    expect(await searchable(ctx.db, collectionId, 'réécrit')).toEqual([v1.url]);

    // moved chunks keep their vectors: reordering needs no embedding at all
    e.texts = 0;
    const v3 = makeDoc(v1.url, [v2.sections[2]!.blocks[0]!.text, 'Premier paragraphe stable.', 'Deuxième paragraphe stable.']);
    v3.sections = [v2.sections[2]!, v2.sections[0]!, v2.sections[1]!];
    expect(await indexDocuments(ctx.db, e, { collectionId }, [ok(v3)], undefined, opts)).toMatchObject({ changed: 1 });
    expect(e.texts).toBe(0);
  });

  it('records failures per document and goes on', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c3');
    const outcomes: ExtractOutcome[] = [
      ok(makeDoc('https://ex.fr/1', ['Texte un.'])),
      { ok: false, location: '/data/bad.pdf', code: 'PDF_CORRUPT', message: 'bad.pdf is not a valid PDF' },
      ok(makeDoc('https://ex.fr/empty', ['   '])),
      ok(makeDoc('https://ex.fr/2', ['Texte deux avec un octet nul \u0000 dedans.'])),
    ];
    const run = await ctx.db.query<{ id: number }>(`INSERT INTO crawl_runs (source_id, trigger) VALUES ($1, 'cli') RETURNING id`, [sourceId]);
    const s = await indexDocuments(ctx.db, new HashEmbedder(), { collectionId, sourceId, runId: run.rows[0]!.id }, outcomes, undefined, opts);
    // a document with no text is left out on purpose (skip-codes.ts): skipped, not failed
    expect(s).toMatchObject({ new: 2, failed: 1, skipped: 1 });
    expect(s.errors.map((x) => x.code)).toEqual(['PDF_CORRUPT']);
    expect(s.failedByCode).toEqual({ PDF_CORRUPT: 1 });
    expect(s.skippedByCode).toEqual({ EMPTY_DOCUMENT: 1 });
    expect(s.skips).toEqual([expect.objectContaining({ location: 'https://ex.fr/empty', code: 'EMPTY_DOCUMENT' })]);
    const { rows } = await ctx.db.query<{ location: string; code: string }>(
      'SELECT location, code FROM ingest_errors WHERE run_id = $1 ORDER BY code',
      [run.rows[0]!.id],
    );
    expect(rows).toEqual([
      { location: 'https://ex.fr/empty', code: 'EMPTY_DOCUMENT' },
      { location: '/data/bad.pdf', code: 'PDF_CORRUPT' },
    ]);
  });

  it('indexes documents holding lone surrogates or NUL escapes (JSONL, XML character references), not refusing them', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c-surrogates');
    const emoji = '\u{1F600}';
    const lone = { ...makeDoc('https://ex.fr/lone', [`Texte avec une moitié \ud800 de paire et ${emoji} entière.`]), title: 'Titre \udc00' };
    const meta = {
      ...makeDoc('https://ex.fr/meta', ['Texte des métadonnées.']),
      // a backslash followed by "u0000" is text, not a NUL; "\ud800" is a lone half; "\u0000" a NUL, in a key too
      metadata: { path: 'C:\\u0000dir', half: 'x\ud800', nul: 'a\u0000b', ['k\u0000\udfff']: 1 },
    };
    const s = await indexDocuments(ctx.db, new HashEmbedder(), { collectionId, sourceId }, [ok(lone), ok(meta)], undefined, opts);
    expect(s.errors).toEqual([]);
    expect(s).toMatchObject({ new: 2, failed: 0 });
    const { rows } = await ctx.db.query<{ url: string; title: string; metadata: Record<string, unknown>; text: string }>(
      `SELECT d.url, d.title, d.metadata, string_agg(c.text, ' ') AS text FROM documents d JOIN chunks c ON c.document_id = d.id
        WHERE d.collection_id = $1 GROUP BY d.id ORDER BY d.url`,
      [collectionId],
    );
    expect(rows[0]).toMatchObject({ url: 'https://ex.fr/lone', title: 'Titre \ufffd' });
    expect(rows[0]!.text).toContain(`moitié \ufffd de paire et ${emoji} entière`);
    expect(rows[1]!.metadata).toMatchObject({ path: 'C:\\u0000dir', half: 'x\ufffd', nul: 'ab', 'k\ufffd': 1 });
  });

  it('counts withdrawn fiches and other deliberate skips as skipped in the run record, failures as failed', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c-skips');
    const runId = await startIngestRun(ctx.db, sourceId, 'cli', ['/data/vosdroits-associations.zip']);
    const zip = '/data/exports/2024/vosdroits-associations.zip';
    const outcomes: ExtractOutcome[] = [
      ok(makeDoc('https://ex.fr/fiche', ['Texte de la fiche publiée.'])),
      { ok: false, location: `${zip}!F3.xml`, code: 'SP_NOT_PUBLISHED', message: 'F3 has no Publication@spUrl …; not indexed' },
      { ok: false, location: `${zip}!R9.xml`, code: 'SP_NOT_PUBLISHED', message: 'R9 has no Publication@spUrl …; not indexed' },
      { ok: false, location: `${zip}!photo.png`, code: 'FORMAT_UNSUPPORTED', message: 'image/png is not indexed' },
      { ok: false, location: `${zip}!F4.xml`, code: 'XML_INVALID', message: 'not well-formed' },
    ];
    const s = await indexDocuments(ctx.db, new HashEmbedder(), { collectionId, sourceId, runId }, outcomes, undefined, opts);
    expect(s).toMatchObject({ new: 1, failed: 1, skipped: 3, skippedByCode: { SP_NOT_PUBLISHED: 2, FORMAT_UNSUPPORTED: 1 } });
    // whole locations, as given
    expect(s.skips!.map((x) => x.location)).toEqual([`${zip}!F3.xml`, `${zip}!R9.xml`, `${zip}!photo.png`]);

    // the reasons of live counts (a crawl's bundles, counted from frontier rows) and the finished run record
    // (cite ingest, uploads) agree
    const live = await computeCounts(ctx.db, runId);
    expect(live).toMatchObject({ skip_reasons: { SP_NOT_PUBLISHED: 2, FORMAT_UNSUPPORTED: 1 }, fail_reasons: { XML_INVALID: 1 } });
    await finishIngestRun(ctx.db, runId, s);
    const detail = await getRunDetail(ctx.db, runId);
    expect(detail).toMatchObject({
      status: 'succeeded',
      discovered: 5,
      indexed: 1,
      skipped: 3,
      failed: 1,
      skip_reasons: { SP_NOT_PUBLISHED: 2, FORMAT_UNSUPPORTED: 1 },
      fail_reasons: { XML_INVALID: 1 },
    });
    // the errors of the run (console: failures by reason) are failures only
    expect(detail.errors.map((g) => g.reason)).toEqual(['XML_INVALID']);
    expect(detail.errors[0]!.examples[0]!.url).toBe(`${zip}!F4.xml`);
  });

  it('refuses documents named by javascript:, data: or file: URLs from content, one by one, and indexes the rest (issue 21)', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c-schemes');
    const run = await ctx.db.query<{ id: number }>(`INSERT INTO crawl_runs (source_id, trigger) VALUES ($1, 'cli') RETURNING id`, [sourceId]);
    const text = 'Le droit au congé parental est ouvert au salarié sous conditions. '.repeat(3);
    const jsonl = [
      { url: 'javascript:alert(document.cookie)', title: 'js', text },
      { url: 'data:text/html,<script>alert(1)</script>', title: 'data', text },
      { url: 'file:///etc/passwd', title: 'file', text },
      { url: 'https://ex.fr/conge-parental', title: 'Congé parental', text },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const fiche = (spUrl: string, id: string) =>
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><Publication ID="${id}" type="Fiche Question-réponse" spUrl="${spUrl}"><dc:title>Fiche ${id}</dc:title><Texte><Paragraphe>${text}</Paragraphe></Texte></Publication>`,
      );
    const outcomes = extractSources([
      { data: Buffer.from(jsonl), name: 'batch.jsonl' },
      { data: fiche('javascript:alert(1)', 'F101'), name: 'F101.xml' },
    ]);
    // an extractor that would let a bad URL through is caught when the document is prepared
    async function* all(): AsyncGenerator<ExtractOutcome> {
      yield* outcomes;
      yield ok(makeDoc('vbscript:msgbox(1)', [text]));
      yield ok(makeDoc('data:text/plain,hello', [text]));
      yield ok(makeDoc('file:///srv/docs/guide.txt', [text])); // the engine's own identity of a server file
    }
    const s = await indexDocuments(ctx.db, new HashEmbedder(), { collectionId, sourceId, runId: run.rows[0]!.id }, all(), undefined, opts);
    expect(s).toMatchObject({ new: 2, failed: 6, failedByCode: { DOCUMENT_URL_SCHEME: 6 } });
    const { rows } = await ctx.db.query<{ code: string }>('SELECT code FROM ingest_errors WHERE run_id = $1', [run.rows[0]!.id]);
    expect(rows.map((r) => r.code)).toEqual(Array(6).fill('DOCUMENT_URL_SCHEME'));
    const urls = await ctx.db.query<{ url: string }>(`SELECT url FROM documents WHERE collection_id = $1 ORDER BY url`, [collectionId]);
    expect(urls.rows.map((r) => r.url)).toEqual(['file:///srv/docs/guide.txt', 'https://ex.fr/conge-parental']);
  });

  it('never lets a source item take over another document by naming it with a file:, javascript: or data: URL (issue 19)', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c-takeover');
    const guide = 'Le guide interne du service décrit la procédure de congé parental pas à pas.';
    await indexDocuments(ctx.db, new HashEmbedder(), { collectionId, sourceId }, [ok(makeDoc('file:///srv/docs/guide.txt', [guide]))], undefined, opts);
    const state = () =>
      ctx.db.query<{ url: string; content_hash: string; text: string }>(
        `SELECT d.url, d.content_hash, c.text FROM documents d JOIN chunks c ON c.document_id = d.id WHERE d.collection_id = $1 ORDER BY d.url, c.ord`,
        [collectionId],
      );
    const before = (await state()).rows;
    expect(before.map((r) => r.text)).toEqual([guide]);

    const hostile = 'Texte piégé qui remplacerait le guide interne par un autre contenu.';
    const jsonl = ['file:///srv/docs/guide.txt', 'FILE:///srv/docs/guide.txt', ' file:/srv/docs/guide.txt', 'javascript:alert(1)//srv/docs/guide.txt', 'data:text/plain,guide']
      .map((url) => JSON.stringify({ url, title: 'Guide', text: hostile }))
      .join('\n');
    const page = (canonical: string) =>
      Buffer.from(`<html><head><title>Guide</title><link rel="canonical" href="${canonical}"></head><body><main><h1>Guide</h1><p>${hostile}</p></main></body></html>`);
    const s = await indexDocuments(
      ctx.db,
      new HashEmbedder(),
      { collectionId, sourceId },
      extractSources([
        { data: Buffer.from(jsonl), name: 'items.jsonl' },
        // fetched pages whose canonical link names the server file, or a script: the page keeps its own URL
        { data: page('file:///srv/docs/guide.txt'), url: 'https://evil.example/a', contentType: 'text/html' },
        { data: page('javascript:alert(1)'), url: 'https://evil.example/b', contentType: 'text/html' },
      ]),
      undefined,
      opts,
    );
    expect(s).toMatchObject({ new: 2, failed: 5, failedByCode: { DOCUMENT_URL_SCHEME: 5 } });
    expect((await state()).rows.filter((r) => r.url === 'file:///srv/docs/guide.txt')).toEqual(before);
    expect(await searchable(ctx.db, collectionId, 'piégé')).toEqual(['https://evil.example/a', 'https://evil.example/b']);
  });

  it('records a PDF decompression bomb as PDF_TOO_COMPLEX and indexes the other documents', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c-bomb');
    const run = await ctx.db.query<{ id: number }>(`INSERT INTO crawl_runs (source_id, trigger) VALUES ($1, 'cli') RETURNING id`, [sourceId]);
    const outcomes = extractSources([
      { data: await writePdfBomb(400 * 1024 * 1024, 'string'), name: 'bomb.pdf', url: 'https://ex.fr/bomb.pdf' },
      { data: writePdf({ pages: ['Le guide des conges payes apres la bombe.'] }), name: 'guide.pdf', url: 'https://ex.fr/guide.pdf' },
    ]);
    const s = await indexDocuments(ctx.db, new HashEmbedder(), { collectionId, sourceId, runId: run.rows[0]!.id }, outcomes, undefined, opts);
    expect(s).toMatchObject({ new: 1, failed: 1, failedByCode: { PDF_TOO_COMPLEX: 1 } });
    const { rows } = await ctx.db.query<{ code: string }>('SELECT code FROM ingest_errors WHERE run_id = $1', [run.rows[0]!.id]);
    expect(rows.map((r) => r.code)).toEqual(['PDF_TOO_COMPLEX']);
    expect(await searchable(ctx.db, collectionId, 'bombe')).toEqual(['https://ex.fr/guide.pdf']);
  });

  it('leaves the previous version intact when writing a new one fails midway', async () => {
    const { collectionId } = await setup(ctx.db, 'c4');
    const e = new HashEmbedder();
    const v1 = makeDoc('https://ex.fr/t', ['Version originale du texte.', 'Autre partie originale.']);
    await indexDocuments(ctx.db, e, { collectionId }, [ok(v1)], undefined, opts);
    // the chunk INSERT of the new version fails after the document row and old chunks were touched
    const faulty: Database = {
      ...ctx.db,
      mode: ctx.db.mode,
      query: (sql, params) => ctx.db.query(sql, params),
      exec: (sql) => ctx.db.exec(sql),
      close: () => ctx.db.close(),
      transaction: (fn) =>
        ctx.db.transaction((tx) =>
          fn({
            query: async (sql, params) => {
              // index-boundary: not a write (recognises the index store's chunk insert, to fail it)
              if (statementText(sql).includes('INSERT INTO chunks') && JSON.stringify(params).includes('panne')) throw new Error('disk full (simulated)');
              return tx.query(sql, params);
            },
          }),
        ),
    };
    const v2 = makeDoc(v1.url, ['Version originale du texte.', 'Nouvelle partie qui provoque une panne.']);
    const other = makeDoc('https://ex.fr/other', ['Un autre document sain.']);
    const s = await indexDocuments(faulty, e, { collectionId }, [ok(v2), ok(other)], undefined, opts);
    expect(s).toMatchObject({ failed: 1, new: 1 });
    expect(s.errors[0]).toMatchObject({ location: v1.url, code: 'INDEX_FAILED' });
    const { rows } = await ctx.db.query<{ text: string }>(
      `SELECT c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = $1 AND d.collection_id = $2 ORDER BY ord`,
      [v1.url, collectionId],
    );
    expect(rows.map((r) => r.text)).toEqual(['Version originale du texte.', 'Autre partie originale.']);
    expect(await searchable(ctx.db, collectionId, 'originale')).toEqual([v1.url]);
  });

  it('marks documents that disappeared from their source deleted; they leave search at once', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c5');
    const e = new HashEmbedder();
    const a = makeDoc('https://ex.fr/keep', ['Document conservé sur la mutuelle.']);
    const b = makeDoc('https://ex.fr/gone', ['Document retiré sur la mutuelle.']);
    const c = makeDoc('https://ex.fr/broken', ['Document cassé sur la mutuelle.']);
    await indexDocuments(ctx.db, e, { collectionId, sourceId }, [ok(a), ok(b), ok(c)], undefined, opts);
    expect(await searchable(ctx.db, collectionId, 'mutuelle')).toHaveLength(3);
    const s = await indexDocuments(
      ctx.db,
      e,
      { collectionId, sourceId },
      [ok(a), { ok: false, location: 'https://ex.fr/broken', code: 'HTML_INVALID', message: 'x' }],
      undefined,
      { ...opts, deleteMissing: true },
    );
    expect(s).toMatchObject({ unchanged: 1, deleted: 1, failed: 1 });
    expect(await searchable(ctx.db, collectionId, 'mutuelle')).toEqual(['https://ex.fr/broken', 'https://ex.fr/keep']);
    const { rows } = await ctx.db.query<{ status: string; chunk_count: number }>(
      'SELECT status, chunk_count FROM documents WHERE url = $1',
      ['https://ex.fr/gone'],
    );
    expect(rows[0]).toEqual({ status: 'deleted', chunk_count: 0 });
    // it comes back: indexed again as changed
    const back = await indexDocuments(ctx.db, e, { collectionId, sourceId }, [ok(b)], undefined, opts);
    expect(back).toMatchObject({ changed: 1 });
    expect(await searchable(ctx.db, collectionId, 'retiré')).toEqual(['https://ex.fr/gone']);
  });

  it('indexes one document with fetch validators (crawler path)', async () => {
    const { collectionId, sourceId } = await setup(ctx.db, 'c6');
    const e = new CountingEmbedder();
    const d = makeDoc('https://ex.fr/page', ['Contenu de la page.']);
    expect(await indexDocument(ctx.db, e, { collectionId, sourceId, etag: '"v1"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT' }, d)).toBe('new');
    expect(await indexDocument(ctx.db, e, { collectionId, sourceId, etag: '"v1"' }, d)).toBe('unchanged');
    expect(e.texts).toBe(1);
    const { rows } = await ctx.db.query<{ etag: string; last_modified: string }>('SELECT etag, last_modified FROM documents WHERE url = $1', [d.url]);
    expect(rows[0]).toEqual({ etag: '"v1"', last_modified: 'Mon, 01 Jan 2024 00:00:00 GMT' });
    const err = (await indexDocument(ctx.db, e, { collectionId }, makeDoc('https://ex.fr/vide', [''])).catch((x: unknown) => x)) as CiteError;
    expect(err.code).toBe('EMPTY_DOCUMENT');
  });

  it('indexes concurrently from several writers without losing or duplicating anything', async () => {
    const { collectionId } = await setup(ctx.db, 'c7');
    const e = new HashEmbedder();
    const docs = Array.from({ length: 30 }, (_, i) => makeDoc(`https://ex.fr/p${i}`, [sentences(`thème${i}`, 3)]));
    // two runs over overlapping halves at the same time, as two crawler workers would
    const [s1, s2] = await Promise.all([
      indexDocuments(ctx.db, e, { collectionId }, docs.slice(0, 20).map(ok), undefined, { ...opts, embedBatch: 8 }),
      indexDocuments(ctx.db, e, { collectionId }, docs.slice(10).map(ok), undefined, { ...opts, embedBatch: 8 }),
    ]);
    expect(s1.failed + s2.failed).toBe(0);
    expect(s1.new + s2.new).toBe(30);
    expect(s1.unchanged + s2.unchanged).toBe(10);
    const { rows } = await ctx.db.query<{ n: number; bad: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE chunk_count <> (SELECT count(*) FROM chunks c WHERE c.document_id = d.id))::int AS bad
         FROM documents d WHERE collection_id = $1`,
      [collectionId],
    );
    expect(rows[0]).toEqual({ n: 30, bad: 0 });
  });
});

describeEachDatabase('embedding model changes', (ctx) => {
  it('refuses another model, then reembeds (resumable) to a new dimension', async () => {
    const { collectionId } = await setup(ctx.db, 'm1');
    const hash = new CountingEmbedder();
    const docs = Array.from({ length: 6 }, (_, i) => makeDoc(`https://ex.fr/m${i}`, [sentences(`sujet${i}`, 4)]));
    const first = await indexDocuments(ctx.db, hash, { collectionId }, docs.map(ok), undefined, opts);

    const other = new CountingEmbedder('transformers:other', 64);
    const err = (await indexDocuments(ctx.db, other, { collectionId }, docs.map(ok), undefined, opts).catch((x: unknown) => x)) as CiteError;
    expect(err).toBeInstanceOf(CiteError);
    expect(err.code).toBe('EMBEDDING_MODEL_MISMATCH');
    expect(err.message).toMatch(/cite reembed/);
    expect(other.texts).toBe(0);

    // interrupted after one batch, then resumed
    const part = await reembed(ctx.db, other, { batchSize: 2, maxBatches: 1 });
    expect(part).toMatchObject({ complete: false, resized: true, chunks: 2 });
    expect(await getEmbeddingModel(ctx.db)).toEqual({ id: 'transformers:other', dimension: 64, reembedding: true });
    const rest = await reembed(ctx.db, other, { batchSize: 2 });
    expect(rest.complete).toBe(true);
    expect(part.chunks + rest.chunks).toBe(first.chunks);
    expect(await getEmbeddingModel(ctx.db)).toEqual({ id: 'transformers:other', dimension: 64 });
    const { rows } = await ctx.db.query<{ missing: number; dims: number }>(
      `SELECT count(*) FILTER (WHERE embedding IS NULL)::int AS missing, max(vector_dims(embedding))::int AS dims FROM chunks`,
    );
    expect(rows[0]).toEqual({ missing: 0, dims: 64 });
    const idx = await ctx.db.query<{ options: string[] }>(`SELECT reloptions AS options FROM pg_class WHERE relname = 'chunks_embedding_idx'`);
    expect(idx.rows.map((r) => r.options)).toEqual([['m=12', 'ef_construction=48']]);

    // now the old model is refused and the new one indexes
    expect(((await indexDocuments(ctx.db, hash, { collectionId }, [], undefined, opts).catch((x: unknown) => x)) as CiteError).code).toBe(
      'EMBEDDING_MODEL_MISMATCH',
    );
    const s = await indexDocuments(ctx.db, other, { collectionId }, [ok(makeDoc('https://ex.fr/new', ['Nouveau texte.']))], undefined, opts);
    expect(s.new).toBe(1);
    const near = await ctx.db.query<{ url: string }>(
      `SELECT d.url FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.embedding <=> $1::vector LIMIT 1`,
      [`[${Array.from(await other.embedQuery('Nouveau texte.')).join(',')}]`],
    );
    expect(near.rows[0]!.url).toBe('https://ex.fr/new');
  });
});
