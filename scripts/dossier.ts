/**
 * `npm run dossier`: writes the security dossier for homologation to docs/security/, generated from the
 * code so it cannot drift from it:
 *   README.md          index, version, commit, how it was produced
 *   data-flow.md       what is stored where and for how long (migrations + retention rules + config)
 *   outbound.md        every destination the processes may connect to (outbound policy module)
 *   roles.md           roles and what each can do (route declarations: allRoutes())
 *   openapi.json       the API as served
 *   sbom.cdx.json      dependency inventory, CycloneDX 1.5 (`npm sbom`, from node_modules, offline)
 *   dependencies.md    the same inventory as a table with licences
 *   tests.md           results of the latest test run (vitest JSON report), security tests by category
 *   dossier.json       the facts above, machine-readable
 *
 * Test results: the dossier reads the vitest JSON report at reports/vitest-results.json (or
 * --test-report FILE), which CI writes with `npx vitest run --reporter=default --reporter=json
 * --outputFile.json=reports/vitest-results.json`. `--run-tests [filter…]` runs vitest that way first.
 * Options: --out DIR (default docs/security).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, loadConfig, type Config } from '@cite/engine/config/config.js';
import { PERSONAL_DATA_LOCATIONS } from '@cite/engine/data-control/personal-data-inventory.js';
import { RETENTION_RULES } from '@cite/engine/data-control/retention.js';
import { ROLES, roleAtLeast, type Access } from '@cite/engine/auth/roles.js';
import { buildOpenApi } from '@cite/engine/http/openapi.js';
import { allRoutes } from '@cite/engine/http/routes.js';
import { MODEL_HUB_HOSTS, modelDestinations, parseAllowList } from '@cite/engine/outbound/outbound-policy.js';
import { MASKS } from '@cite/crawler/hygiene/personal-data.js';
import { parseMigrations, type SchemaTable } from './dossier/schema.js';
import { countByCategory } from './dossier/test-categories.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_REPORT = path.join('reports', 'vitest-results.json');

export interface DossierOptions {
  root: string;
  out: string;
  testReport: string;
  runTests?: string[];
  /** An SBOM already made by `npm sbom` (CI, or a checkout whose node_modules npm cannot read), instead of making one. */
  sbomFrom?: string;
  env?: Record<string, string | undefined>;
}

function parseArgs(argv: string[]): DossierOptions {
  const opts: DossierOptions = { root: ROOT, out: path.join(ROOT, 'docs', 'security'), testReport: path.join(ROOT, DEFAULT_REPORT) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') opts.out = path.resolve(argv[++i] ?? '');
    else if (a === '--test-report') opts.testReport = path.resolve(argv[++i] ?? '');
    else if (a === '--sbom') opts.sbomFrom = path.resolve(argv[++i] ?? '');
    else if (a === '--run-tests') {
      opts.runTests = [];
      while (argv[i + 1] && !argv[i + 1]!.startsWith('--')) opts.runTests.push(argv[++i]!);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('npm run dossier -- [--out DIR] [--test-report FILE] [--sbom FILE] [--run-tests [filter…]]\n');
      process.exit(0);
    } else throw new Error(`dossier: unknown option ${a}`);
  }
  return opts;
}

