import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

let clone: string;
let cacheDir: string;

/**
 * A copy of the clone's CLI sources with a node_modules of its own (its packages linked
 * to this clone's), so that its bundle and caches are its own.
 */
function cloneCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-bundle-'));
  for (const entry of ['bin', 'scripts', 'src', 'lib', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true, filter: (source) => !/\.test\.ts$|__snapshots__/.test(source) });
  }
  fs.mkdirSync(path.join(dir, 'node_modules'));
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules')).filter((name) => name !== '.cache')) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
  }
  return dir;
}

/** A second: a file changed more recently (by its change time, which no one can set back) leaves a build unrecorded. */
const aSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

/** `bin/hello-node.js <args>` of the copy. */
function helloNode(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [path.join(clone, 'bin', 'hello-node.js'), ...args], { cwd: clone, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
}

/** Edits a file of the copy, leaving its date as an editor would: now. */
function edit(file: string, from: string | RegExp, to: string): void {
  const full = path.join(clone, file);
  const text = fs.readFileSync(full, 'utf8');
  expect(text).toMatch(from);
  fs.writeFileSync(full, text.replace(from, to));
}

const built = () => fs.statSync(path.join(cacheDir, 'hello-node.js')).mtimeMs;

beforeEach(async () => {
  clone = cloneCopy();
  cacheDir = path.join(clone, 'node_modules', '.cache', 'hello-node-ts', 'cli');
  // as the files of a clone one has been working in
  await aSecond();
});

afterEach(() => {
  fs.rmSync(clone, { recursive: true, force: true });
});

describe('the CLI of a clone', () => {
  test('runs from one bundle of its sources, built once, and built again when a source changes', () => {
    const version = JSON.parse(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')).version;
    expect(helloNode(['--version']).stdout).toBe(`hello-node ${version}\n`);
    expect(fs.readdirSync(cacheDir).sort()).toEqual(['hello-node.js', 'hello-node.js.map', `hello-node.js.${process.version}-${process.arch}.v8`, 'inputs', 'kubeconfig-client.js']);
    const first = built();
    expect(helloNode(['--version']).stdout).toBe(`hello-node ${version}\n`);
    expect(built()).toBe(first);

    edit('src/commands/program.ts', 'Build, push, deploy and operate', 'Build, push, deploy and run');
    expect(helloNode(['--help']).stdout).toContain('Build, push, deploy and run the hello-node app');
    // a package.json is a source too (the version comes from it)
    edit('package.json', `"version": "${version}"`, '"version": "9.8.7"');
    expect(helloNode(['--version']).stdout).toBe('hello-node 9.8.7\n');
    expect(built()).toBeGreaterThan(first);
  });

  test('once the sources are found as recorded, later runs check their status alone, and still see an edit, or a file put back as it was', async () => {
    expect(helloNode(['--help']).stdout).toContain('deploy and operate');
    expect(helloNode(['--help']).stdout).toContain('deploy and operate');
    expect(fs.existsSync(path.join(cacheDir, 'inputs.status'))).toBe(true);
    const program = path.join(clone, 'src', 'commands', 'program.ts');
    const original = fs.readFileSync(program);
    // the same length, the date put back: only the change time tells
    const stat = fs.statSync(program);
    fs.writeFileSync(program, original.toString().replace('deploy and operate', 'deploy and operaTE'));
    fs.utimesSync(program, stat.atime, stat.mtime);
    expect(helloNode(['--help']).stdout).toContain('deploy and operaTE');
    fs.writeFileSync(program, original);
    fs.utimesSync(program, stat.atime, stat.mtime);
    expect(helloNode(['--help']).stdout).toContain('deploy and operate');
  }, 30_000);

  test('a source saved within the last second, even with an old date (cp -p, tar), is bundled for that run only: the next run builds again, and records the build once the file is older', async () => {
    edit('src/commands/program.ts', 'Build, push, deploy and operate', 'Build, push, deploy and run');
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(path.join(clone, 'src', 'commands', 'program.ts'), hourAgo, hourAgo);
    expect(helloNode(['--help']).stdout).toContain('and run the hello-node app');
    expect(fs.existsSync(path.join(cacheDir, 'inputs'))).toBe(false);
    await aSecond();
    expect(helloNode(['--help']).stdout).toContain('and run the hello-node app');
    expect(fs.existsSync(path.join(cacheDir, 'inputs'))).toBe(true);
    const recorded = built();
    expect(helloNode(['--help']).stdout).toContain('and run the hello-node app');
    expect(built()).toBe(recorded);
  });

  test('a bundle deleted, cut short, or put back by another build is built again, not run', () => {
    const version = JSON.parse(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')).version;
    expect(helloNode(['--version']).stdout).toBe(`hello-node ${version}\n`);
    const file = path.join(cacheDir, 'hello-node.js');
    const whole = fs.readFileSync(file);
    fs.rmSync(file);
    expect(helloNode(['--version']).stdout).toBe(`hello-node ${version}\n`);
    fs.writeFileSync(file, whole.subarray(0, 1000));
    expect(helloNode(['--version']).stdout).toBe(`hello-node ${version}\n`);
    // an older build's, written after the record of the newest (a build that stalled): the same size, another file
    fs.writeFileSync(`${file}.other`, whole);
    fs.renameSync(`${file}.other`, file);
    const putBack = fs.statSync(file).ino;
    expect(helloNode(['--version']).stdout).toBe(`hello-node ${version}\n`);
    expect(fs.statSync(file).ino).not.toBe(putBack);
  });

  test('a syntax error in a source is told as the sources run one by one tell it: its file, line and column', () => {
    expect(helloNode(['--version']).status).toBe(0);
    edit('src/cli.ts', /export \{ main \}/, 'export { main');
    const run = helloNode(['--version']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/src\/cli\.ts:\d+:\d+: /);
  });

  test('two first runs at once both run, and leave one bundle', async () => {
    const runs = await Promise.all([1, 2].map(() => new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(clone, 'bin', 'hello-node.js'), '--version'], { cwd: clone, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.on('close', (code) => resolve({ code, stdout }));
    })));
    expect(runs.map((run) => [run.code, run.stdout.startsWith('hello-node ')])).toEqual([[0, true], [0, true]]);
    expect(fs.readdirSync(cacheDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 30_000);

  test('the kubeconfig client the bundle loads when a command talks to a cluster is the source\'s, through the TypeScript hook', () => {
    expect(helloNode(['--version']).status).toBe(0);
    const client = path.join(cacheDir, 'kubeconfig-client.js');
    const run = spawnSync(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(client)}).KubeConfig)`], { encoding: 'utf8' });
    expect(run.stdout).toBe('function\n');
  }, 30_000);
});
