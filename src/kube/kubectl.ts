/**
 * Asking kubectl about the cluster, and saying plainly why it could not answer.
 */
import { checkDns1123Label } from '../../lib/internal';
import { KubeEvent, KubeObject } from './cluster-state';
import { componentsInstall, Runner, ToolCommand, ToolFailedError, ToolResult } from '../exec/tools';

/** The field manager of the CLI's server-side applies. */
export const FIELD_MANAGER = 'hello-node';

/** Why kubectl failed (it could not reach the cluster, or the namespace is missing), in one line, and what to do. */
export class ExplainedKubectlError extends Error {
  /** @param reason what is wrong, in a few words: `kubectl has no current context` */
  constructor(public readonly reason: string, public readonly nextStep: string) {
    super(`${reason}: ${nextStep}`);
    this.name = 'ExplainedKubectlError';
  }
}

const CREDENTIALS = 'run `hello-node cluster credentials` to point kubectl at the cluster';
const NO_CURRENT_CONTEXT = 'kubectl has no current context';

/** How to get the GKE auth plugin here (tools.ts), and kubectl's own pointer, when it gave one. */
function authPluginStep(stderr: string): string {
  const kubectlSays = /Install gke-gcloud-auth-plugin for use with kubectl by following (\S+)/.exec(stderr)?.[1]?.replace(/[;,.]+$/, '');
  return `run \`${componentsInstall(['gke-gcloud-auth-plugin'])}\`${kubectlSays ? ` (kubectl: see ${kubectlSays})` : ''}`;
}

// kubectl's (and the GKE auth plugin's) messages for "there is no cluster to talk to"
const CAUSES: readonly { pattern: RegExp; cause: string; nextStep: string | ((stderr: string) => string) }[] = [
  { pattern: /current-context is not set|current-context must exist|no configuration has been provided|context was not found|cannot locate context|localhost:8080 was refused/i, cause: NO_CURRENT_CONTEXT, nextStep: CREDENTIALS },
  // before "Unauthorized": kubectl reports a missing plugin as "getting credentials: exec: executable … not found"
  { pattern: /gke-gcloud-auth-plugin.*not found|executable gke-gcloud-auth-plugin/i, cause: 'kubectl lacks the GKE auth plugin', nextStep: authPluginStep },
  { pattern: /gcloud auth login|Reauthentication|You must be logged in|Unauthorized|invalid_grant|could not find default credentials/i, cause: 'kubectl is not logged in to the cluster', nextStep: `run \`gcloud auth login\`, then ${CREDENTIALS.slice(4)}` },
  { pattern: /connection refused|connection to the server \S+ was refused|i\/o timeout|no such host|Unable to connect to the server|TLS handshake timeout|no route to host/i, cause: 'the cluster\'s API server cannot be reached', nextStep: `check that the cluster exists and runs (gcloud container clusters list), then ${CREDENTIALS}` },
];

/**
 * kubectl's failure explained, when it is about reaching the cluster or a missing
 * namespace. An error the API server sent (`Error from server`) came from a cluster
 * that was reached, whatever it says: an admission webhook that cannot be called
 * reports "connection refused" too, and is kubectl's own words to show.
 */
