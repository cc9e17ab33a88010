// Every `hello-node` command that talks to a cluster, run as a user runs it (the real
// bin/hello-node.js from a cdk8s project, the real `npx cdk8s synth` and the real
// kubectl) against the real kube-apiserver and kube-controller-manager that the slow
// suite starts (test/control-plane.ts). Only what no machine here has is a stand-in:
// the kubelet and the cloud's load balancer (test/stand-in-node.ts: a pod runs and is
// Ready unless its image tag is `broken`, `crash` or `unready`; a LoadBalancer gets an
// address in 203.0.113.0/24), and docker and gcloud for `up`.
//
// Skipped, with one line from the suite's setup saying how to get the binaries, when
// there are none.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  describeWithCluster,
  expectExit,
  Finished,
  get,
  helloNode,
  helloNodeUntil,
  Json,
  kubectl,
  linesOf,
  list,
  readyPods,
  runProcess,
  TEST_PROJECT,
  uniqueName,
  useApp,
  theCluster,
  userEnv,
  watchReadyPods,
} from '../../test/cluster';

import { apiRequest } from '../../test/kube-api';

const IMAGE = `gcr.io/${TEST_PROJECT}/hello-node`;
const LB_ADDRESS = /^http:\/\/203\.0\.113\.\d+\/$/;
/** Long enough for a synth and a rollout on a busy 2-core machine; a hung command still fails. */
const SLOW = 120_000;
/** Look at the cluster every 0.2 s instead of every 2 s: the same rollout, sooner. */
const FAST_POLL = ['--interval', '0.2'];