const md = (s: unknown) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (head: string[], rows: unknown[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`)].join('\n');
const days = (n: number) => (n > 0 ? `${n} days` : 'kept until deleted (0 = no limit)');

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

// ── data flow ────────────────────────────────────────────────────────────────────────────────────────

/** Files the code writes under DATA_DIR: `path.join(<…DATA_DIR…>, NAME | 'literal')`, constants resolved across files. */
function dataDirFiles(root: string): Array<{ file: string; name: string }> {
  const sources: Array<{ file: string; src: string }> = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) sources.push({ file: path.relative(root, p), src: fs.readFileSync(p, 'utf8') });
    }
  };
  for (const d of ['engine/src', 'crawler/src']) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  const constants = new Map<string, string>();
  for (const { src } of sources) for (const m of src.matchAll(/const ([A-Z_][A-Z0-9_]*)\s*=\s*'([^']+)'/g)) constants.set(m[1]!, m[2]!);
  const out = new Map<string, { file: string; name: string }>();
  for (const { file, src } of sources) {
    for (const m of src.matchAll(/path\.join\((?:path\.resolve\()?[\w.]*(?:DATA_DIR|dataDir)\)?,\s*([A-Z_][A-Z0-9_]*|'[^']+')/g)) {
      const name = m[1]!.startsWith("'") ? m[1]!.slice(1, -1) : (constants.get(m[1]!) ?? m[1]!);
      out.set(`${name} ${file}`, { file, name });
    }
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file));
}

function retentionOf(tableName: string, cfg: Config): string {
  const rules = RETENTION_RULES.filter((r) => r.tables.includes(tableName));
  if (!rules.length) return 'kept until deleted by an admin or by the pipeline';
  return rules.map((r) => `${r.variable} = ${days(cfg[r.variable])} (default ${days(Number(configSchema.shape[r.variable].parse(undefined)))})`).join('; ');
}

function dataFlow(tables: Map<string, SchemaTable>, migrations: string[], cfg: Config, root: string): string {
  for (const loc of PERSONAL_DATA_LOCATIONS) {
    const t = tables.get(loc.table);
    if (!t) throw new Error(`dossier: personal-data inventory names table ${loc.table}, which no migration creates`);
    for (const c of loc.columns) if (!t.columns.some((x) => x.name === c)) throw new Error(`dossier: ${loc.table}.${c} is in the personal-data inventory but not in the schema`);
  }
  const personal = new Map(PERSONAL_DATA_LOCATIONS.map((l) => [l.table, l]));
  const parts: string[] = [];
  parts.push('# Data flow: what Cité stores, where, and for how long\n');
  parts.push('Generated by `npm run dossier` from the migrations (`migrations/*.sql`), the retention rules (`engine/src/data-control/retention.ts`), the personal-data inventory (`engine/src/data-control/personal-data-inventory.ts`) and the configuration schema (`engine/src/config/config.ts`). Do not edit by hand.\n');
  parts.push('## Where\n');
  parts.push(
    table(
      ['mode', 'storage'],
      [
        ['embedded (no DATABASE_URL)', `PostgreSQL (PGlite) files under \`${cfg.DATA_DIR}/pgdata\` (DATA_DIR; this generation: ${cfg.DATABASE_URL ? 'server mode' : 'embedded mode'})`],
        ['server (DATABASE_URL set)', `the PostgreSQL server of DATABASE_URL${cfg.DATABASE_URL ? ` (this generation: host ${new URL(cfg.DATABASE_URL).hostname})` : ''}`],
      ],
    ),
  );
  const files = dataDirFiles(root);
  if (files.length) {
    parts.push('\nFiles written under DATA_DIR by the code:\n');
    parts.push(table(['path under DATA_DIR', 'written by'], files.map((f) => [f.name, f.file])));
  }
  parts.push('\nProcess logs go to standard output as JSON lines (pino); the `Authorization` header is redacted. Where they go next is the deployment\'s choice.\n');
  parts.push('## Retention\n');
  parts.push('A background purge (in `cite start` in embedded mode and in `cite worker`) runs shortly after start and then every RETENTION_PURGE_INTERVAL_MINUTES ' +
    `(${cfg.RETENTION_PURGE_INTERVAL_MINUTES} min here), deleting expired rows in batches of RETENTION_PURGE_BATCH_SIZE (${cfg.RETENTION_PURGE_BATCH_SIZE}); ` +
    'each purge that deletes something writes a `retention.purge` audit entry with counts only. `cite data purge` or `POST /admin/api/retention/purge` runs it at once.\n');
  parts.push(
    table(
      ['rule', 'variable', 'value here', 'default', 'tables', 'age measured on', 'kept whatever the age'],
      RETENTION_RULES.map((r) => [r.name, r.variable, days(cfg[r.variable]), days(Number(configSchema.shape[r.variable].parse(undefined))), r.tables.join(', '), r.age, r.exempt ?? '—']),
    ),
  );
  parts.push('\n## Personal data and erasure\n');
  parts.push('`cite data export --key-id N` (or the console button, `GET /admin/api/api-keys/:id/export`) gives the person behind a key everything below as JSON; `cite data erase --key-id N` (`POST /admin/api/api-keys/:id/erase`) deletes it in one transaction and leaves one `data.erase` audit line holding only counts. Tables with an `api_key_id` column added later are exported and erased too.\n');
  parts.push(table(['table', 'columns', 'what', 'on erasure'], PERSONAL_DATA_LOCATIONS.map((l) => [l.table, l.columns.join(', '), l.what, l.erasure])));
  parts.push(`\nIndexed text: when a source has \`mask_personal_data\`, French phone numbers, e-mail addresses, NIR (key-checked) and IBAN (mod-97-checked) are replaced by ${Object.values(MASKS).map((m) => `\`${m}\``).join(', ')} before chunks are stored.\n`);
  parts.push('## Every table\n');
  parts.push(`From ${migrations.length} migrations: ${migrations.join(', ')}.\n`);
  for (const t of [...tables.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    parts.push(`### ${t.name}${personal.has(t.name) ? ' (personal data)' : ''}\n`);
    if (t.comment) parts.push(`${t.comment}\n`);
    parts.push(`Created by ${t.migration}. Retention: ${retentionOf(t.name, cfg)}.${t.references.length ? ` References: ${t.references.map((r) => `${r.column} → ${r.table}${r.onDelete ? ` (on delete ${r.onDelete.toLowerCase()})` : ''}`).join(', ')}.` : ''}\n`);
    parts.push(table(['column', 'type', 'note'], t.columns.map((c) => [c.name, c.type, [c.comment, c.migration !== t.migration ? `added by ${c.migration}` : ''].filter(Boolean).join(' — ')])));
    parts.push('');
  }
  return parts.join('\n');
}

// ── outbound ─────────────────────────────────────────────────────────────────────────────────────────

async function outbound(cfg: Config): Promise<{ text: string; facts: unknown }> {
  const models = modelDestinations(cfg);
  const allow = parseAllowList(cfg.OUTBOUND_ALLOW);
  let chromiumArgs: string[] = [];
  try {
    chromiumArgs = (await import('@cite/crawler/render/renderer.js')).CHROMIUM_ARGS as string[];
  } catch {
    /* renderer not present in this checkout */
  }
  const rows: unknown[][] = [
    ['crawl', 'the sites (host, `www.` ignored) of the start URLs of enabled sources', 'sources table (admins)', allow.length ? `restricted to OUTBOUND_ALLOW: ${allow.join(', ')}` : 'OUTBOUND_ALLOW empty: no further restriction'],
    ['embeddings', 'EMBEDDINGS_BASE_URL', cfg.EMBEDDINGS_BASE_URL ? new URL(cfg.EMBEDDINGS_BASE_URL).host : 'not configured: no call', 'only when set'],
    ['llm', 'LLM_BASE_URL', cfg.LLM_BASE_URL ? new URL(cfg.LLM_BASE_URL).host : 'not configured: no call (extractive answers)', 'only when set'],
    ['model-download', `Hugging Face hub (${MODEL_HUB_HOSTS.join(', ')})`, models.some((m) => m.purpose === 'model-download') ? 'allowed here' : 'not allowed here', 'only with MODELS_ALLOW_DOWNLOAD=true and EMBEDDINGS=transformers:…'],
    ['database', 'DATABASE_URL', cfg.DATABASE_URL ? new URL(cfg.DATABASE_URL).host : 'not set: embedded database, no connection', 'server mode only'],
  ];
  const text = [
    '# Outbound destinations\n',
    'Generated by `npm run dossier` from `engine/src/outbound/outbound-policy.ts` and the configuration. Do not edit by hand.\n',
    'Engine and worker processes install one guard (`engine/src/outbound/outbound-guard.ts`): every `fetch` of the process goes through a dispatcher that refuses, before any DNS lookup or connection, hosts outside the list below (`OUTBOUND_REFUSED`); the crawler checks each URL and redirect against the same policy. Every outbound request is counted per host and purpose in `cite_outbound_requests_total` on `/metrics` (purpose `refused` for refusals, `unlisted` for a call that escaped the guard). Loopback is not outbound; the crawler refuses private and loopback addresses unless CRAWLER_ALLOW_PRIVATE_NETWORKS=true.\n',
    table(['purpose', 'destination', 'in this configuration', 'condition'], rows),
    '\nA test (`engine/src/outbound/no-outbound.test.ts`) starts a real `cite start` with no model server and no source and proves, with a connect/DNS recorder and the kernel socket tables, that it opens no outbound connection.\n',
    chromiumArgs.length ? `\nHeadless Chromium (pages that need JavaScript) runs with: ${chromiumArgs.map((a) => `\`${a}\``).join(' ')}.\n` : '',
  ].join('\n');
  return { text, facts: { models, outbound_allow: allow, model_hub: MODEL_HUB_HOSTS, database: cfg.DATABASE_URL ? new URL(cfg.DATABASE_URL).host : null, chromium_args: chromiumArgs } };
}

// ── roles ────────────────────────────────────────────────────────────────────────────────────────────

function roles(): { text: string; facts: unknown } {
  const routes = allRoutes();
  const levels: Access[] = ['public', ...ROLES];
  const allowed = (role: Access, access: Access) => access === 'public' || (role !== 'public' && roleAtLeast(role, access as (typeof ROLES)[number]));
  const parts = [
    '# Roles and what each can do\n',
    'Generated by `npm run dossier` from the route declarations (`engine/src/http/routes.ts`, `allRoutes()`): each route declares the least role it requires, and the app enforces it on every request (401 without a valid key, 403 below the role). Do not edit by hand.\n',
    `Roles are ordered: ${ROLES.join(' < ')}; each role can do everything the roles before it can. Keys are sent as \`Authorization: Bearer <key>\` and stored hashed.\n`,
    table(['role', 'routes allowed', 'of which specific to this role'], levels.map((l) => [l, routes.filter((r) => allowed(l, r.access)).length, routes.filter((r) => r.access === l).length])),
    '',
  ];
  for (const level of levels) {
    const own = routes.filter((r) => r.access === level);
    if (!own.length) continue;
    parts.push(`## ${level}${level === 'public' ? ' (no key)' : ''}\n`);
    parts.push(table(['method', 'path', 'what'], own.map((r) => [r.method.toUpperCase(), `\`${r.path}\``, r.summary])));
    parts.push('');
  }
  parts.push('## Matrix\n');
  parts.push(table(['method', 'path', ...levels], routes.map((r) => [r.method.toUpperCase(), `\`${r.path}\``, ...levels.map((l) => (allowed(l, r.access) ? 'yes' : '—'))])));
  return { text: parts.join('\n'), facts: routes.map((r) => ({ method: r.method.toUpperCase(), path: r.path, access: r.access, summary: r.summary })) };
}

