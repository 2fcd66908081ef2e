import { defineConfig } from 'vitest/config';

// Suites that need several processes on one database exist only in server mode (the embedded data
// directory belongs to one process). Without DATABASE_URL they are left out; under CI=true they stay
// in, so a missing server fails the run instead of passing it quietly.
const serverOnly = ['packages/ingestion/src/worker/kill-resume.test.ts'];
const exclude = process.env.DATABASE_URL || process.env.CI === 'true' ? [] : serverOnly;

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', ...exclude],
    include: ['packages/*/src/**/*.test.ts', 'console/e2e/**/*.test.ts', 'scripts/**/*.test.ts'],
    // migrated template databases, built once per change of the migrations and copied by each suite
    globalSetup: ['packages/core/src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Database tests are heavy (PGlite boots a WASM Postgres): keep parallelism modest on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    // the JSON report feeds the security dossier (npm run dossier): results of the latest run
    reporters: ['default', ['json', { outputFile: 'reports/vitest-results.json' }]],
  },
});
