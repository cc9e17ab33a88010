// The server in-process: createHelloServer on 127.0.0.1, on a free port, with its log
// file in a temp directory and its stdout collected. The process itself (environment,
// signals, exit codes, start-up errors) is tested in server.slow.test.ts.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { get, rawConnection } from '../test/http';

interface HelloServer {
  server: http.Server;
  listen(port: number, host?: string): Promise<net.AddressInfo>;
  stop(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- server.js is plain CommonJS
const { createHelloServer } = require('./server.js') as { createHelloServer: (options: { logFile: string | null; hostname: string; stdout: Writable }) => HelloServer };

const HOSTNAME = 'pod-abc';
const LOG_LINE = new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] ${HOSTNAME}$`);
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

interface Running {
  port: number;
  dir: string;
  logFile: string;
  stdout: () => string;
  stop: () => Promise<void>;
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.stop();
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
});

/** Starts the server; `logFile` null for stdout only, or a name inside its temp directory. */
async function start(logFile: string | null = 'log.out'): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-server-'));
  let out = '';
  const stdout = new Writable({ write(chunk, _encoding, done) { out += String(chunk); done(); } });
  const app = createHelloServer({ logFile: logFile && path.join(dir, logFile), hostname: HOSTNAME, stdout });
  const { port } = await app.listen(0, '127.0.0.1');
  let stopped: Promise<void> | undefined;
  const r = { port, dir, logFile: path.join(dir, logFile ?? ''), stdout: () => out, stop: () => (stopped ??= app.stop()) };
  running.push(r);
  return r;
}


describe('the hello-node server', () => {
  test('answers 200 "Hello World! I\'m <hostname>"', async () => {
    const server = await start();
    const res = await get(server.port);
    expect(res.status).toBe(200);
    expect(res.body).toBe(`Hello World! I'm ${HOSTNAME}`);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  test('logs "[<date and time>] <hostname>" for each request, to stdout and to the log file', async () => {
    const server = await start();
    await get(server.port);
    await get(server.port);
    await server.stop();
    const stdoutLines = lines(server.stdout());
    expect(stdoutLines).toHaveLength(2);
    stdoutLines.forEach((line) => expect(line).toMatch(LOG_LINE));
    expect(lines(fs.readFileSync(server.logFile, 'utf8'))).toEqual(stdoutLines);
  });

  test('answers the probes\' /healthz with 200 "ok" and does not log it', async () => {
    const server = await start();
    expect(await get(server.port, '/healthz')).toMatchObject({ status: 200, body: 'ok' });
    await get(server.port);
    await server.stop();
    expect(lines(server.stdout())).toHaveLength(1);
    expect(lines(fs.readFileSync(server.logFile, 'utf8'))).toHaveLength(1);
  });

  test('without a log file logs to stdout only, writing no file', async () => {
    const server = await start(null);
    await get(server.port);
    await server.stop();
    expect(lines(server.stdout())).toHaveLength(1);
    expect(fs.readdirSync(server.dir)).toEqual([]);
  });

  test('appends to the log file, keeping what it held', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-log-'));
    const logFile = path.join(dir, 'requests.log');
    fs.writeFileSync(logFile, 'earlier line\n');
    try {
      const app = createHelloServer({ logFile, hostname: HOSTNAME, stdout: new Writable({ write: (_c, _e, done) => done() }) });
      const { port } = await app.listen(0, '127.0.0.1');
      await get(port);
      await app.stop();
      expect(lines(fs.readFileSync(logFile, 'utf8'))).toEqual(['earlier line', expect.stringMatching(LOG_LINE)]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('loses no log line under 300 concurrent requests', async () => {
    const server = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 300 });
    const responses = await Promise.all(Array.from({ length: 300 }, () => get(server.port, '/', agent)));
    agent.destroy();
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await server.stop();
    expect(lines(server.stdout())).toHaveLength(300);
    expect(lines(fs.readFileSync(server.logFile, 'utf8'))).toHaveLength(300);
  });

  test('answers a garbage request with 400 and keeps serving', async () => {
    const server = await start();
    const garbage = await rawConnection(server.port, 'NOT HTTP AT ALL\r\n\r\n');
    await garbage.closed;
    expect(garbage.received()).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect((await get(server.port)).status).toBe(200);
  });

  test('survives clients that reset mid-request', async () => {
    const server = await start();
    for (let i = 0; i < 20; i++) {
      const { socket } = await rawConnection(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      socket.resetAndDestroy();
    }
    expect((await get(server.port)).status).toBe(200);
  });

  test('keeps serving others while slow clients trickle in their requests', async () => {
    const server = await start();
    const slow = await Promise.all(Array.from({ length: 20 }, () => rawConnection(server.port, 'GET / HTTP/1.1\r\nHo')));
    expect((await get(server.port)).status).toBe(200);
    slow[0].socket.write('st: x\r\n\r\n');
    await new Promise<void>((resolve) => slow[0].socket.once('data', () => resolve()));
    expect(slow[0].received()).toMatch(/^HTTP\/1\.1 200 OK/);
    slow.forEach(({ socket }) => socket.destroy());
  });
});
