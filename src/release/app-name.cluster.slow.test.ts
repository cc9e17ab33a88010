// Two apps deployed into one namespace, each from a project of its own, run as users run
// them (bin/hello-node.js, the real `npx cdk8s synth` and kubectl) against the suite's
// real control plane and stand-in node: each has its own ApplySet, Lease and history,
// named after its HelloNodeApp, and neither's deploy, history or teardown touches the
// other's objects.
import * as fs from 'node:fs';
import { cliProject, describeWithCluster, expectExit, get, helloNode, linesOf, list, useApp } from '../../test/cluster';

const SLOW = 120_000;
const FAST_POLL = ['--interval', '0.2'];
const names = async (namespace: string, kind: string, selector?: string) =>
  (await list(`/api/v1/namespaces/${namespace}/${kind}`, selector)).map((o) => o.metadata.name).sort();

describeWithCluster('two apps in one namespace', () => {
  // the tutorial's app (HelloNodeApp "hello-node"), in a namespace of its own given by HELLO_NODE_NAMESPACE
  const tutorial = useApp('setting');
  const shop = { project: '' };
  beforeAll(() => {
    shop.project = cliProject('test/apps/shop.ts');
  });
  afterAll(() => fs.rmSync(shop.project, { recursive: true, force: true }));
  const inShop = (...args: string[]) => helloNode(shop.project, tutorial.env, ...args);
  const inTutorial = (...args: string[]) => helloNode(tutorial.project, tutorial.env, ...args);

  test('each keeps its own ApplySet, Lease and history: a deploy of one prunes nothing of the other', async () => {
    expectExit(await inTutorial('deploy', ...FAST_POLL), 0);
    const deployed = await inShop('deploy', ...FAST_POLL);
    expectExit(deployed, 0);
    expect(deployed.stderr).toContain('--applyset=shop-applyset --prune');
    expectExit(await inTutorial('deploy', '--tag', 'v2', ...FAST_POLL), 0);
    expect(await names(tutorial.namespace, 'replicationcontrollers')).toEqual(['hello-node-rc', 'shop-rc']);
    expect(await names(tutorial.namespace, 'services')).toEqual(['hello-node-svc', 'shop-svc']);
    expect(await names(tutorial.namespace, 'secrets', 'hello-node/revision')).toEqual(['hello-node-revision-1', 'hello-node-revision-2', 'shop-revision-1']);
    const record = await get(`/api/v1/namespaces/${tutorial.namespace}/secrets/shop-applyset`);
    expect(record.metadata.annotations['applyset.kubernetes.io/contains-group-kinds']).toBe('ReplicationController,Service');
    expect(linesOf((await inShop('history')).stdout).slice(1).map((row) => row.split(/ {2,}/)[0])).toEqual(['1 *']);
    expect(linesOf((await inTutorial('history')).stdout).slice(1).map((row) => row.split(/ {2,}/)[0])).toEqual(['1', '2 *']);
  }, 3 * SLOW);

  test('status shows each app alone, and a teardown of one leaves the other running', async () => {
    const status = await inShop('status');
    expectExit(status, 0);
    expect(status.stdout).toContain('replicationcontroller/shop-rc');
    expect(status.stdout).not.toContain('hello-node-rc');
    expectExit(await inShop('teardown'), 0);
    expect(await names(tutorial.namespace, 'replicationcontrollers')).toEqual(['hello-node-rc']);
    expect(await names(tutorial.namespace, 'secrets', 'hello-node/revision')).toEqual(['hello-node-revision-1', 'hello-node-revision-2']);
    expect((await inTutorial('status')).stdout).toContain('replicationcontroller/hello-node-rc');
  }, SLOW);

  test('a deploy refuses an app that ignored a setting it passed, naming it, and applies nothing', async () => {
    const ignoring = cliProject('test/apps/no-settings.ts');
    try {
      const refused = await helloNode(ignoring, tutorial.env, 'deploy', '--replicas', '7');
      expectExit(refused, 1);
      // the namespace HELLO_NODE_NAMESPACE passed, too; GCP_PROJECT alone asks for no image
      expect(refused.stderr).toContain(`: HelloNodeApp "shop" did not take replicas 7 (its ReplicationController keeps 2 replicas); namespace "${tutorial.namespace}" (its objects are in no namespace of their own); nothing was applied`);
      expect(refused.stderr).toMatch(/^hello-node: the app ignored settings hello-node passed it \(of .*HELLO_NODE_REPLICAS=7.*\)/m);
      expect(await names(tutorial.namespace, 'replicationcontrollers')).toEqual(['hello-node-rc']);
    } finally {
      fs.rmSync(ignoring, { recursive: true, force: true });
    }
  }, SLOW);
});
