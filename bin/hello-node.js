#!/usr/bin/env node
// The `hello-node` CLI (see docs/user-guide.md, "Operating it: the hello-node CLI"). It
// acts on the cdk8s project it is run in: the nearest directory, from the current one
// up, that holds a cdk8s.yaml (as git finds its repository), else the current one; it
// runs that project's cdk8s app as `cdk8s synth` does and builds its Dockerfile
// directory (HELLO_NODE_BUILD_DIR).
// From the installed package it runs the bundle `npm run build` writes
// (build/cli/hello-node.js), with no TypeScript at run time; from a clone of this
// repository, the same bundle of the TypeScript sources (src/cli.ts), which
// scripts/cli-bundle.js makes when they change. Either compiled from V8's code cache
// (code-cache.js). A synth's app may be started before either loads (early-synth.js).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { requireWithCodeCache } = require('./code-cache.js');
const { startEarlySynth } = require('./early-synth.js');

const root = path.join(__dirname, '..');
/** A clone's bundler of its sources, none in the package. */
const sources = fs.existsSync(path.join(root, 'src', 'cli.ts')) ? require('../scripts/cli-bundle.js') : undefined;

/** A clone's CLI from its sources one by one, when they cannot be bundled: its errors name a syntax error's file and line. */
function sourcesCli() {
  require('../scripts/ts-hook.js');
  return require('../src/cli.ts');
}

/**
 * Where the installed CLI keeps its code cache and its last synth's record (early-synth.js):
 * node_modules/.cache/hello-node-cdk8s of the node_modules it is installed in (where babel,
 * eslint and others keep theirs), or none when it is not in one.
 */
function packageCacheDir() {
  const modules = path.dirname(root);
  return path.basename(modules) === 'node_modules' ? path.join(modules, '.cache', 'hello-node-cdk8s') : undefined;
}

function projectRoot() {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'cdk8s.yaml'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      return process.cwd();
    }
  }
}

// A reader that went away (`hello-node status | head -1`) is no failure of the command:
// what it writes then goes nowhere, and it finishes what it started (a deploy mid-rollout,
// a synth mid-write) before it exits, quietly, with the exit code of a process that
// SIGPIPE ended (as kubectl and git exit), unless the command itself failed.
// Any other failure to write (a full disk behind `>/dev/full`) is the same, but for its
// exit code, 1 (as coreutils exit), and one line on stderr, when stdout failed, saying
// that the command itself finished (a synth's new dist/ is in place).
let writeFailure;
for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]]) {
  stream.on('error', (err) => {
    writeFailure ??= { name, code: err.code };
  });
}

const project = projectRoot();
const cacheDir = sources ? sources.cacheDir : packageCacheDir();
/** The CLI's bundle: the package's, or the one of a clone's current sources (undefined when they cannot be bundled). */
const bundle = sources ? sources.cliBundle() : path.join(root, 'build', 'cli', 'hello-node.js');
const early = bundle === undefined ? undefined : startEarlySynth(process.argv.slice(2), project, cacheDir, bundle);
const cli = bundle === undefined ? sourcesCli() : requireWithCodeCache(bundle, cacheDir);
const { signalExitCode } = cli;
// at the very end: a failed write's error arrives a tick after the write
process.on('exit', (code) => {
  if (writeFailure === undefined || code !== 0) {
    return;
  }
  process.exitCode = writeFailure.code === 'EPIPE' ? signalExitCode('SIGPIPE') : 1;
  if (writeFailure.code !== 'EPIPE' && writeFailure.name === 'stdout') {
    try {
      fs.writeSync(2, `hello-node: what it printed on stdout is lost (${writeFailure.code}); the command itself finished\n`);
    } catch {
      // stderr cannot be written either
    }
  }
});
process.chdir(project);
cli.main(process.argv.slice(2), { early })
  .then(async (code) => {
    process.exitCode = code;
    // the command has finished, its output in place: a signal now cannot stop anything,
    // and must not turn its exit code into a signal's
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => undefined);
    // an app started early that the synth did not adopt (it never got so far)
    await early?.discard();
    // Node's own exit, once nothing is left to do, first closes every listener's handle,
    // which gives signals back their default (death) for its last moments; process.exit
    // does not. Once a failed write has been told (a tick after it), and what is still
    // being written has gone (pipes are asynchronous on macOS), as Node would wait for it.
    setImmediate(() => whenWritten(() => process.exit()));
  });

/** Calls `done` once what was written to stdout and stderr has been handed on, or has failed. */
function whenWritten(done) {
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  let left = pending.length;
  if (left === 0) {
    done();
  }
  for (const stream of pending) {
    // after the writes before it
    stream.write('', () => --left === 0 && done());
  }
}
