#!/usr/bin/env node
// How synthesis scales with the number of apps in one cdk8s app. For N = 1, 100,
// 1,000 and 10,000 hello-node apps (N ReplicationController + Service pairs), each in
// its own process (see bench/scale-run.ts):
//   project    HelloNodeApp constructs through the project's synth path, with the
//              node flags of cdk8s.yaml's app command
//   cdk8s-l1   the same objects from the generated L1 classes, written by app.synth()
//   yaml-floor the same objects as plain JS objects, serialised with `yaml` only
// It prints one line per measurement, checks that the project's output parses to the
// same objects as cdk8s's (and that kubectl reads it, where kubectl is installed), then
// prints a table and writes it, with an SVG chart of time against N, to bench/results/.
//
//   node bench/synth-scale.js [--max-n N] [--runs R]
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parse, parseAllDocuments } = require('yaml');
const { measure, median, numberFlag } = require('./measure');

const root = path.resolve(__dirname, '..');
const maxN = numberFlag('max-n', 10_000);
const runs = numberFlag('runs', 3);
const SIZES = [1, 100, 1_000, 10_000].filter((n) => n <= maxN);
const PATHS = ['project', 'cdk8s-l1', 'yaml-floor'];
// at or under cdk8s L1's time, and 150 MiB: under cdk8s L1's own peak for these objects (182 MiB), so missed (docs/contributing.md)
const TARGET = { n: 10_000, timeRatio: 1, rssMiB: 150 };

// The project's path runs with the same node flags as `npx cdk8s synth` does.
const appCommand = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')).app;
const projectFlags = appCommand.replace(/^node\s+/, '').replace(/\s*main\.ts\s*$/, '');
const hook = '-r ./scripts/ts-hook.js';
const commandFor = (mode, n, outdir) => `node ${mode === 'project' ? projectFlags : hook} bench/scale-run.ts ${mode} ${n} ${outdir}`;

