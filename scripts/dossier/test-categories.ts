/**
 * Security categories of the test suite, for the dossier's tests.md: each test of the vitest report lands in
 * the first category whose rule matches its file (path relative to the repository) and, when the rule
 * names one, its full name (describe blocks + title). Tests no rule matches are not security tests.
 * A new security test file = one path in a rule here; scripts/dossier/test-categories.test.ts checks that
 * the regression tests of each security issue are categorised.
 */
export interface SecurityCategory {
  id: string;
  title: string;
  rules: Array<{ file: RegExp; name?: RegExp }>;
}

export const SECURITY_CATEGORIES: SecurityCategory[] = [
  {
    id: 'access',
    title: 'Authentification, rôles et droits sur les collections',
    rules: [
      { file: /^packages\/(?:core|app)\/src\/http\/(access-control|collection-access)\.test\.ts$/ },
      { file: /^packages\/core\/src\/http\/collection-scope\.test\.ts$/ },
      { file: /^packages\/retrieval\/src\/eval\/eval-access\.test\.ts$/ },
      { file: /^packages\/(?:core|app)\/src\/(keys|auth)\/.*\.test\.ts$/ },
      { file: /^packages\/app\/src\/cli\/commands\/keys\.test\.ts$/ },
      { file: /^packages\/retrieval\/src\/answers\/answer-trust\.test\.ts$/, name: /collection|limited|leak/i },
    ],
  },
  {
    id: 'input',
    title: 'Validation des entrées, limites de requêtes et durcissement HTTP',
    rules: [
      { file: /^packages\/(?:core|app)\/src\/http\/(control-characters|hardening|client-limits|console-static)\.test\.ts$/ },
      { file: /^packages\/(?:core|app)\/src\/http\/.*\.test\.ts$/, name: /rate limit|control character|NUL|TRUST_PROXY|metrics|forwarded/i },
    ],
  },
  {
    id: 'untrusted-files',
    title: 'Fichiers non fiables : téléversements, bornes d\'extraction (bombes, tailles), URL de documents',
    rules: [
      { file: /^packages\/app\/src\/admin\/uploads-(streaming|routes)\.test\.ts$/ },
      { file: /^packages\/ingestion\/src\/extractors\/pdf\.test\.ts$/, name: /bomb|PDF_TOO_COMPLEX|inflat/i },
      { file: /^packages\/ingestion\/src\/extractors\/archive\.test\.ts$/, name: /bomb|ratio|nested|too large|traversal|\.\./i },
      { file: /^packages\/ingestion\/src\/ingest\/index-documents\.test\.ts$/, name: /javascript:|scheme/i },
    ],
  },
  {
    id: 'outbound',
    title: 'Flux sortants, garde du crawler et fichiers du serveur',
    rules: [
      { file: /^packages\/(?:core|app)\/src\/outbound\/.*\.test\.ts$/ },
      { file: /^packages\/ingestion\/src\/fetch\/address-guard\.test\.ts$/ },
      { file: /^packages\/ingestion\/src\/render\/.*\.test\.ts$/ },
      { file: /^packages\/ingestion\/src\/sources\/files-roots\.test\.ts$/ },
    ],
  },
  {
    id: 'resilience',
    title: 'Disponibilité : sessions de base de données, prises en charge par les workers, nouvelles tentatives',
    rules: [
      { file: /^packages\/core\/src\/db\/(pool-database|pglite-thread)\.test\.ts$/ },
      { file: /^packages\/ingestion\/src\/worker\/claim-health\.test\.ts$/ },
      { file: /^packages\/ingestion\/src\/frontier\/frontier\.test\.ts$/, name: /attempt|died/i },
    ],
  },
  {
    id: 'data',
    title: 'Données à caractère personnel : export, effacement, conservation, masquage, secrets dans les journaux',
    rules: [
      { file: /^packages\/app\/src\/data-control\/.*\.test\.ts$/ },
      { file: /^packages\/(?:core|app)\/src\/http\/redact-url\.test\.ts$/ },
      { file: /^packages\/ingestion\/src\/hygiene\/personal-data\.test\.ts$/ },
    ],
  },
];

/** The category of one test, or undefined for a test that is not a security test. */
export function categoryOf(file: string, fullName: string): SecurityCategory | undefined {
  const f = file.replace(/\\/g, '/');
  return SECURITY_CATEGORIES.find((c) => c.rules.some((r) => r.file.test(f) && (!r.name || r.name.test(fullName))));
}

export interface CategoryCount {
  id: string;
  title: string;
  tests: number;
  passed: number;
  failed: number;
  files: Record<string, number>;
}

/** Tests per category (every category listed, empty ones with 0, so a missing suite shows). */
export function countByCategory(results: Array<{ file: string; tests: Array<{ fullName: string; status: string }> }>): CategoryCount[] {
  const counts = new Map(SECURITY_CATEGORIES.map((c) => [c.id, { id: c.id, title: c.title, tests: 0, passed: 0, failed: 0, files: {} as Record<string, number> }]));
  for (const r of results) {
    for (const t of r.tests) {
      const category = categoryOf(r.file, t.fullName);
      if (!category) continue;
      const c = counts.get(category.id)!;
      c.tests += 1;
      if (t.status === 'passed') c.passed += 1;
      if (t.status === 'failed') c.failed += 1;
      c.files[r.file] = (c.files[r.file] ?? 0) + 1;
    }
  }
  return [...counts.values()];
}