function explainKubectlFailure(stderr: string, command: ToolCommand): ExplainedKubectlError | undefined {
  // a context given (HELLO_NODE_CONTEXT, inKubeContext) that the kubeconfig lacks; a missing current one is below
  const given = command.args.find((arg) => arg.startsWith('--context='))?.slice('--context='.length);
  if (given !== undefined && /context was not found for specified context|cannot locate context|context "[^"]*" does not exist/.test(stderr)) {
    return new ExplainedKubectlError(`kubectl's configuration has no context "${given}"`, 'check HELLO_NODE_CONTEXT (--context, or "context" in hello-node.yaml) against `kubectl config get-contexts`; `hello-node cluster credentials` adds a GKE cluster\'s context');
  }
  const namespace = /namespaces "([^"]+)" not found/.exec(stderr)?.[1];
  if (namespace) {
    return new ExplainedKubectlError(`namespace ${namespace} does not exist`, `create it (kubectl create namespace ${namespace}), or name another one with HELLO_NODE_NAMESPACE or --namespace`);
  }
  // kubectl's own resource mapping, before anything is sent: the API server serves no such kind
  const unknownKind = /no matches for kind "([^"]+)" in version "([^"]+)"/.exec(stderr);
  if (unknownKind) {
    const [, kind, version] = unknownKind;
    const gke = /(^|\.)gke\.io\/|^cloud\.google\.com\//.test(version);
    return new ExplainedKubectlError(`the cluster serves no ${kind} of ${version}`, gke
      ? `it is a kind of GKE's own, which GKE clusters have (HELLO_NODE_DOMAIN writes it): deploy to a GKE cluster, or leave the domain out`
      : `install its CustomResourceDefinition first, or leave the object out`);
  }
  const terminating = /unable to create new content in namespace (\S+) because it is being terminated/.exec(stderr)?.[1];
  if (terminating) {
    return new ExplainedKubectlError(`namespace ${terminating} is being deleted (Terminating), with everything in it, and nothing new can be made in it`, `wait until it is gone (kubectl get namespace ${terminating}); to deploy there again, create it then, or name another one with HELLO_NODE_NAMESPACE or --namespace`);
  }
  if (/Error from server/.test(stderr)) {
    return undefined;
  }
  const known = CAUSES.find((c) => c.pattern.test(stderr));
  return known && new ExplainedKubectlError(known.cause, typeof known.nextStep === 'string' ? known.nextStep : known.nextStep(stderr));
}

/**
 * Runs a kubectl command through the runner (quietly, or printed with its output
 * streaming through), turning a failure to reach the cluster, or a missing namespace, into an ExplainedKubectlError.
 */
export async function kubectlResult(runner: Runner, command: ToolCommand, quiet = true): Promise<ToolResult> {
  try {
    return await (quiet ? runner.capture(command) : runner.run(command));
  } catch (err) {
    throw err instanceof ToolFailedError ? explainKubectlFailure(err.stderr, err.command) ?? err : err;
  }
}

/** kubectlResult's stdout. */
export const kubectl = async (runner: Runner, command: ToolCommand, quiet = true): Promise<string> => (await kubectlResult(runner, command, quiet)).stdout;

/** `kubectl <args>` with `--namespace` when there is one. */
export function kubectlCommand(namespace: string | undefined, ...args: string[]): ToolCommand {
  return { tool: 'kubectl', args: namespace ? [...args, '--namespace', namespace] : args };
}

/** The objects `kubectl get ... --output json` prints: one object, or a List's items. */
export async function getObjects(runner: Runner, namespace: string | undefined, ...what: string[]): Promise<KubeObject[]> {
  const text = await kubectl(runner, kubectlCommand(namespace, 'get', ...what, '--ignore-not-found', '--output', 'json'));
  if (text.trim() === '') {
    return [];
  }
  const parsed = JSON.parse(text) as KubeObject & { items?: KubeObject[] };
  return parsed.kind === 'List' || parsed.items ? parsed.items ?? [] : [parsed];
}

/** The events of the namespace. */
export async function getEvents(runner: Runner, namespace: string | undefined): Promise<KubeEvent[]> {
  return (await getObjects(runner, namespace, 'events')) as unknown as KubeEvent[];
}

/**
 * The namespace kubectl uses when none is given: the current context's, or `default`.
 * Read under --dry-run too (it is this machine's kubeconfig, not the cluster), and
 * checked like HELLO_NODE_NAMESPACE: it becomes an argument of every later command.
 */
export async function contextNamespace(runner: Runner): Promise<string> {
  const command: ToolCommand = { tool: 'kubectl', args: ['config', 'view', '--minify', '--output', 'jsonpath={.contexts[0].context.namespace}'] };
  let text: string;
  try {
    text = (await runner.inspect(command)).stdout;
  } catch (err) {
    const explained = err instanceof ToolFailedError ? explainKubectlFailure(err.stderr, err.command) : undefined;
    if (runner.dryRun && err instanceof ToolFailedError && (explained === undefined || explained.reason === NO_CURRENT_CONTEXT)) {
      // a dry run shows the commands even before `cluster credentials`: with no context, kubectl's default
      runner.say(`# ${NO_CURRENT_CONTEXT}: the commands name the namespace default`);
      return 'default';
    }
    // a context named (--context) that the kubeconfig lacks is no state to show commands for, even in a dry run
    throw explained ?? err;
  }
  return text.trim() === '' ? 'default' : checkDns1123Label('the namespace of kubectl\'s current context (kubectl config view --minify)', text.trim());
}

/**
 * Checks, from kubectl's own configuration alone, that there is a cluster to talk to (a
 * current context), so that a command that would first synthesize, build or push
 * learns at once that it could not go on. Nothing under --dry-run, which shows the
 * commands even before `hello-node cluster credentials`.
 *
 * @throws ExplainedKubectlError without a current context; MissingToolError without kubectl
 */
export async function requireCurrentContext(runner: Runner): Promise<void> {
  if (runner.dryRun) {
    return;
  }
  try {
    // --minify resolves the context: a current-context naming one that is gone fails here
    await runner.inspect({ tool: 'kubectl', args: ['config', 'view', '--minify', '--output', 'jsonpath={.current-context}'] });
  } catch (err) {
    throw err instanceof ToolFailedError ? explainKubectlFailure(err.stderr, err.command) ?? err : err;
  }
}

/** A label selector as kubectl takes it: `app=hello-node,tier=web`. */
export const labelSelector = (labels: Readonly<Record<string, string>>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

/** The label selector of a workload's pods, as kubectl takes it: a ReplicationController's map, or the others' matchLabels. */
export function selectorOf(workload: KubeObject): string {
  const selector = workload.spec?.selector ?? {};
  const labels = (workload.kind === 'ReplicationController' ? selector : selector.matchLabels) as Record<string, string> | undefined;
  return labelSelector(labels ?? {});
}

/** What a wait between two looks at the cluster learns from watches: that something changed since the last look. */
export interface Changes {
  /** A look begins: what changes from now on is news for the next wait. */
  look(): void;
  /** A signal aborted as soon as something changed since the last look (at once, if it already has), or when `abort` is. */
  until(abort?: AbortSignal): AbortSignal;
  /** Ends the watches. */
  stop(): void;
}

/**
 * Watches what a wait reads, each of `watches` the arguments of one `kubectl get …
 * --watch-only --output name` (one TYPE/NAME, or one TYPE with its --selector), so that
 * the next look comes as soon as something changed, not at the next interval. A watch
 * that fails or ends leaves the interval's looks: it only hurries them.
 */
export function watchChanges(runner: Runner, namespace: string | undefined, watches: readonly (readonly string[])[]): Changes {
  const stopped = new AbortController();
  let changed = false;
  let waiting: AbortController | undefined;
  const onOutput = (text: string) => {
    if (text.trim() !== '') {
      changed = true;
      waiting?.abort();
    }
  };
  for (const what of watches) {
    void runner.follow(kubectlCommand(namespace, 'get', ...what, '--watch-only', '--output', 'name'), onOutput, stopped.signal);
  }
  return {
    look() {
      changed = false;
    },
    until(abort) {
      waiting = new AbortController();
      if (changed) {
        waiting.abort();
      }
      return abort ? AbortSignal.any([abort, waiting.signal]) : waiting.signal;
    },
    stop: () => stopped.abort(),
  };
}
