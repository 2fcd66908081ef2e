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
import { configSchema, loadConfig, type Config } from '@cite/core/config/config.js';
import { PERSONAL_DATA_LOCATIONS } from '@cite/app/data-control/personal-data-inventory.js';
import { RETENTION_RULES } from '@cite/app/data-control/retention.js';
import { ROLES, roleAtLeast, type Access } from '@cite/core/auth/roles.js';
import { buildOpenApi } from '@cite/core/http/openapi.js';
import { allRoutes } from '@cite/app/http/routes.js';
import { MODEL_HUB_HOSTS, modelDestinations, parseAllowList } from '@cite/core/outbound/outbound-policy.js';
import { MASKS } from '@cite/ingestion/hygiene/personal-data.js';
import { parseMigrations, type SchemaTable } from './dossier/schema.js';
import { countByCategory } from './dossier/test-categories.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_REPORT = path.join('reports', 'vitest-results.json');
/** The dossier is written in French (homologation by French public bodies); identifiers stay as in the code. */
const GENERATED = 'Généré par `npm run dossier`';
const NO_EDIT = 'Ne pas modifier à la main.';
const STATUS: Record<string, string> = { passed: 'réussi', failed: 'en échec', skipped: 'ignoré', pending: 'ignoré', todo: 'à écrire' };

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
    } else throw new Error(`dossier : option inconnue ${a}`);
  }
  return opts;
}

