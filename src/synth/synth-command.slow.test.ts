// `hello-node synth` as users run it (`npm run synth`, `npx hello-node synth`): the
// promises that a bare `cdk8s synth` cannot keep, because it deletes its output
// directory before it starts the app. Every cdk8s synth mode, through both commands,
// is in main.slow.test.ts.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { APP_COMMAND, projectCopy, ROOT, scratchProject } from '../../test/project';

const HELLO_NODE = path.join(ROOT, 'bin', 'hello-node.js');
const tree = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
const read = (file: string) => fs.readFileSync(file, 'utf8');

let project: string;
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

function helloNode(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [HELLO_NODE, ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: os.homedir(), TMPDIR: os.tmpdir(), CDK8S_CHECK_UPGRADE: 'false', ...env },
  });
}

describe('npm run synth, in a copy of the project', () => {
  beforeEach(() => {
    project = projectCopy();
  });
  const npmRunSynth = (args: string[] = []) => spawnSync('npm', ['run', '--silent', 'synth', '--', ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: os.homedir(), TMPDIR: os.tmpdir(), CDK8S_CHECK_UPGRADE: 'false', npm_config_update_notifier: 'false' },
  });

  test('refuses a dist/ holding a file of yours in one line, and keeps both it and the manifests', () => {
    expect(npmRunSynth().status).toBe(0);
    const before = read(path.join(project, 'dist', 'hello-node.k8s.yaml'));
    fs.writeFileSync(path.join(project, 'dist', 'notes.txt'), 'notes\n');
    const run = npmRunSynth();
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`hello-node synth failed: output directory ${path.join(project, 'dist')} holds files that no synth wrote (notes.txt), which replacing it would delete: move them away, or choose another output directory\n`);
    expect(tree(path.join(project, 'dist'))).toEqual(['hello-node.k8s.yaml', 'notes.txt']);
    expect(read(path.join(project, 'dist', 'hello-node.k8s.yaml'))).toBe(before);
  }, 60_000);

  test('refuses the project itself, as an absolute path, and a directory of sources as --output, deleting nothing', () => {
    // its own files: node_modules is the repository's, linked in
    const ownFiles = () => tree(project).filter((file) => !file.startsWith('node_modules'));
    const files = ownFiles();
    const root = npmRunSynth(['--output', project]);
    expect(root.status).toBe(1);
    expect(root.stderr).toBe(`hello-node synth failed: output directory ${project} is the project root: a synth replaces its output directory as a whole\n`);
    const lib = npmRunSynth(['--output', 'lib']);
    expect(lib.status).toBe(1);
    expect(lib.stderr).toMatch(/^hello-node synth failed: output directory .*\/lib holds files that no synth wrote \(.*\), which replacing it would delete/);
    // the synth's state beside lib/ is all it adds
    expect(ownFiles().filter((file) => !file.startsWith('.lib.synth'))).toEqual(files);
  }, 60_000);

  test('a syntax error in main.ts: one line naming main.ts, its line and column, and dist/ as it was', () => {
    expect(npmRunSynth().status).toBe(0);
    const before = read(path.join(project, 'dist', 'hello-node.k8s.yaml'));
    fs.appendFileSync(path.join(project, 'main.ts'), 'const broken = ;\n');
    const lines = read(path.join(project, 'main.ts')).split('\n').length - 1;
    const run = npmRunSynth();
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`hello-node synth failed: SyntaxError: main.ts:${lines}:16: Unexpected ";"\n`);
    expect(read(path.join(project, 'dist', 'hello-node.k8s.yaml'))).toBe(before);
  }, 60_000);
});

