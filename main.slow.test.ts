// The app as users run it: the command in cdk8s.yaml, and `cdk8s synth` itself in each of its modes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { validateAgainstSchema } from './test/kube-schema';
import { APP_COMMAND, scratchProject } from './test/project';

const fixture = (name: string) => parse(fs.readFileSync(path.join(__dirname, 'lib', 'fixtures', name), 'utf8'));
const TUTORIAL = [fixture('hello-node-rc.yaml'), fixture('hello-node-svc.yaml')];
const docsOf = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
const tree = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

let project: string;
let dist: string;
beforeEach(() => {
  project = scratchProject();
  dist = path.join(project, 'dist');
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

/** Runs cdk8s.yaml's app command, as `cdk8s synth` does: through a shell, from the project root. */
function runApp(env: Record<string, string> = {}) {
  return spawnSync(APP_COMMAND, { cwd: project, shell: true, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
}

describe('main.ts', () => {
  test('with no configuration writes the tutorial\'s two objects to dist/hello-node.k8s.yaml', () => {
    const { status, stderr } = runApp();
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(fs.readdirSync(dist)).toEqual(['hello-node.k8s.yaml']);
    const docs = docsOf(path.join(dist, 'hello-node.k8s.yaml'));
    expect(docs).toEqual(TUTORIAL);
    validateAgainstSchema(docs);
    expect(fs.readFileSync(path.join(dist, 'hello-node.k8s.yaml'), 'utf8')).toMatchSnapshot();
  });

  test('is configured by environment variables', () => {
    const { status } = runApp({
      GCP_PROJECT: 'my-project',
      IMAGE_REGISTRY: 'eu.gcr.io',
      IMAGE_TAG: 'v7',
      HELLO_NODE_REPLICAS: '5',
      HELLO_NODE_NAMESPACE: 'staging',
      HELLO_NODE_SERVICE_TYPE: 'NodePort',
    });
    expect(status).toBe(0);
    const [rc, svc] = docsOf(path.join(dist, 'hello-node.k8s.yaml'));
    expect(rc.spec.template.spec.containers[0].image).toBe('eu.gcr.io/my-project/hello-node:v7');
    expect(rc.spec.replicas).toBe(5);
    expect(rc.metadata.namespace).toBe('staging');
    expect(svc.metadata.namespace).toBe('staging');
    expect(svc.spec.type).toBe('NodePort');
  });

  test('a bad setting exits 1 with a one-line message naming the variable, and keeps the previous output', () => {
    expect(runApp({ HELLO_NODE_IMAGE: 'us-docker.pkg.dev/p1-abc/repo/hello-node:v3' }).status).toBe(0);
    const before = fs.readFileSync(path.join(dist, 'hello-node.k8s.yaml'), 'utf8');
    const { status, stderr } = runApp({ HELLO_NODE_REPLICAS: 'many' });
    expect(status).toBe(1);
    expect(stderr).toBe('hello-node synth failed: environment variable HELLO_NODE_REPLICAS: "many" is invalid: must be an integer from 0 to 2147483647\n');
    expect(fs.readFileSync(path.join(dist, 'hello-node.k8s.yaml'), 'utf8')).toBe(before);
  });

  test('refuses the project root as output directory, and deletes nothing', () => {
    const { status, stderr } = runApp({ CDK8S_OUTDIR: '.' });
    expect(status).toBe(1);
    expect(stderr).toBe(`hello-node synth failed: output directory ${project} is the project root: a synth replaces its output directory as a whole\n`);
    expect(fs.existsSync(path.join(project, 'cdk8s.yaml'))).toBe(true);
  });
});

// kubectl's own decoder, offline: `label --local` reads the files without a cluster.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
(kubectl.status === 0 ? test : test.skip)('kubectl reads the output as the objects written', () => {
  expect(runApp().status).toBe(0);
  const read = spawnSync('kubectl', ['label', '--local', '-f', `${dist}/`, 'read=yes', '-o', 'json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, KUBECONFIG: os.devNull },
  });
  expect(read.stderr).toBe('');
  expect(read.status).toBe(0);
  // one JSON object per manifest object, each starting with a "{" at the start of a line
  const labels = read.stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text).metadata.labels);
  expect(labels).toEqual([{ read: 'yes' }, { read: 'yes' }]);
});

const CDK8S_BIN = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');
const HELLO_NODE_BIN = path.join(__dirname, 'bin', 'hello-node.js');
/** The two synth commands: the project's own (what `npm run synth`, `deploy`, `diff` and `up` run), and cdk8s-cli's, bare. */
const SYNTH_COMMANDS = {
  'hello-node synth': [HELLO_NODE_BIN, 'synth'],
  'npx cdk8s synth': [CDK8S_BIN, 'synth', '--no-check-upgrade'],
};
type SynthCommand = keyof typeof SYNTH_COMMANDS;

/** Runs a synth command in the scratch project, with its own temp directory. */
function synthIn(command: SynthCommand, args: string[], env: Record<string, string> = {}) {
  const tmp = path.join(project, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  return spawnSync(process.execPath, [...SYNTH_COMMANDS[command], ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, TMPDIR: tmp, CDK8S_CHECK_UPGRADE: 'false', ...env },
  });
}

describe.each(Object.keys(SYNTH_COMMANDS) as SynthCommand[])('%s: every cdk8s synth mode', (command) => {
  const cdk8s = (args: string[], env: Record<string, string> = {}) => synthIn(command, args, env);

  test('runs the app and lists the manifest it wrote; a failed synth puts the last good output back', () => {
    const result = cdk8s([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('- dist/hello-node.k8s.yaml');
    expect(docsOf(path.join(dist, 'hello-node.k8s.yaml'))).toEqual(TUTORIAL);
    const before = fs.readFileSync(path.join(dist, 'hello-node.k8s.yaml'), 'utf8');
    // the CLI deletes the output directory before it starts the app
    const failed = cdk8s([], { HELLO_NODE_NAMESPACE: 'Not_A_Namespace' });
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('environment variable HELLO_NODE_NAMESPACE: "Not_A_Namespace" is invalid');
    expect(tree(dist)).toEqual(['hello-node.k8s.yaml']);
    expect(fs.readFileSync(path.join(dist, 'hello-node.k8s.yaml'), 'utf8')).toBe(before);
  });

  test('--stdout prints the objects, keeps dist/ as it was, and leaves nothing in the temp directory', () => {
    expect(cdk8s(['--output', 'dist']).status).toBe(0);
    const result = cdk8s(['--stdout']);
    expect(result.status).toBe(0);
    expect(parseAllDocuments(result.stdout).map((d) => d.toJS())).toEqual(TUTORIAL);
    expect(tree(dist)).toEqual(['hello-node.k8s.yaml']);
    expect(fs.readdirSync(path.join(project, 'tmp'))).toEqual([]);
  });

  test('two objects that would be written to one file fail the synth, naming both, and the last output stays', () => {
    fs.rmSync(project, { recursive: true, force: true });
    project = scratchProject({ app: APP_COMMAND.replace(/\S+main\.ts\b/, path.join(__dirname, 'test', 'apps', 'two-namespaces.ts')) });
    dist = path.join(project, 'dist');
    expect(cdk8s([], { LAYOUT: 'chart' }).status).toBe(0);
    expect(tree(dist)).toEqual(['prod.k8s.yaml', 'staging.k8s.yaml']);
    const perResource = cdk8s([]);
    expect(perResource.status).not.toBe(0);
    expect(perResource.stderr).toContain('hello-node synth failed: ReplicationController "hello-node-rc" in namespace "staging" (staging/web/ReplicationController) and ReplicationController "hello-node-rc" in namespace "prod" (prod/web/ReplicationController) would both be written to ReplicationController.hello-node-rc.k8s.yaml, the second over the first');
    expect(tree(dist)).toEqual(['prod.k8s.yaml', 'staging.k8s.yaml']);
  });

  test('a type error in the app fails the synth with tsc\'s diagnostic, and the last output stays', () => {
    // a project of its own: a main.ts of the user's, the project's tsconfig.json and node_modules
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ extends: path.join(__dirname, 'tsconfig.json'), include: [] }));
    fs.symlinkSync(path.join(__dirname, 'node_modules'), path.join(project, 'node_modules'));
    fs.writeFileSync(path.join(project, 'cdk8s.yaml'), `app: node -r ${path.join(__dirname, 'scripts', 'ts-hook.js')} main.ts\n`);
    const main = (props: string) => fs.writeFileSync(path.join(project, 'main.ts'), [
      'import { App, Chart } from \'cdk8s\';',
      `import { HelloNodeApp, synthApp } from '${path.join(__dirname, 'lib')}';`,
      '',
      `void synthApp(new App(), (app) => { new HelloNodeApp(new Chart(app, 'hello-node'), 'app', ${props}); }, { typecheck: __filename });`,
    ].join('\n'));
    main('{ replicas: 5 }');
    expect(cdk8s([]).status).toBe(0);
    const before = fs.readFileSync(path.join(dist, 'hello-node.k8s.yaml'), 'utf8');
    main('{ replcias: 5 }');
    const typo = cdk8s([]);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/^hello-node synth failed: main\.ts\(4,\d+\): error TS\d+: Object literal may only specify known properties, .*'replcias'/m);
    expect(fs.readFileSync(path.join(dist, 'hello-node.k8s.yaml'), 'utf8')).toBe(before);
  }, 120_000);

  test('--output DIR writes there', () => {
    expect(cdk8s(['--output', 'out']).status).toBe(0);
    expect(docsOf(path.join(project, 'out', 'hello-node.k8s.yaml'))).toEqual(TUTORIAL);
  });

  test('--format helm writes a clean chart, and a failed helm synth keeps the last complete chart', () => {
    expect(cdk8s(['--format', 'helm', '--chart-version', '1.0.0']).status).toBe(0);
    expect(tree(dist)).toEqual(['Chart.yaml', 'README.md', 'templates', path.join('templates', 'hello-node.k8s.yaml')]);
    const failed = cdk8s(['--format', 'helm', '--chart-version', '2.0.0'], { HELLO_NODE_REPLICAS: '-1' });
    expect(failed.status).not.toBe(0);
    expect(tree(dist)).toEqual(['Chart.yaml', 'README.md', 'templates', path.join('templates', 'hello-node.k8s.yaml')]);
    expect(parse(fs.readFileSync(path.join(dist, 'Chart.yaml'), 'utf8')).version).toBe('1.0.0');
    expect(tree(project).filter((f) => !f.startsWith('dist') && !f.startsWith('.dist.synth'))).toEqual(['cdk8s.yaml', 'tmp']);
  });

  test('synthConfig in cdk8s.yaml chooses the format, as the flags do', () => {
    fs.rmSync(project, { recursive: true });
    project = scratchProject({ synthConfig: { format: 'helm', chartVersion: '3.1.4' } });
    dist = path.join(project, 'dist');
    expect(cdk8s([]).status).toBe(0);
    expect(parse(fs.readFileSync(path.join(dist, 'Chart.yaml'), 'utf8')).version).toBe('3.1.4');
    expect(docsOf(path.join(dist, 'templates', 'hello-node.k8s.yaml'))).toEqual(TUTORIAL);
  });

  test('validation plugins report the construct path of each object (construct-metadata.json)', () => {
    fs.rmSync(project, { recursive: true });
    project = scratchProject({ validations: [{ package: './plugin', version: '0.0.0', class: 'EveryObject' }] });
    fs.mkdirSync(path.join(project, 'plugin'));
    fs.writeFileSync(path.join(project, 'plugin', 'index.js'), `
      exports.EveryObject = class {
        async validate(context) {
          const resources = context.manifests.flatMap((m) => context.parseManifest(m).map((o) => ({ resourceName: o.metadata.name, manifestPath: m, locations: [] })));
          context.report.addViolation({ ruleName: 'every-object', recommendation: 'none', fix: 'none', violatingResources: resources });
          context.report.submit('failure');
        }
      };`);
    const result = cdk8s([]);
    expect(result.stdout).toContain('Construct Path: hello-node/app/ReplicationController');
    expect(result.stdout).toContain('Construct Path: hello-node/app/Service');
    expect(result.stdout).not.toContain('N/A');
  });
});