const lastLine = (run: Finished) => linesOf(run.stdout).at(-1);
const podsOf = (namespace: string, selector: string) => list(`/api/v1/namespaces/${namespace}/pods`, selector);
const live = (pods: Json[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const imagesOf = (pods: Json[]) => live(pods).map((p) => p.spec.containers[0].image);

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-cluster-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describeWithCluster.each([
  ['the default namespace', 'default'],
  ['HELLO_NODE_NAMESPACE', 'setting'],
  ['the namespace of kubectl\'s current context', 'context'],
] as const)('hello-node on a ReplicationController, in %s', (_, how) => {
  const app = useApp(how);
  const run = (...args: string[]) => helloNode(app.project, app.env, ...args);
  const rcPods = () => podsOf(app.namespace, 'app=hello-node');

  test('a first deploy applies the app, waits for every pod and the address, and prints the URL last', async () => {
    const deploy = await run('deploy', ...FAST_POLL);
    expectExit(deploy, 0);
    expect(lastLine(deploy)).toMatch(LB_ADDRESS);
    expect(deploy.stderr).toContain('rollout complete: every pod is updated and ready');
    expect(await readyPods(app.namespace)).toHaveLength(3);
    // kubectl's own ApplySet: the record in the app's namespace, every object labelled as its member
    const parent = await get(`/api/v1/namespaces/${app.namespace}/secrets/hello-node-applyset`);
    expect(parent.metadata.annotations['applyset.kubernetes.io/contains-group-kinds']).toBe('ReplicationController,Service');
    const rc = await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`);
    expect(rc.metadata.labels['applyset.kubernetes.io/part-of']).toBe(parent.metadata.labels['applyset.kubernetes.io/id']);
  }, SLOW);

  test('diff right after a deploy reports no change, exit 0', async () => {
    const diff = await run('diff');
    expectExit(diff, 0);
    expect(diff.stdout).not.toContain('would prune');
  }, SLOW);

  test('status shows the workload, each pod and the Service with its address', async () => {
    const status = await run('status');
    expectExit(status, 0);
    const lines = linesOf(status.stdout);
    expect(lines[0]).toBe('replicationcontroller/hello-node-rc: 3 desired, 3 updated, 3 ready');
    expect(lines.slice(1, 4)).toEqual(Array(3).fill(expect.stringMatching(new RegExp(`^ {2}pod hello-node-rc-\\S+ +ready +${IMAGE}:v1 +0 restarts$`))));
    expect(lines[4]).toMatch(/^service\/hello-node-svc: LoadBalancer, ports 80 -> 8080\/TCP, external address 203\.0\.113\.\d+ \(http:\/\/203\.0\.113\.\d+\/\)$/);
  }, SLOW);

  test('url prints the address', async () => {
    const url = await run('url');
    expectExit(url, 0);
    expect(url.stdout).toMatch(/^http:\/\/203\.0\.113\.\d+\/\n$/);
  }, SLOW);

  test('an update reaches every pod, one at a time, never below the replicas ready', async () => {
    const before = (await rcPods()).map((p) => p.metadata.name);
    const watch = watchReadyPods(app.namespace);
    const deploy = await run('deploy', '--tag', 'v2', ...FAST_POLL);
    const lowest = await watch.stop();
    expectExit(deploy, 0);
    expect(deploy.stderr).toContain('scaling to 4 (one extra pod');
    expect(deploy.stderr).toContain('scaling to 3 (every pod is updated');
    const after = live(await rcPods());
    expect(imagesOf(after)).toEqual(Array(3).fill(`${IMAGE}:v2`));
    expect(after.map((p) => p.metadata.name).filter((n) => before.includes(n))).toEqual([]);
    expect(lowest).toBeGreaterThanOrEqual(3);
  }, SLOW);

  test('--restart replaces every pod although the template did not change', async () => {
    const before = live(await rcPods()).map((p) => p.metadata.name);
    const same = await run('deploy', '--tag', 'v2', ...FAST_POLL);
    expectExit(same, 0);
    expect(same.stderr).not.toContain('replacing pod');
    const restart = await run('deploy', '--tag', 'v2', '--restart', ...FAST_POLL);
    expectExit(restart, 0);
    const after = live(await rcPods());
    expect(after).toHaveLength(3);
    expect(after.map((p) => p.metadata.name).filter((n) => before.includes(n))).toEqual([]);
  }, SLOW);

  test('scale resizes the workload, names it, and says the next deploy sets it back to main.ts\'s count, which the last deploy set', async () => {
    const scale = await run('scale', '4');
    expectExit(scale, 0);
    expect(scale.stderr).toContain(`+ kubectl scale --replicas=4 replicationcontroller/hello-node-rc --namespace ${app.namespace}`);
    expect(scale.stderr).toContain('# note: the next deploy sets the replicas of replicationcontroller/hello-node-rc back to the replicas main.ts gives it (3 at the last deploy); set HELLO_NODE_REPLICAS=4 to keep 4');
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas).toBe(4);
    // the count is kubectl scale's now: no deploy's to tell
    const again = await run('scale', '4');
    expectExit(again, 0);
    expect(again.stderr).toContain('back to the replicas main.ts gives it; set HELLO_NODE_REPLICAS=4 to keep 4');
  }, SLOW);

  test('diff of a change exits 1, and lists what the next deploy would prune', async () => {
    const diff = await run('diff', '--tag', 'v2', '--workload', 'Deployment');
    expectExit(diff, 1);
    expect(diff.stdout).toContain('+kind: Deployment');
    expect(diff.stdout).toContain('would prune replicationcontroller/hello-node-rc');
    // nothing changed: diff is a preview
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas).toBe(4);
  }, SLOW);

  test('teardown deletes exactly what the deploys applied, then the record, and never an object no deploy applied', async () => {
    // the app's labels, but no deploy applied it (a pod would be adopted by the ReplicationController, whose selector it matches)
    await apiRequest(theCluster(), 'POST', `/api/v1/namespaces/${app.namespace}/configmaps`, {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-deployed', labels: { app: 'hello-node' } }, data: {},
    });
    const teardown = await run('teardown');
    expectExit(teardown, 0);
    const names = async (kind: string) => (await list(`/api/v1/namespaces/${app.namespace}/${kind}`)).map((o) => o.metadata.name);
    expect(await names('replicationcontrollers')).toEqual([]);
    expect(await names('services')).not.toContain('hello-node-svc');
    expect(await names('secrets')).not.toContain('hello-node-applyset');
    expect(await names('configmaps')).toContain('not-deployed');
    await apiRequest(theCluster(), 'DELETE', `/api/v1/namespaces/${app.namespace}/configmaps/not-deployed`);
    const again = await run('status');
    expect(again.stdout).toContain(`nothing is deployed in namespace ${app.namespace}: there is no ApplySet record (secret/hello-node-applyset)`);
  }, SLOW);
});

describeWithCluster('hello-node on a Deployment', () => {
  const app = useApp('setting');
  const run = (...args: string[]) => helloNode(app.project, app.env, ...args);
  const pods = () => podsOf(app.namespace, 'app=hello-node');

  test('an update rolls out to every pod with never fewer than the replicas ready', async () => {
    expectExit(await run('deploy', '--workload', 'Deployment', ...FAST_POLL), 0);
    const watch = watchReadyPods(app.namespace);
    const deploy = await run('deploy', '--workload', 'Deployment', '--tag', 'v2', ...FAST_POLL);
    const lowest = await watch.stop();
    expectExit(deploy, 0);
    expect(imagesOf(await pods())).toEqual(Array(3).fill(`${IMAGE}:v2`));
    expect(lowest).toBeGreaterThanOrEqual(3);
  }, SLOW);

  test('--restart goes through kubectl rollout restart and is followed to the end', async () => {
    const before = live(await pods()).map((p) => p.metadata.name);
    const deploy = await run('deploy', '--workload', 'Deployment', '--tag', 'v2', '--restart', ...FAST_POLL);
    expectExit(deploy, 0);
    expect(deploy.stderr).toContain(`+ kubectl rollout restart deployment/hello-node-deployment --namespace ${app.namespace}`);
    expect(lastLine(deploy)).toMatch(LB_ADDRESS);
    const after = live(await pods());
    expect(after).toHaveLength(3);
    expect(after.map((p) => p.metadata.name).filter((n) => before.includes(n))).toEqual([]);
  }, SLOW);
});

describeWithCluster('a deploy whose rollout cannot finish', () => {
  const app = useApp('context');
  const run = (...args: string[]) => helloNode(app.project, app.env, ...args);

  test('an image that cannot be pulled is diagnosed at once; the old pods serve on, and nothing is pruned', async () => {
    expectExit(await run('deploy', ...FAST_POLL), 0);
    const before = await readyPods(app.namespace);
    const deploy = await run('deploy', '--workload', 'Deployment', '--tag', 'broken', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toContain('deploy failed: it cannot finish');
    expect(deploy.stderr).toContain(`cannot pull image ${IMAGE}:broken (ImagePullBackOff`);
    expect(deploy.stderr).toContain('next: push the image (`hello-node image push`)');
    expect(deploy.stderr).toContain('hello-node: the rollout did not finish (it cannot finish); the old pods that were ready still serve, and nothing was pruned');
    expect(deploy.stdout).not.toMatch(/http:/);
    // the ReplicationController, which the app no longer has, is still there with its ready pods
    expect(await readyPods(app.namespace)).toEqual(expect.arrayContaining(before));
    expect(deploy.stderr).not.toContain('--prune');
  }, SLOW);

  test('status shows both workloads, the one that failed included', async () => {
    const status = await run('status');
    expectExit(status, 0);
    expect(status.stdout).toContain('replicationcontroller/hello-node-rc: 3 desired, 3 updated, 3 ready');
    expect(status.stdout).toMatch(/^deployment\/hello-node-deployment: 3 desired, 3 updated, 0 ready\n( {2}pod hello-node-deployment-\S+ +not ready +\S+:broken +0 restarts +ImagePullBackOff\n){3}replicationcontroller/m);
  }, SLOW);

  test('a crash loop is diagnosed at once, with the container\'s restarts and last exit', async () => {
    const deploy = await run('deploy', '--tag', 'crash', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toMatch(/container hello-node keeps crashing \(\d+ restarts, last exit Error code 1\)/);
    // `kubectl logs --previous` is tried; with no kubelet to read logs from, the command to try stands in for them
    expect(deploy.stderr).toMatch(/\| \(no log lines came back: kubectl logs hello-node-rc-\S+ --container hello-node --previous --namespace \S+\)\n {4}next: read its last log lines \(above\)/);
    expect((await readyPods(app.namespace)).length).toBeGreaterThanOrEqual(3);
  }, SLOW);

  test('a pod that never becomes ready fails after --timeout, saying what it waited for after its last step', async () => {
    // --timeout 0: the deadline passes at the rollout's first step (the surge), on any
    // machine; the failure still describes the state that step left, from one more look
    const deploy = await run('deploy', '--tag', 'unready', '--timeout', '0', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toContain('replicationcontroller/hello-node-rc: scaling to 4 (one extra pod');
    expect(deploy.stderr).toContain('deploy failed: it did not finish within 0 s');
    // the surge pod, by name once the ReplicationController's controller has made it
    expect(deploy.stderr).toMatch(/ {2}replicationcontroller\/hello-node-rc: \d of 3 updated, 0 ready; waiting for (pod hello-node-rc-\S+|a new pod) to be ready\n/);
    // and so does the release history, for the failed revision
    expect(deploy.stderr).toMatch(/\nrevision \d+: failed \(did not finish within 0 s: replicationcontroller\/hello-node-rc: \d of 3 updated, 0 ready; waiting for /);
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas).toBe(3);
  }, SLOW);

  test('teardown finds and deletes what the failed deploy applied too', async () => {
    expectExit(await run('teardown'), 0);
    expect(await list(`/apis/apps/v1/namespaces/${app.namespace}/deployments`)).toEqual([]);
    expect(await list(`/api/v1/namespaces/${app.namespace}/replicationcontrollers`)).toEqual([]);
  }, SLOW);
});

describeWithCluster('a namespace that enforces Pod Security "restricted"', () => {
  const app = useApp('setting', { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
  const run = (...args: string[]) => helloNode(app.project, app.env, ...args);

  test('refuses the tutorial\'s pods: the admission controller\'s words and the next step', async () => {
    const deploy = await run('deploy', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toMatch(/replicationcontroller\/hello-node-rc: cannot create pods: .*violates PodSecurity "restricted:latest"/);
    expect(deploy.stderr).toContain('next: the namespace enforces Pod Security: deploy the production profile');
  }, SLOW);

  test('admits the production profile\'s pods', async () => {
    const deploy = await run('deploy', '--profile', 'production', ...FAST_POLL);
    expectExit(deploy, 0);
    expect(await readyPods(app.namespace)).toHaveLength(3);
  }, SLOW);
});

describeWithCluster('deploy --no-wait', () => {
  const app = useApp('setting');

  test('applies with kubectl\'s ApplySet and returns without rolling out or waiting', async () => {
    const deploy = await helloNode(app.project, app.env, 'deploy', '--no-wait');
    expectExit(deploy, 0);
    expect(deploy.stderr).not.toContain('rollout complete');
    expect(deploy.stdout).not.toMatch(/http:/);
    expect(await get(`/api/v1/namespaces/${app.namespace}/secrets/hello-node-applyset`)).toBeDefined();
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas).toBe(3);
  }, SLOW);
});

describeWithCluster('an app of several charts', () => {
  const app = useApp('setting', { appFile: 'test/apps/two-charts.ts' });
  const run = (...args: string[]) => helloNode(app.project, app.env, ...args);

  test('deploy rolls out every chart\'s workloads and prints every external URL', async () => {
    const deploy = await run('deploy', ...FAST_POLL);
    expectExit(deploy, 0);
    // in the order of the manifests: dist/api.k8s.yaml, then dist/hello-node.k8s.yaml
    const urls = linesOf(deploy.stdout).slice(-2);
    expect(urls).toEqual([expect.stringMatching(/^http:\/\/203\.0\.113\.\d+:8080\/$/), expect.stringMatching(LB_ADDRESS)]);
    expect(await readyPods(app.namespace)).toHaveLength(5);
  }, SLOW);

  test('status shows every workload with its pods, and every Service', async () => {
    const status = await run('status');
    expectExit(status, 0);
    expect(status.stdout).toContain('replicationcontroller/hello-node-rc: 3 desired, 3 updated, 3 ready');
    expect(status.stdout).toContain('deployment/api: 2 desired, 2 updated, 2 ready');
    expect(status.stdout).toMatch(/pod api-\S+ +ready +registry\.example\/api:v1/);
    expect(status.stdout).toMatch(/service\/api: LoadBalancer, ports 8080 -> 8080\/TCP, external address 203\.0\.113\.\d+/);
    expect(status.stdout).toContain('service/hello-node-svc: LoadBalancer');
  }, SLOW);

  test('url prints each LoadBalancer\'s URL', async () => {
    const url = await run('url');
    expectExit(url, 0);
    expect(linesOf(url.stdout)).toEqual([expect.stringMatching(/^http:\/\/203\.0\.113\.\d+:8080\/$/), expect.stringMatching(LB_ADDRESS)]);
  }, SLOW);

  test('scale asks which workload when there are several, and scales the one named', async () => {
    const unnamed = await run('scale', '4');
    expectExit(unnamed, 1);
    expect(unnamed.stderr.trim()).toBe('hello-node: argument [workload]: "(none)" is invalid: the app has several workloads: name one of deployment/api, replicationcontroller/hello-node-rc');
    const named = await run('scale', '4', 'deployment/api');
    expectExit(named, 0);
    expect(named.stderr).toContain('the next deploy sets the replicas of deployment.apps/api back to the replicas main.ts gives it');
    expect((await get(`/apis/apps/v1/namespaces/${app.namespace}/deployments/api`)).spec.replicas).toBe(4);
    const unknown = await run('scale', '4', 'web');
    expectExit(unknown, 1);
    expect(unknown.stderr).toContain('argument [workload]: "web" is invalid: must name one of the app\'s workloads');
  }, SLOW);

  test('teardown deletes every chart\'s objects, and only those', async () => {
    await apiRequest(theCluster(), 'POST', `/api/v1/namespaces/${app.namespace}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'not-deployed', labels: { app: 'api' } }, spec: { selector: { app: 'api' }, ports: [{ port: 80 }] },
    });
    expectExit(await run('teardown'), 0);
    expect(await list(`/apis/apps/v1/namespaces/${app.namespace}/deployments`)).toEqual([]);
    expect(await list(`/api/v1/namespaces/${app.namespace}/replicationcontrollers`)).toEqual([]);
    expect((await list(`/api/v1/namespaces/${app.namespace}/services`)).map((s) => s.metadata.name)).toEqual(['not-deployed']);
  }, SLOW);

  test('charts in another namespace than the app\'s are refused before anything is applied', async () => {
    const deploy = await helloNode(app.project, { ...app.env, API_NAMESPACE: 'elsewhere' }, 'deploy', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toContain(`hello-node: deployment/api's namespace: "elsewhere" is invalid: differs from the app's namespace "${app.namespace}" (HELLO_NODE_NAMESPACE or --namespace)`);
    expect(deploy.stderr).not.toContain('kubectl apply');
    expect(await list(`/api/v1/namespaces/${app.namespace}/replicationcontrollers`)).toEqual([]);
  }, SLOW);
});

describeWithCluster('hello-node up', () => {
  const app = useApp('setting');
  const DIGEST = `sha256:${'4f'.repeat(32)}`;

  test('builds, pushes and deploys the image by the digest the registry returned (docker and gcloud are stand-ins)', async () => {
    // docker and gcloud cannot run here: stand-ins first on PATH, docker push printing a digest as the real one does
    const bin = fs.mkdtempSync(path.join(work, 'bin-'));
    const stub = (name: string, script: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    stub('docker', `[ "$1" = push ] && echo "v1: digest: ${DIGEST} size: 1572"; exit 0`);
    stub('gcloud', 'exit 0');
    const up = await helloNode(app.project, { ...app.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, 'up', ...FAST_POLL);
    expectExit(up, 0);
    expect(lastLine(up)).toMatch(LB_ADDRESS);
    expect(imagesOf(await podsOf(app.namespace, 'app=hello-node'))).toEqual(Array(3).fill(`${IMAGE}:v1@${DIGEST}`));
  }, SLOW);
});

describeWithCluster('one deploy at a time', () => {
  const app = useApp('setting');
  const leases = () => `/apis/coordination.k8s.io/v1/namespaces/${app.namespace}/leases`;
  const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
  const holdLease = (renewed: number) => apiRequest(theCluster(), 'POST', leases(), {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'hello-node-deploy' },
    spec: { holderIdentity: 'laptop pid 42', leaseDurationSeconds: 30, acquireTime: micro(renewed), renewTime: micro(renewed) },
  });

  test('a deploy holds its Lease while it runs and gives it back at the end', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    expect(await list(leases())).toEqual([]);
  }, SLOW);

  test('a deploy while another holds the Lease is refused, naming the other, and changes nothing', async () => {
    await holdLease(Date.now());
    const deploy = await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toMatch(/hello-node: laptop pid 42 holds lease\/hello-node-deploy in namespace \S+ \(since .*\): wait for it; if it was interrupted, the lease expires in \d+ s, or delete it once you know it is not running \(kubectl delete lease\/hello-node-deploy --namespace \S+\)/);
    expect(imagesOf(await podsOf(app.namespace, 'app=hello-node'))).toEqual(Array(3).fill(`${IMAGE}:v1`));
    // nor does a teardown or a scale pull the ground from under it
    expectExit(await helloNode(app.project, app.env, 'teardown'), 1);
    expectExit(await helloNode(app.project, app.env, 'scale', '5'), 1);
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas).toBe(3);
    await apiRequest(theCluster(), 'DELETE', `${leases()}/hello-node-deploy`);
  }, SLOW);

  test('the Lease of a deploy of this machine that was killed outright is taken over at once', async () => {
    // a pid that runs no process: the deploy that held it was killed (SIGKILL)
    await apiRequest(theCluster(), 'POST', leases(), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'hello-node-deploy' },
      spec: { holderIdentity: `deploy on ${os.hostname()} pid 2147483646 0a0b0c`, leaseDurationSeconds: 3600, acquireTime: micro(Date.now()), renewTime: micro(Date.now()) },
    });
    expectExit(await helloNode(app.project, app.env, 'scale', '3'), 0);
    expect(await list(leases())).toEqual([]);
  }, SLOW);

  test('a deploy whose Lease another command took over stops where it is, and says so', async () => {
    // as a deploy that found the Lease expired would: it holds it now
    const { code, stderr } = await helloNodeUntil(app.project, app.env, 'waiting for pod', () => void apiRequest(theCluster(), 'PATCH', `${leases()}/hello-node-deploy`, { spec: { holderIdentity: 'deploy on elsewhere pid 7 abcdef' } }),
      'deploy', '--tag', 'unready', ...FAST_POLL);
    expect(code).toBe(1);
    expect(stderr).toMatch(/hello-node: lease\/hello-node-deploy in namespace \S+ is held by deploy on elsewhere pid 7 abcdef: this deploy was not renewing it in time, and stopped where it was; run it again/);
    // the new holder's: left alone
    expect((await get(`${leases()}/hello-node-deploy`)).spec.holderIdentity).toBe('deploy on elsewhere pid 7 abcdef');
    await apiRequest(theCluster(), 'DELETE', `${leases()}/hello-node-deploy`);
    expectExit(await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL), 0);
  }, SLOW);

  test('a deploy whose Lease is deleted (by hand, or with its namespace) stops where it is, and says so in one line', async () => {
    const { code, stderr } = await helloNodeUntil(app.project, app.env, 'waiting for pod', () => void apiRequest(theCluster(), 'DELETE', `${leases()}/hello-node-deploy`),
      'deploy', '--tag', 'unready', ...FAST_POLL);
    expect(code).toBe(1);
    expect(linesOf(stderr).at(-1)).toMatch(/^hello-node: lease\/hello-node-deploy in namespace \S+ is gone \(deleted, or its namespace is being deleted\): this deploy stopped where it was; run it again$/);
    expectExit(await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL), 0);
  }, SLOW);

  test('a Lease that an interrupted deploy stopped renewing is taken over once it has expired', async () => {
    await holdLease(Date.now() - 60_000);
    expectExit(await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL), 0);
    expect(imagesOf(await podsOf(app.namespace, 'app=hello-node'))).toEqual(Array(3).fill(`${IMAGE}:v2`));
    expect(await list(leases())).toEqual([]);
  }, SLOW);
});

