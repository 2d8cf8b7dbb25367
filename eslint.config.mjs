// @ts-check
import eslint from '@eslint/js';
import eslintPluginPrettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      'eslint.config.mjs',
      'jest.config.js',
      'jest.faults.config.js',
      'jest.heavy.config.js',
      'test/support/skip-reporter.cjs',
      'test/support/pglite-template.mjs',
      'test/support/global-setup.mjs',
      'test/support/global-teardown.mjs',
      'test/support/test-build.mjs',
      '.test-build/',
      'test/fixtures/',
      'test/readme/harnesses/',
      'test/readme/.generated/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  eslintPluginPrettierRecommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'module',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  {
    // The board's page script runs in the browser, as plain JavaScript.
    files: ['src/lib/board/assets/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { ...globals.browser, uPlot: 'readonly' },
      sourceType: 'script',
    },
  },
  {
    // Worker threads load their files as they are: plain JavaScript.
    files: [
      'src/lib/store/pglite/*.mjs',
      'src/lib/connectors/openmetrics/*.mjs',
      'src/lib/utils/*.mjs',
    ],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The CLI's launcher runs as it is, before anything is built: plain JavaScript.
    files: ['bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
