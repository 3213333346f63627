// ESLint: `npm run lint` (CI runs it, zero warnings allowed). typescript-eslint's recommended
// rules, eslint-plugin-svelte for components (and .svelte.ts runes modules), eslint-config-prettier
// last so that formatting is Prettier's alone (`npm run format:check`). A rule turned off here says
// why. Not the type-checked set (yet): measured on this 2-core machine it takes 1.5 min of CPU,
// a second full type check, and found 163 problems (mostly unsafe-any in tests and redundant
// assertions) that are a change of their own.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  { ignores: ['dist/', 'dist-server/', 'node_modules/', 'test/artifacts/', 'bench/results/', 'data/'] },
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  prettier,
  svelte.configs.prettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { extraFileExtensions: ['.svelte'] },
    },
    rules: {
      // A leading underscore marks a name we must write but do not use: a field left out by a rest
      // pattern (`{ hash: _hash, ...user }`), an #each item only counted.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Our Maps, Sets and Dates in components and .svelte.ts are private bookkeeping or locals
      // built and returned at once; reactive state is $state replaced whole, never mutated in place.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, svelteConfig },
    },
  },
  {
    // The storage is asynchronous (PostgreSQL or SQLite behind one contract): a promise nobody
    // awaits is a write that may fail unseen, or a read used before it arrives. These three
    // type-checked rules, and only these, guard the server, its tests and the bench.
    files: ['server/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['client/service-worker/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker, __WAYMARK_PRECACHE_MANIFEST__: 'readonly' } },
  },
);
