/**
 * `npm run dossier` on a clean clone of the repository (committed files only): node_modules is
 * reproduced with links to the installed packages, except the workspaces (@cite/*), which point at the
 * clone's own sources, so the dossier is generated from the clone's code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbom } from './dossier.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function linkNodeModules(from: string, to: string, workspaces: string[]): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from)) {
    if (entry === '@cite') continue;
    fs.symlinkSync(path.join(from, entry), path.join(to, entry));
  }
  fs.mkdirSync(path.join(to, '@cite'));
  // node_modules/@cite/<name> points at the workspace folder (packages/<name>, console)
  for (const w of workspaces) fs.symlinkSync(path.join('..', '..', w), path.join(to, '@cite', path.basename(w)));
}

describe('security dossier', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-dossier-'));
  const clone = path.join(tmp, 'clone');
  const out = path.join(tmp, 'out');
  let run: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]);
    const workspaces = ['packages/core', 'packages/index', 'packages/ingestion', 'packages/retrieval', 'packages/app', 'console'];
    linkNodeModules(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), workspaces);
    for (const w of workspaces) {
      const nested = path.join(ROOT, w, 'node_modules');
      if (fs.existsSync(nested)) fs.symlinkSync(nested, path.join(clone, w, 'node_modules'));
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (/^(VITEST|DATABASE_URL|CITE_|LLM_|EMBEDDINGS)/.test(k)) delete env[k];
    // npm sbom reads a real install: this checkout's (the clone's node_modules are links, which npm reports as missing)
    const sbomFile = path.join(tmp, 'sbom.json');
    sbom(ROOT, sbomFile);
    run = spawnSync(
      process.execPath,
      [path.join(clone, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/dossier.ts', '--out', out, '--sbom', sbomFile, '--run-tests', 'packages/ingestion/src/hygiene/personal-data.test.ts'],
      { cwd: clone, env: { ...env, LLM_BASE_URL: 'https://albert.api.etalab.gouv.fr/v1', RETENTION_ANSWERS_DAYS: '180' }, encoding: 'utf8', timeout: 480_000 },
    );
  }, 540_000); // clone + SBOM + a vitest run: minutes on a loaded 2-core machine
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes every part of the dossier', () => {
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    for (const f of ['README.md', 'data-flow.md', 'outbound.md', 'roles.md', 'openapi.json', 'sbom.cdx.json', 'dependencies.md', 'tests.md', 'dossier.json']) {
      expect(fs.statSync(path.join(out, f)).size, f).toBeGreaterThan(100);
    }
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: clone, encoding: 'utf8' }).trim();
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain(commit);
    expect(readme).toContain("# Dossier de sécurité (dossier d'homologation) — cite ");
    expect(readme).toContain('| data-flow.md | données conservées, lieux de stockage et durées de conservation');
  });

  it('is written in French, identifiers kept as in the code', () => {
    for (const f of ['README.md', 'data-flow.md', 'outbound.md', 'roles.md', 'dependencies.md', 'tests.md']) {
      const text = fs.readFileSync(path.join(out, f), 'utf8');
      for (const english of ['Generated', 'Do not edit', ' days', 'kept until', 'not configured', '| yes |', 'passed']) expect(text, `${f}: ${english}`).not.toContain(english);
    }
    for (const f of ['data-flow.md', 'outbound.md', 'roles.md', 'dependencies.md', 'tests.md']) {
      expect(fs.readFileSync(path.join(out, f), 'utf8'), f).toContain('Généré par `npm run dossier`');
    }
  });

  it('lists every declared route under the role it requires, and the role hierarchy', () => {
    const roles = fs.readFileSync(path.join(out, 'roles.md'), 'utf8');
    const facts = JSON.parse(fs.readFileSync(path.join(out, 'dossier.json'), 'utf8')) as { routes: Array<{ method: string; path: string; access: string }> };
    expect(facts.routes.length).toBeGreaterThan(10);
    for (const heading of ['# Rôles et droits associés', '## public (sans clé)', '## agent', '## admin', '## Matrice des droits']) expect(roles).toContain(heading);
    expect(roles).toContain('Les rôles sont ordonnés : agent < evaluator < admin');
    expect(roles).toContain('| méthode | chemin | objet |');
    expect(roles).toMatch(/\| POST \| `\/admin\/api\/api-keys\/:id\/erase` \| — \| — \| — \| oui \|/);
    // each route appears in the section of its role
    const sections = roles.split(/\n## /);
    for (const r of facts.routes) {
      const section = sections.find((s) => s.startsWith(r.access === 'public' ? 'public' : r.access));
      expect(section, `${r.method} ${r.path}`).toContain(`| ${r.method} | \`${r.path}\` |`);
    }
    expect(facts.routes).toContainEqual(expect.objectContaining({ method: 'POST', path: '/admin/api/api-keys/:id/erase', access: 'admin' }));
    expect(facts.routes).toContainEqual(expect.objectContaining({ method: 'GET', path: '/v1/me', access: 'agent' }));
    expect(facts.routes).toContainEqual(expect.objectContaining({ method: 'GET', path: '/healthz', access: 'public' }));
    const openapi = JSON.parse(fs.readFileSync(path.join(out, 'openapi.json'), 'utf8')) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain('/admin/api/api-keys/{id}/export');
  });

  it('describes storage and retention from the migrations and the configuration', () => {
    const flow = fs.readFileSync(path.join(out, 'data-flow.md'), 'utf8');
    const migrations = fs.readdirSync(path.join(clone, 'migrations')).filter((f) => f.endsWith('.sql'));
    for (const m of migrations) expect(flow).toContain(m);
    for (const t of ['answers', 'feedback', 'audit_log', 'crawl_runs', 'frontier', 'chunks', 'api_keys']) expect(flow).toContain(`### ${t}`);
    for (const heading of ['# Flux de données : ce que Cité conserve, où et pour quelle durée', '## Lieux de stockage', '## Durées de conservation', '## Données à caractère personnel et effacement', '## Inventaire des tables', '### answers (données à caractère personnel)']) {
      expect(flow).toContain(heading);
    }
    expect(flow).toMatch(/\| answers \| RETENTION_ANSWERS_DAYS \| 180 jours \| 0 : sans limite \(conservation jusqu'à suppression\)/);
    expect(flow).toMatch(/\| crawl_logs \| RETENTION_CRAWL_LOGS_DAYS \| 90 jours \| 90 jours \|/);
    expect(flow).toMatch(/Durée de conservation : RETENTION_ANSWERS_DAYS = 180 jours \(par défaut : 0 : sans limite \(conservation/);
    expect(flow).toContain('| règle | variable | valeur ici | par défaut | tables | âge calculé sur |');
    expect(flow).toContain('| table | colonnes | nature des données |');
    expect(flow).toContain('| answers | api_key_id, question, conversation, answer |');
    expect(flow).toContain('eval_items.answer_id');
    expect(flow).toContain('pgdata');
  });

  it('lists the outbound destinations of this configuration', () => {
    const outbound = fs.readFileSync(path.join(out, 'outbound.md'), 'utf8');
    expect(outbound).toContain('# Flux sortants');
    expect(outbound).toContain('| finalité | destination | dans cette configuration | condition |');
    expect(outbound).toContain('| llm | LLM_BASE_URL | albert.api.etalab.gouv.fr |');
    expect(outbound).toContain('| embeddings | EMBEDDINGS_BASE_URL | non configuré : aucun appel |');
    expect(outbound).toContain('| database | DATABASE_URL | non défini : base embarquée, aucune connexion |');
    expect(outbound).toContain('sources activées');
    expect(outbound).toContain('OUTBOUND_REFUSED');
  });

  it('inventories dependencies with licences (CycloneDX) and reports the test run', () => {
    const sbom = JSON.parse(fs.readFileSync(path.join(out, 'sbom.cdx.json'), 'utf8')) as { bomFormat: string; specVersion: string; components: Array<{ name: string; licenses?: unknown[] }> };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.specVersion).toBe('1.5');
    const names = sbom.components.map((c) => c.name);
    for (const dep of ['express', 'pg', 'zod', 'undici']) expect(names).toContain(dep);
    expect(sbom.components.filter((c) => c.licenses?.length).length / sbom.components.length).toBeGreaterThan(0.9);
    const deps = fs.readFileSync(path.join(out, 'dependencies.md'), 'utf8');
    expect(deps).toContain('# Inventaire des dépendances');
    expect(deps).toMatch(/\d+ paquets tiers\./);
    expect(deps).toMatch(/\| express \| 5\.\d+\.\d+ \| MIT \|/);

    const tests = fs.readFileSync(path.join(out, 'tests.md'), 'utf8');
    expect(tests).toContain('# Résultats de la dernière exécution des tests');
    expect(tests).toMatch(/\| succès \| \d+ \| \d+ \| 0 \|/);
    expect(tests).toContain('## Tests de sécurité par catégorie');
    expect(tests).toMatch(/\| Données à caractère personnel : export, [^|]+ \| [1-9]\d* \| [1-9]\d* \| 0 \| packages\/ingestion\/src\/hygiene\/personal-data\.test\.ts/);
    expect(tests).toContain('packages/ingestion/src/hygiene/personal-data.test.ts');
  });

  it('reads the inventory from package-lock.json when node_modules does not match it (npm sbom: ESBOMPROBLEMS)', () => {
    // the clone's node_modules are links, which npm reports as missing: the state of a checkout during an install
    const file = path.join(tmp, 'sbom-lock.json');
    const made = sbom(clone, file);
    expect(made.source).toBe('package-lock.json');
    const names = made.components.map((c) => c.name);
    for (const dep of ['express', 'pg', 'zod', 'undici']) expect(names).toContain(dep);
    expect(names).not.toContain('vitest'); // dev only
    // optional packages for other platforms are not listed
    if (process.platform === 'linux') expect(made.components.some((c) => c.name === 'darwin-arm64' || c.name === '@esbuild/darwin-arm64')).toBe(false);
    const bom = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata: { properties: Array<{ name: string; value: string }> } };
    expect(bom.metadata.properties).toContainEqual({ name: 'cite:sbom-source', value: 'package-lock.json' });
  }, 120_000);
});
