/**
 * A failure the CLI tells in one line (`hello-node: <message>`, no stack trace) and ends
 * with its exit code: a cause the user can act on (a refusal, a timeout, a missing
 * tool), as opposed to a bug, whose stack trace is shown. Each kind of failure is a
 * subclass, which callers catch by class.
 */
export class CliError extends Error {
  /** @param exitCode what the CLI exits with: 1, or 127 for a tool not found, as a shell says */
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = new.target.name;
  }
}
