// Runs the `hello-node` CLI in-process: its own argv parsing, settings, runner and
// operations, with stand-in tools, for what needs no cluster and no synth (the synth
// runs cdk8s-cli: the slow suite's business). docker and gcloud succeed (docker push
// prints a digest, as the real one does); kubectl is an empty cluster's: it reads
// nothing back, and refuses to change anything. Whatever needs a cluster runs against
// the real kubectl and API server (test/cluster.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { invocationOf, main } from '../src/commands/program';
import { Tool, ToolCommand, ToolResult } from '../src/exec/tools';

export const DIGEST = `sha256:${'4f'.repeat(32)}`;

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every tool invocation, in order: [tool, ...args]. */
  readonly calls: string[][];
  /** The same, whole: with their environment and input. */
  readonly commands: ToolCommand[];
  readonly projectRoot: string;
}

export type FakeTool = (command: ToolCommand) => ToolResult | Promise<ToolResult>;

export interface CliRunOptions {
  readonly env?: Record<string, string>;
  /** Replaces a tool's stand-in. */
  readonly tools?: Partial<Record<Tool, FakeTool>>;
  /** Reuse a project (and its dist/) from an earlier run. */
  readonly projectRoot?: string;
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk, _encoding, done) { text += String(chunk); done(); } });
  return { stream, text: () => text };
}

const ok = (stdout = ''): ToolResult => ({ exitCode: 0, stdout, stderr: '' });

/**
 * kubectl with an empty cluster behind it: the kubeconfig has no namespace, `get`
 * finds nothing (as with --ignore-not-found), and anything that would change the
 * cluster fails, saying that the fast suite has none.
 */
export const emptyClusterKubectl: FakeTool = (c) => {
  // an environment's context (`--context=<name>`, first) is the same empty cluster
  switch (c.args.find((arg) => !arg.startsWith('--context='))) {
    case 'config':
    case 'get':
      return ok();
    case 'version':
      return ok(JSON.stringify({ clientVersion: { gitVersion: 'v1.32.0' } }));
    default:
      return { exitCode: 1, stdout: '', stderr: `error: the fast suite has no cluster for kubectl ${c.args[0]}\n` };
  }
};

export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const projectRoot = options.projectRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-cli-'));
  if (!options.projectRoot) {
    roots.push(projectRoot);
  }
  const stdout = collector();
  const stderr = collector();
  const commands: ToolCommand[] = [];
  const stand: Record<Tool, FakeTool> = {
    diff: () => {
      throw new Error('the fast suite compares nothing: diff runs in the slow suite, against the real cluster');
    },
    docker: (c) => ok(c.args[0] === 'push' ? `The push refers to repository [${c.args[1]}]\nv1: digest: ${DIGEST} size: 1572\n` : ''),
    gcloud: () => ok(),
    kubectl: emptyClusterKubectl,
    npx: () => {
      throw new Error('the CLI runs no npx: its synth (hello-node synth) runs cdk8s-cli itself, in the slow suite');
    },
    ...options.tools,
  };
  const code = await main(args, {
    env: { ...options.env },
    stdout: stdout.stream,
    stderr: stderr.stream,
    projectRoot,
    invocation: invocationOf(options.env ?? {}),
    clock: { now: () => Date.now(), sleep: async () => undefined },
    execute: async (command, io) => {
      commands.push(command);
      const result = await stand[command.tool](command);
      if (io.stream) {
        io.out.write(result.stdout);
      }
      if (io.echoStderr) {
        io.err.write(result.stderr);
      }
      return result;
    },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text(), calls: commands.map((c) => [c.tool, ...c.args]), commands, projectRoot };
}
