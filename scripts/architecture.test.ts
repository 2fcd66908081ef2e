/**
 * Packages depend one way (issue 18): core ← index ← ingestion, retrieval ← app. The compiler enforces
 * it through project references (`npm run typecheck`); this test keeps the references, the manifests
 * and the code in agreement and fails on a cycle, so neither can drift without the other noticing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES_DIR = path.join(ROOT, 'packages');

/** What each package may use. ingestion and retrieval are siblings; nothing uses app. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  index: ['core'],
  ingestion: ['core', 'index'],
  retrieval: ['core', 'index'],
  app: ['core', 'index', 'ingestion', 'retrieval'],
};

type Graph = Record<string, string[]>;

/** One cycle of the graph as a path (first node repeated at the end), or undefined. */
export function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph[node] ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of Object.keys(graph)) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const packages = fs.readdirSync(PACKAGES_DIR).filter((d) => fs.existsSync(path.join(PACKAGES_DIR, d, 'package.json'))).sort();
const json = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const workspaceDeps = (name: string): string[] =>
  Object.keys(json(path.join(PACKAGES_DIR, name, 'package.json')).dependencies ?? {})
    .filter((d) => d.startsWith('@cite/'))
    .map((d) => d.slice('@cite/'.length))
    .sort();
const references = (name: string): string[] =>
  (json(path.join(PACKAGES_DIR, name, 'tsconfig.json')).references ?? []).map((r: { path: string }) => path.basename(r.path)).sort();

function* sourceFiles(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx|mjs)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** Module specifiers of static, type, re-export and dynamic imports (comments stripped first). */
export function specifiersOf(code: string): string[] {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[;\n}])\s*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"\n]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

describe('package architecture', () => {
  it('finds the packages and the layering it checks', () => {
    expect(packages).toEqual(Object.keys(ALLOWED).sort());
    expect(findCycle({ a: ['b'], b: ['c'], c: ['a'] })).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle({ a: ['b', 'c'], b: ['c'], c: [] })).toBeUndefined();
    expect(specifiersOf("import a from '@cite/core/x.js';\n// import b from '@cite/app/y.js';\nconst c = await import('./z.js');\nexport type { T } from '../t.js';"))
      .toEqual(['@cite/core/x.js', '../t.js', './z.js']);
  });

  it('each package declares the packages it references, and only those below it', () => {
    for (const name of packages) {
      expect({ name, deps: workspaceDeps(name) }).toEqual({ name, deps: references(name) });
      const wrong = workspaceDeps(name).filter((d) => !ALLOWED[name]!.includes(d));
      expect({ name, wrong }).toEqual({ name, wrong: [] });
    }
  });

  it('the package graph has no cycle', () => {
    const graph = Object.fromEntries(packages.map((p) => [p, workspaceDeps(p)]));
    expect(findCycle(graph)).toBeUndefined();
  });

  it('source files import other packages only by name, and only those their package declares', () => {
    const problems: string[] = [];
    for (const name of packages) {
      const home = path.join(PACKAGES_DIR, name);
      const declared = new Set(workspaceDeps(name));
      for (const file of sourceFiles(home)) {
        if (file.includes(`${path.sep}node_modules${path.sep}`)) continue;
        const rel = path.relative(ROOT, file);
        for (const spec of specifiersOf(fs.readFileSync(file, 'utf8'))) {
          if (spec.startsWith('.')) {
            const target = path.resolve(path.dirname(file), spec);
            if (!target.startsWith(home + path.sep)) problems.push(`${rel}: ${spec} leaves the package (import it by name)`);
          } else if (spec.startsWith('@cite/')) {
            const used = spec.split('/')[1]!;
            if (used === name) problems.push(`${rel}: ${spec} imports its own package by name (use a relative path)`);
            else if (!declared.has(used)) problems.push(`${rel}: ${spec}, but @cite/${used} is not a dependency of @cite/${name}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
