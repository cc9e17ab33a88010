#!/usr/bin/env node
// The `hello-node` CLI (see README, "Operating it"). It runs from a clone of this
// repository, from whose root it builds app/ and deploys dist/; the published package
// holds the construct library only, so there it says so instead.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
if (!fs.existsSync(path.join(root, 'src', 'cli.ts'))) {
  console.error('hello-node: the CLI runs from a clone of the hello-node-cdk8s repository; this package holds only its construct library');
  process.exit(1);
}
require('../scripts/ts-hook.js');
process.chdir(root);
require('../src/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
