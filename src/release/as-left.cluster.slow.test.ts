// The cluster as people leave it (issue reports from users of kubectl, Helm and cdk8s):
// run as users run the CLI (bin/hello-node.js, the real `npx cdk8s synth` and kubectl)
// against the suite's real control plane and stand-in node.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { apiRequest } from '../../test/kube-api';
import { createNamespace, describeWithCluster, expectExit, get, helloNode, helloNodeUntil, Json, kubectl, linesOf, list, runProcess, TEST_PROJECT, theCluster, uniqueName, useApp, userEnv } from '../../test/cluster';

const SLOW = 120_000;
const FAST_POLL = ['--interval', '0.2'];

describeWithCluster('a Deployment paused by hand (kubectl rollout pause)', () => {
  const app = useAppWithDeployment();

  test('a deploy of a new tag stops at once saying it is paused and how to resume it, does not resume it, and status shows it', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    expectExit(await kubectl(app.kubeconfig, 'rollout', 'pause', 'deployment/hello-node-deployment', '--namespace', app.namespace), 0);
    const started = Date.now();
    const deploy = await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', '--timeout', '90', ...FAST_POLL);
    expectExit(deploy, 1);
    // at once: not after the 90 s the timeout allows
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(deploy.stderr).toContain('deploy failed: it cannot finish');
    expect(deploy.stderr).toContain('deployment/hello-node-deployment: is paused (kubectl rollout pause)');
    expect(deploy.stderr).toContain(`next: kubectl rollout resume deployment/hello-node-deployment --namespace ${app.namespace}, then deploy again`);
    expect((await get(`/apis/apps/v1/namespaces/${app.namespace}/deployments/hello-node-deployment`)).spec.paused).toBe(true);
    const status = await helloNode(app.project, app.env, 'status');
    expect(status.stdout).toMatch(/^deployment\/hello-node-deployment: 3 desired, \d+ updated, \d+ ready \(paused: kubectl rollout resume to go on\)$/m);
    // a rollback stopped so is finished by a rollback, not a deploy
    expectExit(await kubectl(app.kubeconfig, 'rollout', 'resume', 'deployment/hello-node-deployment', '--namespace', app.namespace), 0);
    expectExit(await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL), 0);
    expectExit(await kubectl(app.kubeconfig, 'rollout', 'pause', 'deployment/hello-node-deployment', '--namespace', app.namespace), 0);
    const rollback = await helloNode(app.project, app.env, 'rollback', '--timeout', '90', ...FAST_POLL);
    expectExit(rollback, 1);
    expect(rollback.stderr).toContain('rollback failed: it cannot finish');
    expect(rollback.stderr).toContain(`next: kubectl rollout resume deployment/hello-node-deployment --namespace ${app.namespace}, then rollback again`);
  }, 2 * SLOW);
});

describeWithCluster('a pod made from a template edited by hand (kubectl set image, the hotfix habit)', () => {
  const app = useApp('setting');
  const IMAGE = `gcr.io/${TEST_PROJECT}/hello-node`;
  const liveImages = async () => (await list(`/api/v1/namespaces/${app.namespace}/pods`, 'app=hello-node'))
    .filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image).sort();

  test('the next deploy replaces it, and status never counted it updated', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    const ns = ['--namespace', app.namespace];
    expectExit(await kubectl(app.kubeconfig, 'set', 'image', 'rc/hello-node-rc', `hello-node=${IMAGE}:hotfix`, ...ns), 0);
    // and an environment variable, which the app's manifest does not set at all
    expectExit(await kubectl(app.kubeconfig, 'set', 'env', 'rc/hello-node-rc', 'DEBUG=1', ...ns), 0);
    const [first] = (await list(`/api/v1/namespaces/${app.namespace}/pods`, 'app=hello-node')).map((p) => p.metadata.name);
    expectExit(await kubectl(app.kubeconfig, 'delete', 'pod', first, '--wait=false', ...ns), 0);
    // the ReplicationController makes the missing pod from its edited template
    for (let i = 0; i < 100 && !(await liveImages()).includes(`${IMAGE}:hotfix`); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await liveImages()).toEqual([`${IMAGE}:hotfix`, `${IMAGE}:v1`, `${IMAGE}:v1`]);
    const status = await helloNode(app.project, app.env, 'status');
    expect(status.stdout).toMatch(/^replicationcontroller\/hello-node-rc: 3 desired, 2 updated, \d ready \(its template was changed by hand since the last deploy, which the next deploy undoes\)$/m);
    const deploy = await helloNode(app.project, app.env, 'deploy', ...FAST_POLL);
    expectExit(deploy, 0);
    expect(deploy.stderr).toMatch(/replicationcontroller\/hello-node-rc: replacing pod \S+ /);
    expect(await liveImages()).toEqual(Array(3).fill(`${IMAGE}:v1`));
    expect(deploy.stderr).toContain('replicationcontroller/hello-node-rc: changed outside deploy (a client-side kubectl apply, or by hand): its fields go to hello-node, and the apply removes those the manifests do not set');
    const [container] = (await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.template.spec.containers;
    expect(container.image).toBe(`${IMAGE}:v1`);
    expect((container.env ?? []).map((e: Json) => e.name)).not.toContain('DEBUG');
    const pods = (await list(`/api/v1/namespaces/${app.namespace}/pods`, 'app=hello-node')).filter((p) => !p.metadata.deletionTimestamp);
    expect(pods.map((p) => (p.spec.containers[0].env ?? []).map((e: Json) => e.name)).flat()).not.toContain('DEBUG');
    expect((await helloNode(app.project, app.env, 'status')).stdout).toMatch(/^replicationcontroller\/hello-node-rc: 3 desired, 3 updated, 3 ready$/m);
  }, 2 * SLOW);
});

