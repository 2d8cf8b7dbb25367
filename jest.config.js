/** Jest in native ESM mode (Nest 12 is ESM-only); SWC compiles TypeScript with decorator metadata. */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  // Jest's default is one worker per core less one: a single worker on this 2-core machine.
  // Most suites wait on PostgreSQL, PGlite's thread or a child process, so two overlap well.
  maxWorkers: 2,
  // Each test's time bound, set per file by the load: see test/support/jest-setup.ts.
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
  // One empty PGlite database made per run, which every PGlite database of a test copies.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  // The default summary counts skipped tests; this one also says why.
  reporters: ['default', '<rootDir>/test/support/skip-reporter.cjs'],
};
