// ESLint: typescript-eslint's type-aware recommended rules over every TypeScript file (the
// compiler's own project), the JavaScript recommendations over the build and test scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'bench/fuzz-failures/**', '.apxm/**', '.e2e/**', '**/*.d.ts', '.vscode-test/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      // an async function that implements a Promise-returning interface needs no await of its own
      '@typescript-eslint/require-await': 'off',
      // its "the receiver accepts the original type" check misreads a const whose type is inferred:
      // removing such an assertion widens the const and breaks the build
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // terminal safety matches control characters on purpose
      'no-control-regex': 'off',
      // walking a parent chain starts from `this`
      '@typescript-eslint/no-this-alias': 'off',
      // the AIS parser unwinds a statement with a sentinel, not an Error (no stack to capture)
      '@typescript-eslint/only-throw-error': ['error', { allow: [{ from: 'file', name: 'Bail', path: 'runtime/ais/cursor.ts' }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // dispatchRequest catches what an async request handler rejects with and answers the request
    files: ['debug-adapter/**/*.ts'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { inheritedMethods: false } }] },
  },
  {
    // node states live in typed arrays (the scheduler's hot path): their numbers are compared with the enum
    files: ['runtime/scheduler/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-enum-comparison': 'off' },
  },
  {
    // tests read JSON replies and traces as they come, and stringify values to match them
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // tests swap process.stdout.write and reject with an abort signal's own reason
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
);
