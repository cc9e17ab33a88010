/**
 * The kubeconfig as kubectl reads it, for the in-process kubectl (in-process.ts): only
 * where @kubernetes/client-node's KubeConfig reads it the same, and its exec credential
 * plugin run as kubectl runs one. Anything else is left to kubectl, which reads, uses
 * or refuses it in its own words:
 *   - several files in KUBECONFIG (merged by kubectl's rules), or none (its in-cluster
 *     and localhost defaults), or a name that two clusters, users or contexts share;
 *   - a context, cluster or user that is missing, or that holds a key outside those
 *     below (tokenFile, impersonation, auth-provider: kubectl has no gcp or azure one
 *     any more), token and basic auth together, a CA with insecure-skip-tls-verify;
 *   - a proxy from the environment (HTTPS_PROXY and the like: Go's rules, NO_PROXY's
 *     among them);
 *   - an exec plugin that must have a terminal (interactiveMode Always), or of an API
 *     version kubectl does not speak.
 * Source of kubectl's rules: client-go's tools/clientcmd (validation.go, loader.go) and
 * plugin/pkg/client/auth/exec (exec.go), kubernetes/kubernetes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { KubeConfig } from './kubeconfig-client';

/** What a request carries to prove who it is, beside what KubeConfig applies itself. */
export interface Credential {
  readonly token?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** A context of the kubeconfig that the in-process kubectl reaches as kubectl would. */
export interface Connection {
  /** The kubeconfig at the context, its user's exec plugin (if any) left to {@link credential}. */
  readonly config: KubeConfig;
  readonly contextName: string;
  /** The context's namespace, if it names one. */
  readonly namespace?: string;
  /** The exec plugin's credential, run when first needed and again once it expired; undefined without a plugin. */
  credential(): Promise<Credential | undefined>;
}

type Entries = { name?: unknown; [kind: string]: unknown }[];
type Fields = Record<string, unknown>;

const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'proxy-url', 'extensions']);
const USER_KEYS = new Set(['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'username', 'password', 'exec', 'extensions']);
const CONTEXT_KEYS = new Set(['cluster', 'user', 'namespace', 'extensions']);
const EXEC_VERSIONS = new Set(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']);
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

const isMap = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const onlyKeys = (fields: Fields, allowed: ReadonlySet<string>) => Object.keys(fields).every((key) => allowed.has(key));

/** The map `field` of the entry named `name` of a kubeconfig list, when exactly one entry has that name. */
function entry(list: unknown, name: unknown, field: string): Fields | undefined {
  const entries = Array.isArray(list) ? list as Entries : [];
  const named = entries.filter((e) => isMap(e) && e.name === name);
  return named.length === 1 && isMap(named[0][field]) ? named[0][field] as Fields : undefined;
}

const uniqueNames = (list: unknown) => {
  const names = (Array.isArray(list) ? list as Entries : []).map((e) => (isMap(e) ? e.name : undefined));
  return new Set(names).size === names.length;
};

/**
 * The connection to `context` (by default the current one) of the kubeconfig kubectl
 * reads in `env`, or undefined where kubectl is left to read it (see above).
 */
export function connectionOf(env: NodeJS.ProcessEnv, context: string | undefined): Connection | undefined {
  const files = env.KUBECONFIG !== undefined ? env.KUBECONFIG.split(path.delimiter).filter(Boolean) : [path.join(env.HOME ?? os.homedir(), '.kube', 'config')];
  if (files.length !== 1 || !fs.existsSync(files[0]) || PROXY_VARIABLES.some((name) => env[name])) {
    return undefined;
  }
  const file = files[0];
  const raw: unknown = parse(fs.readFileSync(file, 'utf8'));
  if (!isMap(raw) || !['clusters', 'users', 'contexts'].every((list) => uniqueNames(raw[list]))) {
    return undefined;
  }
  const name = context ?? raw['current-context'];
  const chosen = entry(raw.contexts, name, 'context');
  const cluster = chosen && entry(raw.clusters, chosen.cluster, 'cluster');
  const user = chosen && entry(raw.users, chosen.user, 'user');
  if (typeof name !== 'string' || !chosen || !cluster || !user || !onlyKeys(chosen, CONTEXT_KEYS) || !onlyKeys(cluster, CLUSTER_KEYS) || !onlyKeys(user, USER_KEYS)
    || ((user.token !== undefined) && (user.username !== undefined || user.password !== undefined))
    || (cluster['insecure-skip-tls-verify'] === true && (cluster['certificate-authority'] !== undefined || cluster['certificate-authority-data'] !== undefined))) {
    return undefined;
  }
  const exec = user.exec;
  // (client.authentication.k8s.io/v1 requires an interactiveMode; kubectl refuses a plugin without one)
  if (exec !== undefined && (!isMap(exec) || typeof exec.command !== 'string' || !EXEC_VERSIONS.has(String(exec.apiVersion)) || exec.interactiveMode === 'Always'
    || (exec.apiVersion === 'client.authentication.k8s.io/v1' && exec.interactiveMode === undefined))) {
    return undefined;
  }
  // loaded when a kubectl command first runs: a synth never loads it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KubeConfig: Config } = require('./kubeconfig-client') as typeof import('./kubeconfig-client');
  const config = new Config();
  config.loadFromFile(file);
  config.setCurrentContext(name);
  const current = config.getCurrentUser();
  if (current && exec) {
    // the plugin is run below, as kubectl runs it; KubeConfig's own run of it would give it a stdin it never closes
    config.loadFromOptions({ clusters: config.clusters, contexts: config.contexts, currentContext: name, users: config.users.map((u) => (u === current ? { ...u, exec: undefined } : u)) });
  }
  const namespace = typeof chosen.namespace === 'string' && chosen.namespace !== '' ? chosen.namespace : undefined;
  let cached: { credential: Credential; expires: number } | undefined;
  return {
    config,
    contextName: name,
    namespace,
    async credential() {
      if (!exec) {
        return undefined;
      }
      if (cached === undefined || cached.expires <= Date.now()) {
        cached = await runPlugin(exec, cluster, path.dirname(file), env);
      }
      return cached.credential;
    },
  };
}

/**
 * Runs an exec credential plugin as kubectl does: its command (a relative path with a
 * slash is the kubeconfig's directory's), arguments and variables, KUBERNETES_EXEC_INFO
 * (interactive when kubectl's stdin is a terminal, unless interactiveMode is Never; the
 * cluster's details with provideClusterInfo), the terminal as its stdin when
 * interactive. Its stderr is held back, as kubectl's own is. Rejects when it fails:
 * kubectl then runs it, and says why.
 */
async function runPlugin(exec: Fields, cluster: Fields, kubeconfigDir: string, env: NodeJS.ProcessEnv): Promise<{ credential: Credential; expires: number }> {
  const command = String(exec.command);
  const interactive = exec.interactiveMode !== 'Never' && process.stdin.isTTY === true;
  const extension = (Array.isArray(cluster.extensions) ? cluster.extensions as Entries : []).find((e) => isMap(e) && e.name === 'client.authentication.k8s.io/exec');
  const caFile = cluster['certificate-authority'];
  const info = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive,
      ...exec.provideClusterInfo === true ? {
        cluster: {
          'server': cluster.server,
          'tls-server-name': cluster['tls-server-name'],
          'insecure-skip-tls-verify': cluster['insecure-skip-tls-verify'],
          'certificate-authority-data': cluster['certificate-authority-data'] ?? (typeof caFile === 'string' ? fs.readFileSync(path.resolve(kubeconfigDir, caFile)).toString('base64') : undefined),
          'proxy-url': cluster['proxy-url'],
          'config': extension?.extension,
        },
      } : {},
    },
  };
  const variables = Array.isArray(exec.env) ? Object.fromEntries((exec.env as Fields[]).map((v) => [String(v.name), String(v.value)])) : {};
  const child = spawn(command.includes('/') ? path.resolve(kubeconfigDir, command) : command, Array.isArray(exec.args) ? exec.args.map(String) : [], {
    env: { ...env, ...variables, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
    stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
  const status = code === 0 ? (JSON.parse(stdout) as { status?: Fields }).status : undefined;
  const token = typeof status?.token === 'string' ? status.token : undefined;
  const cert = typeof status?.clientCertificateData === 'string' ? Buffer.from(status.clientCertificateData) : undefined;
  const key = typeof status?.clientKeyData === 'string' ? Buffer.from(status.clientKeyData) : undefined;
  if (!token && !(cert && key)) {
    throw new Error(`the exec plugin ${command} gave no credential`);
  }
  const expires = typeof status?.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : Infinity;
  return { credential: { token, cert, key }, expires: Number.isNaN(expires) ? 0 : expires };
}
