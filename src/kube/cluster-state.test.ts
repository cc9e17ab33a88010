import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  currentPods,
  deploymentStep,
  diagnose,
  diagnoseLoadBalancer,
  diagnosePaused,
  externalAddress,
  httpsNotes,
  ingressUrls,
  KubeEvent,
  KubeObject,
  replicationControllerStep,
  RolloutStep,
  TEMPLATE_HASH_ANNOTATION,
} from './cluster-state';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded kubectl JSON
const recorded = (name: string): any => JSON.parse(fs.readFileSync(path.join(__dirname, '__fixtures__', 'cluster', `${name}.json`), 'utf8'));

const NEW = 'new-template';
const rc = (replicas: number): KubeObject => ({
  kind: 'ReplicationController',
  metadata: { name: 'hello-node-rc' },
  spec: { replicas, template: { metadata: { annotations: { [TEMPLATE_HASH_ANNOTATION]: NEW } } } },
});
const pod = (name: string, hash: string, ready: boolean, extra: { created?: string; terminating?: boolean } = {}): KubeObject => ({
  kind: 'Pod',
  metadata: {
    name,
    creationTimestamp: extra.created ?? '2026-11-26T10:00:00Z',
    deletionTimestamp: extra.terminating ? '2026-11-26T10:05:00Z' : undefined,
    annotations: { [TEMPLATE_HASH_ANNOTATION]: hash },
  },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('replicationControllerStep', () => {
  test('is done when every pod is from the current template and ready', () => {
    expect(replicationControllerStep({ rc: rc(2), replicas: 2, pods: [pod('a', NEW, true), pod('b', NEW, true)] })).toEqual({ action: 'done' });
  });

  test('replaces a pod that carries the current template\'s hash but runs another image: one made from a template edited by hand', () => {
    const running = (image: string) => ({ spec: { containers: [{ name: 'hello-node', image }] } });
    const withImage = (p: KubeObject, image: string): KubeObject => ({ ...p, ...running(image) });
    const live: KubeObject = { ...rc(2), spec: { replicas: 2, template: { ...rc(2).spec?.template, ...running('gcr.io/p/hello-node:v1') } as NonNullable<KubeObject['spec']>['template'] } };
    const pods = [withImage(pod('a', NEW, true), 'gcr.io/p/hello-node:v1'), withImage(pod('hotfix', NEW, true), 'gcr.io/p/hello-node:hotfix')];
    expect(replicationControllerStep({ rc: live, replicas: 2, pods })).toMatchObject({ action: 'scale', replicas: 3 });
    expect(replicationControllerStep({ rc: live, replicas: 2, pods: [pods[0], withImage(pod('b', NEW, true), 'gcr.io/p/hello-node:v1')] })).toEqual({ action: 'done' });
  });

  test('replaces an outdated pod that is not ready first, since it serves nothing', () => {
    const step = replicationControllerStep({ rc: rc(2), replicas: 2, pods: [pod('old-ready', 'old', true), pod('old-broken', 'old', false)] });
    expect(step).toMatchObject({ action: 'delete', pod: 'old-broken' });
  });

  test('surges by one before removing any ready old pod', () => {
    expect(replicationControllerStep({ rc: rc(2), replicas: 2, pods: [pod('a', 'old', true), pod('b', 'old', true)] }))
      .toMatchObject({ action: 'scale', replicas: 3 });
  });

  test('waits for the surge pod to be ready, removing nothing meanwhile', () => {
    const step = replicationControllerStep({ rc: rc(3), replicas: 2, pods: [pod('a', 'old', true), pod('b', 'old', true), pod('c', NEW, false)] });
    expect(step).toMatchObject({ action: 'wait', progress: '1 of 2 updated, 0 ready; waiting for pod c to be ready' });
  });

  test('removes the oldest ready old pod once the new one is ready', () => {
    const step = replicationControllerStep({
      rc: rc(3),
      replicas: 2,
      pods: [pod('a', 'old', true, { created: '2026-11-02T00:00:00Z' }), pod('b', 'old', true, { created: '2026-11-01T00:00:00Z' }), pod('c', NEW, true)],
    });
    expect(step).toMatchObject({ action: 'delete', pod: 'b' });
  });

  test('ignores terminating pods and waits for the controller to create the replacement', () => {
    const step = replicationControllerStep({ rc: rc(3), replicas: 2, pods: [pod('a', 'old', true), pod('b', 'old', true, { terminating: true }), pod('c', NEW, true)] });
    expect(step.action).toBe('wait');
  });

  test('scales back from the surge once no pod is outdated', () => {
    expect(replicationControllerStep({ rc: rc(3), replicas: 2, pods: [pod('c', NEW, true), pod('d', NEW, true), pod('e', NEW, true)] }))
      .toMatchObject({ action: 'scale', replicas: 2 });
  });

  test('with --restart, pods created before it are outdated even from the current template', () => {
    const step = replicationControllerStep({ rc: rc(1), replicas: 1, pods: [pod('a', NEW, true, { created: '2026-11-26T09:00:00Z' })], restartedAt: '2026-11-26T10:00:00Z' });
    expect(step).toMatchObject({ action: 'scale', replicas: 2 });
  });

  test('a whole rollout of three replicas never has fewer than three ready pods, and ends with three new ones', () => {
    // a small simulation of the ReplicationController: it keeps spec.replicas pods,
    // creating new ones from the current template, which become ready on the next look
    let replicas = 3;
    let pods = ['a', 'b', 'c'].map((n) => pod(n, 'old', true));
    let created = 0;
    const steps: RolloutStep[] = [];
    for (let i = 0; i < 30; i++) {
      pods = pods.map((p) => ({ ...p, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));
      while (pods.length < replicas) {
        pods.push(pod(`new-${created++}`, NEW, false, { created: `2026-11-26T11:00:${String(created).padStart(2, '0')}Z` }));
      }
      const step = replicationControllerStep({ rc: rc(replicas), replicas: 3, pods });
      steps.push(step);
      expect(pods.filter((p) => p.status?.conditions?.[0].status === 'True').length).toBeGreaterThanOrEqual(3);
      if (step.action === 'done') {
        break;
      }
      if (step.action === 'scale') {
        replicas = step.replicas;
        // scaling down removes a pod that is not ready first, else the newest
        while (pods.length > replicas) {
          pods.pop();
        }
      }
      if (step.action === 'delete') {
        pods = pods.filter((p) => p.metadata.name !== step.pod);
      }
    }
    expect(steps.at(-1)).toEqual({ action: 'done' });
    expect(pods.map((p) => p.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION])).toEqual([NEW, NEW, NEW]);
    expect(steps.filter((s) => s.action === 'delete')).toHaveLength(3);
  });
});

describe('currentPods', () => {
  test('of a ReplicationController: the pods of its current template', () => {
    expect(currentPods(rc(2), [pod('old', 'old', false), pod('new', NEW, false)]).map((p) => p.metadata.name)).toEqual(['new']);
  });

  test('of a Deployment: the pods of its newest ReplicaSet, by revision', () => {
    const rs = (hash: string, revision: string): KubeObject => ({ kind: 'ReplicaSet', metadata: { name: `d-${hash}`, labels: { 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': revision } } });
    const labelled = (name: string, hash: string): KubeObject => ({ kind: 'Pod', metadata: { name, labels: { 'pod-template-hash': hash } } });
    const deployment: KubeObject = { kind: 'Deployment', metadata: { name: 'd' } };
    const pods = [labelled('a', 'aaa'), labelled('b', 'bbb')];
    expect(currentPods(deployment, pods, [rs('bbb', '10'), rs('aaa', '9')]).map((p) => p.metadata.name)).toEqual(['b']);
    expect(currentPods(deployment, pods, [])).toHaveLength(2);
  });
});

describe('deploymentStep', () => {
  test('follows a rollout that progresses, and is done when every pod is updated and ready', () => {
    const { workload, done } = recorded('rollout-progressing');
    expect(deploymentStep(workload)).toEqual({ action: 'wait', progress: '2 of 3 updated, 3 ready; waiting for 1 more updated pod(s)' });
    expect(deploymentStep(done)).toEqual({ action: 'done' });
  });

  test('waits for the controller to observe a new generation', () => {
    const { done } = recorded('rollout-progressing');
    const step = deploymentStep({ ...done, metadata: { ...done.metadata, generation: 6 } });
    expect(step).toMatchObject({ action: 'wait', progress: expect.stringContaining('the controller to see the new template') });
  });
});

describe('diagnosePaused', () => {
  test('a paused Deployment is a cause that waiting cannot fix, with the command that resumes it', () => {
    const { workload } = recorded('rollout-progressing');
    expect(diagnosePaused({ ...workload, spec: { ...workload.spec, paused: true } })).toEqual({
      subject: `deployment/${workload.metadata.name}`,
      cause: 'is paused (kubectl rollout pause): its controller replaces no pod until it is resumed, and hello-node does not resume a rollout someone paused',
      nextStep: `kubectl rollout resume deployment/${workload.metadata.name}${workload.metadata.namespace ? ` --namespace ${workload.metadata.namespace}` : ''}, then deploy again`,
      permanent: true,
    });
    expect(diagnosePaused(workload)).toBeUndefined();
  });
});

describe('diagnose', () => {
  test('a pulling failure names the image and says to push it; back-off is permanent', () => {
    const { workload, pods, events } = recorded('pull-failure');
    const [diagnosis] = diagnose(pods.items, events.items, [workload]);
    expect(diagnosis).toMatchObject({ subject: 'pod/hello-node-rc-8xk2p', permanent: true });
    expect(diagnosis.cause).toContain('cannot pull image gcr.io/terrycho-sandbox/hello-node:v2 (ImagePullBackOff');
    expect(diagnosis.nextStep).toContain('hello-node image push');
  });

  test('ErrImagePull alone may be a registry hiccup: not permanent yet', () => {
    const { pods } = recorded('pull-failure');
    const pulling = JSON.parse(JSON.stringify(pods.items[0]).replace('ImagePullBackOff', 'ErrImagePull'));
    expect(diagnose([pulling], [], [])[0].permanent).toBe(false);
  });

  test('a crash loop asks for the container\'s last log lines', () => {
    const { workload, pods, events } = recorded('crash-loop');
    expect(diagnose(pods.items, events.items, [workload])).toEqual([{
      subject: 'pod/hello-node-deployment-7c9f8b6d5-qw4rt',
      cause: 'container hello-node keeps crashing (4 restarts, last exit Error code 1)',
      nextStep: expect.stringContaining('log lines'),
      permanent: true,
      logsOf: { pod: 'hello-node-deployment-7c9f8b6d5-qw4rt', namespace: 'default', container: 'hello-node' },
    }]);
  });

  test('an unschedulable pod quotes the scheduler, and waiting may help (an autoscaler)', () => {
    const { pods, events } = recorded('unschedulable');
    expect(diagnose(pods.items, events.items, [])).toEqual([expect.objectContaining({
      cause: 'cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      permanent: false,
    })]);
  });

  test('pods refused by Pod Security: the FailedCreate event on the workload, and the production profile as the way out', () => {
    const { refusedRc, refusedEvents } = recorded('rollout-stalled');
    const [diagnosis] = diagnose([], refusedEvents.items, [refusedRc]);
    expect(diagnosis).toMatchObject({ subject: 'replicationcontroller/hello-node-rc', permanent: true });
    expect(diagnosis.cause).toContain('violates PodSecurity "restricted:latest"');
    expect(diagnosis.nextStep).toContain('HELLO_NODE_PROFILE=production');
  });

  test('a refusal is told in the words of the latest attempt, without the event recorder\'s prefixes', () => {
    const { refusedRc, refusedEvents } = recorded('rollout-stalled');
    const [first] = refusedEvents.items as KubeEvent[];
    const later = { ...first, lastTimestamp: '2030-01-01T00:00:00Z', message: '(combined from similar events): Error creating: pods "hello-node-rc-later" is forbidden: exceeded quota: pods' };
    expect(diagnose([], [first, later], [refusedRc])[0].cause).toBe('cannot create pods: pods "hello-node-rc-later" is forbidden: exceeded quota: pods');
  });

  test('a Deployment past its progress deadline is stuck for good', () => {
    const { workload } = recorded('rollout-stalled');
    expect(diagnose([], [], [workload])).toEqual([expect.objectContaining({ subject: 'deployment/hello-node-deployment', permanent: true })]);
  });

  test('a refusal counts while the controller holds it for the template it has seen: not an event alone, nor a condition of the generation before', () => {
    const { refusedRc, refusedEvents } = recorded('rollout-stalled');
    const generation = refusedRc.metadata.generation ?? 1;
    // the deploy's apply wrote a new template that the controller has not seen yet: the refusal is the last deploy's
    const unseen = { ...refusedRc, metadata: { ...refusedRc.metadata, generation: generation + 1 } };
    expect(diagnose([], refusedEvents.items as KubeEvent[], [unseen])).toEqual([]);
    // the controller saw it and created its pods: its condition is gone, its old events are not
    const admitted = { ...refusedRc, status: { observedGeneration: generation, replicas: 3 } };
    expect(diagnose([], refusedEvents.items as KubeEvent[], [admitted])).toEqual([]);
  });

  test('ignores FailedCreate events of other objects', () => {
    const { refusedEvents } = recorded('rollout-stalled');
    expect(diagnose([], refusedEvents.items as KubeEvent[], [{ kind: 'ReplicationController', metadata: { name: 'other-rc' } }])).toEqual([]);
  });
});

describe('load balancer', () => {
  test('has no address while pending, and its warning event says why', () => {
    const { service, events } = recorded('pending-load-balancer');
    expect(externalAddress(service)).toBeUndefined();
    expect(diagnoseLoadBalancer(service, events.items).cause).toContain('SyncLoadBalancerFailed: Error syncing load balancer');
    expect(diagnoseLoadBalancer(service, events.items).cause).toContain('QUOTA_EXCEEDED');
  });

  test('reads an IP or a hostname ingress', () => {
    const { service } = recorded('pending-load-balancer');
    expect(externalAddress({ ...service, status: { loadBalancer: { ingress: [{ ip: '34.85.10.20' }] } } })).toBe('34.85.10.20');
    expect(externalAddress({ ...service, status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } })).toBe('lb.example.com');
  });
});

describe('httpsNotes', () => {
  const ingress = (address?: string): KubeObject => ({
    kind: 'Ingress',
    metadata: { name: 'shop-ingress', annotations: { 'networking.gke.io/managed-certificates': 'shop-cert' } },
    spec: { rules: [{ host: 'shop.example.com' }] },
    status: address ? { loadBalancer: { ingress: [{ ip: address }] } } : {},
  });
  const certificate = (state?: string): KubeObject => ({
    kind: 'ManagedCertificate',
    metadata: { name: 'shop-cert' },
    spec: { domains: ['shop.example.com'] },
    status: state ? { certificateStatus: state, domainStatus: [{ domain: 'shop.example.com', status: state === 'Active' ? 'Active' : 'FailedNotVisible' }] } : undefined,
  });

  test('with an address: where the DNS must point, and what a certificate that is not Active waits for', () => {
    expect(httpsNotes(ingress('203.0.113.9'), [certificate('Provisioning')])).toEqual([
      'point the DNS of shop.example.com at 203.0.113.9 (an A record)',
      'managedcertificate/shop-cert: Provisioning (shop.example.com: FailedNotVisible): Google provisions it once shop.example.com resolves to 203.0.113.9, which can take up to an hour; until then HTTPS is refused',
    ]);
  });

  test('an Active certificate is one word; a missing one, or one with no status yet, says so', () => {
    expect(httpsNotes(ingress('203.0.113.9'), [certificate('Active')])[1]).toBe('managedcertificate/shop-cert: Active');
    expect(httpsNotes(ingress(), [])).toEqual(['managedcertificate/shop-cert: not found: `hello-node deploy` creates it, and Google then provisions it']);
    expect(httpsNotes(ingress(), [certificate()])[0]).toMatch(/^managedcertificate\/shop-cert: no status yet: /);
  });

  test('ingressUrls: https://<host>/ for each rule\'s host', () => {
    expect(ingressUrls(ingress())).toEqual(['https://shop.example.com/']);
  });
});
