/**
 * The cluster's state as `kubectl get -o json` prints it, and what it means: whether a
 * rollout is done, what to do next, why it is stuck and what a person should do about
 * it. Pure functions from JSON to decisions and words, so every case is tested on
 * recorded states (src/kube/__fixtures__/cluster) without a cluster.
 */
import { GKE_ANNOTATIONS } from '../../lib/internal';

/** The fields of a Kubernetes object that the decisions read. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly generation?: number;
    readonly creationTimestamp?: string;
    readonly deletionTimestamp?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { readonly uid: string; readonly kind: string; readonly name: string }[];
  };
  readonly spec?: ObjectSpec;
  readonly status?: ObjectStatus;
}

/** The spec fields read here, of pods, workloads and Services alike. */
export interface ObjectSpec {
  readonly replicas?: number;
  /** A Deployment paused by `kubectl rollout pause`. */
  readonly paused?: boolean;
  readonly selector?: Readonly<Record<string, unknown>>;
  readonly template?: { readonly metadata?: { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> } };
  readonly containers?: readonly { readonly name: string; readonly image?: string }[];
  readonly type?: string;
  readonly ports?: readonly { readonly port: number; readonly targetPort?: number | string; readonly protocol?: string; readonly nodePort?: number }[];
  /** An Ingress's rules. */
  readonly rules?: readonly { readonly host?: string }[];
  /** A ManagedCertificate's domains. */
  readonly domains?: readonly string[];
  /** A HorizontalPodAutoscaler's target and bounds. */
  readonly scaleTargetRef?: { readonly apiVersion?: string; readonly kind: string; readonly name: string };
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly metrics?: readonly { readonly type: string; readonly resource?: { readonly name: string; readonly target?: { readonly averageUtilization?: number } } }[];
}

/** The status fields read here. */
export interface ObjectStatus {
  /** A ManagedCertificate's state (Provisioning, Active, ...) and each domain's. */
  readonly certificateStatus?: string;
  readonly domainStatus?: readonly { readonly domain: string; readonly status: string }[];
  readonly conditions?: readonly { readonly type: string; readonly status?: string; readonly reason?: string; readonly message?: string }[];
  readonly containerStatuses?: readonly ContainerStatus[];
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  /** A HorizontalPodAutoscaler's counts, and the metrics it last read. */
  readonly currentReplicas?: number;
  readonly desiredReplicas?: number;
  readonly currentMetrics?: readonly { readonly type: string; readonly resource?: { readonly name: string; readonly current?: { readonly averageUtilization?: number } } }[];
  /** A DaemonSet's counts. */
  readonly desiredNumberScheduled?: number;
  readonly updatedNumberScheduled?: number;
  readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string; readonly hostname?: string }[] };
}

/** An event, as `kubectl get events -o json` lists it. */
export interface KubeEvent {
  readonly involvedObject: { readonly kind: string; readonly name: string; readonly uid?: string };
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
}

/** The annotation that records which pod template a ReplicationController's pod was made from. */
export const TEMPLATE_HASH_ANNOTATION = 'hello-node/template-hash';

/** A container's status in a pod. */
export interface ContainerStatus {
  readonly name: string;
  readonly ready?: boolean;
  readonly restartCount?: number;
  readonly image?: string;
  readonly state?: { readonly waiting?: { readonly reason?: string; readonly message?: string }; readonly terminated?: { readonly reason?: string; readonly exitCode?: number } };
  readonly lastState?: { readonly terminated?: { readonly reason?: string; readonly exitCode?: number; readonly message?: string } };
}

const containerStatuses = (pod: KubeObject): readonly ContainerStatus[] => pod.status?.containerStatuses ?? [];
const condition = (obj: KubeObject, type: string) => (obj.status?.conditions ?? []).find((c) => c.type === type);

/** Whether the pod is Ready: its containers run and pass their readiness probes. */
export const isReady = (pod: KubeObject): boolean => condition(pod, 'Ready')?.status === 'True';
/** Whether the pod is going away. */
const isTerminating = (pod: KubeObject): boolean => pod.metadata.deletionTimestamp !== undefined;

/** The first waiting reason among the pod's containers (ContainerCreating, CrashLoopBackOff, ...). */
export function waitingReason(pod: KubeObject): string | undefined {
  return containerStatuses(pod).map((c) => c.state?.waiting?.reason).find((r) => r !== undefined);
}

/** Restarts of all the pod's containers. */
export const restarts = (pod: KubeObject): number => containerStatuses(pod).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);

