#!/usr/bin/env node
// How much a deploy costs beside kubectl doing the same alone, on the real control
// plane with the stand-in node (test/control-plane.ts; no kubelet or cloud here), each a
// median of --runs, side by side in one run:
//   - an unchanged deploy (`hello-node deploy` of what is deployed) against one
//     `kubectl apply --server-side -f dist/` of the same objects (target: <= 5x);
//   - a deploy that changes the image against one `kubectl apply` of the changed
//     objects, and, for a Deployment, against `kubectl apply` + `kubectl rollout status`.
// The CLI measured is the installed one (bin/hello-node.js beside the bundle `npm run
// build:cli` writes, as the package ships them); a clone's, which runs the TypeScript
// sources, is measured for the unchanged deploy too. Each runs with its default
// interval between looks at the cluster: a rollout's looks come from watches.
// It prints a table and writes it to bench/results/deploy.md.
//
//   node bench/deploy.js [--runs N]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { installedCli, median, numberFlag } = require('./measure');

require('../scripts/ts-hook.js');
const { findAssets, HOW_TO_GET_BINARIES, startControlPlane } = require('../test/control-plane.ts');
const { APP_COMMAND } = require('../test/project.ts');

const root = path.resolve(__dirname, '..');
const runs = numberFlag('runs', 5);
const TARGET = 5;
const IMAGE = 'gcr.io/hello-node-bench/hello-node';

/** Runs a command to its end and returns its wall time in ms; throws, with its output, when it fails. */
function timed(command, args, options) {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  return ms;
}

/** A cdk8s project running this repository's app, as test/cluster.ts's cliProject makes one. */
function project(dir) {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `language: typescript\napp: ${APP_COMMAND}\n`);
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function main() {
  const assets = findAssets();
  if (!assets) {
    console.error(`bench:deploy needs a control plane: no etcd, kube-apiserver and kube-controller-manager found; ${HOW_TO_GET_BINARIES}`);
    process.exitCode = 1;
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-deploy-'));
  // the installed CLI: bin/hello-node.js runs the bundle when no sources are beside it
  const installed = installedCli(work);
  const plane = await startControlPlane(assets, work);
  try {
    const kubectl = (...args) => spawnSync('kubectl', args, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: os.homedir(), KUBECONFIG: plane.kubeconfig } });
    const rows = [];
    for (const workload of ['ReplicationController', 'Deployment']) {
      const namespace = `bench-${workload.toLowerCase()}`;
      kubectl('create', 'namespace', namespace);
      const dir = project(path.join(work, namespace));
      const env = {
        PATH: process.env.PATH, HOME: os.homedir(), TMPDIR: os.tmpdir(), KUBECONFIG: plane.kubeconfig, CDK8S_CHECK_UPGRADE: 'false',
        GCP_PROJECT: 'hello-node-bench', HELLO_NODE_NAMESPACE: namespace, HELLO_NODE_WORKLOAD: workload,
      };
      const helloNode = (...args) => timed(process.execPath, [installed, ...args], { cwd: dir, env });
      const fromClone = (...args) => timed(process.execPath, [path.join(root, 'bin', 'hello-node.js'), ...args], { cwd: dir, env });
      // the manifests of each image, as the deploy writes them, for kubectl alone
      const manifests = (tag) => {
        const out = path.join(work, `${namespace}-${tag}`);
        timed(process.execPath, [path.join(root, 'bin', 'hello-node.js'), 'synth', '--output', out, '--image', `${IMAGE}:${tag}`], { cwd: dir, env });
        return out;
      };
      const apply = (from) => () => timed('kubectl', ['apply', '--server-side', '--field-manager=bench', '--force-conflicts', '--namespace', namespace, '-f', from], { env });
      const rolloutStatus = () => timed('kubectl', ['rollout', 'status', 'deployment/hello-node-deployment', '--namespace', namespace, '--timeout=120s'], { env });
      helloNode('deploy', '--image', `${IMAGE}:v1`);
      const dist = manifests('v1');

      const unchanged = [];
      const unchangedFromClone = [];
      const applied = [];
      for (let i = 0; i < runs; i++) {
        unchanged.push(helloNode('deploy', '--image', `${IMAGE}:v1`));
        unchangedFromClone.push(fromClone('deploy', '--image', `${IMAGE}:v1`));
        applied.push(apply(dist)());
      }
      const changed = [];
      const appliedChange = [];
      const withRollout = [];
      const tags = ['v2', 'v3'];
      const dirs = Object.fromEntries([...tags, 'v1'].map((tag) => [tag, tag === 'v1' ? dist : manifests(tag)]));
      for (let i = 0; i < runs; i++) {
        // the deploy changes the image; kubectl then changes it again, alone
        const [mine, theirs] = i % 2 === 0 ? tags : [...tags].reverse();
        changed.push(helloNode('deploy', '--image', `${IMAGE}:${mine}`));
        appliedChange.push(apply(dirs[theirs])());
        if (workload === 'Deployment') {
          withRollout.push(apply(dirs[mine])() + rolloutStatus());
        }
      }
      rows.push({ workload, unchanged: median(unchanged), unchangedFromClone: median(unchangedFromClone), applied: median(applied), changed: median(changed), appliedChange: median(appliedChange), withRollout: withRollout.length ? median(withRollout) : undefined });
    }
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    const lines = [
      '| workload | unchanged deploy | `kubectl apply` | ratio (target ≤ 5x) | the same from a clone | ratio | image change | `kubectl apply` of it | ratio | `kubectl apply` + `rollout status` | ratio |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.workload} | ${s(r.unchanged)} | ${s(r.applied)} | ${(r.unchanged / r.applied).toFixed(1)}x ${r.unchanged / r.applied <= TARGET ? 'OK' : 'MISSED'} | ${s(r.unchangedFromClone)} | ${(r.unchangedFromClone / r.applied).toFixed(1)}x | ${s(r.changed)} | ${s(r.appliedChange)} | ${(r.changed / r.appliedChange).toFixed(1)}x | ${r.withRollout === undefined ? '-' : s(r.withRollout)} | ${r.withRollout === undefined ? '-' : `${(r.changed / r.withRollout).toFixed(1)}x`} |`),
      '',
      `Median of ${runs} runs, ${os.cpus().length} cores, node ${process.version}, kubectl against kube-apiserver with the stand-in node (test/stand-in-node.ts), ${new Date().toISOString().slice(0, 10)}. The installed CLI (the package's bundle) unless said; a clone runs the TypeScript sources.`,
    ];
    console.log(lines.join('\n'));
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'results', 'deploy.md'), `${lines.join('\n')}\n`);
  } finally {
    await plane.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