describeWithCluster('Ctrl-C during a rollout', () => {
  const app = useApp('setting');

  test('stops it where it is safe: the surge scaled back, the Lease given back, exit 130', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    const { code, stderr } = await helloNodeUntil(app.project, app.env, 'scaling to 4', (child) => child.kill('SIGINT'), 'deploy', '--tag', 'unready', ...FAST_POLL);
    expect(code).toBe(130);
    expect(stderr).toContain('hello-node: SIGINT: stopping at the next step, where it is safe (again to stop at once)');
    expect(stderr).toContain('hello-node: interrupted by SIGINT during the rollout: no ReplicationController is left at a surge, the pods that were ready still serve, and nothing was pruned; deploy again to finish');
    // never a rollback target
    expect(stderr).toMatch(/\nrevision 2: failed \(interrupted by SIGINT during the rollout/);
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas).toBe(3);
    expect(await list(`/apis/coordination.k8s.io/v1/namespaces/${app.namespace}/leases`)).toEqual([]);
    expect((await readyPods(app.namespace)).length).toBeGreaterThanOrEqual(3);
  }, SLOW);
});

describeWithCluster('Ctrl-C during the synth', () => {
  const app = useApp('setting');

  test('applies nothing', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    const { code, stderr } = await helloNodeUntil(app.project, app.env, 'npx hello-node synth', (child) => child.kill('SIGINT'), 'deploy', '--tag', 'v8', ...FAST_POLL);
    expect(code).toBe(130);
    expect(stderr).toContain('hello-node: interrupted by SIGINT before anything was applied');
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.template.spec.containers[0].image).toBe(`${IMAGE}:v1`);
    expect(await list(`/apis/coordination.k8s.io/v1/namespaces/${app.namespace}/leases`)).toEqual([]);
  }, SLOW);
});

