/**
 * Runs docker, gcloud and kubectl for the CLI: always with argument arrays (never a
 * shell), printing each command first, or under --dry-run printing it instead.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export type Tool = 'docker' | 'gcloud' | 'kubectl';

/** One invocation of a tool. */
export interface ToolCommand {
  readonly tool: Tool;
  readonly args: readonly string[];
}

const INSTALL_HINTS: Record<Tool, string> = {
  docker: 'install Docker (https://docs.docker.com/get-docker/) and make sure its daemon is running',
  gcloud: 'install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install)',
  kubectl: 'install kubectl with `gcloud components install kubectl gke-gcloud-auth-plugin` (or see https://kubernetes.io/docs/tasks/tools/)',
};

/** A tool that is not on PATH. */
export class MissingToolError extends Error {
  constructor(public readonly tool: Tool) {
    super(`${tool} was not found on PATH: ${INSTALL_HINTS[tool]}`);
    this.name = 'MissingToolError';
  }
}

/** A tool that exited non-zero; the CLI exits with the same code. */
export class ToolFailedError extends Error {
  constructor(public readonly command: ToolCommand, public readonly exitCode: number) {
    super(`${command.tool} exited with code ${exitCode}`);
    this.name = 'ToolFailedError';
  }
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell, only where it needs it. */
export function shellQuote(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command as a user would type it. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Where commands go: printed only (dry run) or printed and run. */
export interface Runner {
  readonly dryRun: boolean;
  /** Prints a note or progress (stderr; under --dry-run, stdout, beside the commands). */
  say(line: string): void;
  /** Prints a result, such as a URL, on stdout. */
  result(line: string): void;
  /** Prints a command line as `run` does, for a step that runs in-process rather than as a tool. */
  announce(words: readonly string[]): void;
  /** Prints `command` and runs it with its output streaming through; throws if it fails. */
  run(command: ToolCommand): Promise<void>;
  /** Runs `command` and returns its standard output; throws if it fails. */
  capture(command: ToolCommand): Promise<string>;
}

/**
 * The real runner. Under dry run it prints each command on stdout, exactly as it
 * could be pasted into a shell, and runs nothing; otherwise it prints each command on
 * stderr (`+ command`, like `set -x`) before running it.
 */
export function createRunner(dryRun: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Runner {
  const announce = (words: readonly string[]) => (dryRun ? out.write(`${commandLine(words)}\n`) : err.write(`+ ${commandLine(words)}\n`));
  return {
    dryRun,
    say: (line) => (dryRun ? out : err).write(`${line}\n`),
    result: (line) => out.write(`${line}\n`),
    announce,
    async run(command) {
      announce([command.tool, ...command.args]);
      if (!dryRun) {
        await execute(command, 'inherit');
      }
    },
    async capture(command) {
      return dryRun ? (announce([command.tool, ...command.args]), '') : execute(command, 'pipe');
    },
  };
}

function execute(command: ToolCommand, stdout: 'inherit' | 'pipe'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.tool, command.args, { stdio: ['inherit', stdout, 'inherit'] });
    let captured = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (captured += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new MissingToolError(command.tool) : error));
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(captured);
      } else {
        // a tool killed by a signal exits the way a shell reports it: 128 + signal number
        reject(new ToolFailedError(command, code ?? 128 + (signal ? constants.signals[signal] : 0)));
      }
    });
  });
}
