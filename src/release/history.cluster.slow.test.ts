// The release history and rollback, run as a user runs them (bin/hello-node.js, the real
// `npx cdk8s synth` and kubectl) against the suite's real kube-apiserver and
// kube-controller-manager. The kubelet is the suite's stand-in node (test/stand-in-node.ts):
// a pod runs and is Ready unless its image tag is `broken`, `crash` or `unready`.
import { gunzipSync } from 'node:zlib';
import { describeWithCluster, expectExit, get, helloNode, Json, kubectl, linesOf, list, TEST_PROJECT, useApp, watchReadyPods } from '../../test/cluster';

const IMAGE = `gcr.io/${TEST_PROJECT}/hello-node`;
/** Long enough for a synth and a rollout on a busy 2-core machine; a hung command still fails. */
const SLOW = 120_000;
/** Look at the cluster every 0.2 s instead of every 2 s: the same rollout, sooner. */
const FAST_POLL = ['--interval', '0.2'];

const liveImages = (pods: Json[]) => pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image);
/** The rows of `history`'s table, header aside, each cut into its columns. */
const historyRows = (stdout: string) => linesOf(stdout).slice(1).map((row) => row.split(/ {2,}/));
const revisionSecrets = async (namespace: string) => (await list(`/api/v1/namespaces/${namespace}/secrets`, 'hello-node/revision'))
  .map((s) => s.metadata.name).sort();

describeWithCluster.each(['ReplicationController', 'Deployment'])('the release history and rollback of a %s', (workload) => {
  const app = useApp('setting');
  const run = (...args: string[]) => helloNode(app.project, { ...app.env, HELLO_NODE_WORKLOAD: workload }, ...args);
  const images = async () => liveImages(await list(`/api/v1/namespaces/${app.namespace}/pods`, 'app=hello-node'));
  /** Runs `args`, counting the Ready pods meanwhile; resolves to the run and the lowest count. */
  const counting = async (...args: string[]) => {
    const watch = watchReadyPods(app.namespace);
    const finished = await run(...args, ...FAST_POLL);
    return { run: finished, lowest: await watch.stop() };
  };

  test('each deploy records a revision in the app\'s namespace; history lists them newest last, the current one marked', async () => {
    expectExit(await run('deploy', ...FAST_POLL), 0);
    expectExit(await run('deploy', '--tag', 'v2', ...FAST_POLL), 0);
    const history = await run('history');
    expectExit(history, 0);
    expect(linesOf(history.stdout)[0]).toMatch(/^REVISION +TIME +STATUS +IMAGES +DESCRIPTION$/);
    expect(historyRows(history.stdout)).toEqual([
      ['1', expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'superseded', `${IMAGE}:v1`, 'deploy'],
      ['2 *', expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'deployed', `${IMAGE}:v2`, 'deploy'],
    ]);
    // a Secret any operator can read with kubectl, holding the objects as the synth wrote them
    const secret = await get(`/api/v1/namespaces/${app.namespace}/secrets/hello-node-revision-1`);
    expect(secret.type).toBe('hello-node/revision');
    expect(secret.metadata.labels).toMatchObject({ 'hello-node/revision': '1', 'hello-node/status': 'deployed' });
    const manifests = gunzipSync(Buffer.from(secret.data['manifests.yaml.gz'], 'base64')).toString('utf8');
    expect(manifests).toContain(`kind: ${workload}`);
    expect(manifests).toContain(`image: ${IMAGE}:v1`);
  }, 2 * SLOW); // two deploys

  test('diff --to-revision shows what a rollback would change, and changes nothing', async () => {
    const diff = await run('diff', '--to-revision', '1');
    expectExit(diff, 1);
    expect(diff.stdout).toContain(`-      - image: ${IMAGE}:v2`);
    expect(diff.stdout).toContain(`+      - image: ${IMAGE}:v1`);
    expect(await images()).toEqual(Array(3).fill(`${IMAGE}:v2`));
  }, SLOW);

  test('rollback goes back to the previous revision, every pod replaced with never fewer than 3 ready, and records a new revision', async () => {
    const { run: rollback, lowest } = await counting('rollback');
    expectExit(rollback, 0);
    expect(rollback.stderr).toContain('rolling back to revision 1');
    expect(linesOf(rollback.stdout).at(-1)).toMatch(/^http:\/\/203\.0\.113\.\d+\/$/);
    expect(await images()).toEqual(Array(3).fill(`${IMAGE}:v1`));
    expect(lowest).toBeGreaterThanOrEqual(3);
    expect(historyRows((await run('history')).stdout).at(-1)).toEqual(['3 *', expect.any(String), 'deployed', `${IMAGE}:v1`, 'rollback to 1']);
  }, SLOW);

  test('rollback --to-revision goes forward again the same way', async () => {
    const { run: forward, lowest } = await counting('rollback', '--to-revision', '2');
    expectExit(forward, 0);
    expect(await images()).toEqual(Array(3).fill(`${IMAGE}:v2`));
    expect(lowest).toBeGreaterThanOrEqual(3);
  }, SLOW);

  test('a failed deploy is recorded as failed, with its cause, and is never a rollback target', async () => {
    const failed = await run('deploy', '--tag', 'broken', ...FAST_POLL);
    expectExit(failed, 1);
    const last = historyRows((await run('history')).stdout).at(-1);
    expect(last?.slice(0, 4)).toEqual(['5', expect.any(String), 'failed', `${IMAGE}:broken`]);
    expect(last?.[4]).toMatch(/^deploy: pod\/\S+: cannot pull image/);
    const refused = await run('rollback', '--to-revision', '5');
    expectExit(refused, 1);
    expect(refused.stderr).toContain('hello-node: flag --to-revision: 5 is invalid: is a revision whose deploy did not finish (failed');
    // the default after a failed deploy: the current revision, whose objects the failed deploy changed
    const { run: back, lowest } = await counting('rollback');
    expectExit(back, 0);
    expect(back.stderr).toContain('rolling back to revision 4');
    expect(await images()).toEqual(Array(3).fill(`${IMAGE}:v2`));
    expect(lowest).toBeGreaterThanOrEqual(3);
    const live = workload === 'Deployment'
      ? await get(`/apis/apps/v1/namespaces/${app.namespace}/deployments/hello-node-deployment`)
      : await get(`/api/v1/namespaces/${app.namespace}/replicationcontrollers/hello-node-rc`);
    expect(live.spec.template.spec.containers[0].image).toBe(`${IMAGE}:v2`);
  }, SLOW);
});

