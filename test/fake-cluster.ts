// A stand-in Kubernetes cluster behind a stand-in kubectl, for testing the CLI's
// deploy, diff, status and teardown in-process. It keeps objects as kubectl would
// print them, runs a ReplicationController's and a Deployment's controller (pods from
// the template, Ready one tick after they are created) and gives a LoadBalancer an
// address one tick after it appears. Each clock sleep is one tick. Pods whose image
// tag is `broken` never pull; those whose tag is `crash` crash-loop.
import { parseAllDocuments } from 'yaml';
import { KubeEvent, KubeObject, TEMPLATE_HASH_ANNOTATION } from '../src/cluster-state';
import { ToolCommand, ToolResult } from '../src/tools';

type Obj = KubeObject & { metadata: KubeObject['metadata'] & { labels?: Record<string, string>; annotations?: Record<string, string> } };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the objects' specs are free-form JSON here
type Loose = any;

const APPLYSET_LABEL = 'applyset.kubernetes.io/part-of';
const ok = (stdout = ''): ToolResult => ({ exitCode: 0, stdout, stderr: '' });

export class FakeCluster {
  objects: Obj[] = [];
  pods: Obj[] = [];
  events: KubeEvent[] = [];
  private serial = 0;
  private time = Date.parse('2026-11-26T12:00:00Z');
  /** Every kubectl command, as [args...], for assertions. */
  readonly kubectlCalls: string[][] = [];
  /** The pods deleted, in order. */
  readonly deletedPods: string[] = [];
  /** The lowest count of Ready pods seen at any tick, after the first deploy finished. */
  minReady = Infinity;
  reachable = true;

  now = (): number => this.time;

