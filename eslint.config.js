// Lint rules that guard what reviews miss: floating promises (a lost await drops an error on the
// floor inside a Lambda) and focused or skipped tests (they silently shrink the suite).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vitest from '@vitest/eslint-plugin';
import globals from 'globals';
import prt from './eslint-rules/index.js';

export default tseslint.config(
  // bench/ has its own dependencies (installed only by `npm run bench`), so type-aware rules cannot
  // resolve them on a fresh clone; it is linted with `npx eslint --no-ignore bench` after a bench run.
  { ignores: ['node_modules/', 'cdk.out/', '.prt/', 'coverage/', 'dist/', 'bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The layer table (eslint-rules/layer-table.js, docs/architecture.md): imports point down, no cycles,
  // and core's areas are imported through their index.ts.
  {
    files: ['lambdas/**/*.ts', 'lib/**/*.ts', 'bin/**/*.ts', 'bin/**/*.mjs'],
    plugins: { prt },
    rules: {
      'prt/layers': ['error', { root: import.meta.dirname }],
      'prt/no-cycles': ['error', { root: import.meta.dirname }],
      'prt/core-public-face': ['error', { root: import.meta.dirname }],
      // `import { z }` is one object holding all of zod, every locale included, so a bundle keeps it
      // all (755 KB against 136 KB for the namespace import): Lambda cold starts pay for it.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "Use `import * as z from 'zod'`.",
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    // Keep disableTypeChecked's parser options: plain JavaScript is parsed without a TypeScript project.
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    files: ['test/**/*.ts', 'lambdas/**/*.test.ts'],
    plugins: { vitest },
    rules: {
      ...vitest.configs.recommended.rules,
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
      'vitest/expect-expect': 'error',
    },
  },
);
