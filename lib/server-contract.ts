/**
 * What the hello-node image (app/Dockerfile, app/server.js) reads, answers and runs as:
 * the contract that {@link HelloNodeApp} wires its props to. The server is its own
 * small world on Node's standard library, so it keeps its own copies of these values;
 * app/server.test.ts runs it from the production manifest and app/Dockerfile.test.ts
 * reads the Dockerfile, so that a change on either side fails a test.
 */
export const HELLO_NODE_SERVER = {
  /** The port the server listens on when `PORT` is unset. */
  defaultPort: 8080,
  /** The path the server answers 200 without writing a log line: what probes ask. */
  healthPath: '/healthz',
  /** The environment variables the server reads. */
  env: {
    port: 'PORT',
    logFile: 'LOG_FILE',
    shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  },
  /** The `LOG_FILE` value that turns file logging off (stdout only). */
  logFileOff: 'off',
  /** How long the server lets in-flight requests run after SIGTERM when `SHUTDOWN_TIMEOUT_MS` is unset. */
  defaultShutdownTimeoutMs: 10_000,
  /** The image's numeric user and group (`USER 1000:1000`), what `runAsUser` must match. */
  user: 1000,
  group: 1000,
} as const;
