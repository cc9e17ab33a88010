#!/usr/bin/env node
// How fast the default synth path is, against the targets in docs/contributing.md ("Speed"):
//   - cdk8s.yaml's app command  <= 1.5x  node -e "require('cdk8s'); require('constructs')"
//   - npx cdk8s synth           <= 1.6x  npx cdk8s --version
//   - hello-node synth          <= 1.5x  cdk8s.yaml's app command alone (the CLI's start, its
//                                        checks and staging around it; cdk8s-cli runs only for
//                                        validations and Helm, src/synth/synth-command.ts), from
//                                        a clone (the sources) and installed (the bundle), the
//                                        three taking turns
// and stock ts-node running main.ts (the stock cdk8s template's way to type-check),
// plus, for reference, the app command when the code changed since the last synth (its
// type-check runs tsc, incrementally, beside the app) and the incremental type-check of
// the whole project (the tests' speed is bench/test-speed.js's). Where NODE_EXTRA_CA_CERTS
// is set, which every Node process pays for as it starts, the synths are measured once
// more without it.
//
//   node bench/synth-speed.js [--runs N]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parse } = require('yaml');
const { installedCli, measure, measureMedian, measureSideBySide, numberFlag } = require('./measure');

const root = path.resolve(__dirname, '..');
const runs = numberFlag('runs', 10);
const appCommand = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')).app;
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));

/** What bench/results/synth-speed.md gets: the table's rows, then the verdicts. */
const table = ['| what | wall | peak RSS |', '|---|---|---|'];
const verdicts = [];
const row = (name, { wallMs, rssMiB }) => {
  console.log(`${name.padEnd(34)} wall_ms=${wallMs.toFixed(0).padStart(6)} rss_mib=${rssMiB.toFixed(0).padStart(4)}`);
  table.push(`| ${name} | ${wallMs.toFixed(0)} ms | ${rssMiB.toFixed(0)} MiB |`);
  return wallMs;
};
const verdict = (name, ratio, target) => {
  const line = `${name}: ${ratio.toFixed(2)}x${target === undefined ? '' : `, target <= ${target}x: ${ratio <= target ? 'OK' : 'MISSED'}`}`;
  console.log(line);
  verdicts.push(`- ${line}`);
};

try {
  console.log(`median of ${runs} runs after a warm-up, ${os.cpus().length} cores, node ${process.version}`);
  const bare = row('bare require(cdk8s, constructs)', measureMedian('node -e "require(\'cdk8s\'); require(\'constructs\')"', runs, { cwd: root }));
  // the app alone, a clone's `npm run synth` (the TypeScript sources) and the installed CLI (the package's bundle), taking turns
  const installed = installedCli(outdir);
  // the clone's code cache as the warm-up synth makes it, as the installed CLI's is made
  // (another command run first, a deploy, leaves a larger one: bin/code-cache.js)
  const cloneCache = path.join(root, 'node_modules', '.cache', 'hello-node-ts', 'cli');
  for (const name of fs.existsSync(cloneCache) ? fs.readdirSync(cloneCache).filter((f) => f.endsWith('.v8')) : []) {
    fs.rmSync(path.join(cloneCache, name));
  }
  /** The app alone, a clone's `hello-node synth` and the installed one's, taking turns, in the environment `env` gives. */
  const synths = (env) => measureSideBySide([
    { command: appCommand, options: { cwd: root, env: { ...env, CDK8S_OUTDIR: path.join(outdir, 'app') } } },
    // what `npm run synth` runs: the app into a staging directory, put in place once it succeeded (src/synth/synth-command.ts)
    { command: `node bin/hello-node.js synth --output ${path.join(outdir, 'own')}`, options: { cwd: root, env } },
    { command: `node ${installed} synth --output ${path.join(outdir, 'installed')}`, options: { cwd: root, env } },
  ], runs);
  const [appAlone, fromClone, fromPackage] = synths({});
  const app = row('cdk8s.yaml app command', appAlone);
  // the synth's type-check (lib/typecheck.ts) runs tsc only when the code changed since the last check that passed
  const passedRecords = `rm -f ${path.join(root, 'node_modules', '.cache', 'synth-typecheck', '*.passed.json')}`;
  row('app command, code changed (tsc)', measureMedian(`${passedRecords} && ${appCommand}`, runs, { cwd: root, env: { CDK8S_OUTDIR: path.join(outdir, 'changed') } }));
  const version = row('npx cdk8s --version', measureMedian('npx cdk8s --version', runs, { cwd: root }));
  const synth = row('npx cdk8s synth', measureMedian(`npx cdk8s synth --output ${path.join(outdir, 'synth')}`, runs, { cwd: root }));
  const own = row('hello-node synth (a clone: npm run synth)', fromClone);
  const ownInstalled = row('hello-node synth (installed: npx hello-node synth)', fromPackage);
  // the stock cdk8s template's app command: ts-node, which type-checks every file it loads
  row('ts-node main.ts (stock template)', measureMedian('npx ts-node main.ts', runs, { cwd: root, env: { CDK8S_OUTDIR: path.join(outdir, 'ts-node') } }));
  verdict('app command / bare require', app / bare, 1.5);
  verdict('cdk8s synth / cdk8s --version', synth / version, 1.6);
  verdict('hello-node synth / app command', own / app, 1.5);
  verdict('installed hello-node synth / app command', ownInstalled / app, 1.5);
  verdict('hello-node synth / npx cdk8s synth', own / synth);
  // Every Node process reads NODE_EXTRA_CA_CERTS's file as it starts (a sandbox's CA
  // bundle: some 40 ms here); `hello-node synth` is two Node processes, the app alone one.
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const [bareNode, bareNodeWithout] = measureSideBySide([{ command: 'node -e 0' }, { command: 'node -e 0', options: { env: { NODE_EXTRA_CA_CERTS: '' } } }], runs);
    row('node -e 0 (NODE_EXTRA_CA_CERTS set)', bareNode);
    row('node -e 0 (NODE_EXTRA_CA_CERTS unset)', bareNodeWithout);
    const [appWithout, cloneWithout, packageWithout] = synths({ NODE_EXTRA_CA_CERTS: '' });
    const appUnset = row('app command (NODE_EXTRA_CA_CERTS unset)', appWithout);
    verdict('hello-node synth / app command, NODE_EXTRA_CA_CERTS unset', row('hello-node synth, a clone (unset)', cloneWithout) / appUnset, 1.5);
    verdict('installed hello-node synth / app command, NODE_EXTRA_CA_CERTS unset', row('hello-node synth, installed (unset)', packageWithout) / appUnset, 1.5);
  }
  row('typecheck, incremental, once', measure('npx tsc -p tsconfig.json', { cwd: root }));
  const results = path.join(__dirname, 'results');
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(path.join(results, 'synth-speed.md'), `${[...table, '', ...verdicts, '', `Median of ${runs} runs after a warm-up, ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`].join('\n')}\n`);
  console.log('wrote bench/results/synth-speed.md');
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
