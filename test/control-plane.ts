// A real Kubernetes control plane for the slow suite, started the way envtest
// (controller-runtime's test environment) starts one: etcd, kube-apiserver and
// kube-controller-manager from the directory in KUBEBUILDER_ASSETS (or envtest's
// default, ~/.local/share/kubebuilder-envtest/k8s/<version>-linux-amd64), each on a
// free port of 127.0.0.1, with data of their own in a temp directory: a serving
// certificate, an admin token, a service-account key pair, RBAC, and 1.26's default
// admission plugins (PodSecurity and ServiceAccount among them).
//
// There is no kubelet, scheduler or cloud: test/stand-in-node.ts does what they would,
// through the API. The objects, their validation, admission and the controllers
// (ReplicationController, Deployment, ReplicaSet, garbage collector, namespace, ...)
// are the real ones.
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { CRD_FILES, CRDS_DIR } from './gke-crds';
import { ApiEndpoint, apiRequest, closeApiConnections } from './kube-api';
import { NODE_NAME } from './stand-in-node';

const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;

/** The one line printed when the binaries are absent. */
export const HOW_TO_GET_BINARIES = 'get them with `setup-envtest use 1.26.x` (controller-runtime\'s tool; it needs the internet) and set KUBEBUILDER_ASSETS to the directory it prints';

/**
 * The directory holding the three binaries: KUBEBUILDER_ASSETS, else the newest
 * version under envtest's default directory; undefined when there is none. etcd may
 * also come from PATH (Debian's etcd-server package).
 */
export function findAssets(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.KUBEBUILDER_ASSETS ? [env.KUBEBUILDER_ASSETS] : defaultAssetDirectories(env);
  return candidates.find((dir) => BINARIES.every((b) => (b === 'etcd' ? etcdBinary(dir) !== undefined : fs.existsSync(path.join(dir, b)))));
}

function defaultAssetDirectories(env: NodeJS.ProcessEnv): string[] {
  const root = path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'kubebuilder-envtest', 'k8s');
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => d.endsWith(`-linux-${os.arch() === 'arm64' ? 'arm64' : 'amd64'}`)) : [];
  // newest first: 1.26.10 after 1.26.9
  versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  return versions.map((v) => path.join(root, v));
}

/** etcd from the assets directory, else from PATH. */
function etcdBinary(assets: string): string | undefined {
  const own = path.join(assets, 'etcd');
  if (fs.existsSync(own)) {
    return own;
  }
  return (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'etcd')).find((p) => fs.existsSync(p));
}

/** What a test needs of the running control plane; serialisable, to hand to the test workers. */
export interface ControlPlaneInfo extends ApiEndpoint {
  /** A kubeconfig whose current context is the admin, with no namespace: kubectl's `default`. */
  readonly kubeconfig: string;
  /** The temp directory of the control plane's data. */
  readonly dir: string;
}

export interface RunningControlPlane extends ControlPlaneInfo {
  stop(): Promise<void>;
}

/** A port of 127.0.0.1 that nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  exited?: string;
}

function startProcess(dir: string, name: string, binary: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  // its own process group is not wanted: Ctrl-C in the terminal reaches it too
  const child = spawn(binary, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  fs.closeSync(out);
  const started: Started = { name, child, log };
  child.on('exit', (code, signal) => {
    started.exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
  });
  child.on('error', (err) => {
    started.exited = err.message;
  });
  return started;
}

/** Polls `check` until it resolves true, failing at once when a process has exited. */
async function until(what: string, processes: readonly Started[], check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = processes.find((p) => p.exited);
    if (dead) {
      throw new Error(`${dead.name} ${dead.exited} while waiting for ${what}; its log:\n${tail(dead.log)}`);
    }
    if (await Promise.resolve().then(check).catch(() => false)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; the last log lines:\n${processes.map((p) => `${p.name}:\n${tail(p.log)}`).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tail = (file: string) => fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');

/** Writes a kubeconfig for the admin token; `namespace` becomes its context's namespace. */
export function writeKubeconfig(file: string, endpoint: ApiEndpoint, namespace?: string): string {
  fs.writeFileSync(file, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'envtest', cluster: { server: endpoint.server, 'certificate-authority-data': Buffer.from(endpoint.ca).toString('base64') } }],
    users: [{ name: 'admin', user: { token: endpoint.token } }],
    contexts: [{ name: 'envtest', context: { cluster: 'envtest', user: 'admin', ...(namespace ? { namespace } : {}) } }],
    'current-context': 'envtest',
  }), { mode: 0o600 });
  return file;
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager from `assets`, and resolves
 * once the API server is ready and the `default` namespace has its ServiceAccount.
 * On failure everything started is stopped and the error carries the failing log.
 */
