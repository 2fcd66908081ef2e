/**
 * The dossier sorts security tests by category: the regression tests of issue 21 (adversarial test) each
 * land in the category of what they protect, read from the test files themselves (titles of their `it`s).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { categoryOf, countByCategory } from './test-categories.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Titles of the tests of a file, as written (`it('…'`), with their describe titles. */
function titles(file: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...src.matchAll(/\b(?:it|describe)\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)].map((m) => m[2]!);
}

const ISSUE_21: Array<[file: string, category: string, name?: RegExp]> = [
  ['packages/core/src/http/collection-scope.test.ts', 'access'],
  ['packages/retrieval/src/eval/eval-access.test.ts', 'access'],
  ['packages/app/src/http/access-control.test.ts', 'access'],
  ['packages/app/src/cli/commands/keys.test.ts', 'access'],
  ['packages/core/src/http/control-characters.test.ts', 'input'],
  ['packages/app/src/http/hardening.test.ts', 'input'],
  ['packages/app/src/http/client-limits.test.ts', 'input'],
  ['packages/app/src/admin/uploads-streaming.test.ts', 'untrusted-files'],
  ['packages/ingestion/src/extractors/pdf.test.ts', 'untrusted-files', /bomb|inflat/i],
  ['packages/ingestion/src/ingest/index-documents.test.ts', 'untrusted-files', /javascript:/],
  ['packages/ingestion/src/fetch/address-guard.test.ts', 'outbound'],
  ['packages/ingestion/src/render/renderer.test.ts', 'outbound'],
  ['packages/ingestion/src/sources/files-roots.test.ts', 'outbound'],
  ['packages/core/src/db/pool-database.test.ts', 'resilience'],
  ['packages/core/src/db/pglite-thread.test.ts', 'resilience'],
  ['packages/ingestion/src/worker/claim-health.test.ts', 'resilience'],
  ['packages/ingestion/src/frontier/frontier.test.ts', 'resilience', /maxAttempts|died/],
  ['packages/core/src/http/redact-url.test.ts', 'data'],
];

describe('security test categories', () => {
  it.each(ISSUE_21)('%s → %s', (file, category, name) => {
    if (!fs.existsSync(path.join(ROOT, file))) return; // a colleague's suite not in this checkout yet
    const all = titles(file);
    const chosen = name ? all.filter((t) => name.test(t)) : all;
    expect(chosen.length, `${file}: no test title found`).toBeGreaterThan(0);
    for (const t of chosen) expect(categoryOf(file, t)?.id, `${file} › ${t}`).toBe(category);
  });

  it('leaves ordinary tests of the same files out, and counts each test once', () => {
    expect(categoryOf('packages/ingestion/src/extractors/pdf.test.ts', 'pdf extraction > reads the text of each page')).toBeUndefined();
    expect(categoryOf('packages/ingestion/src/frontier/frontier.test.ts', 'frontier > claims URLs in order')).toBeUndefined();
    expect(categoryOf('packages/retrieval/src/answers/relevance-gate.test.ts', 'relevance gate > declines')).toBeUndefined();
    const counts = countByCategory([
      { file: 'packages/core/src/http/collection-scope.test.ts', tests: [{ fullName: 'a', status: 'passed' }, { fullName: 'b', status: 'failed' }] },
      { file: 'packages/ingestion/src/extractors/pdf.test.ts', tests: [{ fullName: 'decompression bombs > refuses', status: 'passed' }, { fullName: 'reads text', status: 'passed' }] },
    ]);
    expect(counts.find((c) => c.id === 'access')).toMatchObject({ tests: 2, passed: 1, failed: 1, files: { 'packages/core/src/http/collection-scope.test.ts': 2 } });
    expect(counts.find((c) => c.id === 'untrusted-files')).toMatchObject({ tests: 1, passed: 1 });
    expect(counts.find((c) => c.id === 'resilience')).toMatchObject({ tests: 0 });
  });
});