describeWithCluster('an autoscaler made by hand (kubectl autoscale), outside the app', () => {
  const app = useApp('setting');
  const counts: number[] = [];

  test('scale refuses under it, naming it; a deploy keeps the count it keeps, and its rollout never sets fewer pods', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    const ns = ['--namespace', app.namespace];
    expectExit(await kubectl(app.kubeconfig, 'autoscale', 'rc', 'hello-node-rc', '--min=5', '--max=8', ...ns), 0);
    expectExit(await kubectl(app.kubeconfig, 'scale', 'rc/hello-node-rc', '--replicas=5', ...ns), 0);
    expect((await helloNode(app.project, app.env, 'status')).stdout).toMatch(/^horizontalpodautoscaler\/hello-node-rc: sizes replicationcontroller\/hello-node-rc from 5 to 8 pods: .* \(not the app's: made by hand or by another tool\)$/m);
    const scale = await helloNode(app.project, app.env, 'scale', '2');
    expectExit(scale, 1);
    expect(scale.stderr).toContain(`hello-node: argument <replicas>: 2 is invalid: replicationcontroller/hello-node-rc is sized by horizontalpodautoscaler/hello-node-rc (5 to 8 pods, not the app's: made by hand or by another tool), which would undo it: to hold it at 2 pods, set its bounds to 2 (kubectl patch horizontalpodautoscaler/hello-node-rc --namespace ${app.namespace} --patch '{"spec":{"minReplicas":2,"maxReplicas":2}}'), or delete it`);
    // the ReplicationController's count, each time it changes during the deploy's rollout
    const watching = (async () => {
      for (let stop = Date.now() + 100_000; Date.now() < stop && counts.at(-1) !== -1;) {
        const count = (await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas;
        if (counts.at(-1) !== count && counts.at(-1) !== -1) {
          counts.push(count);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const deploy = await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL);
    counts.push(-1);
    await watching;
    expectExit(deploy, 0);
    expect(deploy.stderr).toContain('replicationcontroller/hello-node-rc is sized by horizontalpodautoscaler/hello-node-rc (5 to 8 pods), which is not the app\'s: the deploy keeps its 5 pods instead of the app\'s 3');
    expect(Math.min(...counts.slice(0, -1))).toBe(5);
    expect((await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`)).spec.replicas).toBe(5);
    const hpa = await get(`/apis/autoscaling/v2/namespaces/${app.namespace}/horizontalpodautoscalers/hello-node-rc`);
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([5, 8]);
  }, 3 * SLOW);
});

describeWithCluster('a rollback interrupted by Ctrl-C, then rolled back again', () => {
  const app = useApp('setting');
  const IMAGE = `gcr.io/${TEST_PROJECT}/hello-node`;

  test('goes on toward the interrupted rollback\'s own target, and the history says so', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    expectExit(await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL), 0);
    const interrupted = await helloNodeUntil(app.project, app.env, 'replacing pod', (child) => child.kill('SIGINT'), 'rollback', ...FAST_POLL);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('rollback again to finish');
    // the template is the rollback's, nobody's by hand: status says which revision, and what finishes it
    const status = await helloNode(app.project, app.env, 'status');
    expect(status.stdout).toMatch(/^replicationcontroller\/hello-node-rc: 3 desired, [0-2] updated, \d ready \(its template is revision 3's, whose rollback did not finish \(failed\): rollback again to finish it\)$/m);
    const again = await helloNode(app.project, app.env, 'rollback', ...FAST_POLL);
    expectExit(again, 0);
    expect(again.stderr).toContain('rolling back to revision 1 ');
    expect(again.stderr).toContain('# revision 3, a rollback to 1, did not finish (failed): this rollback goes on with it');
    const images = (await list(`/api/v1/namespaces/${app.namespace}/pods`, 'app=hello-node')).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image);
    expect(images).toEqual(Array(3).fill(`${IMAGE}:v1`));
    const rows = linesOf((await helloNode(app.project, app.env, 'history')).stdout).slice(1).map((row) => row.split(/ {2,}/));
    expect(rows.map((row) => [row[0], row[2], row[4]])).toEqual([
      ['1', 'superseded', 'deploy'], ['2', 'superseded', 'deploy'], ['3', 'failed', expect.stringMatching(/^rollback to 1: interrupted by SIGINT /)], ['4 *', 'deployed', 'rollback to 1'],
    ]);
  }, 4 * SLOW);
});

describeWithCluster('a namespace being deleted (Terminating)', () => {
  const app = useApp('setting');

  test('deploy and teardown say so in one line, and what it means', async () => {
    const namespace = uniqueName('terminating');
    await createNamespace(namespace);
    // a finalizer nobody removes holds the namespace in Terminating, as a slow controller does
    const held = `/api/v1/namespaces/${namespace}/configmaps`;
    await apiRequest(theCluster(), 'POST', held, { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await apiRequest(theCluster(), 'DELETE', `/api/v1/namespaces/${namespace}`);
    try {
      const env = userEnv(app.kubeconfig, { HELLO_NODE_NAMESPACE: namespace });
      for (const args of [['deploy', ...FAST_POLL], ['teardown']]) {
        const run = await helloNode(app.project, env, ...args);
        expectExit(run, 1);
        expect(run.stderr.split('\n').filter(Boolean).filter((line) => !line.startsWith('+ ') && !line.startsWith('#') && !/^(Synthesizing| {2}- )/.test(line))).toEqual([
          `hello-node: namespace ${namespace} is being deleted (Terminating), with everything in it, and nothing new can be made in it: wait until it is gone (kubectl get namespace ${namespace}); to deploy there again, create it then, or name another one with HELLO_NODE_NAMESPACE or --namespace`,
        ]);
      }
    } finally {
      await apiRequest(theCluster(), 'PATCH', `${held}/held`, { metadata: { finalizers: null } });
    }
  }, 2 * SLOW);
});

/** The tutorial's app as a Deployment, in a namespace of its own (HELLO_NODE_NAMESPACE). */
function useAppWithDeployment() {
  const app = useApp('setting');
  beforeAll(() => {
    app.env = { ...app.env, HELLO_NODE_WORKLOAD: 'Deployment' };
  });
  return app;
}

describeWithCluster('objects applied client-side first (kubectl apply -f dist/, kubectl edit, kubectl scale)', () => {
  const app = useApp('setting');
  const ns = () => ['--namespace', app.namespace];
  const rc = () => `/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`;
  /** What diff showed as each object's future: KUBECTL_EXTERNAL_DIFF copies kubectl's MERGED directory (and hello-node's) here. */
  const captured = () => path.join(app.project, 'merged');
  const capturingDiff = () => {
    const script = path.join(app.project, 'capture-diff');
    fs.writeFileSync(script, `#!/bin/sh\nmkdir -p '${captured()}' && cp "$2"/* '${captured()}'/ && exec diff -u -N "$1" "$2"\n`, { mode: 0o755 });
    return script;
  };
  /** An object as it stands, without what every write changes. */
  const settled = (o: Json) => {
    const { metadata: { resourceVersion, generation, managedFields, creationTimestamp, uid, ...metadata }, status, ...rest } = o;
    return { ...rest, metadata };
  };

  test('diff shows the fields the client-side apply set that the deploy then removes, and the deploy leaves each object as diff showed it', async () => {
    const production = { ...app.env, HELLO_NODE_PROFILE: 'production' };
    expectExit(await helloNode(app.project, production, 'synth'), 0);
    // the README's first path: the manifests applied by hand, client-side
    expectExit(await kubectl(app.kubeconfig, 'apply', '-f', path.join(app.project, 'dist'), ...ns()), 0);
    expect((await get(rc())).spec.template.spec.containers[0].livenessProbe).toBeDefined();
    // then kubectl edit (an annotation added) and kubectl scale touch the ReplicationController too
    const edit = await runProcess('kubectl', ['edit', 'rc/hello-node-rc', ...ns()], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: app.kubeconfig, KUBE_EDITOR: String.raw`sed -i 's/^  annotations:$/  annotations:\n    example.com\/owner: ops/'` },
    });
    expectExit(edit, 0);
    expect((await get(rc())).metadata.annotations['example.com/owner']).toBe('ops');
    expectExit(await kubectl(app.kubeconfig, 'scale', 'rc/hello-node-rc', '--replicas=4', ...ns()), 0);
    const diff = await helloNode(app.project, { ...app.env, KUBECTL_EXTERNAL_DIFF: capturingDiff() }, 'diff');
    expectExit(diff, 1);
    const removed = diff.stdout.split('\n').filter((line) => /^-\s/.test(line)).join('\n');
    for (const field of ['livenessProbe:', 'readinessProbe:', 'securityContext:', 'volumes:', 'volumeMounts:', 'kubectl.kubernetes.io/last-applied-configuration']) {
      expect(removed).toContain(field);
    }
    const predicted = fs.readdirSync(captured()).map((file) => YAML.parse(fs.readFileSync(path.join(captured(), file), 'utf8')));
    const deploy = await helloNode(app.project, app.env, 'deploy', ...FAST_POLL);
    expectExit(deploy, 0);
    for (const ref of ['replicationcontroller/hello-node-rc', 'service/hello-node-svc']) {
      expect(deploy.stderr).toContain(`${ref}: changed outside deploy (a client-side kubectl apply, or by hand): its fields go to hello-node, and the apply removes those the manifests do not set`);
    }
    const live = await get(rc());
    expect(live.spec.template.spec.containers[0].livenessProbe).toBeUndefined();
    expect(live.spec.template.spec.volumes).toBeUndefined();
    expect(settled(live)).toEqual(settled(predicted.find((o) => o.kind === 'ReplicationController')));
    const service = await get(`/api/v1/namespaces/${app.namespace}/services/hello-node-svc`);
    expect(settled(service)).toEqual(settled(predicted.find((o) => o.kind === 'Service')));
    // nothing is left to show
    expectExit(await helloNode(app.project, app.env, 'diff'), 0);
  }, 3 * SLOW);
});

describeWithCluster('a count applied client-side, then left to an autoscaler', () => {
  const app = useApp('setting');

  test('the deploy hands the live count over: it never drops below it, as the guide\'s hand-over promises', async () => {
    const production = { ...app.env, HELLO_NODE_PROFILE: 'production' };
    expectExit(await helloNode(app.project, production, 'synth'), 0);
    expectExit(await kubectl(app.kubeconfig, 'apply', '-f', path.join(app.project, 'dist'), '--namespace', app.namespace), 0);
    const rc = `/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`;
    const counts: number[] = [];
    let done = false;
    const watching = (async () => {
      while (!done) {
        counts.push((await get(rc)).spec.replicas);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const deploy = await helloNode(app.project, { ...production, HELLO_NODE_MIN_REPLICAS: '2', HELLO_NODE_MAX_REPLICAS: '5' }, 'deploy', ...FAST_POLL);
    done = true;
    await watching;
    expectExit(deploy, 0);
    expect(deploy.stderr).toContain('replicationcontroller/hello-node-rc: handing its replica count (3) over to the autoscaler, so that this deploy does not reset it');
    expect(Math.min(...counts)).toBe(3);
    const live = await get(rc);
    expect(live.spec.replicas).toBe(3);
    // the hand-over did not take the client-side apply's fields: the deploy's own apply did, and removed what the manifests do not set
    expect(live.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
  }, 2 * SLOW);
});

describeWithCluster('a Deployment\'s container changed by hand (kubectl set env), then a new image deployed', () => {
  const app = useAppWithDeployment();

  test('rolls out once, to the manifest\'s containers: no ReplicaSet ever has the hand-made variable', async () => {
    expectExit(await helloNode(app.project, app.env, 'deploy', ...FAST_POLL), 0);
    expectExit(await kubectl(app.kubeconfig, 'set', 'env', 'deployment/hello-node-deployment', 'FOO=bar', '--namespace', app.namespace), 0);
    const before = (await list(`/apis/apps/v1/namespaces/${app.namespace}/replicasets`)).length;
    expectExit(await helloNode(app.project, app.env, 'deploy', '--tag', 'v2', ...FAST_POLL), 0);
    const sets = await list(`/apis/apps/v1/namespaces/${app.namespace}/replicasets`);
    // one for v1, one for the hand edit, and one for v2: none between
    expect(sets).toHaveLength(before + 1);
    const newest = sets.find((rs) => rs.spec.template.spec.containers[0].image.endsWith(':v2'));
    expect(newest.spec.template.spec.containers[0].env ?? []).toEqual([]);
  }, 2 * SLOW);
});
