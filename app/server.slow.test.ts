// Starts the real server (`node app/server.js`) as a process, on 127.0.0.1, on a free
// port, in a temp working directory: what only a process shows (its environment,
// signals, exit codes, start-up errors, stderr). What it answers and logs is tested
// in-process in server.test.ts.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { get, rawConnection } from '../test/http';

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


const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const nextTick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopWith(running: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  running.child.kill(signal);
  return running.exited;
}

describe('the hello-node server process', () => {
  test('logs to log.out in its working directory by default, and to stdout only with LOG_FILE=off', async () => {
    const server = await startServer();
    await get(server.port);
    expect(await stopWith(server)).toBe(0);
    expect(server.stderr()).toContain('logging to log.out');
    expect(lines(fs.readFileSync(path.join(server.cwd, 'log.out'), 'utf8'))).toEqual(lines(server.stdout()));
    lines(server.stdout()).forEach((line) => expect(line).toMatch(LOG_LINE));

    const off = await startServer({ LOG_FILE: 'off' });
    await get(off.port);
    expect(await stopWith(off)).toBe(0);
    expect(off.stderr()).toContain('logging to stdout only');
    expect(lines(off.stdout())).toHaveLength(1);
    expect(fs.readdirSync(off.cwd)).toEqual([]);
  });

  (fs.existsSync('/dev/full') ? test : test.skip)('keeps serving, logging to stdout, when the log file fails (a full disk)', async () => {
    const server = await startServer({ LOG_FILE: '/dev/full' });
    expect((await get(server.port)).status).toBe(200);
    expect((await get(server.port)).status).toBe(200);
    expect(await stopWith(server)).toBe(0);
    expect(lines(server.stdout())).toHaveLength(2);
    expect(server.stderr().match(/cannot write log file "\/dev\/full", logging to stdout only: ENOSPC/g)).toHaveLength(1);
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
      await get(server.port, '/', agent);
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
