// Starts the real server (`node app/server.js`) on 127.0.0.1, on a free port, in a
// temp working directory, and talks to it over HTTP and raw TCP.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const SERVER = path.join(__dirname, 'server.js');
const LOG_LINE = new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] ${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

interface Running {
  child: ChildProcess;
  port: number;
  cwd: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const started: Running[] = [];
const workdirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-server-'));
  workdirs.push(dir);
  return dir;
}

/** Spawns the server and resolves once it listens, or rejects with its stderr if it exits first. */
function startServer(env: Record<string, string> = {}, cwd = tempDir()): Promise<Running> {
  const child = spawn(process.execPath, [SERVER], {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  // 'close', not 'exit': it waits until stdout and stderr are read to the end
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const running = { child, port: 0, cwd, stdout: () => out, stderr: () => err, exited };
  started.push(running);
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (match && running.port === 0) {
        running.port = Number(match[1]);
        resolve(running);
      }
    });
    exited.then((code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

afterEach(async () => {
  for (const { child, exited } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  for (const dir of workdirs.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function get(port: number, agent?: http.Agent, urlPath = '/'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
}

/** Opens a raw TCP connection and writes `data` to it. */
function rawConnection(port: number, data: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(data);
      resolve({ socket, received: () => received, closed });
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (received += d));
    socket.on('error', reject);
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const nextTick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopWith(running: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  running.child.kill(signal);
  return running.exited;
}

describe('the hello-node server', () => {
  test('answers 200 "Hello World! I\'m <hostname>"', async () => {
    const server = await startServer();
    const res = await get(server.port);
    expect(res.status).toBe(200);
    expect(res.body).toBe(`Hello World! I'm ${os.hostname()}`);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  test('logs "[<date and time>] <hostname>" for each request, to stdout and to log.out', async () => {
    const server = await startServer();
    await get(server.port);
    await get(server.port);
    expect(await stopWith(server)).toBe(0);
    const stdoutLines = lines(server.stdout());
    expect(stdoutLines).toHaveLength(2);
    stdoutLines.forEach((line) => expect(line).toMatch(LOG_LINE));
    expect(lines(fs.readFileSync(path.join(server.cwd, 'log.out'), 'utf8'))).toEqual(stdoutLines);
  });

  test('answers the probes\' /healthz with 200 "ok" and does not log it', async () => {
    const server = await startServer();
    const res = await get(server.port, undefined, '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    await get(server.port);
    expect(await stopWith(server)).toBe(0);
    expect(lines(server.stdout())).toHaveLength(1);
    expect(lines(fs.readFileSync(path.join(server.cwd, 'log.out'), 'utf8'))).toHaveLength(1);
  });

  test('LOG_FILE=off logs to stdout only, writing no file', async () => {
    const server = await startServer({ LOG_FILE: 'off' });
    await get(server.port);
    expect(await stopWith(server)).toBe(0);
    expect(lines(server.stdout())).toHaveLength(1);
    expect(fs.readdirSync(server.cwd)).toEqual([]);
    expect(server.stderr()).toContain('logging to stdout only');
  });

  test('appends to LOG_FILE, keeping what it held', async () => {
    const cwd = tempDir();
    const logFile = path.join(cwd, 'requests.log');
    fs.writeFileSync(logFile, 'earlier line\n');
    const server = await startServer({ LOG_FILE: logFile }, cwd);
    await get(server.port);
    expect(await stopWith(server)).toBe(0);
    const logged = lines(fs.readFileSync(logFile, 'utf8'));
    expect(logged[0]).toBe('earlier line');
    expect(logged).toHaveLength(2);
    expect(fs.existsSync(path.join(cwd, 'log.out'))).toBe(false);
  });

  (fs.existsSync('/dev/full') ? test : test.skip)('keeps serving, logging to stdout, when the log file fails (a full disk)', async () => {
    const server = await startServer({ LOG_FILE: '/dev/full' });
    expect((await get(server.port)).status).toBe(200);
    expect((await get(server.port)).status).toBe(200);
    expect(await stopWith(server)).toBe(0);
    expect(lines(server.stdout())).toHaveLength(2);
    expect(server.stderr().match(/cannot write log file "\/dev\/full", logging to stdout only: ENOSPC/g)).toHaveLength(1);
  });

  test('loses no log line under 300 concurrent requests', async () => {
    const server = await startServer();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 300 });
    const responses = await Promise.all(Array.from({ length: 300 }, () => get(server.port, agent)));
    agent.destroy();
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(await stopWith(server)).toBe(0);
    expect(lines(server.stdout())).toHaveLength(300);
    const fileLines = lines(fs.readFileSync(path.join(server.cwd, 'log.out'), 'utf8'));
    expect(fileLines).toHaveLength(300);
    fileLines.forEach((line) => expect(line).toMatch(LOG_LINE));
  });

  test('answers a garbage request with 400 and keeps serving', async () => {
    const server = await startServer();
    const garbage = await rawConnection(server.port, 'NOT HTTP AT ALL\r\n\r\n');
    await garbage.closed;
    expect(garbage.received()).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect((await get(server.port)).status).toBe(200);
  });

  test('survives clients that reset mid-request', async () => {
    const server = await startServer();
    for (let i = 0; i < 20; i++) {
      const { socket } = await rawConnection(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      socket.resetAndDestroy();
    }
    expect((await get(server.port)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });

  test('keeps serving others while slow clients trickle in their requests', async () => {
    const server = await startServer();
    const slow = await Promise.all(Array.from({ length: 20 }, () => rawConnection(server.port, 'GET / HTTP/1.1\r\nHo')));
    expect((await get(server.port)).status).toBe(200);
    slow[0].socket.write('st: x\r\n\r\n');
    await new Promise<void>((resolve) => slow[0].socket.once('data', () => resolve()));
    expect(slow[0].received()).toMatch(/^HTTP\/1\.1 200 OK/);
    slow.forEach(({ socket }) => socket.destroy());
    expect(server.child.exitCode).toBeNull();
  });

  describe('on SIGTERM', () => {
    test('lets an in-flight request complete, then exits 0', async () => {
      const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '20000' });
      // headers half sent: the request is in flight when the signal arrives
      const inFlight = await rawConnection(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      await nextTick(100);
      server.child.kill('SIGTERM');
      await nextTick(200);
      expect(server.child.exitCode).toBeNull();
      inFlight.socket.write('\r\n');
      await inFlight.closed;
      expect(inFlight.received()).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(inFlight.received()).toMatch(/Connection: close/i);
      expect(inFlight.received()).toContain(`Hello World! I'm ${os.hostname()}`);
      expect(await server.exited).toBe(0);
      expect(lines(fs.readFileSync(path.join(server.cwd, 'log.out'), 'utf8'))).toHaveLength(1);
    });

    test('closes an idle keep-alive connection and exits 0 well before the deadline', async () => {
      // A deadline-forced exit is code 1, so exit code 0 shows the idle connection did not hold it up.
      const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '20000' });
      const agent = new http.Agent({ keepAlive: true });
      await get(server.port, agent);
      expect(await stopWith(server)).toBe(0);
      agent.destroy();
      expect(server.stderr()).toContain('hello-node: stopped');
    });

    test('stops accepting new connections', async () => {
      const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '20000' });
      const inFlight = await rawConnection(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      server.child.kill('SIGTERM');
      await nextTick(200);
      await expect(get(server.port)).rejects.toThrow(/ECONNREFUSED/);
      inFlight.socket.write('\r\n');
      expect(await server.exited).toBe(0);
    });

    test('a second signal forces the exit (code 1)', async () => {
      const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '20000' });
      await rawConnection(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      server.child.kill('SIGTERM');
      await nextTick(200);
      expect(await stopWith(server, 'SIGINT')).toBe(1);
      expect(server.stderr()).toContain('SIGINT again, exiting now');
    });

    test('the deadline forces the exit (code 1)', async () => {
      const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '300' });
      await rawConnection(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      expect(await stopWith(server)).toBe(1);
      expect(server.stderr()).toContain('requests still open after 300 ms');
    });
  });

  describe('start-up errors are one clear line, not a stack trace', () => {
    const expectStartupError = async (env: Record<string, string>, message: string) => {
      await expect(startServer(env)).rejects.toThrow(/server exited with 1/);
      const { stderr } = started[started.length - 1];
      expect(stderr().trim()).toBe(`hello-node: ${message}`);
    };

    test('a log file that cannot be opened', async () => {
      await expectStartupError({ LOG_FILE: '/nonexistent-dir/log.out' }, 'cannot open log file "/nonexistent-dir/log.out": ENOENT: no such file or directory, open \'/nonexistent-dir/log.out\'');
    });

    test('a port already in use', async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as net.AddressInfo;
      try {
        await expectStartupError({ PORT: String(port) }, `cannot listen on 127.0.0.1 port ${port}: the address is already in use`);
      } finally {
        blocker.close();
      }
    });

    test.each(['http', '-1', '65536', '80.5'])('PORT=%j', async (port) => {
      await expectStartupError({ PORT: port }, `PORT must be a whole number from 0 to 65535, not ${JSON.stringify(port)}`);
    });
  });
});
