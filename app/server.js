// The hello-node server: answers every request with "Hello World! I'm <hostname>" and
// logs one line per request to stdout (for `kubectl logs`) and to a log file (for the
// tutorial's `docker exec ... cat log.out`). Node's standard library only.
//
// GET /healthz answers 200 "ok" and is not logged: it is what Kubernetes' probes ask,
// every few seconds per pod, and would otherwise drown the log.
//
//   PORT      port to listen on (default 8080; 0 picks a free one)
//   HOST      address to listen on (default: all interfaces, as a container needs)
//   LOG_FILE  file the log lines are appended to (default log.out in the working
//             directory); "off" logs to stdout only, for a read-only filesystem
//   SHUTDOWN_TIMEOUT_MS  how long in-flight requests may take after SIGTERM (default 10000)
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');

const DEFAULT_PORT = 8080;
const DEFAULT_LOG_FILE = 'log.out';
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const LOG_FILE_OFF = 'off';
const HEALTH_PATH = '/healthz';

class StartupError extends Error {}

function readConfig(env) {
  const wholeNumber = (name, fallback, max) => {
    const text = env[name];
    if (text === undefined || text === '') {
      return fallback;
    }
    if (!/^[0-9]+$/.test(text) || Number(text) > max) {
      throw new StartupError(`${name} must be a whole number from 0 to ${max}, not ${JSON.stringify(text)}`);
    }
    return Number(text);
  };
  return {
    port: wholeNumber('PORT', DEFAULT_PORT, 65535),
    host: env.HOST || undefined,
    // null: no log file, stdout only
    logFile: env.LOG_FILE === LOG_FILE_OFF ? null : env.LOG_FILE || DEFAULT_LOG_FILE,
    shutdownTimeoutMs: wholeNumber('SHUTDOWN_TIMEOUT_MS', DEFAULT_SHUTDOWN_TIMEOUT_MS, 2 ** 31 - 1),
  };
}

/**
 * Collects log lines and writes them in batches, once per turn of the event loop, to
 * stdout and to the log file (when there is one): one write call per batch rather than
 * per request keeps logging off the hot path under load, and nothing is dropped (a slow
 * disk only grows the file stream's buffer).
 */
class RequestLog {
  constructor(logFile, stdout) {
    this.stdout = stdout;
    this.pending = [];
    this.flushScheduled = false;
    this.fileError = undefined;
    this.file = logFile === null ? null : RequestLog.openFile(logFile, (err) => {
      // A log file that fails later (a full disk) must not take the server down: it
      // says so once, and the lines go on to stdout.
      if (!this.fileError) {
        process.stderr.write(`hello-node: cannot write log file ${JSON.stringify(logFile)}, logging to stdout only: ${err.message}\n`);
      }
      this.fileError = err;
    });
  }

  static openFile(logFile, onError) {
    let fd;
    try {
      fd = fs.openSync(logFile, 'a');
    } catch (err) {
      throw new StartupError(`cannot open log file ${JSON.stringify(logFile)}: ${err.message}`);
    }
    return fs.createWriteStream('', { fd }).on('error', onError);
  }

  write(line) {
    this.pending.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush() {
    this.flushScheduled = false;
    if (this.pending.length === 0) {
      return;
    }
    const batch = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.stdout.write(batch);
    if (this.file && !this.fileError) {
      this.file.write(batch);
    }
  }

  /**
   * Flushes what is pending and closes the file; resolves once it is all on disk or
   * the file has failed. It waits for the stream's 'close', which comes after any
   * 'error': a write that fails at shutdown (a full disk) is reported before the
   * process exits, every time.
   */
  close() {
    this.flush();
    return new Promise((resolve) => {
      if (!this.file || this.file.closed) {
        resolve();
        return;
      }
      this.file.once('close', resolve);
      if (!this.file.destroyed) {
        this.file.end();
      }
    });
  }
}

/**
 * Creates the server (not yet listening). `stop()` stops accepting connections, lets
 * in-flight requests finish, closes idle keep-alive connections and flushes the log.
 */
function createHelloServer({ logFile, hostname = os.hostname(), stdout = process.stdout }) {
  const log = new RequestLog(logFile, stdout);
  const body = `Hello World! I'm ${hostname}`;
  let stopping = false;

  const server = http.createServer((req, res) => {
    const health = req.url === HEALTH_PATH;
    if (!health) {
      log.write(`[${new Date().toISOString()}] ${hostname}`);
    }
    if (stopping) {
      // tell keep-alive clients not to send another request on this connection
      res.setHeader('Connection', 'close');
    }
    // A request that was in flight when stop() began leaves its keep-alive connection
    // idle once answered; close it then, so the server can finish closing.
    res.on('finish', () => stopping && setImmediate(() => server.closeIdleConnections()));
    const text = health ? 'ok' : body;
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  });
  // Slow clients may not hold a connection open for ever (Node's defaults are 60 s / 300 s).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (err, socket) => {
    // A malformed request or a reset: answer 400 if the socket still can, never crash.
    if (err.code !== 'ECONNRESET' && socket.writable) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    socket.destroy();
  });

  const listen = (port, host) => new Promise((resolve, reject) => {
    server.once('error', (err) => {
      const reason = err.code === 'EADDRINUSE' ? 'the address is already in use' : err.message;
      reject(new StartupError(`cannot listen on ${host ?? 'all interfaces'} port ${port}: ${reason}`));
    });
    server.listen(port, host, () => resolve(server.address()));
  });

  const stop = () => new Promise((resolve, reject) => {
    stopping = true;
    if (!server.listening) {
      resolve(); // stopped before it started listening: nothing to wait for
      return;
    }
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  }).then(() => log.close());

  return { server, listen, stop, log };
}

async function main() {
  try {
    const config = readConfig(process.env);
    const app = createHelloServer({ logFile: config.logFile });
    // Handlers go in before the server listens: a signal that came after the
    // "listening" line but before them would kill the process with its log unflushed.
    handleSignals(app, config.shutdownTimeoutMs);
    const address = await app.listen(config.port, config.host);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    console.error(`hello-node listening on http://${host}:${address.port}/, logging to ${config.logFile ?? 'stdout only'}`);
  } catch (err) {
    console.error(`hello-node: ${err instanceof StartupError ? err.message : err.stack}`);
    process.exit(1);
  }
}

/**
 * SIGTERM or SIGINT stops the server gracefully and exits 0; a second signal, or
 * requests still open after `timeoutMs`, force the exit with code 1.
 */
function handleSignals(app, timeoutMs) {
  const forceExit = (reason) => {
    console.error(`hello-node: ${reason}`);
    app.log.flush();
    process.exit(1);
  };
  let signalled = false;
  const onSignal = (signal) => {
    if (signalled) {
      forceExit(`${signal} again, exiting now`);
    }
    signalled = true;
    console.error(`hello-node: ${signal}, finishing in-flight requests`);
    setTimeout(() => forceExit(`requests still open after ${timeoutMs} ms, exiting`), timeoutMs).unref();
    app.stop().then(
      () => {
        console.error('hello-node: stopped');
        process.exit(0);
      },
      (err) => forceExit(err.message),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (require.main === module) {
  main();
}

module.exports = { readConfig, createHelloServer };
