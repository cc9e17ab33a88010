#!/usr/bin/env node
// Proves the construct library works from another project: packs it with `npm pack`
// (which builds it with jsii), installs the tarball into a throw-away consumer project,
// compiles a small consumer chart against it with strict tsc, and synthesizes that
// chart; then checks the jsii assembly in the package and has jsii-pacmak generate the
// Python and Go sources from it. Before all that, it checks that the committed API.md is
// the one jsii-docgen makes from the freshly built assembly.
// No network: the consumer's peer dependencies (cdk8s, constructs) are linked from
// this project's node_modules instead of being installed from the registry.
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const root = path.resolve(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-package-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const CONSUMER_CHART = `
import { App, Chart } from 'cdk8s';
import { HelloNodeApp, HelloNodeAppProps, LabeledService, Probe, Profile, ServiceType, ValidationError } from 'hello-node-cdk8s';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'consumer');
const props: HelloNodeAppProps = {
  name: 'shop',
  replicas: 2,
  serviceType: ServiceType.CLUSTER_IP,
  profile: Profile.PRODUCTION,
  livenessProbe: Probe.none(),
  metadata: { annotations: { 'example.com/team': 'shop' } },
};
const shop = new HelloNodeApp(chart, 'shop', props);
new LabeledService(chart, 'debug', { selector: shop.labels, name: 'shop-debug', port: 8080 });
try {
  new HelloNodeApp(chart, 'bad', { replicas: -1 });
} catch (err) {
  console.log(err instanceof ValidationError ? 'rejected: ' + err.rule : 'unexpected: ' + err);
}
app.synth();
`;

/** Thrown for a failure that one line explains: printed alone, without a stack trace. */
class CheckFailure extends Error {}

try {
  // prepack builds the package as `npm pack` does, but jsii writes its report on stdout, where the --json answer goes
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  checkApiDocs(path.join(work, 'api-docs'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root));
  const files = packed[0].files.map((f) => f.path);
  for (const expected of ['package.json', '.jsii', 'API.md', 'build/lib/index.js', 'build/lib/index.d.ts', 'build/imports/k8s.js', 'build/imports/k8s.d.ts']) {
    assert.ok(files.includes(expected), `the package holds ${expected}`);
  }
  const leaked = files.filter((f) => f.endsWith('.test.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.startsWith('src/') || f.startsWith('app/'));
  assert.deepEqual(leaked, [], 'the package holds compiled library code only');

  const consumer = path.join(work, 'consumer');
  const installed = path.join(consumer, 'node_modules', 'hello-node-cdk8s');
  fs.mkdirSync(installed, { recursive: true });
  run('tar', ['-xzf', path.join(work, packed[0].filename), '-C', installed, '--strip-components=1'], work);
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), ['cdk8s', 'constructs'], 'cdk8s and constructs are peer dependencies');
  assert.equal(manifest.dependencies, undefined, 'the library needs nothing beyond its peers');
  for (const peer of ['cdk8s', 'constructs', '@types/node']) {
    fs.mkdirSync(path.dirname(path.join(consumer, 'node_modules', peer)), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', peer), path.join(consumer, 'node_modules', peer), 'dir');
  }

  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  fs.writeFileSync(path.join(consumer, 'main.ts'), CONSUMER_CHART);
  fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', moduleResolution: 'node', types: ['node'], outDir: 'out', noUnusedLocals: true },
    files: ['main.ts'],
  }));
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], consumer);

  const output = run(process.execPath, ['out/main.js'], consumer);
  assert.match(output, /^rejected: must be an integer from 0 to 2147483647$/m, 'bad props are rejected with the library\'s ValidationError');
  const yaml = fs.readFileSync(path.join(consumer, 'dist', 'consumer.k8s.yaml'), 'utf8');
  for (const expected of ['name: shop-rc', 'replicas: 2', 'name: shop-svc', 'type: ClusterIP', 'name: shop-debug', 'readinessProbe:', 'example.com/team: shop']) {
    assert.ok(yaml.includes(expected), `the consumer's chart synthesizes "${expected}"`);
  }
  assert.ok(!yaml.includes('livenessProbe'), 'Probe.none() leaves the profile\'s liveness probe out');
  checkAssembly(JSON.parse(fs.readFileSync(path.join(installed, '.jsii'), 'utf8')));
  checkGeneratedSources(root, path.join(work, 'pacmak'));
  const bin = spawnSync(process.execPath, [path.join(installed, manifest.bin['hello-node'])], { encoding: 'utf8' });
  assert.equal(bin.status, 1, 'the CLI, outside the repository, exits 1');
  assert.match(bin.stderr, /runs from a clone of the hello-node-cdk8s repository/, 'the CLI, outside the repository, says where it runs');
  console.log(`package check passed: API.md is current; ${packed[0].filename} (${files.length} files) compiles with strict tsc in a consumer chart and synthesizes; its jsii assembly keeps every enum and prop type, and jsii-pacmak generates Python and Go from it`);
} catch (err) {
  if (!(err instanceof CheckFailure)) {
    throw err;
  }
  console.error(err.message);
  process.exitCode = 1;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

/**
 * The committed API.md is what package.json's docgen script writes from the assembly just built.
 * The check runs that script's own command line, its output sent to a temp file, so that the two
 * cannot drift apart; twice, so that a difference is the doc comments' and never the generator's.
 */
function checkApiDocs(dir) {
  const docgen = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.docgen;
  const [bin, ...args] = docgen.split(' ');
  assert.deepEqual([bin, ...args.slice(-2)], ['jsii-docgen', '-o', 'API.md'], 'the docgen script is `jsii-docgen <options> -o API.md`');
  const generate = (name) => {
    const output = path.join(dir, name);
    execFileSync(process.execPath, [require.resolve('jsii-docgen/bin/jsii-docgen'), ...args.slice(0, -2), '-o', output], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    return fs.readFileSync(output, 'utf8');
  };
  const first = generate('first.md');
  if (generate('second.md') !== first) {
    throw new CheckFailure('jsii-docgen wrote two different API.md files from one assembly: the comparison with the committed API.md would mean nothing');
  }
  const committed = fs.existsSync(path.join(root, 'API.md')) ? fs.readFileSync(path.join(root, 'API.md'), 'utf8') : '';
  if (committed !== first) {
    const [was, is] = [committed.split('\n'), first.split('\n')];
    const line = was.findIndex((text, i) => text !== is[i]) + 1 || was.length + 1;
    throw new CheckFailure(`API.md is out of date (first difference at line ${line}): run \`npm run docgen\` (after npm run build) and commit it`);
  }
}

/** The jsii assembly names exactly the public API, keeps every enum's members and gives every prop a type. */
function checkAssembly(assembly) {
  const imported = ['k8s', 'gke', 'gcp'].map((namespace) => `${assembly.name}.${namespace}.`);
  const ours = Object.values(assembly.types).filter((type) => !imported.some((prefix) => type.fqn.startsWith(prefix)));
  for (const kind of ['gke.ManagedCertificate', 'gke.FrontendConfig', 'gcp.BackendConfig', 'k8s.KubeIngress']) {
    assert.ok(assembly.types[`${assembly.name}.${kind}`], `the assembly holds ${kind}, which HelloNodeApp exposes`);
  }
  assert.deepEqual(ours.map((type) => type.name).sort(), [
    'Autoscaling', 'ContainerResources', 'HelloNodeApp', 'HelloNodeAppProps', 'HelloNodeSettings', 'HttpProbeOptions', 'ImagePullPolicy',
    'LabeledService', 'LabeledServiceProps', 'LogFile', 'PodSecurity', 'PodSecurityOptions', 'Probe', 'Profile', 'Protocol',
    'ResourceAmounts', 'ServiceType', 'SynthOptions', 'Workload',
  ], 'the assembly holds the public API (errors aside: jsii cannot carry Error subclasses; synthApp aside: it has no functions)');
  const library = require(path.join(root, 'build', 'lib'));
  for (const type of ours.filter((t) => t.kind === 'enum')) {
    assert.deepEqual(type.members.map((m) => m.name), Object.keys(library[type.name]), `the assembly's ${type.name} keeps every member`);
  }
  for (const type of ours) {
    for (const property of type.properties ?? []) {
      assert.ok(!('primitive' in property.type) || property.type.primitive !== 'any', `${type.name}.${property.name} has a type in the assembly`);
    }
  }
  const probe = assembly.types[`${assembly.name}.Probe`];
  assert.deepEqual(probe.methods.map((m) => [m.name, !!m.static]).sort(), [['httpGet', true], ['none', true]], 'Probe is made by its static factories');
}

/** jsii-pacmak writes Python and Go sources in which the enums and the "off" factories exist as those languages spell them. */
function checkGeneratedSources(pkg, out) {
  execFileSync(process.execPath, [require.resolve('jsii-pacmak/bin/jsii-pacmak.js'), '--code-only', '--targets', 'python', '--targets', 'go', '--outdir', out, pkg], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' },
  });
  const python = fs.readFileSync(path.join(out, 'python', 'src', 'hello_node_cdk8s', '__init__.py'), 'utf8');
  assert.match(python, /^class Workload\(enum\.Enum\):$/m, 'Python gets the Workload enum');
  assert.match(python, /^ {4}DEPLOYMENT = "DEPLOYMENT"$/m, 'Python gets Workload.DEPLOYMENT');
  assert.match(python, /^ {4}def none\(cls\) -> "Probe":$/m, 'Python gets Probe.none()');
  assert.match(python, /^class HelloNodeApp\(\n\s+_constructs_\w+\.Construct,$/m, 'Python gets HelloNodeApp as a Construct');
  run('python3', ['-m', 'py_compile', path.join(out, 'python', 'src', 'hello_node_cdk8s', '__init__.py')], out);
  const go = fs.readFileSync(path.join(out, 'go', 'hellonodecdk8s', 'Workload.go'), 'utf8');
  assert.match(go, /Workload_DEPLOYMENT Workload = "DEPLOYMENT"/, 'Go gets Workload_DEPLOYMENT');
  assert.ok(fs.existsSync(path.join(out, 'go', 'hellonodecdk8s', 'Probe.go')), 'Go gets Probe');
}
