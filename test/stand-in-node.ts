// A stand-in for what the test control plane lacks: a kubelet with its container
// runtime, and a cloud's load balancer controller. These cannot run here (no container
// runtime, no cloud), so this process does through the API what they would do, and no
// more; everything else (admission, controllers, the garbage collector) is real.
//
// - Registers Node `stand-in-node` and renews its Lease, as a kubelet does, so that
//   the node lifecycle controller never marks it unreachable and evicts the pods.
// - Binds every unscheduled pod to it (there is no scheduler either) and reports the
//   pod's status as a kubelet would, chosen by each container's image tag:
//     `:broken`   the image cannot be pulled: Pending, ImagePullBackOff, and the
//                 kubelet's `Failed` event;
//     `:crash`    the container exits 1 again and again: CrashLoopBackOff;
//     `:unready`  it runs, but never passes its readiness probe;
//     any other   Running and Ready.
// - Finishes a deleted pod's termination (the kubelet's final delete with grace 0):
//   without it, a pod bound to a node stays Terminating for ever.
// - Gives every LoadBalancer Service an external address (203.0.113.0/24, a range
//   reserved for documentation: nothing ever sends traffic to it), and every Ingress
//   one too, as GKE's HTTP(S) load balancer would.
// - Gives every ManagedCertificate the status Google's certificate controller would:
//   `Provisioning` (each domain too), or `Active` for a domain that starts with
//   `active.` (a domain whose DNS already points at the load balancer).
//
// Run as its own process (`node -r scripts/ts-hook.js test/stand-in-node.ts`), with the
// API endpoint in HELLO_NODE_STAND_IN (JSON). It also guards the run: when its parent
// (the jest process) goes away without stopping the control plane, as on SIGKILL, it
// stops the processes listed in the endpoint's `guard` and removes their data.
import * as fs from 'node:fs';
import { ApiEndpoint, ApiError, apiRequest } from './kube-api';
import { GKE_ANNOTATIONS } from '../lib/internal';

export const NODE_NAME = 'stand-in-node';

interface Container { name: string; image: string }
interface Pod {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; resourceVersion: string };
  spec: { nodeName?: string; containers: Container[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { name: string; restartCount: number }[] };
}
interface Service {
  metadata: { name: string; namespace: string };
  spec: { type?: string };
  status?: { loadBalancer?: { ingress?: unknown[] } };
}

/** What the stand-in kubelet makes of a container, from its image tag. */
type Fate = 'broken' | 'crash' | 'unready' | 'ready';

const fateOf = (image: string): Fate => {
  const tag = /:([\w][\w.-]*)$/.exec(image.split('@')[0])?.[1];
  return tag === 'broken' || tag === 'crash' || tag === 'unready' ? tag : 'ready';
};

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function containerStatus(container: Container, started: string, restarts: number) {
  const fate = fateOf(container.image);
  const base = { name: container.name, image: container.image, imageID: '', restartCount: 0, ready: false, started: false };
  switch (fate) {
    case 'broken':
      return { ...base, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}"` } } };
    case 'crash':
      return {
        ...base,
        restartCount: restarts + 1,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${container.name}` } },
        lastState: { terminated: { reason: 'Error', exitCode: 1, startedAt: started, finishedAt: now() } },
      };
    default:
      return { ...base, imageID: `${container.image.split(':')[0]}@sha256:${'0'.repeat(64)}`, containerID: `containerd://${container.name}`, ready: fate === 'ready', started: true, state: { running: { startedAt: started } } };
  }
}

/** The status a kubelet would report for the pod now. */
function podStatus(pod: Pod) {
  const started = now();
  const previous = new Map((pod.status?.containerStatuses ?? []).map((c) => [c.name, c.restartCount]));
  const statuses = pod.spec.containers.map((c) => containerStatus(c, started, previous.get(c.name) ?? 0));
  const pulled = statuses.every((s) => s.state.waiting?.reason !== 'ImagePullBackOff');
  const ready = statuses.every((s) => s.ready) ? 'True' : 'False';
  const condition = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: started });
  return {
    phase: pulled ? 'Running' : 'Pending',
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    startTime: started,
    conditions: [condition('Initialized', 'True'), condition('Ready', ready), condition('ContainersReady', ready), condition('PodScheduled', 'True')],
    containerStatuses: statuses,
  };
}

/** Whether the pod's reported status already says what podStatus would. */
function upToDate(pod: Pod): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return pod.status?.containerStatuses !== undefined
    && ready === (pod.spec.containers.every((c) => fateOf(c.image) === 'ready') ? 'True' : 'False');
}

const podPath = (pod: Pod) => `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;

/** Conflicts and vanished objects are normal between two looks: the next look retries. */
const tolerated = (err: unknown) => {
  if (!(err instanceof ApiError && (err.status === 404 || err.status === 409))) {
    throw err;
  }
};

async function registerNode(api: ApiEndpoint): Promise<void> {
  const time = now();
  await apiRequest(api, 'POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    status: {
      capacity: { cpu: '8', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'stand-in node', lastHeartbeatTime: time, lastTransitionTime: time }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE_NAME }],
    },
  }).catch(tolerated); // 409: registered already
}

async function renewLease(api: ApiEndpoint): Promise<void> {
  const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
  const spec = { holderIdentity: NODE_NAME, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') };
  try {
    await apiRequest(api, 'PATCH', `${leases}/${NODE_NAME}`, { spec });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) {
      throw err;
    }
    await apiRequest(api, 'POST', leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: NODE_NAME }, spec });
  }
}

async function recordPullFailure(api: ApiEndpoint, pod: Pod): Promise<void> {
  const container = pod.spec.containers.find((c) => fateOf(c.image) === 'broken');
  if (!container) {
    return;
  }
  const time = now();
  await apiRequest(api, 'POST', `/api/v1/namespaces/${pod.metadata.namespace}/events`, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${pod.metadata.name}.` },
    involvedObject: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, fieldPath: `spec.containers{${container.name}}` },
    reason: 'Failed',
    message: `Failed to pull image "${container.image}": manifest unknown`,
    type: 'Warning',
    source: { component: 'kubelet', host: NODE_NAME },
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  }).catch(tolerated);
}

