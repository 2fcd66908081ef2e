import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeZip } from '@cite/ingestion/extractors/testing/zip-writer.js';
import { outcomesOf } from '@cite/ingestion/ingest/ingest-inputs.js';
import { collectionByName, filesSource, finishIngestRun, startIngestRun } from '@cite/ingestion/ingest/ingest-run.js';
import { indexDocuments, type IndexSummary } from '@cite/ingestion/ingest/index-documents.js';
import { UPLOAD_MAX_FILES } from '../admin/uploads-routes.js';
import { loadConfig } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { createEmbedder } from '@cite/core/embeddings/create-embedder.js';
import { isCiteError } from '@cite/core/errors.js';
import { availableModes, openTestDatabase } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';
import { addSummaries, documentsOf, localFilesOf, uploadToEngine, type EngineUploadProgress } from './engine-upload.js';
import { engineUploadProgress } from './ingest-progress.js';

/** A folder with more files than one upload request takes, a zip, JSONL, and one file that cannot be read. */
function writeFixture(dir: string): number {
  fs.mkdirSync(path.join(dir, 'fiches'), { recursive: true });
  const many = UPLOAD_MAX_FILES + 5;
  for (let i = 0; i < many; i++) {
    fs.writeFileSync(
      path.join(dir, 'fiches', `fiche-${String(i).padStart(3, '0')}.md`),
      `# Fiche ${i}\n\nLa démarche numéro ${i} se fait en mairie ou en ligne, avec un justificatif de domicile de moins de ${i % 6 + 1} mois.\n`,
    );
  }
  fs.writeFileSync(
    path.join(dir, 'conges.html'),
    `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Congés payés</title></head><body><main><h1>Congés payés</h1>
     <p>Le salarié a droit à deux jours et demi ouvrables de congé par mois de travail effectif.</p></main></body></html>`,
  );
  fs.writeFileSync(
    path.join(dir, 'lignes.jsonl'),
    `${JSON.stringify({ url: 'https://exemple.gouv.fr/carte-grise', title: 'Carte grise', text: 'La carte grise se demande en ligne sur le site de l’ANTS.' })}\nceci n'est pas du JSON\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'archive.zip'),
    writeZip([
      { name: 'teletravail.md', data: '# Télétravail\n\nLe télétravail est mis en place par accord collectif ou charte.' },
      { name: 'sous/stage.txt', data: 'La gratification de stage est due au-delà de deux mois de présence.' },
    ]),
  );
  fs.writeFileSync(path.join(dir, 'faux.html'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 9, 0, 0, 0, 1, 2]));
  return many + 1 + 1 + 2; // the fiches, the HTML page, the good JSONL line, the zip's two entries (the rest fails)
}

/** Each document with what identifies its content and its chunks, in one collection. */
async function indexed(db: Database, collection: string) {
  const { rows } = await db.query<{ url: string; content_hash: string; chunks: string[] }>(
    `SELECT d.url, d.content_hash, array_agg(c.hash ORDER BY c.ord) AS chunks
       FROM documents d JOIN collections col ON col.id = d.collection_id JOIN chunks c ON c.document_id = d.id
      WHERE col.name = $1 AND d.status = 'active'
      GROUP BY d.url, d.content_hash ORDER BY d.url`,
    [collection],
  );
  return rows;
}

/** The summary without what differs by nature: time, and the error list (compared on its own). */
const outcomeCounts = (s: IndexSummary) => Object.fromEntries(Object.entries(s).filter(([k, v]) => k !== 'ms' && !Array.isArray(v)));

for (const mode of availableModes()) {
  describe(`cite ingest through a running engine [${mode}]`, () => {
    let dir: string;
    let expectedDocuments: number;
    let e: TestEngine;
    let direct: { db: Database; dispose: () => Promise<void> };
    let directSummary: IndexSummary;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-engine-upload-'));
      expectedDocuments = writeFixture(dir);
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      // the direct ingest, as `cite ingest` runs it when it holds the database itself
      direct = await openTestDatabase(mode);
      const cfg = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: 'memory://' });
      const embedder = await createEmbedder(cfg);
      const collectionId = await collectionByName(direct.db, 'docs');
      const sourceId = await filesSource(direct.db, collectionId);
      const runId = await startIngestRun(direct.db, sourceId, 'cli', [dir]);
      directSummary = await indexDocuments(direct.db, embedder, { collectionId, sourceId, runId }, outcomesOf([dir], cfg), undefined, {
        chunkTokens: cfg.CHUNK_TOKENS,
        overlapTokens: cfg.CHUNK_OVERLAP_TOKENS,
      });
      await finishIngestRun(direct.db, runId, directSummary);
    }, 120_000);
    afterAll(async () => {
      await e?.stop();
      await direct?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('gives the documents and chunks of a direct ingest, in several requests, following bytes and documents to their totals', async () => {
      const { files } = await localFilesOf([dir]);
      expect(files.length).toBeGreaterThan(UPLOAD_MAX_FILES); // more than one request
      const updates: EngineUploadProgress[] = [];
      const { summary, runIds } = await uploadToEngine({ url: e.url, key: e.keys.admin }, files, 'docs', (p) => updates.push(p));

      expect(runIds).toHaveLength(2);
      expect(directSummary.new).toBe(expectedDocuments);
      expect(outcomeCounts(summary)).toEqual(outcomeCounts(directSummary));
      // failures print the same whole paths either way (issue 20)
      const locations = (s: IndexSummary) => s.errors.map((x) => x.location).sort();
      expect(locations(directSummary).length).toBeGreaterThan(0);
      expect(locations(directSummary).every((l) => l.startsWith(dir))).toBe(true);
      expect(locations(summary)).toEqual(locations(directSummary));
      const viaEngine = await indexed(e.db, 'docs');
      expect(viaEngine).toHaveLength(expectedDocuments);
      expect(viaEngine).toEqual(await indexed(direct.db, 'docs'));

      const last = updates.at(-1)!;
      const bytes = files.reduce((n, f) => n + f.size, 0);
      expect(last).toMatchObject({ bytesSent: bytes, bytesTotal: bytes, documents: documentsOf(directSummary), failed: directSummary.failed });
      expect(documentsOf(directSummary)).toBeGreaterThan(expectedDocuments);
      // sending and indexing are followed as they go, not only at the end
      expect(updates.filter((u) => u.bytesSent < bytes).length).toBeGreaterThan(0);
      expect(new Set(updates.map((u) => u.documents)).size).toBeGreaterThan(2);
      // each request is a run of the engine's upload source, which records what it did
      const { rows } = await e.db.query<{ indexed: number; failed: number; status: string }>(
        `SELECT indexed, failed, status FROM crawl_runs WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [runIds],
      );
      expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
      expect(rows.reduce((n, r) => n + Number(r.indexed), 0)).toBe(expectedDocuments);
    });

    it('sent again (an interrupted ingest run once more), finds everything unchanged and duplicates nothing', async () => {
      const { summary } = await uploadToEngine({ url: e.url, key: e.keys.admin }, (await localFilesOf([dir])).files, 'docs');
      expect(summary).toMatchObject({ new: 0, changed: 0, unchanged: expectedDocuments, failed: directSummary.failed, chunks: 0 });
      const { rows } = await e.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = 'docs'`,
      );
      expect(rows[0]!.n).toBe(expectedDocuments);
    });

    it('keeps the rights and limits of the upload API: an agent key is refused with the engine’s code', async () => {
      const refused = await uploadToEngine({ url: e.url, key: e.keys.agent }, (await localFilesOf([path.join(dir, 'conges.html')])).files, 'docs').catch((err: unknown) => err);
      expect(isCiteError(refused) && { code: refused.code, status: refused.status }).toEqual({ code: 'FORBIDDEN', status: 403 });
    });

    it('shows the progress: plain lines off a terminal ending on the totals, a bar on a terminal', async () => {
      const { files } = await localFilesOf([path.join(dir, 'archive.zip'), path.join(dir, 'conges.html')]);
      const bytes = files.reduce((n, f) => n + f.size, 0);
      const capture = (isTTY: boolean) => {
        const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
        let text = '';
        stream.on('data', (d: Buffer) => (text += d.toString()));
        return { stream, text: () => text };
      };
      const plain = capture(false);
      const lines = engineUploadProgress(plain.stream, true);
      await uploadToEngine({ url: e.url, key: e.keys.admin }, files, 'progress-plain', (p) => lines.update(p));
      lines.stop();
      const written = plain.text().trim().split('\n');
      expect(written.at(-1)).toBe(`ingest: ${(bytes / 1024 / 1024).toFixed(1)} of ${(bytes / 1024 / 1024).toFixed(1)} MB sent, 3 documents read, 0 failed, 3 chunks`);

      const tty = capture(true);
      const bar = engineUploadProgress(tty.stream, true);
      await uploadToEngine({ url: e.url, key: e.keys.admin }, files, 'progress-tty', (p) => bar.update(p));
      bar.stop();
      // the bar's last drawing: everything sent, the three documents read
      expect(tty.text()).toMatch(/Sending \[█{20}\] 0\.0\/0\.0 MB \| 3 read, 0 failed, 3 chunks/);
    });
  });
}

describe('cite ingest through a running engine: inputs and summaries', () => {
  it('adds the summaries of several requests field by field, lists capped like one run', () => {
    const one = (n: number, code: string) =>
      ({ new: n, changed: 1, unchanged: 2, failed: 1, deleted: 0, chunks: 3 * n, embedded: 3 * n, ms: 10, errors: Array.from({ length: 60 }, (_, i) => ({ location: `${code}${i}`, code, message: '' })), failedByCode: { [code]: 1 }, skipped: 2, skippedByCode: { SP_NOT_PUBLISHED: 2 } }) as IndexSummary;
    const sum = addSummaries(one(4, 'A'), one(5, 'B')) as IndexSummary & { skipped: number; skippedByCode: Record<string, number> };
    expect(sum).toMatchObject({ new: 9, changed: 2, unchanged: 4, failed: 2, chunks: 27, ms: 20, failedByCode: { A: 1, B: 1 }, skipped: 4, skippedByCode: { SP_NOT_PUBLISHED: 4 } });
    expect(sum.errors).toHaveLength(100);
    expect(sum.errors.at(-1)!.location).toBe('B39');
    expect(documentsOf(sum)).toBe(9 + 2 + 4 + 2 + 4);
  });

  it('refuses URLs before sending anything, and reports what it cannot read as a direct ingest does, going on with the rest', async () => {
    await expect(localFilesOf(['https://exemple.gouv.fr/'])).rejects.toMatchObject({ code: 'INGEST_URL_THROUGH_ENGINE' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-local-files-'));
    try {
      fs.mkdirSync(path.join(dir, 'docs'));
      fs.writeFileSync(path.join(dir, 'docs', 'a.md'), '# A');
      fs.writeFileSync(path.join(dir, 'docs', '.cache'), 'caché');
      fs.symlinkSync(path.join(dir, 'docs', 'a.md'), path.join(dir, 'docs', 'lien.md'));
      const absent = path.join(dir, 'absent.md');
      const { files, errors } = await localFilesOf([absent, path.join(dir, 'docs')]);
      expect(files.map((f) => path.basename(f.path))).toEqual(['a.md']);
      expect(errors.map((e) => [path.basename(e.location), e.code])).toEqual([
        ['absent.md', 'FILE_NOT_FOUND'],
        ['lien.md', 'SYMLINK_NOT_FOLLOWED'],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a request the engine cuts short with what to do next', async () => {
    const http = await import('node:http');
    // an "engine" that accepts the upload, then dies before indexing ends
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(`${JSON.stringify({ event: 'accepted', run_id: 42, collection: 'x', files: [] })}\n`);
        setTimeout(() => res.destroy(), 100);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const file = path.join(os.tmpdir(), `cite-cut-${process.pid}.txt`);
    fs.writeFileSync(file, 'bonjour');
    try {
      const err = await uploadToEngine({ url: `http://127.0.0.1:${port}`, key: 'k' }, (await localFilesOf([file])).files, 'x').catch((x: unknown) => x);
      expect(err).toMatchObject({ code: 'ENGINE_UPLOAD_CUT', message: expect.stringContaining('run 42') });
    } finally {
      server.close();
      fs.rmSync(file, { force: true });
    }
  });
});
