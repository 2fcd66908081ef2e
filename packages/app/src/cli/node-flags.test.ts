import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CITE_BIN, citeNodeFlags } from './node-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-node-flags-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `body` as an executable script whose first line is `firstLine`; returns what it printed as JSON. */
function runScript(firstLine: string, body: string): { execArgv: string[]; newSpaceMb: number } {
  const file = path.join(tmp, `script-${Math.random().toString(36).slice(2)}.cjs`);
  fs.writeFileSync(file, `${firstLine}\n${body}\n`, { mode: 0o755 });
  const run = spawnSync(file, [], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { execArgv: string[]; newSpaceMb: number };
}

// allocates 200 MB of short-lived objects, then reports the young generation's size
const ALLOCATE = `const v8 = require('node:v8');
let keep = [];
for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep = []; }
const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
console.log(JSON.stringify({ execArgv: process.execArgv, newSpaceMb: ns.space_size / 2 ** 20 }));`;

describe("the cite command's node flags", () => {
  it('are read from the first line of bin/cite.mjs, and this node accepts each of them', () => {
    const flags = citeNodeFlags();
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) {
      // node refuses an option it does not know ("bad option", exit 9): a Node upgrade that dropped one fails here
      const run = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
      expect(run.status, `${flag}: ${run.stderr}`).toBe(0);
    }
  });

  it('reach the process when the bin runs through its first line, and cap the young generation', () => {
    const firstLine = fs.readFileSync(CITE_BIN, 'utf8').split('\n', 1)[0]!;
    const capped = runScript(firstLine, ALLOCATE);
    expect(capped.execArgv).toEqual(citeNodeFlags());
    const semiSpaceMb = Number(/--max-semi-space-size=(\d+)/.exec(firstLine)![1]);
    // two semi-spaces of at most the cap
    expect(capped.newSpaceMb).toBeLessThanOrEqual(2 * semiSpaceMb);
    // without the flags, the same allocations grow it past that (to 32 MB here): the flag is what holds it
    const free = runScript('#!/usr/bin/env node', ALLOCATE);
    expect(free.execArgv).toEqual([]);
    expect(free.newSpaceMb).toBeGreaterThan(2 * semiSpaceMb);
  });

  it('the bin itself is executable and runs through that line', () => {
    const run = spawnSync(CITE_BIN, ['--help'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Usage: cite/);
  });

  it('the image runs the bin through its first line rather than a bare `node`', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null';
    expect(JSON.parse(entrypoint)).toEqual(['/usr/bin/tini', '--', 'packages/app/bin/cite.mjs']);
  });

  it('a first line of another form is refused, named', () => {
    const file = path.join(tmp, 'plain.mjs');
    fs.writeFileSync(file, '#!/usr/bin/env node\n');
    expect(() => citeNodeFlags(file)).toThrow(/expected a first line "#!\/usr\/bin\/env -S node/);
  });
});
