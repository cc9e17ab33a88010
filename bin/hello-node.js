#!/usr/bin/env node
// The `hello-node` CLI (see README, "Operating it"). Runs from this repository: the
// commands use its app/ and dist/ directories, so it works from the project root.
'use strict';
const path = require('node:path');

require('../scripts/ts-hook.js');
process.chdir(path.join(__dirname, '..'));
require('../src/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
