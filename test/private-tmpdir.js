// jest's globalSetup and globalTeardown: the run gets a temp directory of its own,
// which its tests and workers inherit through TMPDIR (os.tmpdir() reads it), and which
// is removed with everything in it when the run ends.
//
// jest calls this one module for both; the run that made the directory is the one
// that removes it. A jest run started by a test inherits the variable, but not the pid:
// it makes (and removes) a directory of its own, inside its parent's.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KEY = 'HELLO_NODE_TEST_TMPDIR';

module.exports = async () => {
  const [pid, made] = (process.env[KEY] ?? '').split(/:(.*)/s);
  if (made && Number(pid) === process.pid) {
    fs.rmSync(made, { recursive: true, force: true });
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-tests-'));
  // traversable by other users, as the system's temp directory is: a test runs the
  // server as the image's uid 1000 from a directory in here
  fs.chmodSync(dir, 0o755);
  process.env[KEY] = `${process.pid}:${dir}`;
  process.env.TMPDIR = dir;
};
