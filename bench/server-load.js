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
        resolve({ url: `http://127.0.0.1:${match[1]}/`, pid: child.pid, stdoutFile, stop: () => (child.kill('SIGTERM'), exited) });
      }
    });
    exited.then((code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
}

/**
 * What the process has used so far, from Linux's /proc: its peak resident memory
 * (VmHWM) in MiB and its CPU time (user + system) in seconds. These size the
 * production profile's resource requests and memory limit.
 */
function usage(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const peakKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)[1]);
  // fields 14 and 15 (utime, stime), counted after the parenthesised command name
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node supports
  return { peakMiB: peakKiB / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond };
}

const countLines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

async function run(name, script) {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  try {
    const server = await start(script, workdir);
    await autocannon({ url: server.url, connections, duration: 1 }); // warm-up, not counted
    const warmupLines = countLines(path.join(workdir, 'log.out'));
    const before = usage(server.pid);
    const result = await autocannon({ url: server.url, connections, duration });
    const after = usage(server.pid);
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
      peakMiB: after.peakMiB,
      cpuCores: (after.cpuSeconds - before.cpuSeconds) / duration,
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
  const perCore = server.rps / server.cpuCores;
  console.log(`\nhello-node server under this load: peak resident memory ${server.peakMiB.toFixed(1)} MiB, ${(server.cpuCores * 1000).toFixed(0)}m CPU for ${Math.round(server.rps)} req/s, so ${Math.round(perCore / 10)} req/s per 100m of CPU`);
  const ok = ratio >= 0.7 && server.errors === 0 && lost === 0 && server.exitCode === 0;
  console.log(`\nthroughput with logging = ${(ratio * 100).toFixed(0)}% of the floor (target >= 70%), ${server.errors} errors, ${lost} lost log lines, exit ${server.exitCode} after SIGTERM: ${ok ? 'OK' : 'MISSED'}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
