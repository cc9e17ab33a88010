// Runs a command in a fresh process and measures its wall time and the peak memory
// of the largest node process it started (see report-rss.js).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const reporter = path.join(__dirname, 'report-rss.js');

/**
 * @param {string} command run through a shell, as npm scripts and cdk8s.yaml do
 * @param {{ cwd?: string, env?: Record<string, string> }} [options]
 * @returns {{ wallMs: number, rssMiB: number }}
 */
function measure(command, options = {}) {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rss-')), 'rss');
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
  fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
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

/** A numeric command-line option, `--name <number>`, or `fallback` when it is absent. */
function numberFlag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

module.exports = { measure, measureMedian, median, numberFlag };
