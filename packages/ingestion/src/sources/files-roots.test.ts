/**
 * Issue 21, finding 6: a files source read any file the engine could read (/etc/passwd was indexed and
 * searchable). Sources read server files only under FILES_ROOTS, judged on real paths (symlinks
 * resolved), at registration through the API and again when a worker reads them; `cite ingest` (the
 * machine's own user, not a source) is not confined.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { availableModes, describeEachDatabase } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { indexDocuments } from '../ingest/index-documents.js';
import { outcomesOf } from '../ingest/ingest-inputs.js';
import { crawlToEnd, testConfig } from '../testing/crawl-helpers.js';
import { assertPathAllowed, confinedFiles, parseFilesRoots } from './files-roots.js';
import { createSource } from './source-service.js';

const SECRET = '/etc/passwd';
const text = (topic: string) => `Le ${topic} est versé aux familles sous conditions de ressources. `.repeat(4);

/** root/ holds two documents, a link to /etc/passwd, a link to /etc, and a link to a file inside root. */
function makeTree(): { root: string; outside: string } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cite-roots-')));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'guide.txt'), text('complément familial'));
  fs.writeFileSync(path.join(root, 'sub', 'aide.txt'), text('forfait autonomie'));
  fs.writeFileSync(path.join(outside, 'voisin.txt'), text('secret du voisin'));
  fs.symlinkSync(SECRET, path.join(root, 'passwd.txt'));
  fs.symlinkSync('/etc', path.join(root, 'etc'));
  fs.symlinkSync(path.join(outside, 'voisin.txt'), path.join(root, 'voisin.txt'));
  fs.symlinkSync(path.join(root, 'guide.txt'), path.join(root, 'raccourci.txt'));
  return { root, outside };
}