export async function startControlPlane(assets: string, parentDir = os.tmpdir()): Promise<RunningControlPlane> {
  const dir = fs.mkdtempSync(path.join(parentDir, 'control-plane-'));
  const processes: Started[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => new Promise<void>((resolve) => {
      if (p.exited || p.child.exitCode !== null) {
        resolve();
        return;
      }
      p.child.once('exit', () => resolve());
      p.child.kill('SIGTERM');
      setTimeout(() => p.child.kill('SIGKILL'), 5000).unref();
    })));
    closeApiConnections();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcd = etcdBinary(assets) ?? 'etcd';
    const [etcdPort, peerPort] = [await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    processes.push(startProcess(dir, 'etcd', etcd, [
      '--data-dir', path.join(dir, 'etcd'),
      '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `default=http://127.0.0.1:${peerPort}`,
      '--log-level', 'warn',
    ]));
    await until('etcd', processes, async () => (await (await fetch(`${etcdUrl}/health`)).json() as { health: string }).health === 'true');

    const token = randomBytes(24).toString('hex');
    fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    fs.writeFileSync(path.join(dir, 'sa.pub'), keys.publicKey);
    fs.writeFileSync(path.join(dir, 'sa.key'), keys.privateKey, { mode: 0o600 });
    const certDir = path.join(dir, 'certs');
    const apiPort = await freePort();
    processes.push(startProcess(dir, 'kube-apiserver', path.join(assets, 'kube-apiserver'), [
      '--etcd-servers', etcdUrl,
      '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(apiPort),
      // a self-signed serving certificate (leaf and its CA) written to apiserver.crt
      '--cert-dir', certDir,
      '--service-cluster-ip-range', '10.96.0.0/16',
      '--service-account-key-file', path.join(dir, 'sa.pub'),
      '--service-account-signing-key-file', path.join(dir, 'sa.key'),
      '--service-account-issuer', 'https://kubernetes.default.svc',
      '--token-auth-file', path.join(dir, 'tokens.csv'),
      '--authorization-mode', 'RBAC',
      // loopback addresses cannot be the kubernetes Service's Endpoints
      '--endpoint-reconciler-type', 'none',
    ]));
    const caFile = path.join(certDir, 'apiserver.crt');
    const server = `https://127.0.0.1:${apiPort}`;
    // the certificate is read again at each try: the first look may catch it half written
    await until('kube-apiserver to be ready', processes, () => apiRequest({ server, token, ca: fs.readFileSync(caFile, 'utf8') }, 'GET', '/readyz').then(() => true));
    const endpoint: ApiEndpoint = { server, ca: fs.readFileSync(caFile, 'utf8'), token };
    const kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), endpoint);

    processes.push(startProcess(dir, 'kube-controller-manager', path.join(assets, 'kube-controller-manager'), [
      '--kubeconfig', kubeconfig, '--authentication-kubeconfig', kubeconfig, '--authorization-kubeconfig', kubeconfig,
      '--leader-elect=false', '--controllers', '*',
      // the autoscaler looks every second, not every 15: a test sees it act (or fight a rollout) at once
      '--horizontal-pod-autoscaler-sync-period', '1s',
      '--service-account-private-key-file', path.join(dir, 'sa.key'),
      '--root-ca-file', caFile,
      '--bind-address', '127.0.0.1', '--secure-port', '0',
    ]));
    // pods are admitted only once their namespace's ServiceAccount exists
    await until('the default ServiceAccount', processes, () => apiRequest(endpoint, 'GET', '/api/v1/namespaces/default/serviceaccounts/default').then(() => true));

    // GKE's own kinds, so that the API server validates what the constructs write of them
    for (const file of CRD_FILES) {
      const crd = parseDocument(fs.readFileSync(path.join(CRDS_DIR, file), 'utf8')).toJS() as { metadata: { name: string } };
      await apiRequest(endpoint, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      await until(`CRD ${crd.metadata.name} to be established`, processes, async () => {
        const live = await apiRequest<{ status?: { conditions?: { type: string; status: string }[] } }>(endpoint, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        return (live.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
      });
    }

    const guard = { pids: processes.map((p) => p.child.pid ?? 0), dir };
    processes.push(startProcess(dir, 'stand-in-node', process.execPath, ['-r', path.join(__dirname, '..', 'scripts', 'ts-hook.js'), path.join(__dirname, 'stand-in-node.ts')],
      { HELLO_NODE_STAND_IN: JSON.stringify({ ...endpoint, guard }) }));
    await until('the stand-in node', processes, () => apiRequest(endpoint, 'GET', `/api/v1/nodes/${NODE_NAME}`).then(() => true));
    return { ...endpoint, kubeconfig, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
