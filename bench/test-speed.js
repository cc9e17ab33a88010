#!/usr/bin/env node
// How long the fast test suite (`npm test`) takes, against jest running one trivial
// test on the same machine, measured side by side: after a warm-up of each, the two
// alternate (floor, suite, floor, suite, ...), so that a machine whose speed drifts
// during the measurement weighs on both alike; the figures are the medians of 3.
// Target: at most 4x. The slow suite (`npm run test:slow`: real processes and the long
// property run) is timed once, for the record.
//
//   node bench/test-speed.js [--runs N] [--no-slow]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { measure, median, numberFlag } = require('./measure');

const root = path.resolve(__dirname, '..');
const runs = numberFlag('runs', 3);
const jest = path.join(root, 'node_modules', '.bin', 'jest');
const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-jest-floor-'));

try {
  fs.writeFileSync(path.join(floorDir, 'trivial.test.js'), "test('trivial', () => expect(1 + 1).toBe(2));\n");
  fs.writeFileSync(path.join(floorDir, 'jest.config.js'), 'module.exports = { testEnvironment: \'node\' };\n');
  console.log(`median of ${runs} alternating runs after a warm-up, ${os.cpus().length} cores, node ${process.version}`);
  const timeFloor = () => measure(`${jest} --silent`, { cwd: floorDir }).wallMs;
  const timeSuite = () => measure(`${jest} --silent`, { cwd: root }).wallMs;
  timeFloor();
  timeSuite();
  const floors = [];
  const suites = [];
  for (let i = 0; i < runs; i++) {
    floors.push(timeFloor());
    suites.push(timeSuite());
  }
  const floor = median(floors);
  const suite = median(suites);
  const ratio = suite / floor;
  console.log(`jest, one trivial test           wall_ms=${floor.toFixed(0).padStart(6)}`);
  console.log(`npm test (the fast suite)        wall_ms=${suite.toFixed(0).padStart(6)}`);
  console.log(`fast suite / trivial             ratio=${ratio.toFixed(2)} target<=4 ${ratio <= 4 ? 'OK' : 'MISSED'}`);
  if (!process.argv.includes('--no-slow')) {
    const slow = measure(`${jest} --silent --config jest.slow.config.js`, { cwd: root }).wallMs;
    console.log(`npm run test:slow, once          wall_ms=${slow.toFixed(0).padStart(6)}`);
  }
} finally {
  fs.rmSync(floorDir, { recursive: true, force: true });
}