const dirBytes = (dir) => fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
const readObjects = (dir) => fs.readdirSync(dir).sort().flatMap((f) =>
  parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' }).map((d) => d.toJS()));

function checkOutputs(n, dirs) {
  const ours = JSON.stringify(readObjects(dirs.project));
  if (ours !== JSON.stringify(readObjects(dirs['cdk8s-l1']))) {
    throw new Error(`N=${n}: the project's output differs from cdk8s app.synth()'s`);
  }
  const kubectl = spawnSync('kubectl', ['label', '--local', '-f', dirs.project, 'bench=read', '-o', 'name'], {
    encoding: 'utf8', env: { ...process.env, KUBECONFIG: os.devNull }, maxBuffer: 64 << 20,
  });
  if (kubectl.error) {
    return 'kubectl not installed';
  }
  const read = kubectl.stdout.trim().split('\n').filter(Boolean).length;
  if (kubectl.status !== 0 || read !== 2 * n) {
    throw new Error(`N=${n}: kubectl read ${read} of ${2 * n} objects: ${kubectl.stderr}`);
  }
  return `kubectl reads all ${read}`;
}

function svgChart(results) {
  const width = 640;
  const height = 400;
  const pad = { left: 70, right: 150, top: 30, bottom: 50 };
  const colors = { project: '#1f77b4', 'cdk8s-l1': '#d62728', 'yaml-floor': '#7f7f7f' };
  const xs = SIZES.map((n) => Math.log10(n));
  const maxMs = Math.max(...results.map((r) => r.wallMs));
  const x = (n) => pad.left + ((Math.log10(n) - xs[0]) / Math.max(1e-9, xs[xs.length - 1] - xs[0])) * (width - pad.left - pad.right);
  const y = (ms) => height - pad.bottom - (ms / maxMs) * (height - pad.top - pad.bottom);
  const lines = PATHS.map((p, i) => {
    const points = results.filter((r) => r.path === p).map((r) => `${x(r.n).toFixed(1)},${y(r.wallMs).toFixed(1)}`);
    return `<polyline fill="none" stroke="${colors[p]}" stroke-width="2" points="${points.join(' ')}"/>`
      + points.map((pt) => `<circle cx="${pt.split(',')[0]}" cy="${pt.split(',')[1]}" r="3" fill="${colors[p]}"/>`).join('')
      + `<text x="${width - pad.right + 10}" y="${pad.top + 20 * i + 5}" fill="${colors[p]}" font-size="13">${p}</text>`;
  }).join('\n');
  const ticks = SIZES.map((n) => `<text x="${x(n)}" y="${height - pad.bottom + 20}" text-anchor="middle" font-size="12">${n.toLocaleString('en')}</text>`).join('');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${pad.left - 8}" y="${y(f * maxMs) + 4}" text-anchor="end" font-size="12">${(f * maxMs / 1000).toFixed(2)} s</text>`
    + `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(f * maxMs)}" y2="${y(f * maxMs)}" stroke="#eee"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad.left}" y="18" font-size="14">Synth wall time against N (apps; 2 objects each), log scale in N</text>
${yTicks}
<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="black"/>
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="black"/>
${ticks}
<text x="${(pad.left + width - pad.right) / 2}" y="${height - 10}" text-anchor="middle" font-size="12">N</text>
${lines}
</svg>
`;
}

function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  const results = [];
  try {
    console.log(`median of ${runs} runs per measurement, each in its own process; ${os.cpus().length} cores, node ${process.version}`);
    console.log(`project path: node ${projectFlags} (from cdk8s.yaml)`);
    for (const n of SIZES) {
      const dirs = {};
      for (const mode of PATHS) {
        dirs[mode] = path.join(work, `${mode}-${n}`);
        const samples = Array.from({ length: runs }, () => measure(commandFor(mode, n, dirs[mode]), { cwd: root }));
        const result = { n, path: mode, wallMs: median(samples.map((s) => s.wallMs)), rssMiB: median(samples.map((s) => s.rssMiB)), bytes: dirBytes(dirs[mode]) };
        results.push(result);
        console.log(`N=${n} path=${mode} wall_ms=${result.wallMs.toFixed(0)} rss_mib=${result.rssMiB.toFixed(0)} bytes=${result.bytes}`);
      }
      console.log(`N=${n} check: same objects as cdk8s app.synth(); ${checkOutputs(n, dirs)}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  const at = (n, p) => results.find((r) => r.n === n && r.path === p);
  const header = '| N | project | cdk8s L1 + app.synth() | yaml floor | project / cdk8s time |\n|---|---|---|---|---|';
  const rows = SIZES.map((n) => {
    const cell = (p) => `${(at(n, p).wallMs / 1000).toFixed(2)} s, ${at(n, p).rssMiB.toFixed(0)} MiB`;
    return `| ${n.toLocaleString('en')} | ${cell('project')} | ${cell('cdk8s-l1')} | ${cell('yaml-floor')} | ${(at(n, 'project').wallMs / at(n, 'cdk8s-l1').wallMs).toFixed(2)} |`;
  });
  const table = [header, ...rows].join('\n');
  console.log(`\n${table}\n`);

  // Linear growth: the cost of one more app, between the two largest sizes.
  if (SIZES.length >= 2) {
    const [small, large] = SIZES.slice(-2);
    for (const p of PATHS) {
      const perApp = (at(large, p).wallMs - at(small, p).wallMs) / (large - small);
      console.log(`path=${p} ms_per_app=${perApp.toFixed(3)} (between N=${small} and N=${large})`);
    }
  }

  const largest = SIZES[SIZES.length - 1];
  const project = at(largest, 'project');
  const ratio = project.wallMs / at(largest, 'cdk8s-l1').wallMs;
  const met = ratio <= TARGET.timeRatio && project.rssMiB <= TARGET.rssMiB;
  const verdict = `N=${largest}: project time = ${ratio.toFixed(2)}x cdk8s L1, peak ${project.rssMiB.toFixed(0)} MiB; `
    + (largest === TARGET.n
      ? `targets <= ${TARGET.timeRatio}x and <= ${TARGET.rssMiB} MiB: ${met ? 'OK' : 'MISSED'}`
      : `the targets (<= ${TARGET.timeRatio}x, <= ${TARGET.rssMiB} MiB) are for N=${TARGET.n}`);
  console.log(verdict);

  const out = path.join(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'synth-scale.md'), `${table}\n\n${verdict}\n\nMedian of ${runs} runs, ${os.cpus().length} cores, node ${process.version}; project path: \`node ${projectFlags}\`.\n`);
  fs.writeFileSync(path.join(out, 'synth-scale.svg'), svgChart(results));
  console.log(`wrote ${path.relative(root, path.join(out, 'synth-scale.md'))} and synth-scale.svg`);
}

main();