/** What a rollout does next. */
export type RolloutStep =
  | { readonly action: 'done' }
  | { readonly action: 'wait'; readonly progress: string }
  | { readonly action: 'scale'; readonly replicas: number; readonly why: string }
  | { readonly action: 'delete'; readonly pod: string; readonly why: string };

/** What the ReplicationController's rollout sees. */
export interface ReplicationControllerState {
  /** The live ReplicationController. */
  readonly rc: KubeObject;
  /** The replicas the app asks for (the manifest's, not the live count, which a surge raises). */
  readonly replicas: number;
  /** The pods the ReplicationController owns. */
  readonly pods: readonly KubeObject[];
  /** Pods created before this instant count as outdated whatever their template (`deploy --restart`). */
  readonly restartedAt?: string;
}

/** What a container runs: the fields of a pod's container that must be the template's for the pod to be up to date. */
const RUN_FIELDS = ['image', 'command', 'args', 'env'] as const;
export type Containers = { readonly spec?: { readonly containers?: readonly ({ readonly name: string } & Partial<Record<(typeof RUN_FIELDS)[number], unknown>>)[] } };

/**
 * Whether the pod runs what the template says, container by container: a pod made from
 * a template someone edited by hand (`kubectl set image rc/...`) carries the template
 * hash of the template it was edited from, but runs something else.
 */
export function runsTemplate(pod: KubeObject | Containers, template: Containers | undefined): boolean {
  const wanted = template?.spec?.containers ?? [];
  const running = (pod as Containers).spec?.containers ?? [];
  return wanted.length === running.length && wanted.every((container) => {
    const ran = running.find((c) => c.name === container.name);
    return ran !== undefined && RUN_FIELDS.every((field) => JSON.stringify(container[field]) === JSON.stringify(ran[field]));
  });
}

/**
 * Whether the pod is what the ReplicationController's current template makes: the
 * template hash it was created with is the template's, its containers run what the
 * template says (whatever was changed by hand since, and however), and it is not older
 * than a requested restart.
 */
export function isUpdated(pod: KubeObject, rc: KubeObject, restartedAt?: string): boolean {
  const current = rc.spec?.template?.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION];
  const created = pod.metadata.creationTimestamp ?? '';
  return current !== undefined && pod.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] === current
    && runsTemplate(pod, rc.spec?.template as Containers | undefined)
    && (restartedAt === undefined || Date.parse(created) >= Date.parse(restartedAt));
}

/**
 * The next step of a ReplicationController rollout, which Kubernetes does not do for
 * one (it only ever creates pods from the current template, when pods are missing).
 *
 * Outdated pods that are not Ready go first: they serve nothing. Then the rollout
 * surges by one (replicas + 1), so that a new pod is Ready before any Ready old pod is
 * removed, and replaces the old pods one at a time, each only once the previous
 * replacement is Ready: never fewer than `replicas` Ready pods. Last, it scales back.
 */
export function replicationControllerStep(state: ReplicationControllerState): RolloutStep {
  const { rc, replicas, restartedAt } = state;
  const live = state.pods.filter((p) => !isTerminating(p));
  const outdated = live.filter((p) => !isUpdated(p, rc, restartedAt));
  const updatedReady = live.filter((p) => isUpdated(p, rc, restartedAt) && isReady(p)).length;
  const specReplicas = rc.spec?.replicas ?? replicas;
  const progress = `${live.length - outdated.length} of ${replicas} updated, ${updatedReady} ready`;

  const unreadyOld = outdated.find((p) => !isReady(p));
  if (unreadyOld) {
    return { action: 'delete', pod: unreadyOld.metadata.name, why: 'outdated and not ready' };
  }
  if (outdated.length === 0) {
    if (specReplicas > replicas) {
      return { action: 'scale', replicas, why: 'every pod is updated: back from the surge' };
    }
    if (live.length === replicas && updatedReady === replicas) {
      return { action: 'done' };
    }
    return { action: 'wait', progress: `${progress}; waiting for ${replicas - updatedReady} new pod(s) to be ready` };
  }
  const starting = live.find((p) => !isReady(p));
  if (starting || live.length < specReplicas) {
    return { action: 'wait', progress: `${progress}; waiting for ${starting ? `pod ${starting.metadata.name}` : 'a new pod'} to be ready` };
  }
  if (specReplicas <= replicas) {
    return { action: 'scale', replicas: replicas + 1, why: 'one extra pod, so that a new pod is ready before an old one goes' };
  }
  const oldest = [...outdated].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))[0];
  return { action: 'delete', pod: oldest.metadata.name, why: 'outdated; its replacement comes from the current template' };
}

