// The suites' runner (jest-light-runner) has no test timeouts of its own; test/test-timeouts.js
// gives them back. Here a real jest run, with the project's own configuration, on test files
// that never settle: each fails after its deadline, naming it and where it was defined, and
// the run ends with the others' results.
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

let work: string;
beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-timeouts-'))));
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

test('a test or hook that never settles fails after its timeout (5 s unless given), where it was defined, and the run goes on', () => {
  fs.writeFileSync(path.join(work, 'hanging.test.ts'), HANGING);
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', path.join(ROOT, 'jest.config.js'), '--roots', work, '--testMatch', '**/*.test.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const output = run.stdout + run.stderr;
  expect(run.status).toBe(1);
  expect(output).toContain('Error: Exceeded timeout of 200 ms for the test "hangs".\n        at Object.<anonymous> (' + path.join(work, 'hanging.test.ts') + ':2:1)');
  expect(output).toContain('Exceeded timeout of 200 ms for the test "hangs 1".');
  expect(output).toContain('Exceeded timeout of 200 ms for a beforeAll hook.');
  expect(output).toContain('Exceeded timeout of 5000 ms for the test "hangs without a timeout of its own".');
  expect(output).toContain('2 passed, 4 failed, 0 skipped');
}, 60_000);
