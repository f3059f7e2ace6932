// eslint flat config: typescript-eslint's recommended rules over the tree, as
// testcontainers-node and changesets use them. No type-aware rules: linting
// stays a few seconds on a laptop and in CI (tsc already checks types).
//
// No recommended rule had to be turned off: the tree passes them all. A rule
// that matches a few deliberate places is disabled there, on the line, with why.
// Relaxed, because the tree does these on purpose:
// - no-unused-vars: a leading "_" marks an argument or binding kept for its
//   position or dropped from a destructuring (the project's convention).
// - bin/devenv.js is CommonJS on purpose (its own comment says why): require() is allowed there.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.devenv/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
