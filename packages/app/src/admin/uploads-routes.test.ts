import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';

async function upload(e: TestEngine, files: Array<{ name: string; content: string | Uint8Array; type?: string }>, collection = 'uploads') {
  const form = new FormData();
  form.append('collection', collection);
  for (const f of files) form.append('files', new Blob([f.content], { type: f.type ?? 'application/octet-stream' }), f.name);
  return fetch(`${e.url}/admin/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${e.keys.admin}` }, body: form });
}

async function waitForRun(e: TestEngine, runId: number): Promise<Record<string, any>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = (await (await e.fetch(`/admin/api/crawl-runs/${runId}`)).json()) as Record<string, any>;
    if (run.status !== 'running' && run.status !== 'queued') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const mode of availableModes()) {
  describe(`uploads and reindex [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode, { INGEST_MAX_FILE_BYTES: '4096', RATE_LIMIT_PER_MINUTE: '100000' });
    });
    afterAll(async () => e?.stop());

    it('indexes uploaded files through a run, recording a bad file without losing the good one', async () => {
      const res = await upload(e, [
        { name: 'conges.md', content: '# Congés payés\n\nLe salarié a droit à 2,5 jours ouvrables de congés par mois de travail effectif.', type: 'text/markdown' },
        { name: '../../etc/binaire.html', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]) },
      ]);
      expect(res.status).toBe(202);
      const body = (await res.json()) as { run_id: number; files: string[] };
      expect(body.files).toEqual(['conges.md', 'etc/binaire.html']); // a client path never climbs out (no "..")
      const run = await waitForRun(e, body.run_id);
      expect(run).toMatchObject({ status: 'succeeded', indexed: 1, failed: 1 });
      const search = (await (await e.fetch('/v1/search', { role: 'agent', body: { query: 'jours ouvrables congés', k: 5 } })).json()) as {
        data: Array<{ document: { id: number; url: string } }>;
      };
      // search hits open an upload through the engine; its identity stays the client's path (issue 19)
      expect(search.data[0]?.document.url).toBe(`/v1/documents/${search.data[0]?.document.id}/original`);
      const doc = (await (await e.fetch(`/admin/api/documents/${search.data[0]!.document.id}`)).json()) as { url: string; link: string };
      expect(doc).toMatchObject({ url: expect.stringMatching(/^file:\/\/\/conges\.md$/), link: search.data[0]!.document.url });

      const reindex = await e.fetch(`/admin/api/documents/${search.data[0]!.document.id}/reindex`, { method: 'POST', body: {} });
      expect(reindex.status).toBe(200);
      expect(await reindex.json()).toMatchObject({ reindexed_chunks: expect.any(Number), status: 'active' });
      const audit = (await (await e.fetch('/admin/api/audit-log?range=[0,50]')).json()) as Array<{ action: string }>;
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['documents.upload', 'document.reindex']));
    });

    it('identifies an upload by its client path: same path updates, same name in another folder or with other content is another document', async () => {
      const send = async (files: Array<{ name: string; content: string }>) => {
        const res = await fetch(`${e.url}/admin/api/uploads?wait=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${e.keys.admin}` },
          body: (() => {
            const form = new FormData();
            form.append('collection', 'idents');
            for (const f of files) form.append('files', new Blob([f.content], { type: 'text/markdown' }), f.name);
            return form;
          })(),
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { summary: Record<string, number> }).summary;
      };
      const urls = async () => {
        const filter = encodeURIComponent(JSON.stringify({ q: 'ident' }));
        const docs = (await (await e.fetch(`/admin/api/documents?filter=${filter}&range=[0,50]`)).json()) as Array<{ url: string; status: string; title: string }>;
        return docs.filter((d) => d.status === 'active').map((d) => d.url).sort();
      };
      const first = await send([
        { name: 'ident/2023/rapport.md', content: '# Rapport 2023\n\nLe budget 2023 finance les crèches.' },
        { name: 'ident/2024/rapport.md', content: '# Rapport 2024\n\nLe budget 2024 finance les écoles.' },
        // picked one by one from two folders: only the base name came, the contents differ
        { name: 'ident-memo.md', content: '# Mémo A\n\nPremier mémo.' },
        { name: 'ident-memo.md', content: '# Mémo B\n\nSecond mémo.' },
        // the same file twice
        { name: 'ident-note.md', content: '# Note\n\nUne note.' },
        { name: 'ident-note.md', content: '# Note\n\nUne note.' },
      ]);
      expect(first).toMatchObject({ new: 5, changed: 0, failed: 0 });
      const stored = await urls();
      expect(stored).toHaveLength(5);
      expect(stored).toEqual(expect.arrayContaining(['file:///ident-memo.md', 'file:///ident-note.md', 'file:///ident/2023/rapport.md', 'file:///ident/2024/rapport.md']));
      expect(stored.filter((u) => /^file:\/\/\/ident-memo\.md\?sha256=[0-9a-f]{16}$/.test(u))).toHaveLength(1);
      // re-uploading a file under its path updates that document only
      const again = await send([{ name: 'ident/2023/rapport.md', content: '# Rapport 2023\n\nLe budget 2023 révisé finance les crèches et les écoles.' }]);
      expect(again).toMatchObject({ new: 0, changed: 1 });
      expect(await urls()).toHaveLength(5);
    });

    it('refuses oversized files, empty uploads, non-multipart bodies and a bad collection name', async () => {
      const big = await upload(e, [{ name: 'big.txt', content: 'x'.repeat(10_000), type: 'text/plain' }]);
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ code: 'FILE_TOO_LARGE' });
      const none = await upload(e, []);
      expect(none.status).toBe(400);
      expect(await none.json()).toMatchObject({ code: 'NO_FILES' });
      const json = await e.fetch('/admin/api/uploads', { body: { files: [] } });
      expect(json.status).toBe(400);
      const bad = await upload(e, [{ name: 'a.txt', content: 'bonjour' }], "x'; DROP TABLE documents;--");
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'INVALID_COLLECTION' });
    });

    it('`cite ingest` hands files to a running engine (embedded data dir held by it) and prints the summary', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-remote-ingest-'));
      fs.mkdirSync(path.join(dir, 'docs'));
      fs.writeFileSync(path.join(dir, 'docs', 'passeport.md'), '# Passeport\n\nLa demande de passeport se fait en mairie.\n');
      fs.writeFileSync(path.join(dir, 'docs', 'lignes.jsonl'), 'pas du json\n{"url":"https://x.fr/a","title":"A","text":"Texte sur la carte grise."}\n');
      const cite = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/cite.mjs');
      const env = { ...process.env, DATABASE_URL: '', DATA_DIR: path.join(dir, 'data'), CITE_URL: e.url, CITE_API_KEY: e.keys.admin, LOG_LEVEL: 'silent' };
      // one line fails and one input is missing: the run goes through with the rest, as a direct ingest, and exits 3 to say so
      const run = () =>
        promisify(execFile)(process.execPath, [cite, 'ingest', path.join(dir, 'docs'), path.join(dir, 'absent.md'), '--collection', 'remote', '--json'], { env }).then(
          () => expect.unreachable('exit code 0 though a line failed'),
          (e: { code: number; stdout: string; stderr: string }) => (expect(e.code).toBe(3), e),
        );
      const firstRun = await run();
      const first = JSON.parse(firstRun.stdout) as Record<string, unknown>;
      expect(first).toMatchObject({ collection: 'remote', new: 2, failed: 2, failedByCode: { FILE_NOT_FOUND: 1 } });
      expect(firstRun.stderr).toBe(''); // --json off a terminal: no progress lines
      const second = JSON.parse((await run()).stdout) as Record<string, unknown>;
      expect(second).toMatchObject({ new: 0, unchanged: 2, failed: 2 });
      expect(fs.existsSync(path.join(dir, 'data', 'pgdata'))).toBe(false); // the CLI never opened a database
      // the documents have the URLs a direct `cite ingest` gives: file:// + the absolute path
      const filter = encodeURIComponent(JSON.stringify({ q: 'passeport' }));
      const docs = (await (await e.fetch(`/admin/api/documents?filter=${filter}&range=[0,10]`)).json()) as Array<{ url: string }>;
      expect(docs.map((d) => d.url)).toEqual([pathToFileURL(path.join(dir, 'docs', 'passeport.md')).href]);
    }, 180_000); // two CLI processes started through tsx: 5 s on a quiet machine, a minute under CI load

    it('keeps an emoji whole when it cuts a long file name', async () => {
      // the cut at 1,000 units fell between the emoji's halves: a lone surrogate, refused by jsonb (a 500)
      const res = await upload(e, [{ name: `${'a'.repeat(999)}😀.txt`, content: 'Bonjour.', type: 'text/plain' }]);
      expect(res.status).toBe(202);
      expect(((await res.json()) as { files: string[] }).files).toEqual([expect.stringMatching(/^a+$/)]);
      // and at the 300 last units the indexing keeps of a name as the document's path
      const tail = await upload(e, [{ name: `😀${'b'.repeat(295)}.txt`, content: 'Bonsoir.', type: 'text/plain' }]);
      expect(tail.status).toBe(202);
    });

    it('refuses an agent and reindex of a missing document', async () => {
      const form = new FormData();
      form.append('files', new Blob(['x']), 'a.txt');
      const agent = await fetch(`${e.url}/admin/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${e.keys.agent}` }, body: form });
      expect(agent.status).toBe(403);
      expect((await e.fetch('/admin/api/documents/999999/reindex', { method: 'POST', body: {} })).status).toBe(404);
    });
  });
}
