// Runs a command in a fresh process and measures its wall time and the peak memory
// of the largest node process it started (see report-rss.js).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const reporter = path.join(__dirname, 'report-rss.js');
/**
 * Where each run's processes report their peak memory: one file, emptied before each run,
 * so that every run of a command has the same environment, as a user's runs in one shell
 * have (hello-node synth starts its app early only in an environment it has seen before).
 */
const rssDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rss-'));
const rssFile = path.join(rssDir, 'rss');
process.on('exit', () => fs.rmSync(rssDir, { recursive: true, force: true }));

/**
 * @param {string} command run through a shell, as npm scripts and cdk8s.yaml do
 * @param {{ cwd?: string, env?: Record<string, string> }} [options]
 * @returns {{ wallMs: number, rssMiB: number }}
 */
function measure(command, options = {}) {
  fs.rmSync(rssFile, { force: true });
  const nodeOptions = [process.env.NODE_OPTIONS, `-r ${reporter}`].filter(Boolean).join(' ');
  const start = process.hrtime.bigint();
  const result = spawnSync(command, {
    shell: true,
    cwd: options.cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...options.env, NODE_OPTIONS: nodeOptions, BENCH_RSS_FILE: rssFile },
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`benchmark command failed (${result.status}): ${command}\n${result.stderr}`);
  }
  const rssKiB = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8').trim().split('\n').map(Number) : [0];
  return { wallMs, rssMiB: Math.max(...rssKiB) / 1024 };
}

/** The median of some numbers (the mean of the middle two for an even count). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Measures `command` `runs` times (after one warm-up run) and returns the medians. */
function measureMedian(command, runs, options) {
  measure(command, options);
  const samples = Array.from({ length: runs }, () => measure(command, options));
  return { wallMs: median(samples.map((s) => s.wallMs)), rssMiB: median(samples.map((s) => s.rssMiB)) };
}

/**
 * Measures each of `commands` (`{ command, options }`) `runs` times, taking turns (after
 * one warm-up run of each), and returns their medians in order: a ratio of two of them
 * is measured side by side, each run beside the other under the same load.
 */
function measureSideBySide(commands, runs) {
  commands.forEach(({ command, options }) => measure(command, options));
  const samples = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    commands.forEach(({ command, options }, j) => samples[j].push(measure(command, options)));
  }
  return samples.map((s) => ({ wallMs: median(s.map((x) => x.wallMs)), rssMiB: median(s.map((x) => x.rssMiB)) }));
}

/**
 * The CLI as the package installs it, in `dir`'s node_modules: bin/ beside the bundle
 * `npm run build:cli` writes, with no TypeScript sources beside them. Returns its bin.
 */
function installedCli(dir) {
  const root = path.resolve(__dirname, '..');
  const built = spawnSync('npm', ['run', '--silent', 'build:cli'], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) {
    throw new Error(`npm run build:cli failed: ${built.stderr}`);
  }
  // where npm installs it, whose node_modules/.cache keeps its code cache (bin/code-cache.js)
  const pkg = path.join(dir, 'node_modules', 'hello-node-cdk8s');
  fs.cpSync(path.join(root, 'build', 'cli'), path.join(pkg, 'build', 'cli'), { recursive: true });
  fs.cpSync(path.join(root, 'bin'), path.join(pkg, 'bin'), { recursive: true });
  return path.join(pkg, 'bin', 'hello-node.js');
}

/** A numeric command-line option, `--name <number>`, or `fallback` when it is absent. */
function numberFlag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

module.exports = { installedCli, measure, measureMedian, measureSideBySide, median, numberFlag };
