/** Jest in native ESM mode (Nest 12 is ESM-only); SWC compiles TypeScript with decorator metadata. */
import { swcOptions as swc } from './test/support/test-build.mjs';

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  // The compiled sources of the tests' child processes (test/support/test-build.mjs) are not Jest's.
  modulePathIgnorePatterns: ['<rootDir>/.test-build/'],
  // Jest's default is one worker per core less one: a single worker on this 2-core machine.
  // Suites wait on PostgreSQL, PGlite's thread, a child process or a timer: on 2 cores three
  // workers kept both busy (99%) and finished a tenth sooner than two.
  maxWorkers: 3,
  // Each test's time bound, set per file by the load: see test/support/jest-setup.ts.
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
  // Per run: one empty PGlite database, which every PGlite database of a test
  // copies, and the sources compiled for the tests' child processes.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  // The default summary counts skipped tests; this one also says why.
  reporters: ['default', '<rootDir>/test/support/skip-reporter.cjs'],
};
