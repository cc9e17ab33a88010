#!/usr/bin/env node
// Proves the construct library works from another project: packs it with `npm pack`
// (which builds it), installs the tarball into a throw-away consumer project, compiles
// a small consumer chart against it with strict tsc, and synthesizes that chart.
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
import { HelloNodeApp, HelloNodeAppProps, LabeledService, ServiceType, ValidationError } from 'hello-node-cdk8s';

const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'consumer');
const props: HelloNodeAppProps = { name: 'shop', replicas: 2, serviceType: ServiceType.CLUSTER_IP };
const shop = new HelloNodeApp(chart, 'shop', props);
new LabeledService(chart, 'debug', { selector: shop.labels, name: 'shop-debug', port: 8080 });
try {
  new HelloNodeApp(chart, 'bad', { replicas: -1 });
} catch (err) {
  console.log(err instanceof ValidationError ? 'rejected: ' + err.rule : 'unexpected: ' + err);
}
app.synth();
`;

try {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
  const files = packed[0].files.map((f) => f.path);
  for (const expected of ['package.json', 'build/lib/index.js', 'build/lib/index.d.ts', 'build/imports/k8s.js', 'build/imports/k8s.d.ts']) {
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
  for (const expected of ['name: shop-rc', 'replicas: 2', 'name: shop-svc', 'type: ClusterIP', 'name: shop-debug']) {
    assert.ok(yaml.includes(expected), `the consumer's chart synthesizes "${expected}"`);
  }
  const bin = spawnSync(process.execPath, [path.join(installed, manifest.bin['hello-node'])], { encoding: 'utf8' });
  assert.equal(bin.status, 1, 'the CLI, outside the repository, exits 1');
  assert.match(bin.stderr, /runs from a clone of the hello-node-cdk8s repository/, 'the CLI, outside the repository, says where it runs');
  console.log(`package check passed: ${packed[0].filename} (${files.length} files) compiles with strict tsc in a consumer chart and synthesizes`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
