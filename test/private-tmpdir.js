// jest's globalSetup and globalTeardown: the run gets a temp directory of its own,
// which its workers inherit through TMPDIR (os.tmpdir() reads it), and which is
// removed with everything in it when the run ends.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KEY = 'HELLO_NODE_TEST_TMPDIR';

module.exports = async () => {
  const made = process.env[KEY];
  if (made) {
    fs.rmSync(made, { recursive: true, force: true });
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-tests-'));
  // traversable by other users, as the system's temp directory is: a test runs the
  // server as the image's uid 1000 from a directory in here
  fs.chmodSync(dir, 0o755);
  process.env[KEY] = dir;
  process.env.TMPDIR = dir;
};
