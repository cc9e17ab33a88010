// The slow suite, `npm run test:slow`: real processes (the server's signals and
// start-up, synths killed mid-way, the cdk8s CLI, bin/hello-node.js, the production
// pod) and the long synth property run. See jest.config.js for the fast one.
const fast = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...fast,
  testMatch: ['<rootDir>/**/*.slow.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/build/', '/dist/'],
};
