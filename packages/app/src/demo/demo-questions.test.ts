/**
 * One source for the demo's questions (demo/questions.json): `npm run demo` prints them and the README's
 * quick start quotes the same commands, so neither can drift from what demo-answers.test.ts checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAskCommands, demoBanner } from './demo-banner.js';
import { DEMO_DIR, demoFilePaths, readDemoQuestions } from './demo-corpus.js';
import type { DemoLoadResult } from './load-demo.js';

const ROOT = path.resolve(DEMO_DIR, '..');

/** The shell lines of the README's "Quick start" section's code blocks. */
function quickStartCommands(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start');
  if (start === -1) throw new Error('README.md has no "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').map((l) => l.trim()).filter(Boolean));
}

describe('demo questions', () => {
  const questions = readDemoQuestions();
  const commands = demoAskCommands(questions);

  it('the README quick start starts the demo and asks exactly the questions the demo prints', () => {
    const lines = quickStartCommands();
    expect(lines).toContain('npm ci && npm run demo');
    const asked = lines.filter((l) => l.startsWith('npx cite ask '));
    expect(asked).toEqual([...commands.answered, commands.declined]);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe('cite demo');
  });

  it('the demo prints every question as a command, with where to open the console', () => {
    const load: DemoLoadResult = { outcome: 'reused', collectionId: 1, sourceId: 1, documents: 499, version: 'v', summary: null };
    const banner = demoBanner('http://127.0.0.1:8080', questions.collection, load, questions);
    for (const c of [...commands.answered, commands.declined]) expect(banner).toContain(`  ${c}\n`);
    expect(banner).toContain('http://127.0.0.1:8080/console');
    expect(banner).toContain('499 documents, already loaded');
  });

  it('the bundled corpus is in the repository, small, with its licences', () => {
    let bytes = 0;
    for (const file of demoFilePaths()) bytes += fs.statSync(file).size;
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
    const readme = fs.readFileSync(path.join(DEMO_DIR, 'README.md'), 'utf8');
    expect(readme).toMatch(/Licence Ouverte/);
    expect(readme).toMatch(/Apache License 2\.0/);
    expect(fs.readFileSync(path.join(DEMO_DIR, 'LICENSE.fiches-travail-data.txt'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('refuses a question that would not paste as a shell command', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-demo-q-'));
    try {
      fs.writeFileSync(path.join(dir, 'questions.json'), JSON.stringify({ ...questions, declined: { question: 'Combien coûte un "passeport" ?' } }));
      expect(() => readDemoQuestions(dir)).toThrow(expect.objectContaining({ code: 'DEMO_QUESTIONS_INVALID' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
