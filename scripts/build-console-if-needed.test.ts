import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { buildReason, main } from './build-console-if-needed.mjs';

const dirs: string[] = [];
function fakeRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-prepare-'));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'console/src'), { recursive: true });
  fs.writeFileSync(path.join(root, 'console/src/main.tsx'), 'x');
  fs.mkdirSync(path.join(root, 'node_modules/vite'), { recursive: true });
  fs.writeFileSync(path.join(root, 'node_modules/vite/package.json'), '{}');
  return root;
}
function touch(file: string, secondsAgo: number) {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, t, t);
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('build-console-if-needed', () => {
  it('builds when dist is missing or older than the sources, not when current', () => {
    const root = fakeRoot();
    expect(buildReason(root)).toBe('console/dist is missing');
    fs.mkdirSync(path.join(root, 'console/dist'));
    fs.writeFileSync(path.join(root, 'console/dist/index.html'), '<html>');
    touch(path.join(root, 'console/dist/index.html'), 60);
    expect(buildReason(root)).toBe('console/dist is older than console/src');
    touch(path.join(root, 'console/src/main.tsx'), 120);
    expect(buildReason(root)).toBeNull();

    let builds = 0;
    expect(main({ root, env: {}, build: () => ((builds += 1), { ok: true, output: '' }), log: () => {} })).toBe('');
    expect(builds).toBe(0);
  });

  it('never fails the install: a failed build or a missing vite is reported and swallowed', () => {
    const root = fakeRoot();
    const lines: string[] = [];
    const out = main({ root, env: {}, build: () => ({ ok: false, output: 'error: boom in App.tsx' }), log: (s: string) => lines.push(s) });
    expect(out).toContain('console/dist is missing');
    expect(out).toContain('boom in App.tsx');
    expect(lines).toHaveLength(1);

    fs.rmSync(path.join(root, 'node_modules'), { recursive: true });
    const noVite = main({ root, env: {}, build: () => { throw new Error('must not build'); }, log: () => {} });
    expect(noVite).toContain('vite is not installed');

    const thrown = main({ root: path.join(root, 'nope'), env: {}, build: () => ({ ok: true, output: '' }), log: () => {} });
    expect(thrown).toBe('');
    expect(main({ root, env: { CITE_SKIP_CONSOLE_BUILD: '1' }, build: () => { throw new Error('skip'); }, log: () => {} })).toBe('');
  });
});
