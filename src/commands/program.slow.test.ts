// The real `hello-node` (bin/hello-node.js) as a process, with stand-in docker, gcloud
// and kubectl first on PATH that record their arguments: one case per command family,
// for what only a process shows (the bin script, PATH lookup, exit codes, signals).
// Everything else about the CLI is tested in-process in cli.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { enableArtifactRegistry } from '../gcp/image';

const CLI = path.join(__dirname, '..', '..', 'bin', 'hello-node.js');

// The stand-in: records argv as a JSON line; STUB_EXIT_<TOOL> sets its exit code, and
// STUB_SIGNAL_<TOOL> makes it kill itself with that signal.
const STUB = `#!${process.execPath}
const fs = require('node:fs');
const tool = require('node:path').basename(process.argv[1]);
fs.appendFileSync(process.env.STUB_LOG, JSON.stringify([tool, ...process.argv.slice(2)]) + '\\n');
const signal = process.env['STUB_SIGNAL_' + tool.toUpperCase()];
if (signal) process.kill(process.pid, signal);
process.exit(Number(process.env['STUB_EXIT_' + tool.toUpperCase()] || 0));
`;

let work: string;
let stubBin: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-cli-'));
  stubBin = path.join(work, 'bin');
  fs.mkdirSync(stubBin);
  for (const tool of ['docker', 'gcloud', 'kubectl']) {
    fs.writeFileSync(path.join(stubBin, tool), STUB, { mode: 0o755 });
  }
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * PATH with the stand-ins first, then node's own directory alone: the CLI synthesizes the
 * app (with node) to learn its name, and finds no real docker, gcloud or kubectl.
 */
const pathWithStubs = () => [stubBin, path.join(work, 'node-only')].join(path.delimiter);
beforeEach(() => {
  fs.mkdirSync(path.join(work, 'node-only'));
  fs.symlinkSync(process.execPath, path.join(work, 'node-only', 'node'));
});

function cli(args: string[], env: Record<string, string> = {}) {
  const log = path.join(work, 'calls.jsonl');
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: pathWithStubs(), STUB_LOG: log, ...env } });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

test('image build runs docker from PATH with the image', () => {
  const run = cli(['image', 'build', '--tag', 'v2'], { GCP_PROJECT: 'my-project' });
  expect(run.status).toBe(0);
  expect(run.calls).toEqual([['docker', 'build', '--platform', 'linux/amd64', '-t', 'gcr.io/my-project/hello-node:v2', 'app']]);
});

test('cluster create runs gcloud, and passes on its exit code', () => {
  const run = cli(['cluster', 'create'], { STUB_EXIT_GCLOUD: '3', GCP_PROJECT: 'my-project' });
  expect(run.status).toBe(3);
  expect(run.calls[0].slice(0, 4)).toEqual(['gcloud', 'container', 'clusters', 'create']);
  expect(run.stderr).toContain('hello-node: gcloud exited with code 3');
});

test('a tool killed by a signal makes the CLI exit 128 + n, as a shell reports it', () => {
  expect(cli(['status'], { STUB_SIGNAL_KUBECTL: 'SIGTERM' }).status).toBe(143);
});

test('deploy --dry-run prints the synth, the applies and the rollout, and runs nothing but a look at the kubeconfig and at gcloud\'s project', () => {
  const run = cli(['deploy', '--dry-run']);
  expect(run.status).toBe(0);
  expect(run.stdout.split('\n').slice(0, 3)).toEqual([
    '# no Google Cloud project chosen: the image keeps the tutorial\'s project, as the synth does (choose one with --project or GCP_PROJECT, or `gcloud config set project PROJECT_ID`)',
    '# deploy holds lease/hello-node-deploy in namespace default meanwhile: one deploy, rollback, scale or teardown of the app at a time',
    'npx hello-node synth',
  ]);
  expect(run.calls).toEqual([['gcloud', 'config', 'get-value', 'project'], ['kubectl', 'config', 'view', '--minify', '--output', 'jsonpath={.contexts[0].context.namespace}']]);
});

test('a missing tool is named, with how to get it (exit 127)', () => {
  fs.rmSync(path.join(stubBin, 'docker'));
  const run = cli(['image', 'build'], { GCP_PROJECT: 'my-project' });
  expect(run.status).toBe(127);
  expect(run.stderr).toContain('hello-node: docker was not found on PATH: install Docker');
});

