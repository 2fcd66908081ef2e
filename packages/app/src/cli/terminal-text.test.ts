import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITE_BIN } from './node-flags.js';
import { terminalLine, terminalText } from './terminal-text.js';

const run = promisify(execFile);
/** What a terminal would act on: ESC, CR, BEL, C1 controls, bidi overrides. */
const ACTS_ON_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('foreign text on the terminal', () => {
  it('shows controls as escapes: one line stays one line, an answer keeps its lines', () => {
    expect(terminalLine('Titre\u001b[2J\u001b[H\rFAUX\n\u202efdp.exe')).toBe('Titre\\x1b[2J\\x1b[H FAUX \\u202efdp.exe');
    expect(terminalLine('h\u001b]0;pwned\u0007 \u009b31m')).toBe('h\\x1b]0;pwned\\x07 \\x9b31m');
    expect(terminalText('Ligne 1\r\nLigne 2\u001b[31m\tfin')).toBe('Ligne 1\nLigne 2\\x1b[31m\tfin');
    expect(terminalLine('Congés payés — « durée »')).toBe('Congés payés — « durée »');
  });

  describe('the commands print what pages, file names and an engine hold as text', () => {
    let dir: string;
    let server: http.Server;
    let env: Record<string, string>;
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-terminal-'));
      fs.mkdirSync(path.join(dir, 'docs'));
      fs.writeFileSync(path.join(dir, 'docs', 'vide\u001b[2J\rfaux.md'), '');
      // an engine (CITE_URL) whose search results hold terminal controls
      const hostile = 'T\u001b[2J\u001b[H\rFAKE\u001b]0;pwned\u0007';
      server = http.createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            data: [{ chunk_id: '1', text: hostile, heading_path: [hostile], locator: {}, score: 1, document: { id: '1', url: `https://x/${hostile}`, title: hostile, metadata: {} } }],
            timings: {},
          }),
        ),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      env = { ...(process.env as Record<string, string>), DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' };
      delete env.DATABASE_URL;
      delete env.CITE_URL;
      delete env.CITE_API_KEY;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('cite ingest: a file named with ESC and CR is listed on one line, its controls escaped', async () => {
      const { stdout } = await run(process.execPath, [CITE_BIN, 'ingest', path.join(dir, 'docs')], { env, timeout: 120_000 });
      expect(stdout).toContain('vide\\x1b[2J faux.md: EMPTY_DOCUMENT');
      expect(stdout).not.toMatch(ACTS_ON_TERMINAL);
    }, 130_000);

    it('cite search through an engine: titles, URLs, headings and text escaped', async () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { stdout } = await run(process.execPath, [CITE_BIN, 'search', 'x'], { env: { ...env, CITE_URL: url, CITE_API_KEY: 'k' }, timeout: 60_000 });
      expect(stdout).toContain('1. T\\x1b[2J\\x1b[H FAKE\\x1b]0;pwned\\x07 — https://x/T');
      expect(stdout).not.toMatch(ACTS_ON_TERMINAL);
    }, 70_000);
  });
});
