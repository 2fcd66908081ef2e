/**
 * What the logs look like, on real output: `cite start` (embedded and server database) writes JSON lines
 * when its stdout is not a terminal, none with a key twice (a key bound by a parent logger and again by a
 * child, or passed again to a call, is written twice by pino: log collectors then keep either); on a
 * terminal the same lines read as text (pretty-log.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { availableModes, createServerDatabase } from '@cite/core/testing/databases.js';
import { formatLogLine } from '@cite/core/observability/pretty-log.js';

const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/cite.mjs');

/** Top-level keys of a JSON object's text, in order, repeats included (JSON.parse keeps only the last). */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (depth === 1 && c === ',') expectKey = true;
    else if (depth === 1 && c === ':') expectKey = false;
  }
  return keys;
}

const repeated = (keys: string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);

describe('log lines', () => {
  it('finds a key written twice (the check itself)', () => {
    expect(repeated(topLevelKeys('{"a":1,"b":{"a":2,"c":[{"a":3}]},"s":"x\\",\\"a\\":1","a":4}'))).toEqual(['a']);
    expect(topLevelKeys('{"level":30,"msg":"ok, \\"quoted\\": yes","n":[1,{"m":2}]}')).toEqual(['level', 'msg', 'n']);
  });

  it('reads as text on a terminal: time, level, component, message, then the other fields', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino({ base: { service: 'cite' }, timestamp: pino.stdTimeFunctions.isoTime }, sink).child({ component: 'crawler', worker: 'h:1' });
    log.info({ concurrency: 8, url: 'https://exemple.gouv.fr/a b' }, 'crawler worker started');
    log.error({ err: new Error('boom') }, 'claim failed');
    expect(formatLogLine(lines[0]!)).toMatch(/^\d\d:\d\d:\d\d INFO {2}crawler: crawler worker started worker=h:1 concurrency=8 url="https:\/\/exemple\.gouv\.fr\/a b"\n$/);
    expect(formatLogLine(lines[1]!)).toMatch(/^\d\d:\d\d:\d\d ERROR crawler: claim failed worker=h:1 err="boom"\n$/);
    expect(formatLogLine('not json')).toBe('not json\n');
  });

  for (const mode of availableModes()) {
    describe(`cite start [${mode}]`, () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-logs-'));
      const children: ChildProcess[] = [];
      let drop = async () => {};
      afterAll(async () => {
        for (const c of children) c.kill('SIGKILL');
        await drop();
        fs.rmSync(tmp, { recursive: true, force: true });
      });

      it('writes JSON lines with no key twice while it serves, indexes, searches, answers and crawls', async () => {
        const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: path.join(tmp, 'data'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', EMBEDDINGS: 'hash' };
        for (const k of ['DATABASE_URL', 'CITE_URL', 'CITE_API_KEY', 'LLM_BASE_URL']) delete env[k];
        if (mode === 'server') {
          const created = await createServerDatabase(process.env.DATABASE_URL!);
          env.DATABASE_URL = created.url;
          drop = created.drop;
        }
        let out = '';
        const cite = (command: string) => {
          const c = spawn(process.execPath, [CITE, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
          c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
          children.push(c);
          return c;
        };
        const engine = cite('start');
        const waitFor = async (re: RegExp, ms = 120_000) => {
          const until = Date.now() + ms;
          while (!re.test(out)) {
            if (Date.now() > until || engine.exitCode !== null) throw new Error(`no ${re} in:\n${out}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          return re.exec(out)!;
        };
        const url = (await waitFor(/Cité is listening on (http:\/\/\S+?) /))[1]!;
        const key = /^\s+(cite_\S+)\s*$/m.exec(out)![1]!;
        // on a server database, crawls are the separate workers' (embedded: a part of cite start)
        const worker = mode === 'server' ? cite('worker') : undefined;
        await waitFor(/crawler worker started/);
        const call = (p: string, body?: unknown, init: RequestInit = {}) =>
          fetch(`${url}${p}`, {
            method: body === undefined ? 'GET' : 'POST',
            headers: { authorization: `Bearer ${key}`, ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
            ...init,
          });

        const form = new FormData();
        form.append('collection', 'journal');
        form.append('files', new Blob(['# Congés payés\n\nLe salarié a droit à deux jours et demi ouvrables de congé par mois.']), 'conges.md');
        form.append('files', new Blob(['']), 'vide.txt');
        expect((await call('/admin/api/uploads?wait=true', form)).status).toBe(200);
        expect((await call('/v1/search', { query: 'congés payés' })).status).toBe(200);
        expect((await call('/v1/answers', { question: 'Combien de jours de congés payés par mois ?' })).status).toBe(200);
        expect((await call('/v1/search', { query: 'x', filters: { collections: ['nulle-part'] } })).status).toBe(400);
        // a crawl of an unreachable site: the crawler worker's lines (its parts bind their own fields)
        // (start_urls at the top level: a body the API refuses would leave the crawl out, unnoticed)
        const source = await call('/admin/api/sources', { name: 'site', collection: 'journal', kind: 'website', start_urls: ['http://127.0.0.1:9/'] });
        expect(source.status).toBe(201);
        expect((await call(`/admin/api/sources/${((await source.json()) as { id: number }).id}/crawl`, {})).status).toBe(202);
        // the worker's lines about the crawl are written by the time it records the run's end
        await waitFor(/crawl run finished/, 60_000);
        for (const c of [engine, worker]) {
          if (!c) continue;
          c.kill('SIGTERM');
          if (c.exitCode === null) await new Promise((r) => c.once('exit', r));
        }

        const lines = out.split('\n').filter((l) => l.startsWith('{'));
        const components = new Set(lines.map((l) => (JSON.parse(l) as { component?: string }).component).filter(Boolean));
        expect(lines.length).toBeGreaterThan(5);
        expect(components).toContain('crawler');
        for (const line of lines) expect(repeated(topLevelKeys(line)), line).toEqual([]);
      }, 300_000);
    });
  }
});