describeWithCluster('a file of the user\'s in dist/', () => {
  const app = useApp('setting');

  test('deploy refuses it before anything is applied, and keeps it', async () => {
    fs.mkdirSync(path.join(app.project, 'dist'));
    fs.writeFileSync(path.join(app.project, 'dist', 'notes.txt'), 'notes\n');
    const deploy = await helloNode(app.project, app.env, 'deploy', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toContain(`hello-node synth failed: output directory ${path.join(app.project, 'dist')} holds files that no synth wrote (notes.txt)`);
    expect(fs.readdirSync(path.join(app.project, 'dist'))).toEqual(['notes.txt']);
    expect(await list(`/api/v1/namespaces/${app.namespace}/replicationcontrollers`)).toEqual([]);
    expect(await list(`/apis/coordination.k8s.io/v1/namespaces/${app.namespace}/leases`)).toEqual([]);
  }, SLOW);
});

describeWithCluster('an ApplySet record in an unusual state', () => {
  const app = useApp('setting');
  const parentPath = () => `/api/v1/namespaces/${app.namespace}/secrets/hello-node-applyset`;

  test('a recorded kind the cluster no longer serves is skipped, saying so, and teardown deletes the rest', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', '--no-wait'), 0);
    await apiRequest(theCluster(), 'PATCH', parentPath(), { metadata: { annotations: { 'applyset.kubernetes.io/contains-group-kinds': 'Foo.example.com,ReplicationController,Service' } } });
    const status = await helloNode(app.project, app.env, 'status');
    expectExit(status, 0);
    expect(status.stderr).toContain('# secret/hello-node-applyset records Foo.example.com, which the cluster no longer serves: skipped');
    expect(status.stdout).toContain('replicationcontroller/hello-node-rc: 3 desired');
    expectExit(await helloNode(app.project, app.env, 'teardown'), 0);
    expect(await list(`/api/v1/namespaces/${app.namespace}/replicationcontrollers`)).toEqual([]);
  }, SLOW);

  test('with the record deleted by hand, status and teardown name the objects that still carry its label', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', '--no-wait'), 0);
    await apiRequest(theCluster(), 'DELETE', parentPath());
    const status = await helloNode(app.project, app.env, 'status');
    expect(status.stdout).toMatch(/there is no ApplySet record \(secret\/hello-node-applyset\) in namespace \S+, yet .*replicationcontroller\/hello-node-rc.* carry its label: deploy once to write the record again/);
    const teardown = await helloNode(app.project, app.env, 'teardown');
    expectExit(teardown, 1);
    expect(teardown.stderr).toMatch(/or delete them yourself \(kubectl delete .*replicationcontroller\/hello-node-rc/);
    expectExit(await helloNode(app.project, app.env, 'deploy', '--no-wait'), 0);
    expectExit(await helloNode(app.project, app.env, 'teardown'), 0);
    expect(await list(`/api/v1/namespaces/${app.namespace}/replicationcontrollers`)).toEqual([]);
  }, SLOW);
});