describe('hello-node synth', () => {
  beforeEach(() => {
    project = scratchProject();
  });

  test.each([
    ['an app of two charts', `${APP_COMMAND.replace(/\S+main\.ts\b/, path.join(ROOT, 'test', 'apps', 'two-charts.ts'))}`],
    ['an app that prints on stdout and stderr', `node -e "console.log('to stdout'); console.error('a warning'); require('fs').mkdirSync(process.env.CDK8S_OUTDIR + '/sub', { recursive: true }); require('fs').writeFileSync(process.env.CDK8S_OUTDIR + '/sub/a.yaml', 'kind: A')"`],
    ['an app that exits 3', 'node -e "console.error(\'no chart for you\'); process.exit(3)"'],
    ['an app that writes no output directory', 'node -e 0'],
    ['an app that writes an empty one', 'node -e "require(\'fs\').mkdirSync(process.env.CDK8S_OUTDIR)"'],
  ])('a plain synth, the app run without cdk8s-cli, prints, writes and fails as a synth through cdk8s-cli: %s', (_, app) => {
    const outcome = (args: string[]) => {
      project = scratchProject({ app });
      const run = helloNode(['synth', ...args]);
      const result = { status: run.status, stdout: run.stdout, stderr: run.stderr.split(project).join('<project>'), dist: fs.existsSync(path.join(project, 'dist')) ? tree(path.join(project, 'dist')) : 'none' };
      fs.rmSync(project, { recursive: true, force: true });
      return result;
    };
    // --plugins-dir has cdk8s-cli run the synth, and without validations changes nothing else (its synth.ts)
    expect(outcome([])).toEqual(outcome(['--plugins-dir', os.tmpdir()]));
  }, 60_000);

  test('a failure before the app starts (--format helm without --chart-version) is cdk8s-cli\'s one line, and dist/ stays', () => {
    expect(helloNode(['synth']).status).toBe(0);
    const run = helloNode(['synth', '--format', 'helm']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('hello-node synth failed: You need to specify \'--chart-version\' when \'--format\' is set as \'helm\'.\n');
    expect(tree(path.join(project, 'dist'))).toEqual(['hello-node.k8s.yaml']);
  }, 60_000);

  test('an app that throws: its error and where, one line, and --verbose adds the stack trace', () => {
    expect(helloNode(['synth']).status).toBe(0);
    fs.writeFileSync(path.join(project, 'throws.js'), 'throw new TypeError("no chart for you");\n');
    const run = helloNode(['synth', '--app', 'node throws.js']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`hello-node synth failed: TypeError: no chart for you (at throws.js:1); --verbose shows the stack trace\n`);
    const verbose = helloNode(['--verbose', 'synth', '--app', 'node throws.js']);
    expect(verbose.status).toBe(1);
    expect(verbose.stderr).toMatch(/^\s+at .*throws\.js:1:/m);
    expect(tree(path.join(project, 'dist'))).toEqual(['hello-node.k8s.yaml']);
  }, 60_000);

  test('--stdout with several charts: kubectl reads exactly the objects that the output directory holds', () => {
    const app = APP_COMMAND.replace(/\S+main\.ts\b/, path.join(ROOT, 'test', 'apps', 'two-charts.ts'));
    expect(helloNode(['synth', '--app', app, '--output', 'out']).status).toBe(0);
    const printed = helloNode(['synth', '--app', app, '--stdout']);
    expect(printed.status).toBe(0);
    expect(printed.stderr).toBe('');
    const kubectlRead = (source: string, input?: string) => {
      const run = spawnSync('kubectl', ['annotate', '--local', '-f', source, 'read=yes', '-o', 'json'], {
        encoding: 'utf8',
        input,
        env: { PATH: process.env.PATH, KUBECONFIG: os.devNull },
      });
      expect(run.stderr).toBe('');
      return run.stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text));
    };
    const fromStdout = kubectlRead('-', printed.stdout);
    expect(fromStdout.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/api', 'Service/api', 'ReplicationController/hello-node-rc', 'Service/hello-node-svc']);
    expect(fromStdout).toEqual(kubectlRead(`${path.join(project, 'out')}/`));
    expect(fs.existsSync(path.join(project, 'dist'))).toBe(false);
  }, 60_000);

  test('a bare `npx cdk8s synth --stdout` with several charts (cdk8s-cli prints the files back to back): kubectl reads every object', () => {
    const app = APP_COMMAND.replace(/\S+main\.ts\b/, path.join(ROOT, 'test', 'apps', 'two-charts.ts'));
    const printed = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--app', app, '--stdout'], {
      cwd: project, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    });
    expect(printed.status).toBe(0);
    const read = spawnSync('kubectl', ['annotate', '--local', '-f', '-', 'read=yes', '-o', 'name'], { encoding: 'utf8', input: printed.stdout, env: { PATH: process.env.PATH, KUBECONFIG: os.devNull } });
    expect(read.stderr).toBe('');
    expect(read.stdout.trim().split('\n').sort()).toEqual(['deployment.apps/api', 'replicationcontroller/hello-node-rc', 'service/api', 'service/hello-node-svc']);
  }, 60_000);

  test('an output where no directory can be made (/proc) is one line, at once; a symlink to a directory is written through', () => {
    const proc = helloNode(['synth', '--output', '/proc/hello-node-out']);
    expect(proc.status).toBe(1);
    expect(proc.stderr).toMatch(/^hello-node synth failed: .*\/proc\/\.hello-node-out\.synth.*\n$/);
    expect(helloNode(['synth']).status).toBe(0);
    fs.symlinkSync('dist', path.join(project, 'link'));
    expect(helloNode(['synth', '--output', 'link', '--replicas', '5']).status).toBe(0);
    expect(fs.lstatSync(path.join(project, 'link')).isSymbolicLink()).toBe(true);
    const [rc] = parseAllDocuments(read(path.join(project, 'dist', 'hello-node.k8s.yaml'))).map((d) => d.toJS());
    expect(rc.spec.replicas).toBe(5);
  }, 60_000);

  test('a failure after you deleted the output leaves it deleted', () => {
    expect(helloNode(['synth']).status).toBe(0);
    fs.rmSync(path.join(project, 'dist'), { recursive: true });
    expect(helloNode(['synth', '--replicas', 'many']).status).toBe(1);
    expect(helloNode(['synth', '--app', 'exit 3']).status).toBe(1);
    expect(fs.existsSync(path.join(project, 'dist'))).toBe(false);
  }, 60_000);

  test('two at once into one directory: each succeeds or says another is running, and the output is one complete synth', async () => {
    const finished = (child: ChildProcess) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const start = (replicas: string) => spawn(process.execPath, [HELLO_NODE, 'synth'], {
      cwd: project,
      env: { PATH: process.env.PATH, CDK8S_CHECK_UPGRADE: 'false', HELLO_NODE_REPLICAS: replicas },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const runs = await Promise.all([finished(start('4')), finished(start('5'))]);
    for (const run of runs) {
      expect(run.code === 0 || (run.code === 1 && /^hello-node synth failed: another synth into .*\/dist is running \(pid \d+\)/.test(run.stderr))).toBe(true);
    }
    expect(runs.some((run) => run.code === 0)).toBe(true);
    const [rc] = parseAllDocuments(read(path.join(project, 'dist', 'hello-node.k8s.yaml'))).map((d) => d.toJS());
    expect([4, 5]).toContain(rc.spec.replicas);
    expect(fs.readdirSync(path.join(project, '.dist.synth')).sort()).toEqual(['.gitignore', 'kept']);
  }, 60_000);

  test('Ctrl-C at any moment (SIGINT to the whole process group): it exits after everything it started, and dist/ is complete, old or new', async () => {
    expect(helloNode(['synth'], { HELLO_NODE_REPLICAS: '1' }).status).toBe(0);
    const start = Date.now();
    expect(helloNode(['synth'], { HELLO_NODE_REPLICAS: '1' }).status).toBe(0);
    const synthMs = Date.now() - start;
    const marker = `synth-sigint-${process.pid}`;
    let last = 1;
    // from before cdk8s-cli starts to after it has finished
    for (const [i, fraction] of [0.1, 0.3, 0.5, 0.7, 0.9, 1.1, 1.5].entries()) {
      const replicas = i + 2;
      const child = spawn(process.execPath, [HELLO_NODE, 'synth'], {
        cwd: project,
        // detached: a group of its own, as a shell gives a foreground job
        detached: true,
        env: { PATH: process.env.PATH, CDK8S_CHECK_UPGRADE: 'false', HELLO_NODE_REPLICAS: String(replicas), SIGINT_TEST: marker },
        stdio: 'ignore',
      });
      // killed by the signal itself (before it has started anything), as a shell reports it
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal === 'SIGINT' ? 130 : code)));
      await new Promise((resolve) => setTimeout(resolve, Math.round(synthMs * fraction)));
      try {
        process.kill(-(child.pid ?? 0), 'SIGINT');
      } catch {
        // it had finished
      }
      const code = await exited;
      // the moment the prompt would return: nothing it started is still running, and dist/ is whole
      expect(processesWithEnv(`SIGINT_TEST=${marker}`)).toEqual([]);
      expect([0, 130]).toContain(code);
      last = code === 0 ? replicas : last;
      const [rc] = parseAllDocuments(read(path.join(project, 'dist', 'hello-node.k8s.yaml'))).map((d) => d.toJS());
      expect(rc.spec.replicas).toBe(last);
      expect(tree(path.join(project, 'dist'))).toEqual(['hello-node.k8s.yaml']);
    }
  }, 120_000);

  test('stdout on a full disk (>/dev/full): the new dist/ is in place, and exit 1 comes with a line that says so', () => {
    const full = fs.openSync('/dev/full', 'w');
    try {
      const run = spawnSync(process.execPath, [HELLO_NODE, 'synth'], {
        cwd: project,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: os.homedir(), TMPDIR: os.tmpdir(), CDK8S_CHECK_UPGRADE: 'false', HELLO_NODE_REPLICAS: '4' },
        stdio: ['ignore', full, 'pipe'],
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('hello-node: what it printed on stdout is lost (ENOSPC); the command itself finished\n');
    } finally {
      fs.closeSync(full);
    }
    const [rc] = parseAllDocuments(read(path.join(project, 'dist', 'hello-node.k8s.yaml'))).map((d) => d.toJS());
    expect(rc.spec.replicas).toBe(4);
  }, 60_000);

  test('Ctrl-C from the moment the new dist/ is in place, again and again until it exits, is too late: it exits 0', async () => {
    expect(helloNode(['synth'], { HELLO_NODE_REPLICAS: '1' }).status).toBe(0);
    const manifest = path.join(project, 'dist', 'hello-node.k8s.yaml');
    const before = fs.statSync(manifest).ino;
    const child = spawn(process.execPath, [HELLO_NODE, 'synth'], {
      cwd: project,
      detached: true,
      env: { PATH: process.env.PATH, CDK8S_CHECK_UPGRADE: 'false', HELLO_NODE_REPLICAS: '2' },
      stdio: 'ignore',
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.on('exit', (code, signal) => {
      exit = { code, signal };
    });
    let sent = 0;
    // a signal at every turn of this loop: the moments the command lets the default
    // disposition (death) back, as it stops listening and as Node exits, are hit
    while (exit === undefined) {
      // (missing for a moment, between dist/ moved away and the new one moved in)
      const now = fs.statSync(manifest, { throwIfNoEntry: false })?.ino;
      if (now !== undefined && now !== before) {
        try {
          process.kill(-(child.pid ?? 0), 'SIGINT');
          sent += 1;
        } catch {
          // it has exited
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sent).toBeGreaterThan(0);
    expect(exit).toEqual({ code: 0, signal: null });
    const [rc] = parseAllDocuments(read(manifest)).map((d) => d.toJS());
    expect(rc.spec.replicas).toBe(2);
  }, 60_000);
});

/** The pids of live processes whose environment holds `entry` (Linux's /proc). */
function processesWithEnv(entry: string): number[] {
  return fs.readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry);
    } catch {
      return false; // ended meanwhile, or not ours to read
    }
  }).map(Number);
}
