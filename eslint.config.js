// ESLint flat config (`npm run lint`, run by .ci/run). Syntax-only presets: @eslint/js recommended and
// typescript-eslint recommended. The type-checked presets are left out on purpose: they build a TypeScript
// program per project and are too slow for the CI machine; `npm run typecheck` covers types.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';

const sources = ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'];
const inScope = (dir) => sources.map((pattern) => `${dir}/${pattern}`);

export default defineConfig(
  {
    // build output, dependencies, test and bench reports, generated documents
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/build/**',
      '**/coverage/**',
      '**/.tsbuild/**',
      'reports/**',
      'test-results/**',
      'bench/out/**',
      'docs/security/**',
      'console/e2e/screenshots/**',
      '**/*.gz',
    ],
  },
  {
    files: [
      ...inScope('packages/*/src'),
      ...inScope('bench'),
      ...inScope('scripts'),
      ...inScope('console/src'),
      ...inScope('console/e2e'),
    ],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are the codebase's way to say "deliberately unused" (omitting a field from a
      // rest copy, a callback parameter kept for its position); rest siblings omit fields the same way.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // a variable declared early, read by a callback built before its one assignment (a const there would
      // throw if the callback ran first), is the codebase's way to tie parts built in order
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // control characters in patterns are always deliberate here: stripping or refusing them in headers,
      // file names, archive paths and text bound for PostgreSQL
      'no-control-regex': 'off',
    },
  },
  {
    // Pages, files, requests and model replies are matched against the engine's expressions: one whose
    // parts can share out the same characters in many ways fails in polynomial or exponential time (a
    // 204-character model reply held the engine 100 s, a Markdown line of 20,000 spaces the crawler for
    // minutes). Scripts and tests read the project's own files.
    files: [...inScope('packages/*/src'), ...inScope('console/src')],
    ignores: ['**/*.test.{ts,tsx}'],
    plugins: { regexp },
    rules: { 'regexp/no-super-linear-backtracking': 'error' },
  },
  {
    // the console runs in the browser
    files: inScope('console/src'),
    languageOptions: { globals: globals.browser },
  },
  {
    // browser tests run in Node and pass functions to the page, which run there
    files: inScope('console/e2e'),
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // tests read untyped JSON payloads and hand partial fakes to the code under test
    files: ['**/*.test.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
