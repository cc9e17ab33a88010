/**
 * Runs docker, gcloud, kubectl and npx for the CLI: always with argument arrays
 * (never a shell), printing each command first, or under --dry-run printing it
 * instead. How a command is executed is injected, so the CLI runs in-process in tests
 * against stand-in tools.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { signalExitCode } from '../../lib/signals';
import { CliError } from './errors';

export type Tool = 'diff' | 'docker' | 'gcloud' | 'kubectl' | 'npx';

/** One invocation of a tool. */
export interface ToolCommand {
  readonly tool: Tool;
  /** The program run for the tool, when it is not the tool's own name (KUBECTL_EXTERNAL_DIFF's, for `diff`). */
  readonly program?: string;
  readonly args: readonly string[];
  /** Variables added to the tool's environment (and printed before the command). */
  readonly env?: Readonly<Record<string, string>>;
  /** What the tool reads on stdin. */
  readonly input?: string;
  /** How stdin is described when the command is printed (`-f -` reads it). */
  readonly inputNote?: string;
  /** Exit codes besides 0 that are answers, not failures (kubectl diff's 1). */
  readonly okExitCodes?: readonly number[];
  /** Whether the tool's stdout is progress for stderr, keeping stdout for results. */
  readonly stdoutToStderr?: boolean;
  /**
   * Whether its failures are explained by the CLI, so that its own error output is held
   * back (shown under --verbose, or when the failure is not one it explains), as
   * kubectl's always is.
   */
  readonly explained?: boolean;
}

/** What a finished tool left: its exit code, and its output where it was captured. */
export interface ToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one command. `stream`: the tool's stdout goes on to `out` as it comes (and is
 * still returned); otherwise it is only returned. Stderr is always returned, and goes
 * on to `err` as it comes when `echoStderr`. `stop` ends a command that goes on until
 * stopped (a watch). Rejects with MissingToolError when the tool is not installed.
 */
export type ToolExecutor = (command: ToolCommand, io: { stream: boolean; echoStderr: boolean; out: NodeJS.WritableStream; err: NodeJS.WritableStream; stop?: AbortSignal }) => Promise<ToolResult>;

const INSTALL_HINTS: Record<Tool, () => string> = {
  diff: () => 'install it (diff: GNU diffutils, which kubectl diff runs as well), or set KUBECTL_EXTERNAL_DIFF to a program that is installed, or unset it for diff -u -N',
  docker: () => 'install Docker (https://docs.docker.com/get-docker/) and make sure its daemon is running',
  gcloud: () => 'install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install)',
  kubectl: () => `install kubectl and GKE's auth plugin: \`${componentsInstall(['kubectl', 'gke-gcloud-auth-plugin'])}\` (or see https://kubernetes.io/docs/tasks/tools/)`,
  npx: () => 'install Node.js (https://nodejs.org/), which brings npx, and run `npm ci` in the project',
};

/** The first `name` on PATH, as a shell finds it. */
export function onPath(name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  return pathVariable.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name)).find((file) => fs.existsSync(file));
}

/**
 * The command that installs Cloud SDK components here, as the SDK was installed: `gcloud
 * components install …`, or for an SDK from a system package (under
 * /usr/lib/google-cloud-sdk, whose component manager is disabled) the packages of apt
 * or dnf (`google-cloud-cli-<component>`; kubectl's is `kubectl`).
 * Source: cloud.google.com/sdk/docs/components, "Installing components".
 */
export function componentsInstall(components: readonly string[], pathVariable?: string): string {
  const gcloud = onPath('gcloud', pathVariable);
  const sdk = gcloud && fs.realpathSync(gcloud);
  if (sdk && /^\/usr\/(lib|lib64|share)\/google-cloud-sdk\//.test(sdk)) {
    const packages = components.map((c) => (c === 'kubectl' ? c : `google-cloud-cli-${c}`)).join(' ');
    return fs.existsSync('/usr/bin/apt-get') ? `sudo apt-get install ${packages}` : `sudo dnf install ${packages}`;
  }
  return `gcloud components install ${components.join(' ')}`;
}

/** Whether the CLI explains the command's failures, holding its error output back (kubectl's always). */
export const isExplained = (command: ToolCommand): boolean => command.tool === 'kubectl' || command.explained === true;

/** A tool that is not on PATH. */
export class MissingToolError extends CliError {
  constructor(public readonly tool: Tool, program?: string) {
    super(`${program ?? tool} was not found on PATH: ${INSTALL_HINTS[tool]()}`, 127);
  }
}