describeWithCluster('revision Secrets changed by hand', () => {
  const app = useApp('setting');
  const run = (...args: string[]) => helloNode(app.project, app.env, ...args);

  test('a new revision is numbered above every Secret named as one, whatever its labels, and none of theirs is changed', async () => {
    expectExit(await run('deploy', ...FAST_POLL), 0);
    // revision 1 loses its number label; a Secret of someone else's has a name past 2^53
    expectExit(await kubectl(app.kubeconfig, 'label', 'secret', 'hello-node-revision-1', 'hello-node/revision-', '--namespace', app.namespace), 0);
    expectExit(await kubectl(app.kubeconfig, 'create', 'secret', 'generic', 'hello-node-revision-9007199254740993', '--namespace', app.namespace), 0);
    expectExit(await run('deploy', '--tag', 'v2', ...FAST_POLL), 0);
    expect((await get(`/api/v1/namespaces/${app.namespace}/secrets/hello-node-revision-2`)).metadata.labels).toMatchObject({ 'hello-node/revision': '2', 'hello-node/status': 'deployed' });
    expect((await get(`/api/v1/namespaces/${app.namespace}/secrets/hello-node-revision-1`)).metadata.labels['hello-node/status']).toBe('deployed');
    expect((await get(`/api/v1/namespaces/${app.namespace}/secrets/hello-node-revision-9007199254740993`)).metadata.labels).toBeUndefined();
    expectExit(await run('deploy', '--tag', 'v3', ...FAST_POLL), 0);
    expect(historyRows((await run('history')).stdout).map((row) => row.slice(0, 3))).toEqual([
      ['2', expect.any(String), 'superseded'],
      ['3 *', expect.any(String), 'deployed'],
    ]);
  }, 3 * SLOW); // three deploys
});

describeWithCluster('the release history\'s limit', () => {
  const app = useApp('setting');
  const run = (...args: string[]) => helloNode(app.project, app.env, ...args);

  test('--history-max keeps the newest revisions and deletes the oldest', async () => {
    for (const tag of ['v1', 'v2', 'v3']) {
      expectExit(await run('deploy', '--tag', tag, '--history-max', '2', ...FAST_POLL), 0);
    }
    expect(await revisionSecrets(app.namespace)).toEqual(['hello-node-revision-2', 'hello-node-revision-3']);
  }, 3 * SLOW); // three deploys

  test('the current revision outlives the limit, so that a failed deploy can always be rolled back', async () => {
    expectExit(await run('deploy', '--tag', 'broken', '--history-max', '1', '--timeout', '30', ...FAST_POLL), 1);
    expect(await revisionSecrets(app.namespace)).toEqual(['hello-node-revision-3', 'hello-node-revision-4']);
    expectExit(await run('rollback', ...FAST_POLL), 0);
  }, SLOW);

  test('rollback with nothing earlier to go back to says so', async () => {
    expectExit(await run('deploy', '--tag', 'v3', '--history-max', '1', ...FAST_POLL), 0);
    const rollback = await run('rollback');
    expectExit(rollback, 1);
    expect(rollback.stderr).toContain(`hello-node: there is no earlier successful revision to roll back to in namespace ${app.namespace}`);
  }, SLOW);

  test('teardown deletes the history with the app', async () => {
    expectExit(await run('teardown'), 0);
    expect(await revisionSecrets(app.namespace)).toEqual([]);
    expect((await run('history')).stdout).toBe(`no release history in namespace ${app.namespace}: \`hello-node deploy\` records the first revision\n`);
  }, SLOW);
});
