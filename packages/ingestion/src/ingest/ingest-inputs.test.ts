import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import type { ExtractOutcome } from '../extractors/extract.js';
import { outcomesOf } from './ingest-inputs.js';

async function collect(it: AsyncIterable<ExtractOutcome>): Promise<ExtractOutcome[]> {
  const out: ExtractOutcome[] = [];
  for await (const o of it) out.push(o);
  return out;
}

describe('ingest inputs', () => {
  let server: http.Server;
  let base: string;
  let dir: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/fiche.html' || req.url === '/guide%E9.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html lang="fr"><head><title>Fiche en ligne</title></head><body><main><h1>Fiche en ligne</h1><p>Contenu publié sur le site.</p></main></body></html>');
      } else res.writeHead(404).end('absent');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-inputs-'));
    fs.writeFileSync(path.join(dir, 'note.md'), '# Note\n\nUne note locale.');
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fetches URLs, reads paths, and reports each failure on its own', async () => {
    const cfg = loadConfig({ CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true' });
    const outcomes = await collect(outcomesOf([`${base}/fiche.html`, `${base}/absent.html`, path.join(dir, 'note.md'), path.join(dir, 'nope.md')], cfg));
    const okTitles = outcomes.flatMap((o) => (o.ok ? [o.document.title] : [])).sort();
    expect(okTitles).toEqual(['Fiche en ligne', 'Note']);
    const online = outcomes.find((o) => o.ok && o.document.title === 'Fiche en ligne');
    expect(online?.ok && online.document.url).toBe(`${base}/fiche.html`);
    const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.code])).sort();
    expect(failures).toEqual(['FETCH_HTTP_ERROR', 'FILE_NOT_FOUND']);
  });

  it('reads a page whose URL holds a percent-escape that is not UTF-8 (a Latin-1 server\'s)', async () => {
    const cfg = loadConfig({ CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true' });
    const outcomes = await collect(outcomesOf([`${base}/guide%E9.html`], cfg));
    expect(outcomes.map((o) => (o.ok ? o.document.url : o.code))).toEqual([`${base}/guide%E9.html`]);
  });

  it('refuses a FIFO and a device named as inputs, promptly, and reads the others', async () => {
    const fifo = path.join(dir, 'pipe.md');
    execFileSync('mkfifo', [fifo]);
    // before: the FIFO with no writer blocked the run for ever, /dev/zero read as "empty"
    const outcomes = await collect(outcomesOf([fifo, '/dev/zero', path.join(dir, 'note.md')], loadConfig({})));
    expect(outcomes.map((o) => (o.ok ? o.document.title : `${o.code} ${o.location}`))).toEqual([`NOT_A_FILE ${fifo}`, 'NOT_A_FILE /dev/zero', 'Note']);
  }, 10_000);

  it('says a link named as an input leads nowhere, rather than that it does not exist', async () => {
    const loop = path.join(dir, 'boucle');
    fs.symlinkSync(loop, loop);
    const [outcome] = await collect(outcomesOf([loop], loadConfig({})));
    expect(outcome).toMatchObject({ ok: false, code: 'FILE_NOT_FOUND', message: expect.stringContaining('symbolic link that leads nowhere') });
  });

  it('refuses loopback URLs unless private networks are allowed', async () => {
    const outcomes = await collect(outcomesOf([`${base}/fiche.html`], loadConfig({})));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.ok).toBe(false);
  });
});
