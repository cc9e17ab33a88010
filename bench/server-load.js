#!/usr/bin/env node
// Load benchmark of app/server.js on loopback, side by side with a bare http server
// that answers the same body without logging (the floor). Target: with logging on, at
// least 70% of the floor's requests per second, zero errors, zero lost log lines.
//
//   node bench/server-load.js [--duration SECONDS] [--connections N]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');

const { numberFlag } = require('./measure');

const duration = numberFlag('duration', 10);
const connections = numberFlag('connections', 50);
const root = path.resolve(__dirname, '..');

/** Starts a server script on 127.0.0.1 with a free port; stdout goes to a file, as a container runtime does. */
function start(script, workdir) {
  const stdoutFile = path.join(workdir, 'stdout');
  const child = spawn(process.execPath, [script], {
    cwd: workdir,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', fs.openSync(stdoutFile, 'w'), 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
      if (match) {
        resolve({ url: `http://127.0.0.1:${match[1]}/`, stdoutFile, stop: () => (child.kill('SIGTERM'), exited) });
      }
    });
    exited.then((code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
}

const countLines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

async function run(name, script) {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  try {
    const server = await start(script, workdir);
    await autocannon({ url: server.url, connections, duration: 1 }); // warm-up, not counted
    const warmupLines = countLines(path.join(workdir, 'log.out'));
    const result = await autocannon({ url: server.url, connections, duration });
    const exitCode = await server.stop();
    const answered = result['2xx'];
    const logged = {
      stdout: countLines(server.stdoutFile) - warmupLines,
      file: countLines(path.join(workdir, 'log.out')) - warmupLines,
    };
    return {
      name,
      rps: result.requests.average,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      answered,
      logged,
      exitCode,
    };
  } finally {
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`autocannon: ${connections} connections, ${duration} s per server, after a 1 s warm-up; ${os.cpus().length} cores, node ${process.version}`);
  const floor = await run('floor', path.join(__dirname, 'floor-server.js'));
  const server = await run('hello-node', path.join(root, 'app', 'server.js'));
  const rows = [floor, server].map((r) => ({
    server: r.name,
    'req/s': Math.round(r.rps),
    'p99 ms': r.p99,
    errors: r.errors,
    'lost log lines': r.name === 'floor' ? '-' : Math.max(0, r.answered - r.logged.stdout) + Math.max(0, r.answered - r.logged.file),
  }));
  for (const r of rows) {
    console.log(Object.entries(r).map(([k, v]) => `${k.replace(/[ /]/g, '_')}=${v}`).join(' '));
  }
  const ratio = server.rps / floor.rps;
  const lost = rows[1]['lost log lines'];
  console.log(`\n| server | req/s | p99 latency | errors | lost log lines |\n|---|---|---|---|---|`);
  for (const r of rows) {
    console.log(`| ${r.server} | ${r['req/s']} | ${r['p99 ms']} ms | ${r.errors} | ${r['lost log lines']} |`);
  }
  const ok = ratio >= 0.7 && server.errors === 0 && lost === 0 && server.exitCode === 0;
  console.log(`\nthroughput with logging = ${(ratio * 100).toFixed(0)}% of the floor (target >= 70%), ${server.errors} errors, ${lost} lost log lines, exit ${server.exitCode} after SIGTERM: ${ok ? 'OK' : 'MISSED'}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
