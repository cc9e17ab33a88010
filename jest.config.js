// The fast suite, `npm test`: everything in-process (the constructs, the synth, the
// CLI against stand-in tools and a fake cluster, the server on loopback): what a
// maintainer runs on every change. The *.slow.test.ts files (real processes and the
// long synth property run) are jest.slow.config.js's; `npm run check`, which CI runs,
// runs both.
//
// jest-light-runner (the runner of Babel's and Prettier's suites) runs the test files
// in plain Node.js, one after another in one module registry, instead of a fresh
// sandbox per file: cdk8s, imports/k8s and jest's own expect and circus are loaded
// once, not once per file, which was most of the suite's time. What that costs:
// test files share globals and module state (ours keep none between tests), there
// is no jest.mock (we inject instead), a snapshot test belongs at a file's top level
// (the runner matches a skipped or failed test's snapshots by its title alone, so
// `-u -t` would delete those of a test in a describe), and the runner has neither a
// TypeScript transform nor test timeouts, ignores expect.assertions and ends the run on
// an uncaught error, which the two setup files give back:
// - test/run-typescript.mjs: the sources and tests run through scripts/ts-hook.js,
//   the cached esbuild transform that runs main.ts, with no type-check (that is
//   `npm run typecheck`);
// - test/jest-semantics.js: a test or hook fails after its timeout (5 s unless given),
//   a test fails when it makes fewer assertions than expect.assertions asked for, and
//   an uncaught error fails the test it surfaces in instead of ending the run.

/** @type {import('jest').Config} */
module.exports = {
  runner: 'jest-light-runner',
  // nothing for jest itself to transform either (its default, babel-jest, would load
  // @babel/core just to read the plain-JS global setup)
  transform: {},
  setupFiles: ['<rootDir>/test/run-typescript.mjs', '<rootDir>/test/jest-semantics.js'],
  testMatch: ['<rootDir>/**/*.test.ts', '<rootDir>/**/*.test.js'],
  testPathIgnorePatterns: ['/node_modules/', '/build/', '/dist/', '\\.slow\\.test\\.ts$'],
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // a private temp directory for the run, removed after it: nothing a test (or cdk8s's
  // Testing.app) leaves in the temp directory outlives the run
  globalSetup: '<rootDir>/test/private-tmpdir.js',
  globalTeardown: '<rootDir>/test/private-tmpdir.js',
};
