/**
 * Each workspace declares exactly what its code imports (issue 18): no package borrowed from a
 * neighbour's package.json or reached only through hoisting, no declared package that nothing imports.
 *
 * - Source files of a workspace (packages/<name>/src, packages/app/bin, console/src) may import only its
 *   `dependencies`: what `npm prune --omit=dev` keeps in the image.
 * - Its test code (*.test.ts, testing/ folders, console/e2e) and tool configuration (vite.config.ts)
 *   may also use its devDependencies and the root's.
 * - scripts/, bench/, vitest.config.ts and eslint.config.js belong to the root package.json.
 * - `@cite/*` (workspace aliases), relative paths and node: builtins are not packages.
 * - A type import is satisfied by the package or by its `@types/` package.
 * - A declared package is used when its owner's code imports it (root: any code), `@types/x` when x is
 *   imported somewhere; TOOLS lists the few run as commands rather than imported.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url)).split(path.sep).join('/');

/** Declared but run as commands or read by path, never imported: the reason is the licence to stay. */
const TOOLS: Record<string, string> = {
  typescript: 'tsc, npm run typecheck',
  '@types/node': 'types of node: builtins',
};

type Owner = 'root' | 'core' | 'index' | 'ingestion' | 'retrieval' | 'app' | 'console';
type Kind = 'source' | 'test' | 'root';
interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const manifest = (owner: Owner): Manifest =>
  JSON.parse(fs.readFileSync(path.join(ROOT, owner === 'root' ? '' : owner === 'console' ? 'console' : `packages/${owner}`, 'package.json'), 'utf8'));

/** Where code lives and whose package.json answers for it. */
const TREES: { dir: string; owner: Owner }[] = [
  { dir: 'packages/core/src', owner: 'core' },
  { dir: 'packages/index/src', owner: 'index' },
  { dir: 'packages/ingestion/src', owner: 'ingestion' },
  { dir: 'packages/retrieval/src', owner: 'retrieval' },
  { dir: 'packages/app/src', owner: 'app' },
  { dir: 'packages/app/bin', owner: 'app' },
  { dir: 'console/src', owner: 'console' },
  { dir: 'console/e2e', owner: 'console' },
  { dir: 'console/vite.config.ts', owner: 'console' },
  { dir: 'scripts', owner: 'root' },
  { dir: 'bench', owner: 'root' },
  { dir: 'vitest.config.ts', owner: 'root' },
  { dir: 'eslint.config.js', owner: 'root' },
];

function kindOf(file: string, owner: Owner): Kind {
  if (owner === 'root') return 'root';
  if (/\.test\.tsx?$/.test(file) || /(^|\/)(testing|e2e)\//.test(file) || /(^|\/)vite\.config\.ts$/.test(file)) return 'test';
  return 'source';
}

function* files(rel: string): Generator<string> {
  const abs = path.join(ROOT, rel);
  if (!fs.existsSync(abs)) return;
  if (fs.statSync(abs).isFile()) {
    yield rel;
    return;
  }
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const child = path.posix.join(rel, e.name);
    if (e.isDirectory()) yield* files(child);
    else if (/\.(ts|tsx|mts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) yield child;
  }
}

export interface Import {
  pkg: string;
  typeOnly: boolean;
}

const BUILTINS = new Set(builtinModules);

/** Package name of a module specifier, or undefined for relative paths, builtins and @cite/* aliases. */
export function packageOf(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.startsWith('@cite/')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  if (BUILTINS.has(name)) return undefined;
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) return undefined;
  return name;
}

/**
 * Static imports and re-exports (`import … from 'x'`, `import 'x'`, `export … from 'x'`), dynamic
 * `import('x')`, `require('x')`, `require.resolve('x')` and `createRequire(…)('x')`. Comments are
 * stripped first; strings are not told apart from code.
 */
export function importsOf(code: string): Import[] {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const found: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const pkg = packageOf(spec);
    if (pkg) found.push({ pkg, typeOnly });
  };
  for (const m of text.matchAll(/(?:^|[;\n}])\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"\n]+)['"]/g)) {
    add(m[3]!, Boolean(m[2]));
  }
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g)) {
    add(m[1]!, /\btypeof\s*$/.test(text.slice(Math.max(0, m.index - 10), m.index))); // `typeof import('x')` is a type
  }
  for (const m of text.matchAll(/\brequire(?:\.resolve)?\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g)) add(m[1]!, false);
  for (const m of text.matchAll(/\bcreateRequire\([^)]*\)(?:\.resolve)?\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g)) add(m[1]!, false);
  return found;
}