/** A tool that exited non-zero; the CLI exits with the same code. */
export class ToolFailedError extends Error {
  constructor(public readonly command: ToolCommand, public readonly exitCode: number, public readonly stderr: string, detail?: string) {
    super(detail ?? `${command.program ?? command.tool} exited with code ${exitCode}`);
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

/** A command with its variables, as a user would type it: `NAME='a value' tool args`. */
function commandLineOf(command: Pick<ToolCommand, 'tool' | 'program' | 'args' | 'env'>): string {
  const assignments = Object.entries(command.env ?? {}).map(([name, value]) => `${name}=${shellQuote(value)}`);
  return [...assignments, commandLine([command.program ?? command.tool, ...command.args])].join(' ');
}

/** Where commands go: printed only (dry run) or printed and run. */
export interface Runner {
  readonly dryRun: boolean;
  /** Whether tools' own error output is shown as it comes (--verbose), not only explained. */
  readonly verbose: boolean;
  /** Prints a note or progress (stderr; under --dry-run, stdout, beside the commands). */
  say(line: string): void;
  /** Prints a result, such as a URL, on stdout. */
  result(line: string): void;
  /**
   * Prints `command` as {@link run} would, for a step the CLI carries out itself
   * (`hello-node synth`): under dry run, that is all there is of it.
   */
  announce(command: ToolCommand): void;
  /** Prints `command` and runs it with its output streaming through; returns its stdout; throws if it fails. */
  run(command: ToolCommand): Promise<ToolResult>;
  /** Runs `command` quietly and returns what it printed; throws if it fails. Under dry run, prints it and returns ''. */
  capture(command: ToolCommand): Promise<ToolResult>;
  /**
   * Runs `command`, which only reads this machine's own configuration (`kubectl config
   * view`), quietly, under dry run too: the printed commands then name what a real run
   * would use.
   */
  inspect(command: ToolCommand): Promise<ToolResult>;
  /**
   * Runs `command`, which goes on until stopped (`kubectl get --watch-only`), quietly,
   * handing each piece of its output to `onOutput`, until `stop` is aborted or the
   * command ends. Nothing under dry run. A failure ends it, silently: what it follows
   * is only a reason to look again, never an answer.
   */
  follow(command: ToolCommand, onOutput: (text: string) => void, stop: AbortSignal): Promise<void>;
}

export interface RunnerOptions {
  readonly dryRun: boolean;
  readonly verbose?: boolean;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly execute: ToolExecutor;
  /** Rewrites a result line before it is printed (the CLI's hints, as the user runs it); by default as it is. */
  readonly resultAs?: (line: string) => string;
}

const DRY_RESULT: ToolResult = { exitCode: 0, stdout: '', stderr: '' };

/**
 * A runner. Under dry run it prints each command on stdout, exactly as it could be
 * pasted into a shell, and runs nothing; otherwise it prints each command on stderr
 * (`+ command`, like `set -x`) before running it.
 */
export function createRunner({ dryRun, verbose = false, out, err, execute, resultAs = (line) => line }: RunnerOptions): Runner {
  const print = (line: string) => (dryRun ? out.write(`${line}\n`) : err.write(`+ ${line}\n`));
  const announce = (command: ToolCommand) => print(`${commandLineOf(command)}${command.inputNote ? ` ${command.inputNote}` : ''}`);
  const runIt = async (command: ToolCommand, stream: boolean): Promise<ToolResult> => {
    // kubectl's own error output is explained by the CLI; --verbose shows it as well
    const echoStderr = verbose || !isExplained(command);
    const result = await execute(command, { stream, echoStderr, out: command.stdoutToStderr ? err : out, err });
    if (result.exitCode !== 0 && !(command.okExitCodes ?? []).includes(result.exitCode)) {
      throw new ToolFailedError(command, result.exitCode, result.stderr);
    }
    return result;
  };
  return {
    dryRun,
    verbose,
    say: (line) => (dryRun ? out : err).write(`${line}\n`),
    result: (line) => out.write(`${resultAs(line)}\n`),
    announce,
    async run(command) {
      announce(command);
      return dryRun ? DRY_RESULT : runIt(command, true);
    },
    async capture(command) {
      if (dryRun) {
        announce(command);
        return DRY_RESULT;
      }
      return runIt(command, false);
    },
    inspect: (command) => runIt(command, false),
    async follow(command, onOutput, stop) {
      if (dryRun) {
        return;
      }
      const out = new Writable({
        write(chunk, _encoding, done) {
          onOutput(String(chunk));
          done();
        },
      });
      // a watch that fails, or cannot start, leaves the caller's own looks: it says nothing
      await execute(command, { stream: true, echoStderr: verbose, out, err, stop }).catch(() => undefined);
    },
  };
}

/**
 * `runner`, with every kubectl command it runs or prints given `--context=<context>`:
 * the kubeconfig context of an environment (HELLO_NODE_CONTEXT), so that no command
 * reaches another cluster than its environment's, whatever context is current. The
 * one-word form keeps a name that starts with `-` a value.
 */
export function inKubeContext(runner: Runner, context: string | undefined): Runner {
  if (context === undefined) {
    return runner;
  }
  const to = (command: ToolCommand): ToolCommand => (command.tool === 'kubectl' ? { ...command, args: [`--context=${context}`, ...command.args] } : command);
  return {
    ...runner,
    announce: (command) => runner.announce(to(command)),
    run: (command) => runner.run(to(command)),
    capture: (command) => runner.capture(to(command)),
    inspect: (command) => runner.inspect(to(command)),
    follow: (command, onOutput, stop) => runner.follow(to(command), onOutput, stop),
  };
}

/** The real executor: spawns the tool on PATH. */
export const spawnTool: ToolExecutor = (command, { stream, echoStderr, out, err, stop }) => new Promise((resolve, reject) => {
  const child = spawn(command.program ?? command.tool, command.args, {
    stdio: [command.input === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe'],
    // npm's update check (for npx) is a network call and a notice unrelated to the command
    env: { ...process.env, npm_config_update_notifier: 'false', ...command.env },
  });
  const kill = () => child.kill('SIGTERM');
  stop?.addEventListener('abort', kill, { once: true });
  if (stop?.aborted) {
    kill();
  }
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stream) {
      out.write(chunk);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (echoStderr) {
      err.write(chunk);
    }
  });
  if (command.input !== undefined) {
    // a tool that ends before it has read its input (Ctrl-C reaches it too) closes the pipe:
    // its exit code tells what happened, not the EPIPE of the write
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(command.input);
  }
  child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new MissingToolError(command.tool, command.program) : error));
  child.on('close', (code, signal) => {
    stop?.removeEventListener('abort', kill);
    // a tool killed by a signal exits the way a shell reports it
    resolve({ exitCode: code ?? (signal ? signalExitCode(signal) : 128), stdout, stderr });
  });
});
