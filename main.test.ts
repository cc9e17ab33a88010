// The app as users run it: the command in cdk8s.yaml, and `cdk8s synth` itself.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { validateAgainstSchema } from './test/kube-schema';

const appCommand: string = parse(fs.readFileSync(path.join(__dirname, 'cdk8s.yaml'), 'utf8')).app;
const fixture = (name: string) => parse(fs.readFileSync(path.join(__dirname, 'lib', 'fixtures', name), 'utf8'));

let outdir: string;
beforeEach(() => {
  outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-main-')), 'dist');
});
afterEach(() => fs.rmSync(path.dirname(outdir), { recursive: true, force: true }));

/** Runs cdk8s.yaml's app command, as `cdk8s synth` does: through a shell, from the project root. */
function runApp(env: Record<string, string> = {}) {
  const result = spawnSync(appCommand, {
    cwd: __dirname,
    shell: true,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, CDK8S_OUTDIR: outdir, ...env },
  });
  return { ...result, manifest: path.join(outdir, 'hello-node.k8s.yaml') };
}

const docsOf = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());

describe('main.ts', () => {
  test('with no configuration writes the tutorial\'s two objects to hello-node.k8s.yaml', () => {
    const { status, stderr, manifest } = runApp();
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(fs.readdirSync(outdir)).toEqual(['hello-node.k8s.yaml']);
    const docs = docsOf(manifest);
    expect(docs).toEqual([fixture('hello-node-rc.yaml'), fixture('hello-node-svc.yaml')]);
    validateAgainstSchema(docs);
  });

  test('writes the manifest file that kubectl applies (snapshot)', () => {
    const { manifest } = runApp();
    expect(fs.readFileSync(manifest, 'utf8')).toMatchSnapshot();
  });

  test('is configured by environment variables', () => {
    const { status, manifest } = runApp({
      GCP_PROJECT: 'my-project',
      IMAGE_REGISTRY: 'eu.gcr.io',
      IMAGE_TAG: 'v7',
      HELLO_NODE_REPLICAS: '5',
      HELLO_NODE_NAMESPACE: 'staging',
      HELLO_NODE_SERVICE_TYPE: 'NodePort',
    });
    expect(status).toBe(0);
    const [rc, svc] = docsOf(manifest);
    expect(rc.spec.template.spec.containers[0].image).toBe('eu.gcr.io/my-project/hello-node:v7');
    expect(rc.spec.replicas).toBe(5);
    expect(rc.metadata.namespace).toBe('staging');
    expect(svc.metadata.namespace).toBe('staging');
    expect(svc.spec.type).toBe('NodePort');
  });

  test('HELLO_NODE_IMAGE replaces the whole image reference', () => {
    const { manifest } = runApp({ HELLO_NODE_IMAGE: 'us-docker.pkg.dev/p1-abc/repo/hello-node:v3', IMAGE_TAG: 'ignored' });
    expect(docsOf(manifest)[0].spec.template.spec.containers[0].image).toBe('us-docker.pkg.dev/p1-abc/repo/hello-node:v3');
  });

  test('a bad setting exits non-zero with a message naming the variable, and keeps the previous output', () => {
    expect(runApp().status).toBe(0);
    const before = fs.readFileSync(path.join(outdir, 'hello-node.k8s.yaml'), 'utf8');
    const { status, stderr } = runApp({ HELLO_NODE_REPLICAS: 'many' });
    expect(status).toBe(1);
    expect(stderr.trim()).toBe('hello-node synth failed: environment variable HELLO_NODE_REPLICAS: "many" is invalid: must be an integer from 0 to 2147483647');
    expect(fs.readdirSync(path.dirname(outdir)).sort()).toEqual(['.dist.last', 'dist']);
    expect(fs.readFileSync(path.join(outdir, 'hello-node.k8s.yaml'), 'utf8')).toBe(before);
  });
});

// kubectl's own decoder, offline: `label --local` reads the files without a cluster.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
(kubectl.status === 0 ? test : test.skip)('kubectl reads the output as the objects written', () => {
  expect(runApp().status).toBe(0);
  const read = spawnSync('kubectl', ['label', '--local', '-f', `${outdir}/`, 'read=yes', '-o', 'json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, KUBECONFIG: os.devNull },
  });
  expect(read.stderr).toBe('');
  expect(read.status).toBe(0);
  // kubectl prints what it understood, with the label added: one JSON object per
  // manifest object, each starting with a "{" at the start of a line
  const items = read.stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text)).map((item: { metadata: { labels: Record<string, string> } }) => {
    delete item.metadata.labels.read;
    if (Object.keys(item.metadata.labels).length === 0) {
      delete (item.metadata as { labels?: unknown }).labels;
    }
    return item;
  });
  expect(items).toEqual(docsOf(path.join(outdir, 'hello-node.k8s.yaml')));
});

describe('npx cdk8s synth', () => {
  const cdk8sSynth = (env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s'), 'synth', '--no-check-upgrade', '--output', outdir], {
      cwd: __dirname,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    });

  test('a failed synth loses nothing: the manifests of the last good one are put back', () => {
    expect(cdk8sSynth().status).toBe(0);
    const before = fs.readFileSync(path.join(outdir, 'hello-node.k8s.yaml'), 'utf8');
    // the CLI deletes the output directory before it starts the app
    const failed = cdk8sSynth({ HELLO_NODE_NAMESPACE: 'Not_A_Namespace' });
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('environment variable HELLO_NODE_NAMESPACE: "Not_A_Namespace" is invalid');
    expect(fs.readdirSync(outdir)).toEqual(['hello-node.k8s.yaml']);
    expect(fs.readFileSync(path.join(outdir, 'hello-node.k8s.yaml'), 'utf8')).toBe(before);
  });

  test('runs the app and lists the manifest it wrote', () => {
    const result = cdk8sSynth();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`- ${path.join(outdir, 'hello-node.k8s.yaml')}`);
    expect(docsOf(path.join(outdir, 'hello-node.k8s.yaml'))).toEqual([fixture('hello-node-rc.yaml'), fixture('hello-node-svc.yaml')]);
  });
});
