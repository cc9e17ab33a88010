// The fast suite, `npm test`: everything in-process (the constructs, the synth, the
// CLI against stand-in tools and a fake cluster, the server on loopback): what a
// maintainer runs on every change. The *.slow.test.ts files (real processes and the
// long synth property run) are jest.slow.config.js's; `npm run check`, which CI runs,
// runs both.
//
// Tests run through swc, which strips types without checking them: type-checking
// is `npm run typecheck` (incremental tsc), so it is not paid again on every run.

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/**/*.test.ts', '<rootDir>/**/*.test.js'],
  testPathIgnorePatterns: ['/node_modules/', '/build/', '/dist/', '\\.slow\\.test\\.ts$'],
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // a private temp directory for the run, removed after it: nothing a test (or cdk8s's
  // Testing.app) leaves in the temp directory outlives the run
  globalSetup: '<rootDir>/test/private-tmpdir.js',
  globalTeardown: '<rootDir>/test/private-tmpdir.js',
};
