// Autoscaling, run as a user runs it (bin/hello-node.js, the real `npx cdk8s synth` and
// kubectl) against the suite's real kube-apiserver and kube-controller-manager, whose
// HorizontalPodAutoscaler controller looks every second here (test/control-plane.ts).
// The control plane serves no resource metrics (no metrics-server: nothing measures the
// stand-in node's pods), so the autoscaler never moves a count within its bounds by
// itself: a count it would choose is set with `kubectl scale`, as its own writes do
// (the scale subresource). Its bounds it enforces without metrics, as on GKE.
import { describeWithCluster, expectExit, get, helloNode, Json, kubectl, linesOf, list, readyPods, TEST_PROJECT, theCluster, useApp, watchReadyPods } from '../../test/cluster';

const IMAGE = `gcr.io/${TEST_PROJECT}/hello-node`;
/** Long enough for a synth and a rollout on a busy 2-core machine; a hung command still fails. */
const SLOW = 120_000;
/** Look at the cluster every 0.2 s instead of every 2 s: the same rollout, sooner. */
const FAST_POLL = ['--interval', '0.2'];

/** Polls `read` every 0.2 s until it returns `wanted`, for at most `seconds`; resolves to the last value read. */
async function eventually<T>(read: () => Promise<T>, wanted: T, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let value = await read();
  while (value !== wanted && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}

const WORKLOADS = [
  ['ReplicationController', 'replicationcontroller/hello-node-rc', 'api/v1', 'replicationcontrollers/hello-node-rc'],
  ['Deployment', 'deployment/hello-node-deployment', 'apis/apps/v1', 'deployments/hello-node-deployment'],
] as const;

describeWithCluster.each(WORKLOADS)('autoscaling a %s', (workload, ref, api, resource) => {
  const app = useApp('setting');
  const run = (...args: string[]) => helloNode(app.project, { ...app.env, HELLO_NODE_WORKLOAD: workload, HELLO_NODE_PROFILE: 'production' }, ...args);
  const autoscaled = (...args: string[]) => run(...args, '--max-replicas', '5', ...FAST_POLL);
  const live = () => get(`/${api}/namespaces/${app.namespace}/${resource}`);
  const count = async () => (await live()).spec.replicas as number;
  const hpa = () => get(`/apis/autoscaling/v2/namespaces/${app.namespace}/horizontalpodautoscalers/hello-node-hpa`);
  const scaleTo = async (replicas: number) => expectExit(await kubectl(theCluster().kubeconfig, 'scale', `--replicas=${replicas}`, ref, '--namespace', app.namespace), 0);
  /** Scales as the autoscaler would, and waits for every pod to be Ready: the count a rollout must never go below. */
  const scaleReadyTo = async (replicas: number) => {
    await scaleTo(replicas);
    expect(await eventually(async () => (await readyPods(app.namespace)).length, replicas)).toBe(replicas);
  };
  const liveImages = async () => (await list(`/api/v1/namespaces/${app.namespace}/pods`, 'app=hello-node'))
    .filter((p: Json) => !p.metadata.deletionTimestamp).map((p: Json) => p.spec.containers[0].image);

  test('switching a fixed count to an autoscaler keeps the pods that run: the deploy hands the count over', async () => {
    expectExit(await run('deploy', ...FAST_POLL), 0);
    expect(await count()).toBe(3);
    // diff compares what the deploy will do: the autoscaler added, the count kept
    const diff = await run('diff', '--max-replicas', '5');
    expectExit(diff, 1);
    expect(diff.stdout).toContain('+kind: HorizontalPodAutoscaler');
    expect(diff.stdout).not.toMatch(/^-\s+replicas: 3$/m);
    const deploy = await autoscaled('deploy');
    expectExit(deploy, 0);
    expect(deploy.stderr).toContain(`${ref}: handing its replica count (3) over to the autoscaler`);
    expect((await hpa()).spec).toMatchObject({ minReplicas: 1, maxReplicas: 5, scaleTargetRef: { kind: workload, name: ref.split('/')[1] } });
    // without the hand-over, server-side apply would have dropped the field to its default, 1
    expect(await count()).toBe(3);
    // and the autoscaler, with a count within its bounds and no metrics, keeps it
    await new Promise((r) => setTimeout(r, 3000));
    expect(await count()).toBe(3);
  }, SLOW);

  test('an autoscaler\'s choice survives a deploy, which rolls every pod out from that count', async () => {
    await scaleReadyTo(4);
    const watch = watchReadyPods(app.namespace);
    const deploy = await autoscaled('deploy', '--tag', 'v2');
    const lowest = await watch.stop();
    expectExit(deploy, 0);
    expect(deploy.stderr).not.toContain('handing');
    expect(await count()).toBe(4);
    expect(await liveImages()).toEqual(Array(4).fill(`${IMAGE}:v2`));
    expect(lowest).toBeGreaterThanOrEqual(4);
  }, SLOW);

  test('the real autoscaler holds its bounds: a count above maxReplicas comes back to it, one below minReplicas up to it', async () => {
    await scaleTo(7);
    expect(await eventually(count, 5)).toBe(5);
    expectExit(await autoscaled('deploy', '--tag', 'v2', '--min-replicas', '2'), 0);
    await scaleTo(1);
    expect(await eventually(count, 2)).toBe(2);
  }, SLOW);

  test('at maxReplicas a rollout still surges and never has fewer pods ready; the bounds are the app\'s again after it', async () => {
    await scaleReadyTo(5);
    const watch = watchReadyPods(app.namespace);
    const deploy = await autoscaled('deploy', '--tag', 'v3', '--min-replicas', '2');
    const lowest = await watch.stop();
    expectExit(deploy, 0);
    expect(await count()).toBe(5);
    expect(await liveImages()).toEqual(Array(5).fill(`${IMAGE}:v3`));
    expect(lowest).toBeGreaterThanOrEqual(5);
    expect((await hpa()).spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
  }, SLOW);

  test('status shows the autoscaler\'s bounds, count and target; scale is refused, saying why', async () => {
    // the autoscaler's own count, which status shows, is its controller's last look (every 15 s): after the
    // last test's surge to 6, the deploy may be done before that look; status is read once it came
    expect(await eventually(async () => (await hpa()).status?.currentReplicas, 5)).toBe(5);
    const status = await run('status');
    expectExit(status, 0);
    expect(linesOf(status.stdout)).toContainEqual(expect.stringMatching(new RegExp(
      `^horizontalpodautoscaler/hello-node-hpa: sizes ${ref} from 2 to 5 pods: 5 current, target CPU 70% of the request; not scaling by its metrics: FailedGetResourceMetric$`)));
    const scale = await run('scale', '3');
    expectExit(scale, 1);
    expect(scale.stderr).toBe(`hello-node: argument <replicas>: 3 is invalid: ${ref} is sized by horizontalpodautoscaler/hello-node-hpa (2 to 5 pods), which would undo it: set HELLO_NODE_MIN_REPLICAS and HELLO_NODE_MAX_REPLICAS (or the autoscaling prop) and deploy\n`);
    expect(await count()).toBe(5);
  }, SLOW);

  test('a deploy without autoscaling removes the autoscaler before its rollout, which it would fight, and sets the count again', async () => {
    // 1 is below the autoscaler's minReplicas (2): left in place, it would raise the count back at every look
    const deploy = await run('deploy', '--tag', 'v4', '--replicas', '1', ...FAST_POLL);
    expectExit(deploy, 0);
    expect(deploy.stderr).toContain('horizontalpodautoscaler/hello-node-hpa: deleted before the rollout');
    expect(await list(`/apis/autoscaling/v2/namespaces/${app.namespace}/horizontalpodautoscalers`)).toEqual([]);
    expect(await count()).toBe(1);
    expect(await liveImages()).toEqual([`${IMAGE}:v4`]);
  }, SLOW);
});