test('a reader that goes away (| head -1) is no failure: the command finishes quietly, exit 141 as for SIGPIPE, with no stack trace', async () => {
  const child = spawn(process.execPath, [CLI, '--dry-run', 'up', '--project', 'my-project'], { env: { PATH: pathWithStubs(), STUB_LOG: path.join(work, 'calls.jsonl') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // what `head -1` does: read the first line, and close the pipe
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(141);
  // it went on to the end: the deploy's commands after the pipe closed were still composed
  const log = fs.readFileSync(path.join(work, 'calls.jsonl'), 'utf8');
  expect(log).toContain('"kubectl","config","view"');
});

test('--version prints the version; a usage error is one line and where its help is', () => {
  expect(cli(['--version']).stdout).toMatch(/^hello-node \d+\.\d+\.\d+\n$/);
  const typo = cli(['synth', '--outptu', 'x']);
  expect(typo.status).toBe(1);
  expect(typo.stderr).toBe('error: unknown option \'--outptu\' (did you mean --output?)\n(see: hello-node synth --help)\n');
});

test('--help prints the usage on stdout', () => {
  const run = cli(['--help']);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^Usage: hello-node /);
});

// The real gcloud, where it is installed: every gcloud command the CLI builds must get
// past gcloud's own argument parser. With an empty config directory a well-formed
// command stops at "no active account" (a malformed one would fail on its arguments).
const gcloud = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
(gcloud.status === 0 ? describe : describe.skip)('the gcloud commands pass the real gcloud\'s parser', () => {
  const TIMEOUT_MS = 60_000;
  const realGcloud = (args: string[]) => {
    const sandbox = fs.mkdtempSync(path.join(work, 'gcloud-'));
    return spawnSync('gcloud', args, {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: sandbox,
        CLOUDSDK_CONFIG: path.join(sandbox, 'config'),
        CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
        CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      },
    });
  };
  /** The gcloud commands that `--dry-run <args>` prints, each split into words by a real shell. */
  const gcloudCommands = (args: string[]) => cli(['--dry-run', ...args], { GCP_PROJECT: 'my-project' }).stdout.split('\n')
    .filter((line) => line.startsWith('gcloud '))
    .map((line) => spawnSync('sh', ['-c', `printf '%s\\0' ${line.slice('gcloud '.length)}`], { encoding: 'utf8' }).stdout.split('\0').slice(0, -1));
  const parsed = (args: string[]) => {
    const result = realGcloud(args);
    expect(result.stderr).not.toMatch(/unrecognized arguments|argument .*: |Invalid choice|invalid choice/);
    return result;
  };

  test.each([
    [['cluster', 'create']],
    [['cluster', 'create', '--region', 'us-central1']],
    [['cluster', 'create', '--autopilot', '--region', 'us-central1']],
    [['cluster', 'credentials']],
    [['cluster', 'delete', '--yes']],
  ])('%j', (args) => {
    const commands = gcloudCommands(args);
    expect(commands).toHaveLength(1);
    expect(parsed(commands[0]).stderr).toContain('You do not currently have an active account selected');
  }, TIMEOUT_MS);

  test('["ip","create"] and ["ip","delete"]: the address\'s description, reservation and release stop only for want of an account', () => {
    const commands = [...gcloudCommands(['ip', 'create', '--static-ip', 'shop-ip']), ...gcloudCommands(['ip', 'delete', '--static-ip', 'shop-ip', '--yes'])];
    expect(commands.map((c) => c.slice(0, 3))).toEqual([['compute', 'addresses', 'describe'], ['compute', 'addresses', 'create'], ['compute', 'addresses', 'describe'], ['compute', 'addresses', 'delete']]);
    for (const command of commands) {
      expect(parsed(command).stderr).toContain('You do not currently have an active account selected');
    }
  }, 4 * TIMEOUT_MS);

  test.each([
    [['image', 'push']],
    [['image', 'push', '--registry', 'asia-northeast1-docker.pkg.dev', '--repository', 'apps']],
  ])('%j: the repository\'s check and creation, and the API\'s enabling, stop only for want of an account; configure-docker succeeds without one', (args) => {
    const [describe, create, configure] = gcloudCommands(args);
    expect([describe.slice(0, 3), create.slice(0, 3), configure.slice(0, 2)]).toEqual([['artifacts', 'repositories', 'describe'], ['artifacts', 'repositories', 'create'], ['auth', 'configure-docker']]);
    for (const command of [describe, create, enableArtifactRegistry('my-project').args]) {
      expect(parsed([...command]).stderr).toContain('You do not currently have an active account selected');
    }
    expect(parsed(configure).status).toBe(0);
  }, 3 * TIMEOUT_MS);
});
