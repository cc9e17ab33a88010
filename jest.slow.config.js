// The slow suite, `npm run test:slow`: real processes (the server's signals and
// start-up, synths killed mid-way, the cdk8s CLI, bin/hello-node.js, the production
// pod, a nested jest run), the long synth property run, and every cluster command
// against a real control plane, which the global setup starts (test/control-plane.ts)
// when its binaries are there. Same runner and setup files as the fast suite: see
// jest.config.js.
const fast = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...fast,
  testMatch: ['<rootDir>/**/*.slow.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/build/', '/dist/'],
  globalSetup: '<rootDir>/test/slow-suite-global.js',
  globalTeardown: '<rootDir>/test/slow-suite-global.js',
};