  /** One tick: pods created before become Ready (or fail), load balancers get an address, controllers act. */
  tick(): void {
    this.time += 2000;
    for (const pod of this.pods) {
      const image: string = (pod.spec as Loose).containers[0].image;
      if (image.endsWith(':broken')) {
        (pod as Loose).status = { conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'hello-node', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } } }] };
      } else if (image.endsWith(':crash')) {
        (pod as Loose).status = { conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'hello-node', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] };
      } else {
        (pod as Loose).status = { conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'hello-node', ready: true, restartCount: 0, image, state: {} }] };
      }
    }
    for (const svc of this.objects.filter((o) => o.kind === 'Service' && (o.spec as Loose).type === 'LoadBalancer')) {
      (svc as Loose).status = { loadBalancer: { ingress: [{ ip: '34.85.10.20' }] } };
    }
    this.reconcile();
    const ready = this.pods.filter((p) => (p.status as Loose)?.conditions?.[0]?.status === 'True').length;
    if (this.objects.some((o) => o.kind === 'ReplicationController' || o.kind === 'Deployment')) {
      this.minReady = Math.min(this.minReady, ready);
    }
  }

  /** The controllers: each workload keeps spec.replicas pods; a Deployment replaces outdated ones itself. */
  private reconcile(): void {
    for (const workload of this.objects.filter((o) => o.kind === 'ReplicationController' || o.kind === 'Deployment')) {
      const spec = workload.spec as Loose;
      const owned = () => this.pods.filter((p) => p.metadata.ownerReferences?.[0].uid === workload.metadata.uid);
      if (workload.kind === 'Deployment') {
        // a Deployment's rollout, simplified: outdated pods are replaced at once
        const hash = JSON.stringify(spec.template);
        for (const pod of owned().filter((p) => p.metadata.annotations?.['fake/template'] !== hash)) {
          this.pods = this.pods.filter((p) => p !== pod);
        }
        const updated = owned().length;
        const ready = owned().filter((p) => (p.status as Loose)?.conditions?.[0]?.status === 'True').length;
        (workload as Loose).status = { observedGeneration: workload.metadata.generation, replicas: updated, updatedReplicas: updated, readyReplicas: ready, availableReplicas: ready };
      }
      while (owned().length < spec.replicas) {
        const template = spec.template;
        this.pods.push({
          kind: 'Pod',
          metadata: {
            name: `${workload.metadata.name}-${(this.serial++).toString(36).padStart(5, 'x')}`,
            namespace: workload.metadata.namespace,
            creationTimestamp: new Date(this.time).toISOString(),
            labels: { ...template.metadata.labels },
            annotations: { ...template.metadata.annotations, 'fake/template': JSON.stringify(template) },
            ownerReferences: [{ kind: workload.kind, name: workload.metadata.name, uid: workload.metadata.uid as string }],
          },
          spec: structuredClone(template.spec),
          status: { conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'hello-node', state: { waiting: { reason: 'ContainerCreating' } } }] },
        });
      }
      // scaling down removes pods that are not ready first, then the newest
      const isReady = (p: Obj) => (p.status as Loose)?.conditions?.[0]?.status === 'True';
      while (owned().length > spec.replicas) {
        const victim = owned().find((p) => !isReady(p)) ?? owned().at(-1);
        this.pods = this.pods.filter((p) => p !== victim);
      }
    }
  }

  private find(ref: string): Obj | undefined {
    const [kind, name] = ref.split('/');
    return this.objects.find((o) => o.kind.toLowerCase() === kind.toLowerCase() && o.metadata.name === name);
  }

  private apply(yaml: string, applySet?: string): void {
    const incoming = parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
    for (const obj of incoming) {
      const existing = this.objects.find((o) => o.kind === obj.kind && o.metadata.name === obj.metadata.name);
      if (existing) {
        const changed = JSON.stringify(existing.spec) !== JSON.stringify(obj.spec);
        Object.assign(existing, { spec: obj.spec, metadata: { ...existing.metadata, labels: obj.metadata.labels, annotations: obj.metadata.annotations, generation: (existing.metadata.generation ?? 1) + (changed ? 1 : 0) } });
      } else {
        this.objects.push({ ...structuredClone(obj), metadata: { ...obj.metadata, uid: `uid-${this.serial++}`, generation: 1 } });
      }
    }
    if (applySet) {
      const id = incoming[0]?.metadata.labels?.[APPLYSET_LABEL];
      const wanted = new Set(incoming.map((o) => `${o.kind}/${o.metadata.name}`));
      for (const gone of this.objects.filter((o) => o.metadata.labels?.[APPLYSET_LABEL] === id && !wanted.has(`${o.kind}/${o.metadata.name}`))) {
        this.objects = this.objects.filter((o) => o !== gone);
        this.pods = this.pods.filter((p) => p.metadata.ownerReferences?.[0].uid !== gone.metadata.uid);
      }
      const kinds = [...new Set(incoming.map((o) => (o.apiVersion?.includes('/') ? `${o.kind}.${o.apiVersion.split('/')[0]}` : o.kind)))].sort();
      this.objects = this.objects.filter((o) => !(o.kind === 'Secret' && o.metadata.name === applySet));
      this.objects.push({ kind: 'Secret', metadata: { name: applySet, labels: { 'applyset.kubernetes.io/id': id ?? '' }, annotations: { 'applyset.kubernetes.io/contains-group-kinds': kinds.join(',') } } });
    }
    this.reconcile();
  }

  private list(items: readonly unknown[]): ToolResult {
    return ok(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }

  /** The stand-in kubectl. */
  kubectl(command: ToolCommand): ToolResult {
    const args = [...command.args];
    this.kubectlCalls.push(args);
    if (!this.reachable) {
      return { exitCode: 1, stdout: '', stderr: 'E1126 12:00:00.000 memcache.go:265] couldn\'t get current server API group list: Get "https://34.85.1.1/api": dial tcp 34.85.1.1:443: connect: connection refused\nUnable to connect to the server: dial tcp 34.85.1.1:443: connect: connection refused\n' };
    }
    const [verb, ...rest] = args;
    if (verb === 'config') {
      return ok('');
    }
    if (verb === 'apply') {
      const applySet = args.find((a) => a.startsWith('--applyset='))?.slice('--applyset='.length);
      this.apply(command.input ?? '', applySet);
      return ok();
    }
    if (verb === 'diff') {
      const incoming = parseAllDocuments(command.input ?? '').map((d) => d.toJS() as Obj);
      const changed = incoming.some((obj) => {
        const live = this.objects.find((o) => o.kind === obj.kind && o.metadata.name === obj.metadata.name);
        return !live || JSON.stringify(live.spec) !== JSON.stringify(obj.spec) || JSON.stringify(live.metadata.labels) !== JSON.stringify(obj.metadata.labels);
      });
      return { exitCode: changed ? 1 : 0, stdout: changed ? 'diff -u -N /tmp/LIVE/v1.Service.default.hello-node-svc /tmp/MERGED/...\n' : '', stderr: '' };
    }
    if (verb === 'scale') {
      const ref = rest.find((a) => a.includes('/')) ?? '';
      const target = this.find(ref);
      if (!target) {
        return { exitCode: 1, stdout: '', stderr: `Error from server (NotFound): ${ref} not found\n` };
      }
      (target.spec as Loose).replicas = Number(rest.find((a) => a.startsWith('--replicas='))?.split('=')[1]);
      this.reconcile();
      return ok();
    }
    if (verb === 'delete' && rest[0] === 'pod') {
      this.deletedPods.push(rest[1]);
      this.pods = this.pods.filter((p) => p.metadata.name !== rest[1]);
      this.reconcile();
      return ok();
    }
    if (verb === 'rollout' || verb === 'delete') {
      return ok();
    }
    if (verb === 'logs') {
      return ok('hello-node: cannot open log file "log.out": EACCES: permission denied\n');
    }
    if (verb === 'get') {
      const what = rest[0];
      const selector = rest.includes('--selector') ? rest[rest.indexOf('--selector') + 1] : undefined;
      if (what === 'pods') {
        const [key, value] = (selector ?? '').split(',')[0].split('=');
        return this.list(this.pods.filter((p) => p.metadata.labels?.[key] === value));
      }
      if (what === 'events') {
        return this.list(this.events);
      }
      if (what === 'replicasets') {
        return this.list([]);
      }
      if (selector?.startsWith(APPLYSET_LABEL)) {
        const id = selector.split('=')[1];
        return this.list(this.objects.filter((o) => o.metadata.labels?.[APPLYSET_LABEL] === id));
      }
      const found = this.find(what);
      return ok(found ? JSON.stringify(found) : '');
    }
    return { exitCode: 1, stdout: '', stderr: `fake kubectl: unknown command ${args.join(' ')}\n` };
  }

  /** A pod's template hash, for assertions. */
  static templateHashOf(pod: KubeObject): string | undefined {
    return pod.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION];
  }
}