describe('confinement to FILES_ROOTS', () => {
  const { root, outside } = makeTree();
  afterAll(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  it('parses absolute roots; the config refuses relative ones', () => {
    expect(parseFilesRoots(` ${root} , /srv/docs/ ,`)).toEqual([root, '/srv/docs']);
    expect(() => loadConfig({ FILES_ROOTS: 'docs' })).toThrow(/FILES_ROOTS/);
    expect(loadConfig({}).FILES_ROOTS).toBe('');
  });

  it.each([
    [SECRET, 'FILES_OUTSIDE_ROOTS'],
    [`${root}/../outside/voisin.txt`, 'FILES_OUTSIDE_ROOTS'],
    [`${root}/passwd.txt`, 'FILES_OUTSIDE_ROOTS'], // a symlink inside the root leading out
    [`${root}/etc`, 'FILES_OUTSIDE_ROOTS'],
    [`${root}-evil`, 'FILES_OUTSIDE_ROOTS'], // a sibling sharing the root's name as a prefix
  ])('refuses %s at registration (%s)', async (p, code) => {
    await expect(assertPathAllowed(p, [root])).rejects.toMatchObject({ code });
  });

  it('allows paths under a root, and refuses every path when no root is configured', async () => {
    await expect(assertPathAllowed(root, [root])).resolves.toBeUndefined();
    await expect(assertPathAllowed(`${root}/sub/aide.txt`, [root])).resolves.toBeUndefined();
    await expect(assertPathAllowed(`${root}/raccourci.txt`, [root])).resolves.toBeUndefined();
    await expect(assertPathAllowed(root, [])).rejects.toMatchObject({ code: 'FILES_ROOTS_UNSET' });
  });

  it('walks a directory on real paths: links out of the root are failed entries, the rest goes on', async () => {
    const entries = [];
    for await (const e of confinedFiles(root, [root])) entries.push(e);
    const ok = entries.filter((e) => e.ok).map((e) => (e.ok ? path.relative(root, new URL(e.url).pathname) : ''));
    expect(ok.sort()).toEqual(['guide.txt', 'raccourci.txt', 'sub/aide.txt']);
    const refused = entries.filter((e) => !e.ok).map((e) => (!e.ok ? [path.basename(e.location), e.code] : []));
    expect(refused.sort()).toEqual([
      ['etc', 'FILES_OUTSIDE_ROOTS'],
      ['passwd.txt', 'FILES_OUTSIDE_ROOTS'],
      ['voisin.txt', 'FILES_OUTSIDE_ROOTS'],
    ]);
    expect(outside).toBeTruthy();
  });
});

describeEachDatabase('files sources are confined to FILES_ROOTS when crawled', (ctx) => {
  const { root } = makeTree();
  afterAll(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  const indexedText = async (sourceId: number) =>
    (
      await ctx.db.query<{ text: string }>(
        `SELECT c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source_id = $1 AND d.status = 'active'`,
        [sourceId],
      )
    ).rows
      .map((r) => r.text)
      .join(' ');

  it('indexes the files under the root; links leading out of it are per-document errors, never indexed', async () => {
    // created without confinement (as before the fix, or by a trusted caller): the worker confines anyway
    const s = await createSource(ctx.db, { name: 'dossier', kind: 'files', collection: 'c-roots', start_urls: [root] });
    const run = await crawlToEnd(ctx.db, s.id, { config: testConfig({ FILES_ROOTS: root }) });
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded', indexed: 3, failed: 3 });
    expect(run.errors.map((e) => [e.reason, e.count])).toEqual([['FILES_OUTSIDE_ROOTS', 3]]);
    const indexed = await indexedText(s.id);
    expect(indexed).toContain('complément familial');
    expect(indexed).toContain('forfait autonomie');
    expect(indexed).not.toContain('root:');
    expect(indexed).not.toContain('secret du voisin');
  });

  it.each([
    ['/etc/passwd', { FILES_ROOTS: 'ROOT' }, 'FILES_OUTSIDE_ROOTS'],
    ['ROOT/passwd.txt', { FILES_ROOTS: 'ROOT' }, 'FILES_OUTSIDE_ROOTS'],
    ['ROOT/etc', { FILES_ROOTS: 'ROOT' }, 'FILES_OUTSIDE_ROOTS'],
    ['ROOT/guide.txt', { FILES_ROOTS: '' }, 'FILES_ROOTS_UNSET'],
  ])('refuses a source reading %s (%j): %s, nothing indexed', async (loc, env, code) => {
    const fix = (v: string) => v.replace('ROOT', root);
    const s = await createSource(ctx.db, { name: loc, kind: 'files', collection: `c-${code}-${loc.length}`, start_urls: [fix(loc)] });
    const run = await crawlToEnd(ctx.db, s.id, { config: testConfig({ FILES_ROOTS: fix(env.FILES_ROOTS) }) });
    expect(run.indexed, JSON.stringify(run)).toBe(0);
    expect(run.errors.map((e) => e.reason)).toEqual([code]);
    expect(await indexedText(s.id)).toBe('');
  });

  it('skips FIFOs, sockets and devices, named or found, unopened, NOT_A_FILE each; files beside indexed', async () => {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cite-special-')));
    const dir = path.join(base, 'dossier');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'note.txt'), text('chèque énergie'));
    const fifos = [path.join(dir, 'tube.txt'), path.join(base, 'file-d-attente.txt')];
    for (const f of fifos) execFileSync('mkfifo', [f]);
    const socket = net.createServer().listen(path.join(dir, 'prise.txt'));
    await new Promise((resolve) => socket.once('listening', resolve));
    // a reader that opened a FIFO would wait for a writer for ever: one that appears is counted, then given EOF
    let fifoOpened = false;
    const writer = setInterval(() => {
      for (const f of fifos) {
        try {
          fs.closeSync(fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
          fifoOpened = true;
        } catch {
          // ENXIO: nobody reads it
        }
      }
    }, 100);
    try {
      const start_urls = [dir, fifos[1]!, '/dev/zero'];
      const s = await createSource(ctx.db, { name: 'spéciaux', kind: 'files', collection: 'c-special', start_urls });
      const run = await crawlToEnd(ctx.db, s.id, { config: testConfig({ FILES_ROOTS: `${base},/dev` }) });
      expect(fifoOpened).toBe(false);
      expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded', indexed: 1, failed: 4 });
      expect(run.errors.map((e) => [e.reason, e.count])).toEqual([['NOT_A_FILE', 4]]);
      const named = run.errors[0]!.examples.map((e) => path.basename(e.url)).sort();
      expect(named).toEqual(['file-d-attente.txt', 'prise.txt', 'tube.txt', 'zero']);
      expect(await indexedText(s.id)).toContain('chèque énergie');
    } finally {
      clearInterval(writer);
      socket.close();
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('cite ingest (the machine user, not a source) still reads local paths with no FILES_ROOTS', async () => {
    const cfg = loadConfig({ EMBEDDINGS: 'hash', DATA_DIR: 'memory://', LOG_LEVEL: 'silent' });
    expect(cfg.FILES_ROOTS).toBe('');
    const c = await ctx.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('c-cli') RETURNING id`);
    const summary = await indexDocuments(ctx.db, new HashEmbedder(), { collectionId: Number(c.rows[0]!.id) }, outcomesOf([path.join(root, 'sub')], cfg), undefined, {
      chunkTokens: 200,
      overlapTokens: 0,
    });
    expect(summary).toMatchObject({ new: 1, failed: 0 });
  });
});

for (const mode of availableModes()) {
  describe(`admin API refuses server paths outside FILES_ROOTS [${mode}]`, () => {
    const { root } = makeTree();
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode, { FILES_ROOTS: root });
    });
    afterAll(async () => {
      await e?.stop();
      fs.rmSync(path.dirname(root), { recursive: true, force: true });
    });

    it('on create and update, for files, jsonl and service-public sources; paths under the root pass', async () => {
      const post = (kind: string, loc: string) => e.fetch('/admin/api/sources', { body: { name: `${kind} ${loc}`, kind, collection: 'api-roots', start_urls: [loc] } });
      for (const [kind, loc] of [
        ['files', '/etc'],
        ['files', SECRET],
        ['files', `${root}/passwd.txt`],
        ['jsonl', `${root}/../outside/voisin.txt`],
        ['service-public', '/etc/ssl'],
      ] as const) {
        const res = await post(kind, loc);
        expect(res.status, loc).toBe(400);
        expect(((await res.json()) as { code: string }).code, loc).toBe('FILES_OUTSIDE_ROOTS');
      }
      const ok = await post('files', root);
      expect(ok.status).toBe(201);
      const { id } = (await ok.json()) as { id: number };
      const put = await e.fetch(`/admin/api/sources/${id}`, { method: 'PUT', body: { start_urls: [SECRET] } });
      expect(put.status).toBe(400);
      expect(((await put.json()) as { code: string }).code).toBe('FILES_OUTSIDE_ROOTS');
      // web sources are untouched
      expect((await post('website', 'https://www.service-public.fr/')).status).toBe(201);
    });
  });
}

describe('a source service caller that confines with no roots', () => {
  it('refuses every server path with FILES_ROOTS_UNSET', async () => {
    await expect(assertPathAllowed('/srv/docs', parseFilesRoots(''))).rejects.toMatchObject({ code: 'FILES_ROOTS_UNSET', status: 400 });
  });
});
