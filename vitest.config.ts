import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/src/**/*.test.ts', 'crawler/src/**/*.test.ts', 'console/e2e/**/*.test.ts', 'scripts/**/*.test.ts'],
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
