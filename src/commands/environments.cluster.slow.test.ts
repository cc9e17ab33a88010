// Staging and production from one checkout and one hello-node.yaml, as a team runs
// them: the real bin/hello-node.js, the real `npx cdk8s synth` and the real kubectl
// against the real kube-apiserver and kube-controller-manager of the slow suite. Each
// environment reaches the cluster through a kubectl context of its own, and kubectl's
// current context points at a namespace that does not exist, so a command that used it
// instead would fail. Stand-ins: the kubelet and the load balancer
// (test/stand-in-node.ts), and docker and gcloud for `up`, which no machine here runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  cliProject,
  createNamespace,
  deleteNamespace,
  describeWithCluster,
  expectExit,
  helloNode,
  Json,
  kubeconfigWithNamespace,
  kubectl,
  linesOf,
  list,
  runProcess,
  TEST_PROJECT,
  uniqueName,
  userEnv,
} from '../../test/cluster';

const SLOW = 120_000;
const FAST_POLL = ['--interval', '0.2'];
const DIGEST = `sha256:${'5e'.repeat(32)}`;
const IMAGE = `gcr.io/${TEST_PROJECT}/hello-node`;

const imagesOf = (pods: Json[]) => pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image);
const firstLine = (text: string) => linesOf(text)[0];

