// The suites' runner (jest-light-runner) has no test timeouts, ignores expect.assertions,
// and ends the whole run on an error nobody catches; test/jest-semantics.js gives jest's
// own behaviour back. Here a real jest run, with the project's own configuration, on test
// files that break them: each such test fails, saying why (a timeout naming where the
// test or hook was defined), and the run ends with the others' results. And the line that
// ends every run (test/summary-reporter.js) counts test files that failed to run, and an
// error outside every test file, among the failures.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

const HANGING = `const never = (): Promise<void> => new Promise(() => {});
test('hangs', never, 200);
test.each([1])('hangs %i', never, 200);
describe('with a beforeAll that hangs', () => {
  beforeAll(never, 200);
  test('after it', () => {});
});
test('hangs without a timeout of its own', never);
test('passes', () => expect(1 + 1).toBe(2));
`;

const COUNTING = `test('asks for two assertions, makes one', async () => {
  expect.assertions(2);
  await Promise.resolve();
  expect(1).toBe(1);
});
test('asks for assertions, makes none', () => {
  expect.hasAssertions();
});
test('asks for one assertion, makes it', () => {
  expect.assertions(1);
  expect(1).toBe(1);
});
`;

const UNCAUGHT = `const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
test('rejects without awaiting', async () => {
  void Promise.reject(new Error('an un-awaited rejection'));
  await tick();
});
test('throws in a timer', async () => {
  setTimeout(() => { throw new Error('thrown in a timer'); }, 1);
  await tick();
});
test('passes', () => expect(1 + 1).toBe(2));
`;

const PASSING = `test('passes', () => expect(1 + 1).toBe(2));
`;

let work: string;
beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-semantics-'))));
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * jest with the fast suite's configuration (and `args`), on the test files in `work`;
 * `summary` is the last line of its standard output (jest's own report is on stderr).
 */
function jest(...args: string[]): { status: number | null; output: string; summary: string | undefined } {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', path.join(ROOT, 'jest.config.js'), '--roots', work, '--testMatch', '**/*.test.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, output: run.stdout + run.stderr, summary: run.stdout.trimEnd().split('\n').at(-1) };
}

test('a test or hook that never settles fails after its timeout (5 s unless given), where it was defined, and the run goes on', () => {
  fs.writeFileSync(path.join(work, 'hanging.test.ts'), HANGING);
  const { status, output } = jest();
  expect(status).toBe(1);
  expect(output).toContain(`Error: Exceeded timeout of 200 ms for the test "hangs".\n        at Object.<anonymous> (${path.join(work, 'hanging.test.ts')}:2:1)`);
  expect(output).toContain('Exceeded timeout of 200 ms for the test "hangs 1".');
  expect(output).toContain('Exceeded timeout of 200 ms for a beforeAll hook.');
  expect(output).toContain('Exceeded timeout of 5000 ms for the test "hangs without a timeout of its own".');
  expect(output).toContain('2 passed, 4 failed, 0 skipped');
}, 60_000);

test('a test that makes fewer assertions than expect.assertions or expect.hasAssertions asked for fails', () => {
  fs.writeFileSync(path.join(work, 'counting.test.ts'), COUNTING);
  const { status, output } = jest();
  expect(status).toBe(1);
  expect(output).toContain('Expected two assertions to be called but received one assertion call.');
  expect(output).toContain('Expected at least one assertion to be called but received none.');
  expect(output).toContain('1 passed, 2 failed, 0 skipped');
}, 60_000);

test('an error nobody catches fails the test it surfaces in, and the run goes on', () => {
  fs.writeFileSync(path.join(work, 'uncaught.test.ts'), UNCAUGHT);
  const { status, output } = jest();
  expect(status).toBe(1);
  expect(output).toMatch(/rejects without awaiting\n {4}Error: an un-awaited rejection/);
  expect(output).toMatch(/throws in a timer\n {4}Error: thrown in a timer/);
  expect(output).toContain('1 passed, 2 failed, 0 skipped');
}, 60_000);

test('a test file that fails to load counts as failed, and the last line says how many did not run', () => {
  fs.writeFileSync(path.join(work, 'passing.test.ts'), PASSING);
  fs.writeFileSync(path.join(work, 'syntax-error.test.ts'), `test('never defined', () => {\n`);
  fs.writeFileSync(path.join(work, 'throws-on-import.ts'), `throw new Error('thrown while importing');\n`);
  fs.writeFileSync(path.join(work, 'throwing-import.test.ts'), `import './throws-on-import';\ntest('never defined', () => {});\n`);
  const { status, output, summary } = jest();
  expect(status).toBe(1);
  expect(output).toContain('syntax-error.test.ts:2:1: Unexpected end of file');
  expect(output).toContain('thrown while importing');
  expect(summary).toBe('1 passed, 2 failed, 0 skipped, 2 suites failed to run');
}, 60_000);

test('an error outside every test file (the runner\'s) counts as failed, and the last line says it', () => {
  fs.writeFileSync(path.join(work, 'passing.test.ts'), PASSING);
  const runner = path.join(work, 'broken-runner.js');
  fs.writeFileSync(runner, `module.exports = class { async runTests() { throw new Error('the runner broke'); } };\n`);
  const { status, summary } = jest('--runner', runner);
  expect(status).toBe(1);
  expect(summary).toBe('0 passed, 1 failed, 0 skipped, the run failed outside any test file: the runner broke');
}, 60_000);

test('a run that fails nothing ends with the plain line', () => {
  fs.writeFileSync(path.join(work, 'passing.test.ts'), PASSING);
  const { status, summary } = jest();
  expect(status).toBe(0);
  expect(summary).toBe('1 passed, 0 failed, 0 skipped');
}, 60_000);
