import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_YOUNG_GENERATION_MB } from '@cite/core/system/thread-heap.js';
import { CITE_BIN, citeNodeFlags } from './node-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const FIRST_LINE = fs.readFileSync(CITE_BIN, 'utf8').split('\n', 1)[0]!;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-node-flags-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface YoungGenerations {
  execArgv: string[];
  /** The main thread's new space after ALLOCATE, MB. */
  mainMb: number;
  /** A worker thread's, started with the young generation's cap Cité's threads have (thread-heap.ts). */
  workerMb: number;
}

/** Runs `body` as an executable script whose first line is `firstLine`; returns what it printed as JSON. */
function runScript(firstLine: string, body: string): YoungGenerations {
  const file = path.join(tmp, `script-${Math.random().toString(36).slice(2)}.cjs`);
  fs.writeFileSync(file, `${firstLine}\n${body}\n`, { mode: 0o755 });
  const run = spawnSync(file, [], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as YoungGenerations;
}

// allocates 200 MB of short-lived objects, then reports the size of the thread's new space (two semi-spaces)
const ALLOCATE = `let keep = [];
for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep = []; }
const newSpaceMb = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;`;

// ALLOCATE on the main thread, then on a worker thread capped as Cité's are
const WORKER = `${ALLOCATE}\nrequire('node:worker_threads').parentPort.postMessage(newSpaceMb);`;
const MAIN_AND_WORKER = `${ALLOCATE}
const limits = { maxYoungGenerationSizeMb: ${WORKER_YOUNG_GENERATION_MB} };
const worker = new (require('node:worker_threads').Worker)(${JSON.stringify(WORKER)}, { eval: true, resourceLimits: limits });
worker.once('message', (workerMb) => {
  console.log(JSON.stringify({ execArgv: process.execArgv, mainMb: newSpaceMb, workerMb }));
  worker.terminate();
});`;

/** A young generation of `mb` holds two semi-spaces of a third of it each (and a large-object space). */
const newSpaceOf = (youngGenerationMb: number) => (2 * youngGenerationMb) / 3;

describe("the cite command's node flags", () => {
  it('are read from the first line of bin/cite.mjs, this node accepts each of them, and none sizes the young generation', () => {
    const flags = citeNodeFlags();
    expect(FIRST_LINE).toBe(['#!/usr/bin/env -S node', ...flags].join(' '));
    for (const flag of flags) {
      // node refuses an option it does not know ("bad option", exit 9): a Node upgrade that dropped one fails here
      const run = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
      expect(run.status, `${flag}: ${run.stderr}`).toBe(0);
    }
    // V8's semi-space flag would override the worker threads' own caps (next test)
    expect(flags.filter((f) => /semi-space|young-generation/.test(f))).toEqual([]);
  });

  it("leave the main thread's young generation to V8 and let a worker thread's own cap hold", () => {
    const cap = newSpaceOf(WORKER_YOUNG_GENERATION_MB);
    const cite = runScript(FIRST_LINE, MAIN_AND_WORKER);
    expect(cite.execArgv).toEqual(citeNodeFlags());
    // the engine's thread grows past the cap (to 32 MB here: V8's semi-spaces of 16 MB), its workers do not
    expect(cite.mainMb).toBeGreaterThan(cap);
    expect(cite.workerMb).toBeLessThanOrEqual(cap);
    // with the flag the whole process shares, the worker's own cap is overridden: why the first line has none
    const flagged = runScript('#!/usr/bin/env -S node --max-semi-space-size=16', MAIN_AND_WORKER);
    expect(flagged.workerMb).toBeGreaterThan(cap);
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