const md = (s: unknown) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (head: string[], rows: unknown[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`)].join('\n');
const days = (n: number) => (n > 0 ? `${n} jours` : "0 : sans limite (conservation jusqu'à suppression)");

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
  for (const d of ['packages']) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
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
  if (!rules.length) return "jusqu'à suppression par un administrateur ou par la chaîne d'ingestion";
  return rules.map((r) => `${r.variable} = ${days(cfg[r.variable])} (par défaut : ${days(Number(configSchema.shape[r.variable].parse(undefined)))})`).join(' ; ');
}

function dataFlow(tables: Map<string, SchemaTable>, migrations: string[], cfg: Config, root: string): string {
  for (const loc of PERSONAL_DATA_LOCATIONS) {
    const t = tables.get(loc.table);
    if (!t) throw new Error(`dossier : l'inventaire des données à caractère personnel cite la table ${loc.table}, qu'aucune migration ne crée`);
    for (const c of loc.columns) if (!t.columns.some((x) => x.name === c)) throw new Error(`dossier : ${loc.table}.${c} figure dans l'inventaire des données à caractère personnel mais pas dans le schéma`);
  }
  const personal = new Map(PERSONAL_DATA_LOCATIONS.map((l) => [l.table, l]));
  const parts: string[] = [];
  parts.push('# Flux de données : ce que Cité conserve, où et pour quelle durée\n');
  parts.push(`${GENERATED} à partir des migrations (\`migrations/*.sql\`), des règles de conservation (\`packages/app/src/data-control/retention.ts\`), de l'inventaire des données à caractère personnel (\`packages/app/src/data-control/personal-data-inventory.ts\`) et du schéma de configuration (\`packages/core/src/config/config.ts\`). ${NO_EDIT}\n`);
  parts.push('## Lieux de stockage\n');
  parts.push(
    table(
      ['mode', 'stockage'],
      [
        ['embarqué (DATABASE_URL non défini)', `fichiers PostgreSQL (PGlite) sous \`${cfg.DATA_DIR}/pgdata\` (DATA_DIR ; présente génération : ${cfg.DATABASE_URL ? 'mode serveur' : 'mode embarqué'})`],
        ['serveur (DATABASE_URL défini)', `le serveur PostgreSQL désigné par DATABASE_URL${cfg.DATABASE_URL ? ` (présente génération : hôte ${new URL(cfg.DATABASE_URL).hostname})` : ''}`],
      ],
    ),
  );
  const files = dataDirFiles(root);
  if (files.length) {
    parts.push('\nFichiers écrits par le code sous DATA_DIR :\n');
    parts.push(table(['chemin sous DATA_DIR', 'écrit par'], files.map((f) => [f.name, f.file])));
  }
  parts.push("\nLes journaux des processus sont écrits sur la sortie standard en lignes JSON (pino) ; l'en-tête `Authorization` y est masqué. Leur destination ultérieure relève du déploiement.\n");
  parts.push('## Durées de conservation\n');
  parts.push('Une purge en tâche de fond (dans `cite start` en mode embarqué et dans `cite worker`) s\'exécute peu après le démarrage puis toutes les RETENTION_PURGE_INTERVAL_MINUTES minutes ' +
    `(${cfg.RETENTION_PURGE_INTERVAL_MINUTES} min ici) ; elle supprime les lignes échues par lots de RETENTION_PURGE_BATCH_SIZE (${cfg.RETENTION_PURGE_BATCH_SIZE}). ` +
    'Chaque purge qui supprime des données inscrit au journal d\'audit une entrée `retention.purge` ne contenant que des décomptes. `cite data purge` ou `POST /admin/api/retention/purge` la déclenche immédiatement.\n');
  parts.push(
    table(
      ['règle', 'variable', 'valeur ici', 'par défaut', 'tables', 'âge calculé sur', "conservé quel que soit l'âge"],
      RETENTION_RULES.map((r) => [r.name, r.variable, days(cfg[r.variable]), days(Number(configSchema.shape[r.variable].parse(undefined))), r.tables.join(', '), r.age, r.exempt ?? '—']),
    ),
  );
  parts.push('\n## Données à caractère personnel et effacement\n');
  parts.push("`cite data export --key-id N` (ou le bouton de la console, `GET /admin/api/api-keys/:id/export`) remet à la personne titulaire d'une clé l'ensemble des données ci-dessous au format JSON ; `cite data erase --key-id N` (`POST /admin/api/api-keys/:id/erase`) les efface en une seule transaction et laisse au journal d'audit une unique ligne `data.erase` ne contenant que des décomptes. Les tables dotées ultérieurement d'une colonne `api_key_id` sont également exportées et effacées.\n");
  parts.push(table(['table', 'colonnes', 'nature des données', 'effet de l\'effacement'], PERSONAL_DATA_LOCATIONS.map((l) => [l.table, l.columns.join(', '), l.what, l.erasure])));
  parts.push(`\nTexte indexé : lorsqu'une source a \`mask_personal_data\`, les numéros de téléphone français, adresses électroniques, NIR (clé vérifiée) et IBAN (contrôle modulo 97) sont remplacés par ${Object.values(MASKS).map((m) => `\`${m}\``).join(', ')} avant l'enregistrement des extraits.\n`);
  parts.push('## Inventaire des tables\n');
  parts.push(`D'après ${migrations.length} migrations : ${migrations.join(', ')}.\n`);
  for (const t of [...tables.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    parts.push(`### ${t.name}${personal.has(t.name) ? ' (données à caractère personnel)' : ''}\n`);
    if (t.comment) parts.push(`${t.comment}\n`);
    parts.push(`Créée par ${t.migration}. Durée de conservation : ${retentionOf(t.name, cfg)}.${t.references.length ? ` Références : ${t.references.map((r) => `${r.column} → ${r.table}${r.onDelete ? ` (ON DELETE ${r.onDelete})` : ''}`).join(', ')}.` : ''}\n`);
    parts.push(table(['colonne', 'type', 'remarque'], t.columns.map((c) => [c.name, c.type, [c.comment, c.migration !== t.migration ? `ajoutée par ${c.migration}` : ''].filter(Boolean).join(' — ')])));
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
    chromiumArgs = (await import('@cite/ingestion/render/renderer.js')).CHROMIUM_ARGS as string[];
  } catch {
    /* renderer not present in this checkout */
  }
  const rows: unknown[][] = [
    ['crawl', 'les sites (hôte, `www.` ignoré) des URL de départ des sources activées', 'table sources (administrateurs)', allow.length ? `restreint à OUTBOUND_ALLOW : ${allow.join(', ')}` : 'OUTBOUND_ALLOW vide : aucune restriction supplémentaire'],
    ['embeddings', 'EMBEDDINGS_BASE_URL', cfg.EMBEDDINGS_BASE_URL ? new URL(cfg.EMBEDDINGS_BASE_URL).host : 'non configuré : aucun appel', 'seulement si défini'],
    ['llm', 'LLM_BASE_URL', cfg.LLM_BASE_URL ? new URL(cfg.LLM_BASE_URL).host : 'non configuré : aucun appel (réponses extractives)', 'seulement si défini'],
    ['model-download', `hub Hugging Face (${MODEL_HUB_HOSTS.join(', ')})`, models.some((m) => m.purpose === 'model-download') ? 'autorisé ici' : 'non autorisé ici', 'seulement avec MODELS_ALLOW_DOWNLOAD=true et EMBEDDINGS=transformers:…'],
    ['web-search', 'WEB_SEARCH_PROVIDER (SearXNG : WEB_SEARCH_URL ; Brave : api.search.brave.com)', models.find((m) => m.purpose === 'web-search')?.host ?? 'désactivée (WEB_SEARCH_PROVIDER vide) : aucun appel', "seulement si défini ; la question envoyée est masquée (téléphone, courriel, NIR, IBAN) et journalisée dans l'audit avec l'hôte du fournisseur"],
    ['web', 'pages de résultats de la recherche internet', cfg.WEB_SEARCH_PROVIDER ? (cfg.WEB_SEARCH_ALLOWED_DOMAINS || 'tout hôte public') : 'aucune (recherche internet désactivée)', 'clés API autorisées (web_search) et requêtes avec "web": true ; WEB_SEARCH_ALLOWED_DOMAINS et OUTBOUND_ALLOW vérifiés à chaque redirection'],
    ['database', 'DATABASE_URL', cfg.DATABASE_URL ? new URL(cfg.DATABASE_URL).host : 'non défini : base embarquée, aucune connexion', 'mode serveur uniquement'],
  ];
  const text = [
    '# Flux sortants\n',
    `${GENERATED} à partir de \`packages/core/src/outbound/outbound-policy.ts\` et de la configuration. ${NO_EDIT}\n`,
    "Les processus moteur et worker installent un garde unique (`packages/core/src/outbound/outbound-guard.ts`) : tout `fetch` du processus passe par un répartiteur qui refuse, avant toute résolution DNS ou connexion, les hôtes absents de la liste ci-dessous (`OUTBOUND_REFUSED`) ; le crawler vérifie chaque URL et chaque redirection au regard de la même politique. Chaque requête sortante est comptée par hôte et par finalité dans `cite_outbound_requests_total` sur `/metrics` (finalité `refused` pour les refus, `unlisted` pour un appel qui aurait échappé au garde). La boucle locale ne constitue pas un flux sortant ; le crawler refuse les adresses privées et de boucle locale, sauf si CRAWLER_ALLOW_PRIVATE_NETWORKS=true.\n",
    table(['finalité', 'destination', 'dans cette configuration', 'condition'], rows),
    "\nUn test (`packages/app/src/outbound/no-outbound.test.ts`) démarre un véritable `cite start` sans serveur de modèles ni source et démontre, au moyen d'un enregistreur des connexions et résolutions DNS et des tables de sockets du noyau, qu'il n'ouvre aucune connexion sortante.\n",
    chromiumArgs.length ? `\nChromium sans interface (pages nécessitant JavaScript) s'exécute avec : ${chromiumArgs.map((a) => `\`${a}\``).join(' ')}.\n` : '',
  ].join('\n');
  return { text, facts: { models, outbound_allow: allow, model_hub: MODEL_HUB_HOSTS, database: cfg.DATABASE_URL ? new URL(cfg.DATABASE_URL).host : null, chromium_args: chromiumArgs } };
}

// ── roles ────────────────────────────────────────────────────────────────────────────────────────────

function roles(): { text: string; facts: unknown } {
  const routes = allRoutes();
  const levels: Access[] = ['public', ...ROLES];
  const allowed = (role: Access, access: Access) => access === 'public' || (role !== 'public' && roleAtLeast(role, access as (typeof ROLES)[number]));
  const parts = [
    '# Rôles et droits associés\n',
    `${GENERATED} à partir des déclarations de routes (\`packages/app/src/http/routes.ts\`, \`allRoutes()\`) : chaque route déclare le rôle minimal qu'elle exige, et l'application le contrôle à chaque requête (401 sans clé valide, 403 en deçà du rôle requis). ${NO_EDIT}\n`,
    `Les rôles sont ordonnés : ${ROLES.join(' < ')} ; chaque rôle dispose de tous les droits des rôles qui le précèdent. Les clés sont transmises dans l'en-tête \`Authorization: Bearer <clé>\` et conservées sous forme d'empreinte.\n`,
    table(['rôle', 'routes autorisées', 'dont propres à ce rôle'], levels.map((l) => [l, routes.filter((r) => allowed(l, r.access)).length, routes.filter((r) => r.access === l).length])),
    '',
  ];
  for (const level of levels) {
    const own = routes.filter((r) => r.access === level);
    if (!own.length) continue;
    parts.push(`## ${level}${level === 'public' ? ' (sans clé)' : ''}\n`);
    parts.push(table(['méthode', 'chemin', 'objet'], own.map((r) => [r.method.toUpperCase(), `\`${r.path}\``, r.summary])));
    parts.push('');
  }
  parts.push('## Matrice des droits\n');
  parts.push(table(['méthode', 'chemin', ...levels], routes.map((r) => [r.method.toUpperCase(), `\`${r.path}\``, ...levels.map((l) => (allowed(l, r.access) ? 'oui' : '—'))])));
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