// ── dependencies ─────────────────────────────────────────────────────────────────────────────────────

interface CdxComponent {
  group?: string;
  name: string;
  version?: string;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
  purl?: string;
}

export function sbom(root: string, file: string): CdxComponent[] {
  // `npm sbom` is built into npm (>= 9.5): it reads the installed tree (node_modules and the lockfile), so it
  // needs no extra package (the CycloneDX CLI pulled libxmljs2, compiled at every install) and no network.
  // Its --omit dev leaves out packages that the root declares as dev and a workspace as production (pg,
  // pino, zod: npm 11.19); the production set is taken from `npm ls --omit dev` instead.
  const npm = (args: string[]) => spawnSync('npm', [...args, '--offline'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const r = npm(['sbom', '--sbom-format', 'cyclonedx']);
  if (r.status !== 0) throw new Error(`dossier: npm sbom a échoué (code ${r.status ?? r.signal}) :\n${r.stderr || r.error?.message || ''}`);
  // `npm ls` also exits non-zero for extraneous packages; its list is what counts
  const ls = npm(['ls', '--omit', 'dev', '--all', '--parseable', '--long']);
  const production = new Set(ls.stdout.split('\n').map((l) => l.split(':')[1]).filter((x): x is string => Boolean(x)));
  if (production.size === 0) throw new Error(`dossier: npm ls a échoué :\n${ls.stderr}`);
  const bom = JSON.parse(r.stdout) as { components?: Array<CdxComponent & { 'bom-ref'?: string }>; dependencies?: Array<{ ref: string; dependsOn?: string[] }> };
  bom.components = (bom.components ?? []).filter((c) => production.has(`${c.name}@${c.version}`));
  const kept = new Set(bom.components.map((c) => c['bom-ref']));
  bom.dependencies = (bom.dependencies ?? []).filter((d) => kept.has(d.ref)).map((d) => ({ ...d, dependsOn: d.dependsOn?.filter((x) => kept.has(x)) }));
  fs.writeFileSync(file, JSON.stringify(bom, null, 2));
  return bom.components;
}

const licenceOf = (c: CdxComponent) =>
  (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name).filter(Boolean).join(' OR ') || 'not declared';

function dependencies(components: CdxComponent[]): { text: string; facts: unknown } {
  const third = components.filter((c) => !c.purl?.startsWith('pkg:npm/%40cite') && !(c.version === '0.1.0' && ['engine', 'crawler', 'console'].includes(c.name)));
  const byLicence = new Map<string, number>();
  for (const c of third) byLicence.set(licenceOf(c), (byLicence.get(licenceOf(c)) ?? 0) + 1);
  const sorted = [...third].sort((a, b) => `${a.group ?? ''}/${a.name}`.localeCompare(`${b.group ?? ''}/${b.name}`));
  const text = [
    '# Dependency inventory\n',
    'Generated by `npm run dossier` with `npm sbom` (built into npm, OWASP CycloneDX format) from the installed production dependencies (`--omit dev`); the full SBOM is `sbom.cdx.json` (CycloneDX 1.5). Do not edit by hand.\n',
    `${third.length} third-party packages.\n`,
    '## Licences\n',
    table(['licence', 'packages'], [...byLicence.entries()].sort((a, b) => b[1] - a[1])),
    '\n## Packages\n',
    table(['package', 'version', 'licence'], sorted.map((c) => [c.group ? `${c.group}/${c.name}` : c.name, c.version, licenceOf(c)])),
  ].join('\n');
  return { text, facts: { packages: third.length, licences: Object.fromEntries(byLicence) } };
}

// ── tests ────────────────────────────────────────────────────────────────────────────────────────────

interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  startTime: number;
  success: boolean;
  testResults: Array<{ name: string; status: string; assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }> }>;
}