describeWithCluster('staging and production from one hello-node.yaml', () => {
  const staging = uniqueName('staging');
  const production = uniqueName('production');
  let project: string;
  let env: NodeJS.ProcessEnv;
  /** PATH with docker and gcloud stand-ins first, for `up`. */
  let withStandIns: NodeJS.ProcessEnv;
  const run = (...args: string[]) => helloNode(project, env, ...args);
  const historyOf = async (environment: string) => {
    const history = await run('--env', environment, 'history');
    expectExit(history, 0);
    return linesOf(history.stdout).slice(1);
  };

  beforeAll(async () => {
    project = cliProject();
    await Promise.all([createNamespace(staging), createNamespace(production)]);
    // kubectl's current context names a namespace that does not exist: only each environment's own context works
    const kubeconfig = kubeconfigWithNamespace(project, uniqueName('not-there'));
    for (const context of ['staging-ctx', 'production-ctx']) {
      expectExit(await kubectl(kubeconfig, 'config', 'set-context', context, '--cluster=envtest', '--user=admin'), 0);
    }
    fs.writeFileSync(path.join(project, 'hello-node.yaml'), [
      '# one service, two environments',
      `project: ${TEST_PROJECT}`,
      'environments:',
      '  staging:',
      '    context: staging-ctx',
      `    namespace: ${staging}`,
      '    replicas: 1',
      '  production:',
      '    context: production-ctx',
      `    namespace: ${production}`,
      '    workload: Deployment',
      '    replicas: 2',
      '',
    ].join('\n'));
    // no GCP_PROJECT exported: the file names the project
    env = { ...userEnv(kubeconfig), GCP_PROJECT: undefined };
    const bin = fs.mkdtempSync(path.join(project, 'bin-'));
    fs.writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\n[ "$1" = push ] && echo "v1: digest: ${DIGEST} size: 1572"; exit 0\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'gcloud'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    withStandIns = { ...env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  }, SLOW);
  afterAll(async () => {
    await Promise.all([deleteNamespace(staging), deleteNamespace(production)]);
    fs.rmSync(project, { recursive: true, force: true });
  }, SLOW);

  test('a command that reaches a cluster with no environment chosen is refused in one line, naming them, and applies nothing', async () => {
    const deploy = await run('deploy');
    expectExit(deploy, 1);
    expect(deploy.stderr).toBe('hello-node: hello-node.yaml defines the environments staging, production: name the one to act on with --env <name> (or HELLO_NODE_ENV); only synth and config go without one, reading the file\'s top level\n');
    expect(await list(`/api/v1/namespaces/${staging}/secrets`, 'hello-node/revision')).toEqual([]);
    expect(await list(`/api/v1/namespaces/${production}/secrets`, 'hello-node/revision')).toEqual([]);
  }, SLOW);

  test('each environment deploys its own section, through its own context, into its own namespace, and says which first', async () => {
    const up = await helloNode(project, withStandIns, '--env', 'staging', 'up', ...FAST_POLL);
    expectExit(up, 0);
    expect(firstLine(up.stderr)).toBe(`environment staging (flag --env): namespace ${staging}, kubectl context staging-ctx`);
    const deploy = await helloNode(project, { ...env, HELLO_NODE_ENV: 'production' }, 'deploy', ...FAST_POLL);
    expectExit(deploy, 0);
    expect(firstLine(deploy.stderr)).toBe(`environment production (environment variable HELLO_NODE_ENV): namespace ${production}, kubectl context production-ctx`);

    const [rc] = await list(`/api/v1/namespaces/${staging}/replicationcontrollers`);
    expect(rc.spec.replicas).toBe(1);
    expect(imagesOf(await list(`/api/v1/namespaces/${staging}/pods`))).toEqual([`${IMAGE}:v1@${DIGEST}`]);
    const [deployment] = await list(`/apis/apps/v1/namespaces/${production}/deployments`);
    expect(deployment.spec.replicas).toBe(2);
    expect(await list(`/api/v1/namespaces/${production}/replicationcontrollers`)).toEqual([]);
    expect(imagesOf(await list(`/api/v1/namespaces/${production}/pods`))).toEqual([`${IMAGE}:v1`, `${IMAGE}:v1`]);
  }, SLOW);

  test('the bare cdk8s app with HELLO_NODE_ENV writes what deploy applied to that environment', async () => {
    const synth = await runProcess('npx', ['cdk8s', 'synth'], { cwd: project, env: { ...env, HELLO_NODE_ENV: 'production' } });
    expectExit(synth, 0);
    const objects: Json[] = parseAllDocuments(fs.readFileSync(path.join(project, 'dist', 'hello-node.k8s.yaml'), 'utf8')).map((d) => d.toJS()).filter(Boolean);
    const synthesized = objects.find((o) => o.kind === 'Deployment');
    const [live] = await list(`/apis/apps/v1/namespaces/${production}/deployments`);
    expect(synthesized.metadata.namespace).toBe(production);
    expect(synthesized.spec.replicas).toBe(live.spec.replicas);
    expect(synthesized.spec.template.spec.containers[0].image).toBe(live.spec.template.spec.containers[0].image);
  }, SLOW);

  test('scale in one environment leaves the other alone, and says which line of the file the next deploy sets the count from', async () => {
    const scale = await run('--env', 'staging', 'scale', '2');
    expectExit(scale, 0);
    expect(scale.stderr).toContain('# note: the next deploy sets the replicas of replicationcontroller/hello-node-rc back to 1, as hello-node.yaml:7 replicas sets it');
    const [rc] = await list(`/api/v1/namespaces/${staging}/replicationcontrollers`);
    expect(rc.spec.replicas).toBe(2);
    // autoscaling asked for above the file's count: the next deploy makes an autoscaler instead
    const toAutoscale = await helloNode(project, { ...env, HELLO_NODE_MAX_REPLICAS: '4', HELLO_NODE_PROFILE: 'production' }, '--env', 'staging', 'scale', '2');
    expect(toAutoscale.stderr).toContain('# note: the next deploy hands replicationcontroller/hello-node-rc to an autoscaler, up to 4 pods, as environment variable HELLO_NODE_MAX_REPLICAS sets it');
    const [deployment] = await list(`/apis/apps/v1/namespaces/${production}/deployments`);
    expect(deployment.spec.replicas).toBe(2);
  }, SLOW);

  test('promote deploys the digest staging runs to production, with production\'s own settings, and production\'s history says where it came from', async () => {
    const promote = await run('--env', 'production', 'promote', '--from', 'staging', ...FAST_POLL);
    expectExit(promote, 0);
    expect(promote.stderr).toContain(`promoting ${IMAGE}:v1@${DIGEST}, staging's revision 1, to production`);

    const [deployment] = await list(`/apis/apps/v1/namespaces/${production}/deployments`);
    expect(deployment.spec.replicas).toBe(2);
    expect(imagesOf(await list(`/api/v1/namespaces/${production}/pods`, 'app=hello-node'))).toEqual([`${IMAGE}:v1@${DIGEST}`, `${IMAGE}:v1@${DIGEST}`]);
    const productionHistory = await historyOf('production');
    expect(productionHistory).toHaveLength(2);
    expect(productionHistory[1]).toMatch(new RegExp(`^2 \\*.* deployed .*${IMAGE}:v1@${DIGEST} +promoted from staging revision 1$`));
    // staging's history is its own: the one revision of its `up`
    const stagingHistory = await historyOf('staging');
    expect(stagingHistory).toHaveLength(1);
    expect(stagingHistory[0]).toMatch(/^1 \*.* deployed .* up$/);
  }, SLOW);

  test('promote refuses a staging revision that failed, and one pinned by a tag, and deploys nothing', async () => {
    const failed = await run('--env', 'staging', 'deploy', '--image', `${IMAGE}:broken`, '--timeout', '60', ...FAST_POLL);
    expectExit(failed, 1);
    const refused = await run('--env', 'production', 'promote', '--from', 'staging', ...FAST_POLL);
    expectExit(refused, 1);
    expect(linesOf(refused.stderr).at(-1)).toMatch(/^hello-node: cannot promote from staging: staging's revision 2 failed \(.+\); promote what staging runs once a deploy there has finished \(`hello-node --env staging status`\)$/);

    expectExit(await run('--env', 'staging', 'deploy', '--image', `${IMAGE}:v2`, ...FAST_POLL), 0);
    const byTag = await run('--env', 'production', 'promote', '--from', 'staging', ...FAST_POLL);
    expectExit(byTag, 1);
    expect(linesOf(byTag.stderr).at(-1)).toBe(`hello-node: cannot promote from staging: staging's revision 3 runs ${IMAGE}:v2, a tag, not a digest: a tag can name another image by the time it reaches production. Deploy staging by digest (\`hello-node --env staging up\` does), then promote`);

    expect(await historyOf('production')).toHaveLength(2);
    expect(imagesOf(await list(`/api/v1/namespaces/${production}/pods`, 'app=hello-node'))).toEqual([`${IMAGE}:v1@${DIGEST}`, `${IMAGE}:v1@${DIGEST}`]);
  }, SLOW);

  test('config shows each setting of the environment with the line, variable or flag it came from', async () => {
    const config = await helloNode(project, { ...env, HELLO_NODE_REPLICAS: '4' }, '--env', 'production', 'config', '--json', '--workload', 'ReplicationController');
    expectExit(config, 0);
    const { environment, settings } = parse(config.stdout);
    expect(environment).toBe('production');
    expect(settings.namespace).toMatchObject({ value: production, origin: 'hello-node.yaml:10' });
    expect(settings.project).toMatchObject({ value: TEST_PROJECT, origin: 'hello-node.yaml:2' });
    expect(settings.replicas).toMatchObject({ value: '4', origin: 'variable HELLO_NODE_REPLICAS' });
    expect(settings.workload).toMatchObject({ value: 'ReplicationController', origin: 'flag' });
    expect(settings.cluster).toMatchObject({ value: 'hello-node', origin: 'default' });
  }, SLOW);
});
