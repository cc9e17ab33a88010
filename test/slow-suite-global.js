// The slow suite's globalSetup and globalTeardown (jest calls this one module for
// both): the run's private temp directory (test/private-tmpdir.js), and the real
// control plane of test/control-plane.ts, shared by every test that needs a cluster
// and stopped at the end.
//
// The tests find it through HELLO_NODE_TEST_CLUSTER (JSON: kubeconfig, server, CA,
// token), which the workers inherit. Without the binaries the variable is unset, those
// tests are skipped, and one line here says how to get the binaries. A jest run started
// by a test inherits the variable and starts no control plane of its own.
'use strict';
const privateTmpdir = require('./private-tmpdir');

const KEY = 'HELLO_NODE_TEST_CLUSTER';
const RUNNING = Symbol.for('hello-node.control-plane');

module.exports = async () => {
  const running = globalThis[RUNNING];
  if (running) {
    // the teardown: stop what the setup started, then remove the temp directory
    delete globalThis[RUNNING];
    await running.stop();
    await privateTmpdir();
    return;
  }
  await privateTmpdir();
  if (process.env[KEY]) {
    globalThis[RUNNING] = { stop: async () => {} };
    return;
  }
  require('../scripts/ts-hook.js');
  const { findAssets, HOW_TO_GET_BINARIES, startControlPlane } = require('./control-plane.ts');
  const assets = findAssets();
  if (!assets) {
    const where = process.env.KUBEBUILDER_ASSETS ? `KUBEBUILDER_ASSETS (${process.env.KUBEBUILDER_ASSETS})` : '~/.local/share/kubebuilder-envtest/k8s/<version>-linux-amd64';
    process.stderr.write(`\nhello-node: skipping the real-cluster tests: no etcd, kube-apiserver and kube-controller-manager in ${where}: ${HOW_TO_GET_BINARIES}\n`);
    globalThis[RUNNING] = { stop: async () => {} };
    return;
  }
  const plane = await startControlPlane(assets);
  const { stop, ...info } = plane;
  process.env[KEY] = JSON.stringify(info);
  globalThis[RUNNING] = { stop };
};
