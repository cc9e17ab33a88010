// The cluster as people leave it (issue reports from users of kubectl, Helm and cdk8s):
// run as users run the CLI (bin/hello-node.js, the real `npx cdk8s synth` and kubectl)
// against the suite's real control plane and stand-in node.
import { describeWithCluster, expectExit, get, helloNode, kubectl, useApp } from '../../test/cluster';

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