/** Where the inventory was read: the installed tree, or the lockfile when the installed tree is inconsistent. */
export type SbomSource = 'node_modules' | 'package-lock.json';
const SOURCE_PROPERTY = 'cite:sbom-source';

/** Packages of the lockfile that npm would not install here (optional packages for another os/cpu/libc: @esbuild/darwin-arm64…). */
function otherPlatformPackages(root: string): Set<string> {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { version?: string; name?: string; os?: string[]; cpu?: string[]; libc?: string[] }> };
  const fits = (list: string[] | undefined, value: string) =>
    !list?.length || (list.some((x) => x === value) || (list.every((x) => x.startsWith('!')) && !list.includes(`!${value}`)));
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const libc = process.platform === 'linux' ? (header?.glibcVersionRuntime ? 'glibc' : 'musl') : undefined;
  const here = new Set<string>();
  const elsewhere = new Set<string>();
  for (const [loc, p] of Object.entries(lock.packages ?? {})) {
    if (!loc.includes('node_modules/') || !p.version) continue;
    const id = `${p.name ?? loc.slice(loc.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${p.version}`;
    (fits(p.os, process.platform) && fits(p.cpu, process.arch) && (!libc || fits(p.libc, libc)) ? here : elsewhere).add(id);
  }
  return new Set([...elsewhere].filter((id) => !here.has(id)));
}