function runTests(root: string, report: string, filters: string[]): void {
  fs.mkdirSync(path.dirname(report), { recursive: true });
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  // A failing suite is a result to report, not a reason to stop the dossier.
  spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...filters], { cwd: root, stdio: 'inherit' });
}

function tests(root: string, reportFile: string): { text: string; facts: unknown } {
  const head = '# Results of the latest test run\n\nGenerated by `npm run dossier` from the vitest JSON report ' +
    `\`${path.relative(root, reportFile) || reportFile}\` (written by CI with \`npx vitest run --reporter=default --reporter=json --outputFile.json=${DEFAULT_REPORT}\`, or by \`npm run dossier -- --run-tests\`). Do not edit by hand.\n`;
  if (!fs.existsSync(reportFile)) {
    return { text: `${head}\nNo test report found: run \`npm run dossier -- --run-tests\`, or let CI write ${DEFAULT_REPORT} first.\n`, facts: null };
  }
  const r = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as VitestReport;
  const failures = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => [path.relative(root, f.name), a.fullName, (a.failureMessages ?? [])[0]?.split('\n')[0] ?? '']));
  const categories = countByCategory(r.testResults.map((f) => ({ file: path.relative(root, f.name), tests: f.assertionResults })));
  const text = [
    head,
    table(
      ['run at', 'result', 'tests', 'passed', 'failed', 'skipped/todo', 'files'],
      [[new Date(r.startTime).toISOString(), r.success ? 'success' : 'FAILED', r.numTotalTests, r.numPassedTests, r.numFailedTests, r.numPendingTests + (r.numTodoTests ?? 0), r.testResults.length]],
    ),
    '\n## Security tests by category\n',
    'Tests sorted by what they protect (rules in `scripts/dossier/test-categories.ts`: a file, or a file and test names); a test is counted once, in its first category.\n',
    table(['category', 'tests', 'passed', 'failed', 'files'], categories.map((c) => [c.title, c.tests, c.passed, c.failed, Object.entries(c.files).map(([f, n]) => `${f} (${n})`).join(', ') || '—'])),
    '\n## Files\n',
    table(['file', 'status', 'tests', 'passed'], r.testResults.map((f) => [path.relative(root, f.name), f.status, f.assertionResults.length, f.assertionResults.filter((a) => a.status === 'passed').length])),
    failures.length ? `\n## Failures\n\n${table(['file', 'test', 'message'], failures)}` : '',
  ].join('\n');
  return {
    text,
    facts: {
      run_at: new Date(r.startTime).toISOString(),
      success: r.success,
      total: r.numTotalTests,
      passed: r.numPassedTests,
      failed: r.numFailedTests,
      files: r.testResults.length,
      security_categories: categories.map(({ id, title, tests, passed, failed }) => ({ id, title, tests, passed, failed })),
    },
  };
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────

