#!/usr/bin/env node
// Proves the construct library works from another project, with the peers such a
// project really has: packs it with `npm pack` (which builds it with jsii), checks the
// tarball, and installs it into a throw-away consumer project twice, each time with real
// cdk8s and constructs installed from the npm registry next to it:
// - at the floors of package.json's peer ranges (`^floor`), the oldest versions the
//   library claims; there the library's own sources are also type-checked against those
//   versions' API, since the devDependencies it is built and tested with are newer (see
//   docs/contributing.md, "Peer dependencies");
// - at the versions `cdk8s init typescript-app` installs in a new project today.
// Each time it compiles a small consumer chart with the consumer's own TypeScript and
// the template's strict tsconfig.json, and synthesizes it. Then it checks the jsii
// assembly in the package and has jsii-pacmak generate the Python and Go sources from it.
// Before all that, it checks that the committed API.md is the one jsii-docgen makes from
// the freshly built assembly. Needs the npm registry, as `npm ci` does.
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const root = path.resolve(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-package-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

// What `cdk8s init typescript-app` of cdk8s-cli 2.207.60 (the newest) installed in an
// empty directory: its template asks for cdk8s at ^ the version cdk8s-cli itself loads,
// constructs at ^ cdk8s-cli's own dependency's floor, typescript 5.9.x and @types/node
// ^14, and npm resolved them to these. The template's tsconfig.json is read from the
// template itself (INIT_TEMPLATE). Update the versions when a newer cdk8s-cli's template
// installs newer ones (see docs/contributing.md, "The package check").
const INIT_TYPESCRIPT_APP = { cdk8s: '2.70.106', constructs: '10.8.1', typescript: '5.9.3', '@types/node': '14.18.63' };
const INIT_TEMPLATE = path.join(root, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');

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
  const tarball = path.join(work, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  for (const expected of ['package.json', '.jsii', 'API.md', 'bin/hello-node.js', 'bin/code-cache.js', 'bin/early-synth.js', 'build/cli/hello-node.js', 'build/cli/kubeconfig-client.js', 'node_modules/yaml/package.json', 'node_modules/js-yaml/package.json', 'node_modules/fastest-levenshtein/package.json', 'build/lib/index.js', 'build/lib/index.d.ts', 'build/imports/k8s.js', 'build/imports/k8s.d.ts', 'kplus-27/package.json', 'kplus-33/package.json', 'build/kplus/27.js', 'build/kplus/33.d.ts']) {
    assert.ok(files.includes(expected), `the package holds ${expected}`);
  }
  // the bundled dependencies' files are as their authors publish them (fastest-levenshtein's include its test.ts)
  const leaked = files.filter((f) => !f.startsWith('node_modules/')).filter((f) => f.endsWith('.test.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.startsWith('src/') || f.startsWith('app/'));
  assert.deepEqual(leaked, [], 'the package holds compiled library code only');

  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], work));
  assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), ['cdk8s', 'constructs'], 'cdk8s and constructs are peer dependencies');
  // jsii lets a library depend on a package that is no jsii module only when it bundles it
  assert.deepEqual(Object.keys(manifest.dependencies).sort(), [...manifest.bundledDependencies].sort(), 'the library\'s own dependencies (YAML for its synth and settings file, the nearest key for its errors) are bundled: a user installs nothing else');
  const floors = {};
  for (const [peer, range] of Object.entries(manifest.peerDependencies)) {
    const floor = /^\^(\d+\.\d+\.\d+)$/.exec(range);
    assert.ok(floor, `the peer range of ${peer} is ^ a version, whose floor is installed below (found "${range}")`);
    floors[peer] = floor[1];
  }

  typecheckLibraryAgainst(consumerProject(tarball, 'floors', { ...INIT_TYPESCRIPT_APP, ...floors }));
  const installed = path.join(consumerProject(tarball, 'init', INIT_TYPESCRIPT_APP), 'node_modules', 'hello-node-cdk8s');

  checkAssembly(JSON.parse(fs.readFileSync(path.join(installed, '.jsii'), 'utf8')));
  checkGeneratedSources(root, path.join(work, 'pacmak'));
  checkInstalledCli(path.dirname(path.dirname(installed)), manifest.version);
  const peers = (versions) => `cdk8s ${versions.cdk8s} and constructs ${versions.constructs}`;
  console.log(`package check passed: API.md is current; ${packed[0].filename} (${files.length} files) installs from the registry with ${peers(floors)} (the peer ranges' floors, against which the library's sources type-check too) and with ${peers(INIT_TYPESCRIPT_APP)} (what cdk8s init typescript-app installs), and each time a consumer chart compiles with the template's strict tsconfig and synthesizes; its jsii assembly keeps every enum and prop type, and jsii-pacmak generates Python and Go from it`);
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
 * The package's CLI, as `npx hello-node` runs it in the consumer project: the bundle,
 * with no TypeScript hook (the consumer has typescript installed, but the CLI must not
 * load it). The slow suite deploys with it (test/user-project.ts).
 */