describeWithCluster('errors from kubectl', () => {
  const app = useApp('setting');

  test.each([['diff'], ['status'], ['teardown'], ['url'], ['scale', '2'], ['deploy']])('%s against an API server that does not answer: one line with the cause and the next step (diff: exit 2, as 1 means changes)', async (...args) => {
    const kubeconfig = path.join(work, 'unreachable');
    // a port of 127.0.0.1 that nothing listens on
    fs.writeFileSync(kubeconfig, fs.readFileSync(theCluster().kubeconfig, 'utf8').replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1'));
    const run = await helloNode(app.project, userEnv(kubeconfig, { HELLO_NODE_NAMESPACE: app.namespace }), ...args);
    expectExit(run, args[0] === 'diff' ? 2 : 1);
    expect(run.stderr.split('\n').filter((l) => !l.startsWith('+ ') && l !== '')).toEqual([
      'hello-node: the cluster\'s API server cannot be reached: check that the cluster exists and runs (gcloud container clusters list), then run `hello-node cluster credentials` to point kubectl at the cluster',
    ]);
  }, SLOW);

  test('url and scale before any deploy say that nothing is deployed', async () => {
    for (const args of [['url'], ['scale', '2']]) {
      const run = await helloNode(app.project, app.env, ...args);
      expectExit(run, 1);
      expect(run.stderr).toContain(`hello-node: nothing is deployed in namespace ${app.namespace}: there is no ApplySet record (secret/hello-node-applyset); \`hello-node deploy\` creates it`);
    }
    const teardown = await helloNode(app.project, app.env, 'teardown');
    expectExit(teardown, 0);
    expect(teardown.stderr).toContain('nothing to delete');
  }, SLOW);

  test('a namespace that does not exist: one line with the cause and the next step', async () => {
    const run = await helloNode(app.project, userEnv(app.kubeconfig, { HELLO_NODE_NAMESPACE: 'nowhere' }), 'deploy', '--no-wait');
    expectExit(run, 1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('hello-node:'))).toEqual([
      'hello-node: namespace nowhere does not exist: create it (kubectl create namespace nowhere), or name another one with HELLO_NODE_NAMESPACE or --namespace',
    ]);
  }, SLOW);

  test('a namespace in kubectl\'s context that is no DNS label is refused before anything runs', async () => {
    const kubeconfig = path.join(work, 'bad-namespace');
    fs.writeFileSync(kubeconfig, fs.readFileSync(app.kubeconfig, 'utf8').replace('cluster: envtest', 'cluster: envtest\n      namespace: Bad_NS'));
    const run = await helloNode(app.project, userEnv(kubeconfig), 'teardown');
    expectExit(run, 1);
    expect(run.stderr.trim()).toMatch(/^hello-node: the namespace of kubectl's current context \(kubectl config view --minify\): "Bad_NS" is invalid/);
  }, SLOW);

  test('an admission webhook that cannot be called is reported in kubectl\'s words, not as an unreachable cluster', async () => {
    const name = uniqueName('unreachable-webhook');
    await apiRequest(theCluster(), 'POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name },
      webhooks: [{
        name: 'refuses.hello-node.test',
        // a port of 127.0.0.1 that nothing listens on
        clientConfig: { url: 'https://127.0.0.1:1/validate' },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] }],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': app.namespace } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      }],
    });
    try {
      const run = await helloNode(app.project, app.env, 'deploy', '--no-wait');
      expectExit(run, 1);
      expect(run.stderr).toMatch(/failed calling webhook "refuses\.hello-node\.test"/);
      expect(run.stderr).not.toContain('cannot be reached');
    } finally {
      await apiRequest(theCluster(), 'DELETE', `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${name}`);
    }
  }, SLOW);

  test('kubectl\'s own refusal is shown with its words', async () => {
    await kubectl(theCluster().kubeconfig, 'create', 'quota', 'no-services', '--hard=services=0', '--namespace', app.namespace);
    const run = await helloNode(app.project, app.env, 'deploy', '--no-wait');
    expectExit(run, 1);
    expect(run.stderr).toMatch(/exceeded quota: no-services/);
    expect(run.stderr).toContain('hello-node: kubectl exited with code 1');
  }, SLOW);
});

