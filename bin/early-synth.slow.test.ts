// The app a synth starts as the CLI starts (bin/early-synth.js), through the CLI as the
// package installs it (bin/ beside the bundle, in a node_modules of its own, so that the
// record of the last synth is this test's alone), on a stand-in app that logs each time
// it is run (by the shell, at once: before anything could stop it), and its start and end,
// and that sends its CLI the signal a file signal-cli names, at once, where the project holds one. A
// cdk8s app would only make the log slower to read.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isRunning } from '../lib/signals';
import { ROOT } from '../test/project';

/** Each test runs the CLI two to five times: a few seconds, more on a loaded machine. */
const SLOW = 60_000;

let dir: string;
let project: string;
let helloNode: string;
let log: string;

/** The stand-in app: it logs its start (its staging directory, HELLO_NODE_REPLICAS, its pid), waits APP_DELAY_MS, writes one manifest, logs its end. */
const APP = `
const fs = require('node:fs');
const path = require('node:path');
const log = (line) => fs.appendFileSync(process.env.APP_LOG, line + '\\n');
log('start ' + path.basename(process.env.HELLO_NODE_SYNTH_STAGING) + ' replicas=' + process.env.HELLO_NODE_REPLICAS + ' pid=' + process.pid);
setTimeout(() => {
  fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
  fs.writeFileSync(path.join(process.env.CDK8S_OUTDIR, 'app.k8s.yaml'), 'replicas: ' + process.env.HELLO_NODE_REPLICAS + '\\n');
  log('done replicas=' + process.env.HELLO_NODE_REPLICAS);
}, Number(process.env.APP_DELAY_MS));
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'early-synth-'));
  const pkg = path.join(dir, 'node_modules', 'hello-node-cdk8s');
  fs.cpSync(path.join(ROOT, 'bin'), path.join(pkg, 'bin'), { recursive: true, filter: (source) => !source.endsWith('.test.ts') });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle: string = require('../scripts/cli-bundle.js').cliBundle();
  fs.mkdirSync(path.join(pkg, 'build', 'cli'), { recursive: true });
  fs.copyFileSync(bundle, path.join(pkg, 'build', 'cli', 'hello-node.js'));
  fs.writeFileSync(path.join(dir, 'app.js'), APP);
  helloNode = path.join(pkg, 'bin', 'hello-node.js');
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  project = fs.mkdtempSync(path.join(dir, 'project-'));
  fs.writeFileSync(path.join(project, 'cdk8s.yaml'), `app: '[ ! -f signal-cli ] || kill -"$(cat signal-cli)" $PPID; echo run >> "$APP_LOG" && node ${path.join(dir, 'app.js')}'\n`);
  log = path.join(project, 'app.log');
  fs.rmSync(record(), { force: true });
  await aged();
});

const record = () => path.join(dir, 'node_modules', '.cache', 'hello-node-cdk8s', 'early-synth.json');
const stateDir = () => path.join(project, '.dist.synth');
const logLines = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH, HOME: os.homedir(), TMPDIR: os.tmpdir(), APP_LOG: log, APP_DELAY_MS: '0', ...extra });
const synth = (extra: Record<string, string> = {}) => spawnSync(process.execPath, [helloNode, 'synth'], { cwd: project, encoding: 'utf8', env: env(extra) });
const manifest = () => fs.readFileSync(path.join(project, 'dist', 'app.k8s.yaml'), 'utf8');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A synth records how it ran the app only once cdk8s.yaml and hello-node.yaml are a second old (bin/early-synth.js). */
const aged = () => sleep(1100);
/** The apps that logged their start and still run (or are not yet reaped, an instant after they were killed). */
const running = () => logLines().flatMap((line) => / pid=(\d+)$/.exec(line)?.[1] ?? []).map(Number).filter(isRunning);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 20_000) {
      throw new Error(`waited 20 s for ${what}`);
    }
    await sleep(20);
  }
}

test('a second synth with the same arguments adopts the app started as it started: one run of the app, written where the synth puts it in place', () => {
  const first = synth();
  expect([first.status, first.stderr]).toEqual([0, '']);
  const second = synth();
  expect([second.status, second.stderr, second.stdout]).toEqual([0, '', first.stdout]);
  expect(second.stdout).toBe('Synthesizing application\n  - dist/app.k8s.yaml\n');
  expect(logLines()).toEqual(['run', expect.stringMatching(/^start staging-\w+ replicas=undefined /), 'done replicas=undefined', 'run', expect.stringMatching(/^start early-\d+ replicas=undefined /), 'done replicas=undefined']);
  expect(manifest()).toBe('replicas: undefined\n');
  expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', 'kept']);
}, SLOW);

test('hello-node.yaml changed since the last synth: no app starts early, and the synth runs its own with the new settings', async () => {
  fs.writeFileSync(path.join(project, 'hello-node.yaml'), 'replicas: 2\n');
  await aged();
  expect(synth().status).toBe(0);
  fs.writeFileSync(path.join(project, 'hello-node.yaml'), 'replicas: 4\n');
  const run = synth();
  expect([run.status, run.stderr]).toEqual([0, '']);
  expect(manifest()).toBe('replicas: 4\n');
  expect(logLines().slice(3)).toEqual(['run', expect.stringMatching(/^start staging-\w+ replicas=4 /), 'done replicas=4']);
}, SLOW);

test('a record that names another app than the synth runs: started early, it is stopped before the synth runs its own', async () => {
  expect(synth().status).toBe(0);
  const named = JSON.parse(fs.readFileSync(record(), 'utf8'));
  fs.writeFileSync(record(), JSON.stringify({ ...named, command: `node -e "require('fs').appendFileSync(process.env.APP_LOG, 'other pid=' + process.pid + '\\n'); setTimeout(() => {}, 60000)"` }));
  const run = synth();
  expect([run.status, run.stderr]).toEqual([0, '']);
  expect(manifest()).toBe('replicas: undefined\n');
  // whatever the other app logged before it was stopped aside, the synth's own ran once
  expect(logLines().slice(3).filter((line) => !line.startsWith('other '))).toEqual(['run', expect.stringMatching(/^start early-\d+ /), 'done replicas=undefined']);
  await until(() => running().length === 0, 'the other app to be gone');
  expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', 'kept']);
}, SLOW);

test('another CLI than the one that recorded (its bundle changed, as an upgrade changes it): no app starts early', () => {
  expect(synth().status).toBe(0);
  const bundle = path.join(path.dirname(helloNode), '..', 'build', 'cli', 'hello-node.js');
  fs.appendFileSync(bundle, '// upgraded\n');
  const run = synth();
  expect([run.status, run.stderr]).toEqual([0, '']);
  expect(logLines().slice(3)).toEqual(['run', expect.stringMatching(/^start staging-\w+ /), 'done replicas=undefined']);
}, SLOW);

test('while another synth holds the lock, none starts early: refused, it leaves the state directory as it was', () => {
  expect(synth().status).toBe(0);
  const before = manifest();
  fs.writeFileSync(path.join(stateDir(), 'lock'), String(process.pid));
  const run = synth();
  expect([run.status, run.stderr]).toEqual([1, `hello-node synth failed: another synth into ${path.join(project, 'dist')} is running (pid ${process.pid}): wait for it to finish, or stop it\n`]);
  expect(logLines().slice(3)).toEqual([]);
  expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', 'kept', 'lock']);
  expect(manifest()).toBe(before);
}, SLOW);

test('Ctrl-C while the early app runs: the synth stops it, exits 130 and leaves the output as it was', async () => {
  expect(synth({ APP_DELAY_MS: '2000' }).status).toBe(0);
  const before = manifest();
  const cli: ChildProcess = spawn(process.execPath, [helloNode, 'synth'], { cwd: project, env: env({ APP_DELAY_MS: '2000' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  cli.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
  // once the synth watches for signals (it has locked the output) and the early app runs
  await until(() => logLines().length === 5 && fs.existsSync(path.join(stateDir(), 'lock')), 'the synth to lock the output, the early app running');
  cli.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(stderr).toBe('hello-node synth interrupted by SIGINT; dist is as it was\n');
  expect(logLines().slice(3, 5)).toEqual(['run', expect.stringMatching(/^start early-\d+ /)]);
  await until(() => running().length === 0, 'the early app to be gone');
  expect(manifest()).toBe(before);
  expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', 'kept']);
}, SLOW);

test('the next synth removes what an early app of a CLI that is gone left; a running one\'s it leaves', () => {
  expect(synth().status).toBe(0);
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
  for (const pid of [gone, String(process.pid)]) {
    fs.mkdirSync(path.join(stateDir(), `early-${pid}`));
    fs.writeFileSync(path.join(stateDir(), `early-${pid}`, 'app.k8s.yaml'), 'partial\n');
  }
  fs.rmSync(record(), { force: true });
  expect(synth().status).toBe(0);
  expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', `early-${process.pid}`, 'kept']);
}, SLOW);

test('a damaged record: the synth runs its app itself, and records it again', () => {
  expect(synth().status).toBe(0);
  fs.writeFileSync(record(), '{"version":');
  const run = synth();
  expect([run.status, run.stderr]).toEqual([0, '']);
  expect(logLines().slice(3)).toEqual(['run', expect.stringMatching(/^start staging-/), 'done replicas=undefined']);
  expect(JSON.parse(fs.readFileSync(record(), 'utf8')).argv).toEqual(['synth']);
}, SLOW);

test('a synth that prints (CDK8S_STDOUT=true, another environment) starts no app early, and leaves the output as it was', () => {
  expect(synth().status).toBe(0);
  const before = fs.statSync(path.join(project, 'dist', 'app.k8s.yaml')).mtimeMs;
  const run = synth({ CDK8S_STDOUT: 'true' });
  expect([run.status, run.stderr, run.stdout]).toEqual([0, '', 'replicas: undefined\n']);
  expect(logLines().slice(3)).toEqual(['run', expect.stringMatching(/^start hello-node-synth-\w+ /), 'done replicas=undefined']);
  expect(fs.statSync(path.join(project, 'dist', 'app.k8s.yaml')).mtimeMs).toBe(before);
}, SLOW);

/** After a synth that recorded its app, one whose early app sends its CLI `signal` as it starts; the output as it was before, then what the second run did once its apps are gone. */
async function signalledAsItStarts(signal: string) {
  expect(synth({ APP_DELAY_MS: '3000' }).status).toBe(0);
  const before = manifest();
  fs.writeFileSync(path.join(project, 'signal-cli'), signal);
  const run = synth({ APP_DELAY_MS: '3000' });
  await until(() => running().length === 0, 'the early app to be gone');
  expect(manifest()).toBe(before);
  return run;
}

test('SIGHUP as the CLI starts (its terminal closed) ends it as without an early app, and the app with it', async () => {
  const run = await signalledAsItStarts('HUP');
  expect([run.status, run.signal, run.stderr]).toEqual([null, 'SIGHUP', '']);
  // what the app had written, the next synth removes
  fs.rmSync(path.join(project, 'signal-cli'));
  expect(synth().status).toBe(0);
  expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', 'kept']);
}, SLOW);

test('SIGINT as the CLI starts reaches the synth once it watches: the early app stopped, exit 130, the output as it was', async () => {
  const run = await signalledAsItStarts('INT');
  expect([run.status, run.stderr]).toEqual([130, 'hello-node synth interrupted by SIGINT; dist is as it was\n']);
  expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', 'kept']);
}, SLOW);

test('SIGINT the moment the early app exists: it does not outlive the CLI, and leaves nothing', async () => {
  expect(synth({ APP_DELAY_MS: '3000' }).status).toBe(0);
  for (let i = 0; i < 5; i++) {
    const cli = spawn(process.execPath, [helloNode, 'synth'], { cwd: project, env: env({ APP_DELAY_MS: '3000' }), stdio: 'ignore' });
    const exited = new Promise((resolve) => cli.on('close', resolve));
    const children = `/proc/${cli.pid}/task/${cli.pid}/children`;
    await until(() => !fs.existsSync(children) || fs.readFileSync(children, 'utf8').trim() !== '', 'the CLI to start the app');
    cli.kill('SIGINT');
    await exited;
    await until(() => running().length === 0, 'the early app to be gone');
    expect(fs.readdirSync(stateDir()).sort()).toEqual(['.gitignore', 'kept']);
  }
}, SLOW);