function checkInstalledCli(consumer, version) {
  const cli = (...args) => spawnSync(path.join(consumer, 'node_modules', '.bin', 'hello-node'), args, { cwd: consumer, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--trace-warnings' } });
  const shown = cli('--version');
  assert.equal(shown.status, 0, `npx hello-node --version exits 0 (stderr: ${shown.stderr})`);
  assert.equal(shown.stdout.trim(), `hello-node ${version}`, 'the installed CLI says its version');
  const help = cli('deploy', '--help');
  assert.equal(help.status, 0, 'npx hello-node deploy --help exits 0');
  assert.match(help.stdout, /--build-dir|--replicas/, 'the installed CLI has the commands and their setting flags');
  // the first run left what V8 compiled of it where the next ones find it (bin/code-cache.js)
  const codeCache = path.join(consumer, 'node_modules', '.cache', 'hello-node-cdk8s', `hello-node.js.${process.version}-${process.arch}.v8`);
  assert.ok(fs.existsSync(codeCache), `the installed CLI keeps its code cache in ${codeCache}`);
  const loaded = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(consumer, 'node_modules', 'hello-node-cdk8s', 'build', 'cli', 'hello-node.js'))}); console.log(Object.keys(require.cache).filter((f) => /node_modules[\\/](typescript|esbuild|cdk8s)[\\/]/.test(f)).length)`], { encoding: 'utf8' });
  assert.equal(loaded.stdout.trim(), '0', 'the installed CLI loads neither TypeScript nor esbuild nor cdk8s');
  // loaded beside the bundle when a command talks to a cluster (src/kube/kubeconfig-client.ts); were it missing, every kubectl command would quietly run as a process
  const client = spawnSync(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(path.join(consumer, 'node_modules', 'hello-node-cdk8s', 'build', 'cli', 'kubeconfig-client.js'))}).KubeConfig)`], { encoding: 'utf8' });
  assert.equal(client.stdout.trim(), 'function', `the installed CLI's kubeconfig client loads (stderr: ${client.stderr})`);
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

/**
 * A consumer project in `work/<name>` that installs the tarball with `versions` of cdk8s,
 * constructs, typescript and @types/node from the npm registry, as `npm install` in a
 * project does, compiles the consumer chart and synthesizes it.
 * @returns the consumer project's directory
 */
function consumerProject(tarball, name, versions) {
  const consumer = path.join(work, name);
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }));
  fs.writeFileSync(path.join(consumer, 'main.ts'), CONSUMER_CHART);
  // the template's compiler options (strict, lib es2016, and no skipLibCheck: the package's .d.ts are checked too)
  const template = JSON.parse(fs.readFileSync(path.join(INIT_TEMPLATE, 'tsconfig.json'), 'utf8'));
  fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: template.compilerOptions, files: ['main.ts'] }));

  const specs = Object.entries(versions).map(([pkg, version]) => `${pkg}@${version}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...specs], consumer);
  for (const [pkg, version] of Object.entries(versions)) {
    const got = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    assert.equal(got, version, `the ${name} consumer has ${pkg} ${version}`);
  }
  run(process.execPath, [path.join(consumer, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer);

  const output = run(process.execPath, ['main.js'], consumer);
  assert.match(output, /^rejected: must be an integer from 0 to 2147483647$/m, `${name}: bad props are rejected with the library's ValidationError`);
  const yaml = fs.readFileSync(path.join(consumer, 'dist', 'consumer.k8s.yaml'), 'utf8');
  for (const expected of ['name: shop-rc', 'replicas: 2', 'name: shop-svc', 'type: ClusterIP', 'name: shop-debug', 'readinessProbe:', 'example.com/team: shop']) {
    assert.ok(yaml.includes(expected), `${name}: the consumer's chart synthesizes "${expected}"`);
  }
  assert.ok(!yaml.includes('livenessProbe'), `${name}: Probe.none() leaves the profile's liveness probe out`);
  return consumer;
}

/**
 * Type-checks the library's sources (what the build compiles) against the cdk8s and
 * constructs installed in `consumer`, with this repository's compiler and settings.
 * jsii builds them against the devDependencies, which may be newer than the floors, so
 * there a use of an API newer than a floor would compile.
 */
function typecheckLibraryAgainst(consumer) {
  const peer = (name) => [path.join(consumer, 'node_modules', name)];
  const tsconfig = path.join(consumer, 'tsconfig.library.json');
  fs.writeFileSync(tsconfig, JSON.stringify({
    extends: path.join(root, 'tsconfig.build.json'),
    compilerOptions: { noEmit: true, typeRoots: [path.join(root, 'node_modules', '@types')], paths: { cdk8s: peer('cdk8s'), constructs: peer('constructs') } },
    include: ['lib/**/*.ts', 'imports/**/*.ts'].map((glob) => path.join(root, glob)),
    exclude: [path.join(root, '**', '*.test.ts')],
  }));
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], consumer);
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
