// What the real-cluster tests share: the control plane the slow suite started
// (test/slow-suite-global.js), a namespace of their own in it, the real `hello-node`
// and `kubectl` run as processes as a user runs them, and ways to look at the cluster
// while they work.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ControlPlaneInfo, writeKubeconfig } from './control-plane';
import { apiRequest } from './kube-api';
import { APP_COMMAND, ROOT } from './project';

/** The running control plane; undefined when its binaries are absent (the tests are then skipped). */
export const cluster: ControlPlaneInfo | undefined = process.env.HELLO_NODE_TEST_CLUSTER
  ? JSON.parse(process.env.HELLO_NODE_TEST_CLUSTER) as ControlPlaneInfo
  : undefined;

/** `describe`, or `describe.skip` when there is no control plane (the suite's setup said why, once). */
export const describeWithCluster = cluster ? describe : describe.skip;

export function theCluster(): ControlPlaneInfo {
  if (!cluster) {
    throw new Error('no control plane: the slow suite\'s global setup starts it (test/slow-suite-global.js)');
  }
  return cluster;
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end, without a shell. */
export function runProcess(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A DNS-1123 label that no other test uses. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

/** A scratch cdk8s project for the CLI: cdk8s.yaml running `appFile` (default: the project's main.ts), the project's node_modules for npx, and app/ for `up` to build. */
export function cliProject(appFile?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-e2e-'));
  const app = appFile ? APP_COMMAND.replace(/\S+main\.ts\b/, path.resolve(ROOT, appFile)) : APP_COMMAND;
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), stringify({ language: 'typescript', app }));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(ROOT, 'app'), path.join(dir, 'app'));
  return dir;
}

/** A kubeconfig for the admin whose context's namespace is `namespace` (none: kubectl's `default`). */
export function kubeconfigWithNamespace(dir: string, namespace?: string): string {
  return writeKubeconfig(path.join(dir, `kubeconfig-${namespace ?? 'none'}`), theCluster(), namespace);
}

/** The Google Cloud project the tests' user chose. */
export const TEST_PROJECT = 'hello-node-tests';

/** The environment a user's shell would give the CLI: PATH, HOME, and only the settings given. */
export function userEnv(kubeconfig: string, settings: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: os.tmpdir(),
    KUBECONFIG: kubeconfig,
    CDK8S_CHECK_UPGRADE: 'false',
    // a project of the user's choosing, as every command that names an image needs
    GCP_PROJECT: TEST_PROJECT,
    ...settings,
  };
}

const BIN = path.join(ROOT, 'bin', 'hello-node.js');

/** `npx hello-node <args>` as a user runs it from the project directory. */
export function helloNode(project: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<Finished> {
  return runProcess(process.execPath, [BIN, ...args], { cwd: project, env });
}

/**
 * `npx hello-node <args>` as {@link helloNode} runs it, calling `onMarker` once, with
 * the process, as soon as its stderr shows `marker`: to act on the cluster, or send a
 * signal, at that moment of a command.
 */
export function helloNodeUntil(project: string, env: NodeJS.ProcessEnv, marker: string, onMarker: (child: ChildProcess) => void, ...args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let seen = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!seen && stderr.includes(marker)) {
        seen = true;
        onMarker(child);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The real kubectl against the control plane. */
export function kubectl(kubeconfig: string, ...args: string[]): Promise<Finished> {
  return runProcess('kubectl', args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: kubeconfig } });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects from the API, read field by field in the tests
export type Json = any;

/** `GET` of an API path, as JSON. */
export const get = (apiPath: string): Promise<Json> => apiRequest(theCluster(), 'GET', apiPath);

/** The objects of a list path (`/api/v1/namespaces/x/pods`), optionally by label selector. */
export async function list(apiPath: string, labelSelector?: string): Promise<Json[]> {
  return (await get(`${apiPath}${labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : ''}`)).items;
}

/** Creates a namespace with the given labels, and waits for its ServiceAccount, without which no pod is admitted. */
export async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await apiRequest(theCluster(), 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  for (let i = 0; i < 200; i += 1) {
    if (await get(`/api/v1/namespaces/${name}/serviceaccounts/default`).then(() => true, () => false)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`namespace ${name} got no default ServiceAccount`);
}

/** Deletes a namespace; the namespace controller deletes what is in it. */
export async function deleteNamespace(name: string): Promise<void> {
  await apiRequest(theCluster(), 'DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
}

const isReady = (pod: Json) => !pod.metadata.deletionTimestamp && pod.status?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True');

/** The names of the pods in `namespace` that are Ready and not terminating. */
export async function readyPods(namespace: string): Promise<string[]> {
  return (await list(`/api/v1/namespaces/${namespace}/pods`)).filter(isReady).map((p) => p.metadata.name);
}

/**
 * Counts the Ready pods in `namespace` every 50 ms until stopped, and resolves to the
 * lowest count seen: what a user's traffic would have had at worst.
 */
export function watchReadyPods(namespace: string): { stop(): Promise<number> } {
  let lowest = Infinity;
  let running = true;
  const loop = (async () => {
    while (running) {
      lowest = Math.min(lowest, (await readyPods(namespace)).length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return lowest;
    },
  };
}

/** The lines of a text, without the trailing empty one. */
export const linesOf = (text: string): string[] => text.trimEnd().split('\n');

/** How long a hook that runs the CLI (a teardown) or the cluster's API may take: as long as a test, not jest's 5 s, which a busy machine exceeds. */
const HOOK_TIMEOUT = 120_000;

/** Says what a failed command printed, so that a red test explains itself. */
export function expectExit(run: Finished, code: number): void {
  if (run.code !== code) {
    throw new Error(`exit ${run.code}, expected ${code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
}

/**
 * A namespace, a project and a user environment for one group of tests, cleaned up
 * after it: the app's namespace comes from HELLO_NODE_NAMESPACE (`setting`), from
 * kubectl's current context (`context`), or is `default`.
 */
export function useApp(how: 'setting' | 'context' | 'default', options: { appFile?: string; labels?: Record<string, string> } = {}) {
  const app = { namespace: 'default', project: '', env: {} as NodeJS.ProcessEnv, kubeconfig: '' };
  beforeAll(async () => {
    app.project = cliProject(options.appFile);
    if (how !== 'default') {
      app.namespace = uniqueName(how === 'setting' ? 'setting' : 'context');
      await createNamespace(app.namespace, options.labels);
    }
    app.kubeconfig = kubeconfigWithNamespace(app.project, how === 'context' ? app.namespace : undefined);
    app.env = userEnv(app.kubeconfig, how === 'setting' ? { HELLO_NODE_NAMESPACE: app.namespace } : {});
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    if (how === 'default') {
      await helloNode(app.project, app.env, 'teardown');
    } else {
      await deleteNamespace(app.namespace);
    }
    fs.rmSync(app.project, { recursive: true, force: true });
  }, HOOK_TIMEOUT);
  return app;
}