describeWithCluster('hello-node with a domain: HTTPS through GKE\'s Ingress (the stand-in plays the load balancer and the certificate controller)', () => {
  const app = useApp('setting');
  const run = (env: NodeJS.ProcessEnv, ...args: string[]) => helloNode(app.project, { ...app.env, ...env }, ...args);
  const DOMAIN = { HELLO_NODE_DOMAIN: 'shop.example.com' };

  test('deploy applies the four GKE objects, which the API server accepts by their CRDs, waits for the Ingress address and prints https://<domain>/ last, the DNS step and the certificate\'s state on stderr', async () => {
    const deploy = await run(DOMAIN, 'deploy', ...FAST_POLL);
    expectExit(deploy, 0);
    expect(lastLine(deploy)).toBe('https://shop.example.com/');
    expect(deploy.stderr).toMatch(/point the DNS of shop\.example\.com at 203\.0\.113\.\d+ \(an A record\)/);
    expect(deploy.stderr).toMatch(/managedcertificate\/hello-node-cert: Provisioning \(shop\.example\.com: Provisioning\): Google provisions it once shop\.example\.com resolves to 203\.0\.113\.\d+/);
    const parent = await get(`/api/v1/namespaces/${app.namespace}/secrets/hello-node-applyset`);
    expect(parent.metadata.annotations['applyset.kubernetes.io/contains-group-kinds'].split(',').sort())
      .toEqual(['BackendConfig.cloud.google.com', 'FrontendConfig.networking.gke.io', 'Ingress.networking.k8s.io', 'ManagedCertificate.networking.gke.io', 'ReplicationController', 'Service']);
    const service = await get(`/api/v1/namespaces/${app.namespace}/services/hello-node-svc`);
    expect(service.spec.type).toBe('ClusterIP');
    const backend = await get(`/apis/cloud.google.com/v1/namespaces/${app.namespace}/backendconfigs/hello-node-backend`);
    expect(backend.spec.healthCheck).toEqual({ type: 'HTTP', requestPath: '/healthz', port: 8080 });
  }, SLOW);

  test('url and status show the address, the URL and the certificate\'s state', async () => {
    const url = await run(DOMAIN, 'url');
    expectExit(url, 0);
    expect(url.stdout).toBe('https://shop.example.com/\n');
    const status = await run(DOMAIN, 'status');
    expectExit(status, 0);
    expect(status.stdout).toMatch(/^ingress\/hello-node-ingress: https:\/\/shop\.example\.com\/, address 203\.0\.113\.\d+$/m);
    expect(status.stdout).toMatch(/^ {2}managedcertificate\/hello-node-cert: Provisioning/m);
  }, SLOW);

  test('the API server itself refuses a wildcard domain in a ManagedCertificate, as the construct does first', async () => {
    const manifest = JSON.stringify({ apiVersion: 'networking.gke.io/v1', kind: 'ManagedCertificate', metadata: { name: 'wild', namespace: app.namespace }, spec: { domains: ['*.example.com'] } });
    const applied = await runProcess('kubectl', ['--kubeconfig', app.kubeconfig, 'apply', '--server-side', '-f', '-'], { input: manifest });
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toMatch(/spec\.domains\[0\]: Invalid value: "\*\.example\.com": spec\.domains\[0\] in body should match/);
  }, SLOW);
});