/**
 * The pods of the workload's current template: the ones whose trouble stops a
 * rollout. Outdated pods are on their way out (a broken old pod is replaced, not a
 * reason to give up). For a Deployment, the pods of its newest ReplicaSet.
 */
export function currentPods(workload: KubeObject, pods: readonly KubeObject[], replicaSets: readonly KubeObject[] = [], restartedAt?: string): KubeObject[] {
  if (workload.kind !== 'Deployment') {
    return pods.filter((p) => isUpdated(p, workload, restartedAt));
  }
  const revision = (rs: KubeObject) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const newest = [...replicaSets].sort((a, b) => revision(a) - revision(b)).at(-1);
  const hash = newest?.metadata.labels?.['pod-template-hash'];
  return hash === undefined ? [...pods] : pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
}

/** How far a Deployment's own rollout is, from its status. */
export function deploymentStep(deployment: KubeObject): RolloutStep {
  const replicas = deployment.spec?.replicas ?? 1;
  const status: ObjectStatus = deployment.status ?? {};
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (observed && updated === replicas && total === replicas && available === replicas && ready === replicas) {
    return { action: 'done' };
  }
  const old = total - updated;
  const waitingFor = !observed ? 'the controller to see the new template'
    : updated < replicas ? `${replicas - updated} more updated pod(s)`
      : old > 0 ? `${old} old pod(s) to terminate`
        : `${replicas - Math.min(ready, available)} pod(s) to be ready`;
  return { action: 'wait', progress: `${updated} of ${replicas} updated, ${ready} ready; waiting for ${waitingFor}` };
}

/**
 * A paused Deployment (`kubectl rollout pause`), whose controller replaces no pod until
 * it is resumed: a rollout waiting for it waits forever. hello-node never resumes it
 * (as Helm and Argo CD do not): whoever paused it may be holding it on purpose.
 */
export function diagnosePaused(deployment: KubeObject): Diagnosis | undefined {
  if (deployment.kind !== 'Deployment' || deployment.spec?.paused !== true) {
    return undefined;
  }
  const ref = `deployment/${deployment.metadata.name}`;
  return {
    subject: ref,
    cause: 'is paused (kubectl rollout pause): its controller replaces no pod until it is resumed, and hello-node does not resume a rollout someone paused',
    nextStep: `kubectl rollout resume ${ref}${deployment.metadata.namespace ? ` --namespace ${deployment.metadata.namespace}` : ''}, then deploy again`,
    permanent: true,
  };
}

/** The external address of a LoadBalancer Service, once the cloud has given it one. */
export function externalAddress(service: KubeObject): string | undefined {
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  return ingress?.ip || ingress?.hostname || undefined;
}

/** The objects that get an external address from a cloud load balancer: LoadBalancer Services and Ingresses. */
export const isExternallyBalanced = (obj: KubeObject): boolean => (obj.kind === 'Service' && obj.spec?.type === 'LoadBalancer') || obj.kind === 'Ingress';

/** The hosts an Ingress routes. */
const ingressHosts = (ingress: KubeObject): string[] => (ingress.spec?.rules ?? []).flatMap((rule) => (rule.host ? [rule.host] : []));

/** `https://<host>/` for each host an Ingress routes. */
export function ingressUrls(ingress: KubeObject): string[] {
  return ingressHosts(ingress).map((host) => `https://${host}/`);
}

/**
 * What to tell the operator of an Ingress with an address: where its hosts' DNS must
 * point, and the state of each Google-managed certificate it names, with what a
 * certificate that is not Active yet waits for (Provisioning is no failure: Google
 * provisions it once the domains resolve to the address, which can take up to an hour).
 */