export async function writeDossier(opts: DossierOptions): Promise<string[]> {
  const cfg = loadConfig(opts.env ?? process.env);
  fs.mkdirSync(opts.out, { recursive: true });
  const write = (name: string, content: string) => fs.writeFileSync(path.join(opts.out, name), content.endsWith('\n') ? content : `${content}\n`);
  const pkg = JSON.parse(fs.readFileSync(path.join(opts.root, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
  const commit = git(opts.root, ['rev-parse', 'HEAD']);
  const generatedAt = new Date().toISOString();

  const { tables, migrations } = parseMigrations(path.join(opts.root, 'migrations'));
  write('data-flow.md', dataFlow(tables, migrations, cfg, opts.root));
  const out = await outbound(cfg);
  write('outbound.md', out.text);
  const r = roles();
  write('roles.md', r.text);
  write('openapi.json', JSON.stringify(buildOpenApi(allRoutes(), pkg.version), null, 2));
  const sbomFile = path.join(opts.out, 'sbom.cdx.json');
  if (opts.sbomFrom) fs.copyFileSync(opts.sbomFrom, sbomFile);
  const deps = dependencies(
    opts.sbomFrom ? ((JSON.parse(fs.readFileSync(sbomFile, 'utf8')) as { components?: CdxComponent[] }).components ?? []) : sbom(opts.root, sbomFile),
  );
  write('dependencies.md', deps.text);
  if (opts.runTests) runTests(opts.root, opts.testReport, opts.runTests);
  const t = tests(opts.root, opts.testReport);
  write('tests.md', t.text);

  const files = ['README.md', 'data-flow.md', 'outbound.md', 'roles.md', 'openapi.json', 'sbom.cdx.json', 'dependencies.md', 'tests.md', 'dossier.json'];
  write(
    'dossier.json',
    JSON.stringify(
      {
        product: pkg.name,
        version: pkg.version,
        commit: commit ?? null,
        generated_at: generatedAt,
        mode: cfg.DATABASE_URL ? 'server' : 'embedded',
        retention: Object.fromEntries(RETENTION_RULES.map((x) => [x.variable, cfg[x.variable]])),
        tables: [...tables.keys()].sort(),
        personal_data: PERSONAL_DATA_LOCATIONS,
        outbound: out.facts,
        routes: r.facts,
        dependencies: deps.facts,
        tests: t.facts,
      },
      null,
      2,
    ),
  );
  write(
    'README.md',
    [
      `# Security dossier — ${pkg.name} ${pkg.version}\n`,
      `Generated ${generatedAt} by \`npm run dossier\` (scripts/dossier.ts)${commit ? ` at commit \`${commit}\`` : ''}, licence ${pkg.license ?? 'see package.json'}. Everything here is derived from the code, the migrations and the configuration in force when it was generated (${cfg.DATABASE_URL ? 'server' : 'embedded'} database mode); regenerate it rather than editing it.\n`,
      table(
        ['file', 'content'],
        [
          ['data-flow.md', 'what is stored where and for how long; personal data; erasure and export'],
          ['outbound.md', 'every network destination the processes may reach, and the guard that enforces it'],
          ['roles.md', 'roles and the routes each may call'],
          ['openapi.json', 'the HTTP API'],
          ['dependencies.md', 'dependency inventory with licences'],
          ['sbom.cdx.json', 'CycloneDX 1.5 SBOM of production dependencies'],
          ['tests.md', 'results of the latest test run'],
          ['dossier.json', 'the same facts, machine-readable'],
        ],
      ),
    ].join('\n'),
  );
  return files.map((f) => path.join(opts.out, f));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeDossier(parseArgs(process.argv.slice(2))).then(
    (files) => {
      process.stdout.write(`Security dossier written:\n${files.map((f) => `  ${path.relative(process.cwd(), f)}`).join('\n')}\n`);
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