describeWithCluster('a kind the cluster does not serve', () => {
  const app = useApp('setting', { appFile: 'test/apps/unknown-kind.ts' });

  test('deploy names the kind and what to do, in one line, before it writes anything: the API server\'s dry run comes first', async () => {
    const run = await helloNode(app.project, app.env, 'deploy', ...FAST_POLL);
    expectExit(run, 1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('hello-node:'))).toEqual([
      'hello-node: the cluster serves no ManagedCertificate of networking.gke.io/v9: it is a kind of GKE\'s own, which GKE clusters have (HELLO_NODE_DOMAIN writes it): deploy to a GKE cluster, or leave the domain out',
    ]);
    expect(await list(`/api/v1/namespaces/${app.namespace}/replicationcontrollers`)).toEqual([]);
    expect(await list(`/api/v1/namespaces/${app.namespace}/secrets`)).toEqual([]);
  }, SLOW);
});

describeWithCluster('a deploy whose pods are ready but whose Ingress gets no address', () => {
  const app = useApp('setting', { appFile: 'test/apps/no-address.ts' });

  test('fails after --timeout saying every pod is ready and what has no address, and prunes nothing', async () => {
    const deploy = await helloNode(app.project, app.env, 'deploy', '--timeout', '4', ...FAST_POLL);
    expectExit(deploy, 1);
    expect(deploy.stderr).toContain('ingress/orphan: waiting for the HTTP(S) load balancer\'s external address');
    expect(deploy.stderr).toContain('ingress/orphan: the HTTP(S) load balancer has no external address yet');
    expect(deploy.stderr).toContain('hello-node: the rollout did not finish (it did not finish within 4 s): every pod is updated and ready, but an external address is still missing; nothing was pruned');
  }, SLOW);
});
