// The slow suite, `npm run test:slow`: real processes (the server's signals and
// start-up, synths killed mid-way, the cdk8s CLI, bin/hello-node.js, the production
// pod, a nested jest run) and the long synth property run. Same runner and setup as
// the fast suite: see jest.config.js.
const fast = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...fast,
  testMatch: ['<rootDir>/**/*.slow.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/build/', '/dist/'],
};