/** One look at the pods and Services, acting on what a kubelet and a cloud would. */
async function reconcile(api: ApiEndpoint): Promise<void> {
  const pods = (await apiRequest<{ items: Pod[] }>(api, 'GET', '/api/v1/pods')).items;
  await Promise.all(pods.map(async (pod) => {
    if (pod.metadata.deletionTimestamp) {
      // the kubelet has stopped the containers: it removes the pod for good
      await apiRequest(api, 'DELETE', podPath(pod), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }).catch(tolerated);
      return;
    }
    if (!pod.spec.nodeName) {
      await apiRequest(api, 'POST', `${podPath(pod)}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name }, target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME } }).catch(tolerated);
      return; // its status comes at the next look, as a kubelet's comes after the bind
    }
    if (!upToDate(pod)) {
      await apiRequest(api, 'PUT', `${podPath(pod)}/status`, { ...pod, status: podStatus(pod) }).catch(tolerated);
      await recordPullFailure(api, pod);
    }
  }));
  const services = (await apiRequest<{ items: Service[] }>(api, 'GET', '/api/v1/services')).items;
  await Promise.all(services.filter((s) => s.spec.type === 'LoadBalancer' && !s.status?.loadBalancer?.ingress?.length).map((s, i) =>
    apiRequest(api, 'PATCH', `/api/v1/namespaces/${s.metadata.namespace}/services/${s.metadata.name}/status`, { status: { loadBalancer: { ingress: [{ ip: `203.0.113.${10 + i}` }] } } }).catch(tolerated)));
  // without the CRD (a control plane of another suite), there is nothing to do
  const certificates = await apiRequest<{ items: ManagedCertificate[] }>(api, 'GET', '/apis/networking.gke.io/v1/managedcertificates').then((list) => list.items, () => []);
  await Promise.all(certificates.filter((c) => !c.status?.certificateStatus).map((c) => {
    const state = (domain: string) => (domain.startsWith('active.') ? 'Active' : 'Provisioning');
    const domains = c.spec.domains ?? [];
    // the CRD has no status subresource: the status is written with the object
    const status = { certificateStatus: domains.every((d) => state(d) === 'Active') ? 'Active' : 'Provisioning', domainStatus: domains.map((domain) => ({ domain, status: state(domain) })) };
    return apiRequest(api, 'PATCH', `/apis/networking.gke.io/v1/namespaces/${c.metadata.namespace}/managedcertificates/${c.metadata.name}`, { status }).catch(tolerated);
  }));
  // an address only once the certificates it names have their status (from this look, written
  // above): whoever waits for an Ingress's address then finds its certificates' status too
  const ingresses = (await apiRequest<{ items: Ingress[] }>(api, 'GET', '/apis/networking.k8s.io/v1/ingresses')).items;
  const certified = (ingress: Ingress) => (ingress.metadata.annotations?.[GKE_ANNOTATIONS.managedCertificates] ?? '').split(',').filter(Boolean)
    .every((name) => certificates.some((c) => c.metadata.namespace === ingress.metadata.namespace && c.metadata.name === name.trim()));
  await Promise.all(ingresses.filter((s) => !s.status?.loadBalancer?.ingress?.length && certified(s)).map((s, i) =>
    apiRequest(api, 'PATCH', `/apis/networking.k8s.io/v1/namespaces/${s.metadata.namespace}/ingresses/${s.metadata.name}/status`, { status: { loadBalancer: { ingress: [{ ip: `203.0.113.${100 + i}` }] } } }).catch(tolerated)));
}

interface Ingress extends Service {
  metadata: Service['metadata'] & { annotations?: Record<string, string> };
}

interface ManagedCertificate {
  metadata: { name: string; namespace: string };
  spec: { domains?: string[] };
  status?: { certificateStatus?: string };
}

interface StandInConfig extends ApiEndpoint {
  /** Processes to stop, and a directory to remove, when the parent goes away first. */
  readonly guard?: { readonly pids: readonly number[]; readonly dir: string };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.HELLO_NODE_STAND_IN ?? '') as StandInConfig;
  const parent = process.ppid;
  const orphaned = () => {
    try {
      process.kill(parent, 0);
      return process.ppid !== parent;
    } catch {
      return true;
    }
  };
  process.on('SIGTERM', () => process.exit(0));
  await registerNode(config);
  let lastLease = 0;
  for (;;) {
    if (orphaned()) {
      for (const pid of config.guard?.pids ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (config.guard) {
        fs.rmSync(config.guard.dir, { recursive: true, force: true });
      }
      process.exit(0);
    }
    try {
      if (Date.now() - lastLease > 10_000) {
        await renewLease(config);
        lastLease = Date.now();
      }
      await reconcile(config);
    } catch (err) {
      // a failed look is retried at the next one; say why, for a test that then times out
      process.stderr.write(`stand-in node: ${(err as Error).message}\n`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (require.main === module) {
  void main();
}