export function httpsNotes(ingress: KubeObject, certificates: readonly KubeObject[]): string[] {
  const address = externalAddress(ingress);
  const hosts = ingressHosts(ingress);
  const notes = address && hosts.length > 0 ? [`point the DNS of ${hosts.join(', ')} at ${address} (an A record)`] : [];
  const names = (ingress.metadata.annotations?.[GKE_ANNOTATIONS.managedCertificates] ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  for (const name of names) {
    const certificate = certificates.find((c) => c.metadata.name === name);
    if (!certificate) {
      notes.push(`managedcertificate/${name}: not found: \`hello-node deploy\` creates it, and Google then provisions it`);
      continue;
    }
    const state = certificate.status?.certificateStatus;
    if (state === 'Active') {
      notes.push(`managedcertificate/${name}: Active`);
      continue;
    }
    const domains = (certificate.status?.domainStatus ?? []).filter((d) => d.status !== 'Active').map((d) => `${d.domain}: ${d.status}`);
    const named = certificate.spec?.domains ?? hosts;
    const waitsFor = `Google provisions it once ${named.join(', ')} ${named.length === 1 ? 'resolves' : 'resolve'}${address ? ` to ${address}` : ''}, which can take up to an hour; until then HTTPS is refused`;
    notes.push(`managedcertificate/${name}: ${state ?? 'no status yet'}${domains.length > 0 ? ` (${domains.join(', ')})` : ''}: ${waitsFor}`);
  }
  return notes;
}

/** `:<port>` for the Service's first port, or nothing for HTTP's own 80. */
export function portSuffix(service: KubeObject): string {
  const port = service.spec?.ports?.[0]?.port;
  return port === undefined || port === 80 ? '' : `:${port}`;
}

/** `http://<external address>[:<port>]/` of a LoadBalancer Service, once the cloud has given it an address. */
export function serviceUrl(service: KubeObject): string | undefined {
  const address = externalAddress(service);
  return address && `http://${address.includes(':') ? `[${address}]` : address}${portSuffix(service)}/`;
}

/** Whether `owner` is among the owners of `obj` (a pod's ReplicaSet, a ReplicaSet's Deployment). */
export const isOwnedBy = (obj: KubeObject, owner: KubeObject): boolean =>
  owner.metadata.uid !== undefined && (obj.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);

/** The kinds whose objects run pods from a template, and so have a rollout and a status of pods. */
export const WORKLOAD_KINDS: readonly string[] = ['ReplicationController', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'];

/** Why a rollout cannot finish, and what to do. */
export interface Diagnosis {
  /** The object it is about: `pod/<name>`, `replicationcontroller/<name>`, ... */
  readonly subject: string;
  /** One line: what is wrong. */
  readonly cause: string;
  /** What a person does next. */
  readonly nextStep: string;
  /** Whether waiting longer cannot help, so the rollout stops now. */
  readonly permanent: boolean;
  /** For a crash loop: the pod and container whose last log lines explain it. */
  readonly logsOf?: { readonly pod: string; readonly namespace?: string; readonly container: string };
}

const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * Why the given pods (the ones that are not Ready) and the workload are stuck, from
 * the pods' status and the events: pulling failures, crash loops, scheduling, probes,
 * and pods the workload could not create at all (admission refusals such as Pod
 * Security). `owners` are the workload and, for a Deployment, its ReplicaSets: a refusal
 * is what the controller holds now of the template it has seen, its ReplicaFailure
 * condition at its current generation ({@link isRefusingPods}), told in the words of its
 * latest FailedCreate event; such an event alone may be of the template before (the
 * last deploy's, refused by Pod Security).
 */
export function diagnose(pods: readonly KubeObject[], events: readonly KubeEvent[], owners: readonly KubeObject[]): Diagnosis[] {
  const found: Diagnosis[] = [];
  const refusing = owners.find(isRefusingPods);
  if (refusing) {
    // in the words of its latest attempt (the event recorder's prefixes aside): the condition keeps those of the first refusal until one succeeds
    const attempt = latest(events.filter((e) => e.reason === 'FailedCreate' && e.involvedObject.kind === refusing.kind && e.involvedObject.name === refusing.metadata.name));
    const message = (attempt?.message ?? condition(refusing, 'ReplicaFailure')?.message ?? '').replace(/^(\(combined from similar events\): )?Error creating: /, '');
    found.push({
      subject: `${refusing.kind.toLowerCase()}/${refusing.metadata.name}`,
      cause: `cannot create pods: ${message}`,
      nextStep: /violates PodSecurity/.test(message)
        ? 'the namespace enforces Pod Security: deploy the production profile (HELLO_NODE_PROFILE=production or --profile production), whose pods it admits'
        : 'fix what the message names (a quota, an admission policy), then deploy again',
      permanent: /forbidden/.test(message),
    });
  }
  for (const deployment of owners.filter((o) => o.kind === 'Deployment')) {
    const progressing = condition(deployment, 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      found.push({
        subject: `deployment/${deployment.metadata.name}`,
        cause: `no progress within its progress deadline: ${progressing.message ?? ''}`.trim(),
        nextStep: 'see the pods\' causes here; `kubectl rollout undo deployment/' + deployment.metadata.name + '` goes back to the previous template',
        permanent: true,
      });
    }
  }
  for (const pod of pods.filter((p) => !isReady(p) && !isTerminating(p))) {
    const diagnosis = diagnosePod(pod, events.filter((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === pod.metadata.name));
    if (diagnosis) {
      found.push(diagnosis);
    }
  }
  return found;
}

function diagnosePod(pod: KubeObject, events: readonly KubeEvent[]): Diagnosis | undefined {
  const subject = `pod/${pod.metadata.name}`;
  const image = (name: string) => pod.spec?.containers?.find((c) => c.name === name)?.image ?? 'its image';
  for (const c of containerStatuses(pod)) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
      return {
        subject,
        cause: `cannot pull image ${image(c.name)} (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`,
        nextStep: 'push the image (`hello-node image push`), check its tag, and check that the cluster\'s nodes may read the registry',
        permanent: waiting.reason !== 'ErrImagePull',
      };
    }
    if (waiting?.reason === 'CrashLoopBackOff') {
      const last = c.lastState?.terminated;
      const oom = last?.reason === 'OOMKilled';
      return {
        subject,
        cause: `container ${c.name} keeps crashing (${c.restartCount ?? 0} restarts, last exit ${last?.reason ?? 'unknown'}${last?.exitCode === undefined ? '' : ` code ${last.exitCode}`})`,
        nextStep: oom ? 'it ran out of memory: raise the memory limit (the resources prop)' : 'read its last log lines (above), fix the cause, build and push a new image, and deploy it',
        permanent: true,
        logsOf: oom ? undefined : { pod: pod.metadata.name, namespace: pod.metadata.namespace, container: c.name },
      };
    }
    if (waiting?.reason === 'CreateContainerConfigError' || waiting?.reason === 'CreateContainerError') {
      return { subject, cause: `cannot create container ${c.name}: ${waiting.message ?? waiting.reason}`, nextStep: 'fix the pod template the message names, then deploy again', permanent: true };
    }
  }
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return {
      subject,
      cause: `cannot be scheduled: ${scheduled.message ?? 'no node fits it'}`,
      nextStep: 'add nodes (or let the cluster autoscaler add them), or lower the pod\'s resource requests',
      permanent: false,
    };
  }
  const unhealthy = latest(events.filter((e) => e.reason === 'Unhealthy'));
  if (unhealthy) {
    return { subject, cause: `probe failing: ${unhealthy.message}`, nextStep: 'check that the server answers the probe path on the container port', permanent: false };
  }
  const reason = waitingReason(pod);
  return reason && reason !== 'ContainerCreating' && reason !== 'PodInitializing'
    ? { subject, cause: `waiting: ${reason}`, nextStep: `kubectl describe pod ${pod.metadata.name}${pod.metadata.namespace ? ` --namespace ${pod.metadata.namespace}` : ''} tells more`, permanent: false }
    : undefined;
}

/** Why a LoadBalancer Service has no address: its latest warning event, if any. */
export function diagnoseLoadBalancer(service: KubeObject, events: readonly KubeEvent[]): Diagnosis {
  const warning = latest(events.filter((e) => e.involvedObject.kind === service.kind && e.involvedObject.name === service.metadata.name && e.type === 'Warning'));
  const what = service.kind === 'Ingress' ? 'the HTTP(S) load balancer' : 'the LoadBalancer';
  return {
    subject: `${service.kind.toLowerCase()}/${service.metadata.name}`,
    cause: `${what} has no external address${warning ? `: ${warning.reason}: ${warning.message}` : ' yet'}`,
    nextStep: warning ? 'fix what the event names (a quota of external IPs, a firewall), then deploy again' : 'a new load balancer takes a few minutes: run `hello-node url` to wait longer',
    permanent: false,
  };
}

function latest(events: readonly KubeEvent[]): KubeEvent | undefined {
  const time = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? '';
  return [...events].sort((a, b) => time(a).localeCompare(time(b))).at(-1);
}

/**
 * Whether a ReplicationController or ReplicaSet cannot create its pods now: the
 * controller says so in its ReplicaFailure condition (reason FailedCreate), which it sets
 * when a creation fails and removes once one succeeds, and has seen its current template
 * (status.observedGeneration). Source: kube-controller-manager's replica_set_utils.go
 * (calculateStatus), which the ReplicationController manager shares.
 */
function isRefusingPods(owner: KubeObject): boolean {
  const failure = condition(owner, 'ReplicaFailure');
  return failure?.status === 'True' && failure.reason === 'FailedCreate' && (owner.status?.observedGeneration ?? 0) >= (owner.metadata.generation ?? 0);
}