export function sbom(root: string, file: string): { components: CdxComponent[]; source: SbomSource; problems?: string } {
  // `npm sbom` is built into npm (>= 9.5): it reads the installed tree (node_modules and the lockfile), so it
  // needs no extra package (the CycloneDX CLI pulled libxmljs2, compiled at every install) and no network.
  // Its --omit dev leaves out packages that the root declares as dev and a workspace as production (pg,
  // pino, zod: npm 11.19); the production set is taken from `npm ls --omit dev` instead.
  // When node_modules does not match the lockfile (an `npm install` under way, a package removed by hand,
  // linked node_modules), `npm sbom` refuses with ESBOMPROBLEMS ("missing: …", "invalid: …"): the inventory
  // is then read from package-lock.json alone (--package-lock-only: what `npm ci` installs), without the
  // optional packages for other platforms, and the dossier says so.
  const npm = (args: string[]) => spawnSync('npm', [...args, '--offline'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let source: SbomSource = 'node_modules';
  let problems: string | undefined;
  let r = npm(['sbom', '--sbom-format', 'cyclonedx']);
  if (r.status !== 0 && /ESBOMPROBLEMS/.test(r.stderr)) {
    const lines = [...new Set(r.stderr.split('\n').filter((l) => /missing:|invalid:/.test(l)).map((l) => l.replace(/^npm error\s*/, '').trim()))];
    problems = `${lines.slice(0, 3).join('; ')}${lines.length > 3 ? `; … (${lines.length} écarts)` : ''}`;
    process.stderr.write(`dossier : node_modules ne correspond pas à package-lock.json (${problems}) ; inventaire établi à partir de package-lock.json\n`);
    source = 'package-lock.json';
    r = npm(['sbom', '--sbom-format', 'cyclonedx', '--package-lock-only']);
  }
  if (r.status !== 0) throw new Error(`dossier : npm sbom a échoué (code ${r.status ?? r.signal}) :\n${r.stderr || r.error?.message || ''}`);
  // `npm ls` also exits non-zero for extraneous or missing packages; its list is what counts
  const ls = npm(['ls', '--omit', 'dev', '--all', '--parseable', '--long', ...(source === 'package-lock.json' ? ['--package-lock-only'] : [])]);
  const production = new Set(ls.stdout.split('\n').map((l) => l.split(':')[1]).filter((x): x is string => Boolean(x)));
  if (production.size === 0) throw new Error(`dossier : npm ls a échoué :\n${ls.stderr}`);
  if (source === 'package-lock.json') for (const id of otherPlatformPackages(root)) production.delete(id);
  const bom = JSON.parse(r.stdout) as {
    metadata?: { properties?: Array<{ name: string; value: string }> };
    components?: Array<CdxComponent & { 'bom-ref'?: string }>;
    dependencies?: Array<{ ref: string; dependsOn?: string[] }>;
  };
  bom.components = (bom.components ?? []).filter((c) => production.has(`${c.name}@${c.version}`));
  const kept = new Set(bom.components.map((c) => c['bom-ref']));
  bom.dependencies = (bom.dependencies ?? []).filter((d) => kept.has(d.ref)).map((d) => ({ ...d, dependsOn: d.dependsOn?.filter((x) => kept.has(x)) }));
  bom.metadata = { ...bom.metadata, properties: [...(bom.metadata?.properties ?? []).filter((p) => p.name !== SOURCE_PROPERTY), { name: SOURCE_PROPERTY, value: source }] };
  fs.writeFileSync(file, JSON.stringify(bom, null, 2));
  return { components: bom.components, source, problems };
}

function sbomSource(file: string): SbomSource | undefined {
  const bom = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata?: { properties?: Array<{ name: string; value: string }> } };
  return bom.metadata?.properties?.find((p) => p.name === SOURCE_PROPERTY)?.value as SbomSource | undefined;
}

const licenceOf = (c: CdxComponent) =>
  (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name).filter(Boolean).join(' OR ') || 'non déclarée';

function dependencies(components: CdxComponent[], source: SbomSource | undefined): { text: string; facts: unknown } {
  const third = components.filter((c) => !c.purl?.startsWith('pkg:npm/%40cite') && !(c.version === '0.1.0' && ['core', 'index', 'ingestion', 'retrieval', 'app', 'console'].includes(c.name)));
  const byLicence = new Map<string, number>();
  for (const c of third) byLicence.set(licenceOf(c), (byLicence.get(licenceOf(c)) ?? 0) + 1);
  const sorted = [...third].sort((a, b) => `${a.group ?? ''}/${a.name}`.localeCompare(`${b.group ?? ''}/${b.name}`));
  const text = [
    '# Inventaire des dépendances\n',
    `${GENERATED} avec \`npm sbom\` (intégré à npm, format OWASP CycloneDX) à partir des dépendances de production (hors dépendances de développement) ; la nomenclature logicielle (SBOM) complète figure dans \`sbom.cdx.json\` (CycloneDX 1.5). ${NO_EDIT}\n`,
    ...(source === 'package-lock.json'
      ? ["Le répertoire node_modules ne correspondant pas au fichier de verrouillage lors de la génération, l'inventaire a été établi à partir de `package-lock.json` (paquets de production qu'installerait `npm ci`, hors paquets optionnels propres à un autre système, processeur ou bibliothèque C).\n"]
      : source === 'node_modules'
        ? ["L'inventaire a été établi à partir des paquets installés (node_modules), conformes au fichier de verrouillage `package-lock.json`.\n"]
        : []),
    `${third.length} paquets tiers.\n`,
    '## Licences\n',
    table(['licence', 'paquets'], [...byLicence.entries()].sort((a, b) => b[1] - a[1])),
    '\n## Paquets\n',
    table(['paquet', 'version', 'licence'], sorted.map((c) => [c.group ? `${c.group}/${c.name}` : c.name, c.version, licenceOf(c)])),
  ].join('\n');
  return { text, facts: { packages: third.length, licences: Object.fromEntries(byLicence), source: source ?? null } };
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
  const head = `# Résultats de la dernière exécution des tests\n\n${GENERATED} à partir du rapport JSON de vitest ` +
    `\`${path.relative(root, reportFile) || reportFile}\` (écrit par l'intégration continue avec \`npx vitest run --reporter=default --reporter=json --outputFile.json=${DEFAULT_REPORT}\`, ou par \`npm run dossier -- --run-tests\`). ${NO_EDIT}\n`;
  if (!fs.existsSync(reportFile)) {
    return { text: `${head}\nAucun rapport de tests trouvé : exécuter \`npm run dossier -- --run-tests\`, ou laisser l'intégration continue écrire ${DEFAULT_REPORT} au préalable.\n`, facts: null };
  }
  const r = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as VitestReport;
  const failures = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => [path.relative(root, f.name), a.fullName, (a.failureMessages ?? [])[0]?.split('\n')[0] ?? '']));
  const categories = countByCategory(r.testResults.map((f) => ({ file: path.relative(root, f.name), tests: f.assertionResults })));
  const text = [
    head,
    table(
      ['exécution', 'résultat', 'tests', 'réussis', 'en échec', 'ignorés/à écrire', 'fichiers'],
      [[new Date(r.startTime).toISOString(), r.success ? 'succès' : 'ÉCHEC', r.numTotalTests, r.numPassedTests, r.numFailedTests, r.numPendingTests + (r.numTodoTests ?? 0), r.testResults.length]],
    ),
    '\n## Tests de sécurité par catégorie\n',
    "Tests classés selon ce qu'ils protègent (règles de `scripts/dossier/test-categories.ts` : un fichier, ou un fichier et des noms de tests) ; un test n'est compté qu'une fois, dans sa première catégorie.\n",
    table(['catégorie', 'tests', 'réussis', 'en échec', 'fichiers'], categories.map((c) => [c.title, c.tests, c.passed, c.failed, Object.entries(c.files).map(([f, n]) => `${f} (${n})`).join(', ') || '—'])),
    '\n## Fichiers\n',
    table(['fichier', 'statut', 'tests', 'réussis'], r.testResults.map((f) => [path.relative(root, f.name), STATUS[f.status] ?? f.status, f.assertionResults.length, f.assertionResults.filter((a) => a.status === 'passed').length])),
    failures.length ? `\n## Échecs\n\n${table(['fichier', 'test', 'message'], failures)}` : '',
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
  const made = opts.sbomFrom ? undefined : sbom(opts.root, sbomFile);
  const deps = dependencies(
    made?.components ?? (JSON.parse(fs.readFileSync(sbomFile, 'utf8')) as { components?: CdxComponent[] }).components ?? [],
    made?.source ?? sbomSource(sbomFile),
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
      `# Dossier de sécurité (dossier d'homologation) — ${pkg.name} ${pkg.version}\n`,
      `Généré le ${generatedAt} par \`npm run dossier\` (scripts/dossier.ts)${commit ? ` au commit \`${commit}\`` : ''}, licence ${pkg.license ?? 'voir package.json'}. Tout son contenu est tiré du code, des migrations et de la configuration en vigueur lors de la génération (base de données en mode ${cfg.DATABASE_URL ? 'serveur' : 'embarqué'}) ; il se régénère et ne se modifie pas à la main.\n`,
      table(
        ['fichier', 'contenu'],
        [
          ['data-flow.md', 'données conservées, lieux de stockage et durées de conservation ; données à caractère personnel ; effacement et export'],
          ['outbound.md', 'flux sortants : toutes les destinations réseau que les processus peuvent joindre, et le garde qui les impose'],
          ['roles.md', 'rôles et routes que chacun peut appeler'],
          ['openapi.json', "l'API HTTP (OpenAPI)"],
          ['dependencies.md', 'inventaire des dépendances et de leurs licences'],
          ['sbom.cdx.json', 'nomenclature logicielle (SBOM) CycloneDX 1.5 des dépendances de production'],
          ['tests.md', 'résultats de la dernière exécution des tests'],
          ['dossier.json', 'les mêmes informations, en format exploitable par machine'],
        ],
      ),
    ].join('\n'),
  );
  return files.map((f) => path.join(opts.out, f));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeDossier(parseArgs(process.argv.slice(2))).then(
    (files) => {
      process.stdout.write(`Dossier de sécurité écrit :\n${files.map((f) => `  ${path.relative(process.cwd(), f)}`).join('\n')}\n`);
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
