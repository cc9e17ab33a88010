// What hello-node synth decides before cdk8s-cli runs, and how it tells a failure; the
// command itself, as users run it, is in synth-command.slow.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { failureLines, manifestStream, outputDirOf } from './synth-command';

let project: string;
beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-synth-command-'));
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

describe('the output directory, as cdk8s-cli chooses it', () => {
  const config = (yaml: string) => fs.writeFileSync(path.join(project, 'cdk8s.yaml'), yaml);

  test('--output first, then CDK8S_OUTPUT, then cdk8s.yaml\'s output, then dist', () => {
    config('app: node main.js\noutput: manifests\n');
    expect(outputDirOf(project, { output: 'flag' }, { CDK8S_OUTPUT: 'env' })).toBe('flag');
    expect(outputDirOf(project, {}, { CDK8S_OUTPUT: 'env' })).toBe('env');
    expect(outputDirOf(project, {}, {})).toBe('manifests');
    config('app: node main.js\n');
    expect(outputDirOf(project, {}, {})).toBe('dist');
  });

  test('--stdout (or CDK8S_STDOUT=true, but not =false or =1) has none', () => {
    expect(outputDirOf(project, { stdout: true }, {})).toBeUndefined();
    expect(outputDirOf(project, {}, { CDK8S_STDOUT: 'true' })).toBeUndefined();
    expect(outputDirOf(project, {}, { CDK8S_STDOUT: 'false' })).toBe('dist');
    // cdk8s-cli's yargs takes only `true` for true
    expect(outputDirOf(project, {}, { CDK8S_STDOUT: '1' })).toBe('dist');
    expect(outputDirOf(project, { stdout: false }, { CDK8S_STDOUT: 'true' })).toBe('dist');
  });

  test('--stdout is refused with --output, and with a Helm chart from a flag or cdk8s.yaml, as cdk8s-cli refuses them', () => {
    expect(() => outputDirOf(project, { stdout: true, output: 'x' }, {})).toThrow('--stdout and --output x cannot be combined');
    expect(() => outputDirOf(project, { stdout: true, format: 'helm' }, {})).toThrow('--stdout cannot print a Helm chart (--format helm)');
    config('app: node main.js\nsynthConfig:\n  format: helm\n  chartVersion: 1.0.0\n');
    expect(() => outputDirOf(project, { stdout: true }, {})).toThrow('--stdout cannot print a Helm chart (cdk8s.yaml\'s synthConfig.format: helm)');
  });
});

test('a cdk8s.yaml that is not YAML is one line naming it', () => {
  fs.writeFileSync(path.join(project, 'cdk8s.yaml'), 'app: [unclosed\n');
  expect(() => outputDirOf(project, {}, {})).toThrow(`${path.join(project, 'cdk8s.yaml')} is not valid YAML: `);
});

describe('a failure, told in one line', () => {
  test('the app\'s own lines, each one failure, without cdk8s-cli\'s error about the app', () => {
    expect(failureLines([
      'hello-node synth failed: environment variable HELLO_NODE_REPLICAS: "x" is invalid: must be an integer from 0 to 2147483647',
      `Error: command "node main.ts " at ${project} returned a non-zero exit code 1`,
      '    at ChildProcess.<anonymous> (/x/node_modules/cdk8s-cli/lib/util.js:77:27)',
    ], project)).toEqual(['environment variable HELLO_NODE_REPLICAS: "x" is invalid: must be an integer from 0 to 2147483647']);
  });

  test('a type error that ts-node found (the cdk8s init template\'s app): each diagnostic, as tsc prints it', () => {
    expect(failureLines([
      `${project}/node_modules/ts-node/src/index.ts:859`,
      '    return new TSError(diagnosticText, diagnosticCodes, diagnostics);',
      '           ^',
      'TSError: ⨯ Unable to compile TypeScript:',
      'main.ts(6,55): error TS2322: Type \'string\' is not assignable to type \'number\'.',
      '',
      `    at createTSError (${project}/node_modules/ts-node/src/index.ts:859:12)`,
      `Error: command "npx ts-node main.ts " at ${project} returned a non-zero exit code 1`,
    ], project)).toEqual(['main.ts(6,55): error TS2322: Type \'string\' is not assignable to type \'number\'.']);
  });

  test('an app that crashed: its error, where it was thrown, relative to the project, and where the stack is', () => {
    expect(failureLines([
      `${project}/main.ts:7`,
      'throw new Error("boom");',
      '^',
      '',
      'Error: boom',
      `    at Object.<anonymous> (${project}/main.ts:7:7)`,
      '',
      'Node.js v20.20.2',
      `Error: command "node main.ts " at ${project} returned a non-zero exit code 1`,
    ], project)).toEqual(['boom (at main.ts:7); --verbose shows the stack trace']);
  });

  test('cdk8s-cli\'s own refusal: its message alone', () => {
    expect(failureLines([
      'Error: You need to specify \'--chart-version\' when \'--format\' is set as \'helm\'.',
      '    at Object.handler (/x/node_modules/cdk8s-cli/lib/cli/cmds/synth.js:93:19)',
    ], project)).toEqual(['You need to specify \'--chart-version\' when \'--format\' is set as \'helm\'.']);
  });

  test('an error the app caught and told, thrown in the project\'s code: the place of its first frame there', () => {
    expect(failureLines([
      'hello-node synth failed: TypeError: Cannot read properties of undefined (reading \'name\')',
      `    at build (${project}/main.ts:8:40)`,
      `    at synthesize (${project}/node_modules/x/synth.js:3:1)`,
    ], project)).toEqual(['TypeError: Cannot read properties of undefined (reading \'name\') (at main.ts:8); --verbose shows the stack trace']);
  });

  test('an app or cdk8s-cli that gave up after a line of its own: that line', () => {
    expect(failureLines(['/bin/sh: 1: nosuchcmd: not found', `Error: command "nosuchcmd" at ${project} returned a non-zero exit code 127`, '    at ChildProcess.<anonymous> (x)'], project))
      .toEqual(['/bin/sh: 1: nosuchcmd: not found']);
    expect(failureLines(['Validation failed. See above reports for details'], project)).toEqual(['Validation failed. See above reports for details']);
  });

  test('an app that failed without a word: its exit code, and where to see more, unless all was shown', () => {
    const said = [`Error: command "node main.ts " at ${project} returned a non-zero exit code 3`];
    expect(failureLines(said, project)).toEqual(['the app (exit code 3) failed without a word on stderr; --verbose shows its whole output']);
    expect(failureLines(said, project, true)).toEqual(['the app (exit code 3) failed without a word on stderr']);
  });
});

test('the manifest stream: every .yaml file, in kubectl\'s walk order, with --- between files', () => {
  fs.mkdirSync(path.join(project, 'a'));
  fs.writeFileSync(path.join(project, 'b.k8s.yaml'), 'kind: B\n');
  fs.writeFileSync(path.join(project, 'a', 'z.k8s.yaml'), 'kind: Z1\n---\nkind: Z2');
  fs.writeFileSync(path.join(project, 'a.k8s.yaml'), 'kind: A\n');
  fs.writeFileSync(path.join(project, 'empty.k8s.yaml'), '');
  fs.writeFileSync(path.join(project, 'construct-metadata.json'), '{}');
  // filepath.Walk sorts names: "a" before "a.k8s.yaml"
  expect(manifestStream(project)).toBe('kind: Z1\n---\nkind: Z2\n---\nkind: A\n---\nkind: B\n');
});