interface Use {
  file: string;
  owner: Owner;
  kind: Kind;
  pkg: string;
  typeOnly: boolean;
}

function scan(): Use[] {
  const uses: Use[] = [];
  for (const { dir, owner } of TREES) {
    for (const file of files(dir)) {
      if (file === SELF) continue; // its examples below are strings, not imports
      const code = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const kind = kindOf(file, owner);
      for (const imp of importsOf(code)) uses.push({ file, owner, kind, ...imp });
      // specifiers handed to a require.resolve-based reader, e.g. read('french-verbs-lefff/dist/x.json')
      if (/require\.resolve\(/.test(code)) {
        for (const m of code.matchAll(/\(\s*'((?:@[\w.-]+\/)?[\w.-]+\/[\w./-]+\.json)'\s*\)/g)) {
          const pkg = packageOf(m[1]!);
          if (pkg) uses.push({ file, owner, kind, pkg, typeOnly: false });
        }
      }
    }
  }
  return uses;
}

const OWNERS: Owner[] = ['root', 'core', 'index', 'ingestion', 'retrieval', 'app', 'console'];
const manifests = Object.fromEntries(OWNERS.map((o) => [o, manifest(o)])) as Record<Owner, Manifest>;
const names = (deps?: Record<string, string>) => Object.keys(deps ?? {});

/** Packages a file of this owner and kind may import. */
function allowed(owner: Owner, kind: Kind): Set<string> {
  const m = manifests[owner];
  const root = manifests.root;
  if (kind === 'root') return new Set([...names(root.dependencies), ...names(root.devDependencies)]);
  if (kind === 'source') return new Set(names(m.dependencies));
  return new Set([...names(m.dependencies), ...names(m.devDependencies), ...names(root.dependencies), ...names(root.devDependencies)]);
}

const typesOf = (pkg: string) => `@types/${pkg.startsWith('@') ? pkg.slice(1).replace('/', '__') : pkg}`;

describe('declared dependencies', () => {
  const uses = scan();

  it('finds the imports it checks', () => {
    expect(uses.length).toBeGreaterThan(100);
    expect(importsOf("import a from 'x/y';\nimport type { B } from '@s/p/q';\nexport * from 'e';\nconst c = await import('d');\nimport 'side';\nimport fs from 'node:fs';\nimport p from 'path';\nimport { z } from '@cite/core/z.js';\n// import n from 'commented';\nconst r = createRequire(import.meta.url)('cr');"))
      .toEqual([
        { pkg: 'x', typeOnly: false },
        { pkg: '@s/p', typeOnly: true },
        { pkg: 'e', typeOnly: false },
        { pkg: 'side', typeOnly: false },
        { pkg: 'd', typeOnly: false },
        { pkg: 'cr', typeOnly: false },
      ]);
  });

  it('every imported package is declared by the workspace that imports it (runtime code: in dependencies)', () => {
    const missing = new Set<string>();
    for (const u of uses) {
      const ok = allowed(u.owner, u.kind);
      if (ok.has(u.pkg) || (u.typeOnly && ok.has(typesOf(u.pkg)))) continue;
      const where = u.kind === 'root' ? 'package.json' : u.kind === 'source' ? `${u.owner}/package.json dependencies` : `${u.owner}/package.json or package.json (dev)`;
      missing.add(`${u.pkg} imported by ${u.file}, not declared in ${where}`);
    }
    expect([...missing].sort()).toEqual([]);
  });

  it('every declared package is imported by its workspace (root: by any code) or is a listed tool', () => {
    const importedAnywhere = new Set(uses.map((u) => u.pkg));
    const unused: string[] = [];
    for (const owner of OWNERS) {
      const mine = new Set(uses.filter((u) => owner === 'root' || u.owner === owner).map((u) => u.pkg));
      for (const pkg of [...names(manifests[owner].dependencies), ...names(manifests[owner].devDependencies)]) {
        // workspace packages are checked by scripts/architecture.test.ts
        if (pkg in TOOLS || mine.has(pkg) || pkg.startsWith('@cite/')) continue;
        if (pkg.startsWith('@types/') && [...importedAnywhere].some((p) => typesOf(p) === pkg)) continue;
        unused.push(`${owner === 'root' ? '' : `${owner}/`}package.json declares ${pkg}, imported nowhere`);
      }
    }
    expect(unused).toEqual([]);
  });

  it('no package.json lists a package twice (dependencies and devDependencies)', () => {
    for (const owner of OWNERS) {
      const deps = new Set(names(manifests[owner].dependencies));
      expect(names(manifests[owner].devDependencies).filter((p) => deps.has(p)), owner).toEqual([]);
    }
  });
});
