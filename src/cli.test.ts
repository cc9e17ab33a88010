// The CLI in-process, against stand-in tools (test/cli-harness.ts): kubectl talks to
// a FakeCluster that runs the controllers, so a deploy's rollout, waiting, diagnosis
// and pruning are seen end to end. cli.slow.test.ts runs the real bin/hello-node.js.
import { constants } from 'node:os';
import { TEMPLATE_HASH_ANNOTATION } from './cluster-state';
import { MissingToolError } from './tools';
import { DIGEST, runCli } from '../test/cli-harness';
import { FakeCluster } from '../test/fake-cluster';

const IMAGE = 'gcr.io/terrycho-sandbox/hello-node:v1';
const CLUSTER = ['terry-gke-10', '--zone', 'asia-northeast1-c', '--project', 'terrycho-sandbox'];
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe('hello-node image', () => {
  test('build runs docker build -t <image> app, and prints it first', async () => {
    const run = await runCli(['image', 'build']);
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([['docker', 'build', '-t', IMAGE, 'app']]);
    expect(run.stderr).toContain(`+ docker build -t ${IMAGE} app`);
  });

  test('push logs docker in to the registry through gcloud, pushes, and reads the digest the registry returned', async () => {
    const run = await runCli(['image', 'push']);
    expect(run.calls).toEqual([['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet'], ['docker', 'push', IMAGE]]);
    expect(run.stderr).toContain(`pushed ${IMAGE} as ${DIGEST}`);
  });

  test('push to Artifact Registry uses its host and repository', async () => {
    const run = await runCli(['image', 'push', '--registry', 'asia-northeast1-docker.pkg.dev', '--repository', 'apps'], { env: { GCP_PROJECT: 'my-project' } });
    expect(run.calls).toEqual([
      ['gcloud', 'auth', 'configure-docker', 'asia-northeast1-docker.pkg.dev', '--quiet'],
      ['docker', 'push', 'asia-northeast1-docker.pkg.dev/my-project/apps/hello-node:v1'],
    ]);
  });

  test('push to a registry that is not Google\'s skips gcloud and says so', async () => {
    const run = await runCli(['image', 'push', '--image', 'localhost:5000/hello-node:v2']);
    expect(run.calls).toEqual([['docker', 'push', 'localhost:5000/hello-node:v2']]);
    expect(run.stderr).toContain('localhost:5000 is not a Google registry');
  });

  test('push refuses a digest reference before running anything', async () => {
    const run = await runCli(['image', 'push', '--image', `gcr.io/p/app@${DIGEST}`]);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('is a digest reference');
  });

  test('flags override the environment, which overrides the defaults', async () => {
    const run = await runCli(['image', 'build', '--tag', 'v3'], { env: { IMAGE_TAG: 'v2', GCP_PROJECT: 'env-project' } });
    expect(run.calls).toEqual([['docker', 'build', '-t', 'gcr.io/env-project/hello-node:v3', 'app']]);
  });

  test('checks only the settings it uses: a region in GKE_ZONE does not stop it', async () => {
    expect((await runCli(['image', 'build'], { env: { GKE_ZONE: 'us-central1' } })).code).toBe(0);
  });
});

describe('hello-node cluster', () => {
  test('create makes the tutorial\'s zonal cluster on a release channel, which keeps nodes upgraded and repaired', async () => {
    expect((await runCli(['cluster', 'create'])).calls).toEqual([[
      'gcloud', 'container', 'clusters', 'create', ...CLUSTER, '--num-nodes', '3', '--machine-type', 'n1-standard-2', '--release-channel', 'regular',
    ]]);
  });

  test('a regional cluster has one node in each of its three zones', async () => {
    expect((await runCli(['cluster', 'create', '--region', 'us-central1'])).calls).toEqual([[
      'gcloud', 'container', 'clusters', 'create', 'terry-gke-10', '--region', 'us-central1', '--project', 'terrycho-sandbox',
      '--num-nodes', '1', '--machine-type', 'n1-standard-2', '--release-channel', 'regular',
    ]]);
  });

  test('--autopilot runs create-auto in the region', async () => {
    expect((await runCli(['cluster', 'create', '--autopilot'], { env: { GKE_REGION: 'asia-northeast1' } })).calls).toEqual([[
      'gcloud', 'container', 'clusters', 'create-auto', 'terry-gke-10', '--region', 'asia-northeast1', '--project', 'terrycho-sandbox', '--release-channel', 'regular',
    ]]);
  });

  test('--autopilot with a zone is refused: Autopilot clusters are regional', async () => {
    const run = await runCli(['cluster', 'create', '--autopilot']);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('an Autopilot cluster is regional: set GKE_REGION');
  });

  test('credentials and delete address the cluster where it is', async () => {
    expect((await runCli(['cluster', 'credentials', '--cluster', 'other', '--region', 'us-central1'])).calls).toEqual([
      ['gcloud', 'container', 'clusters', 'get-credentials', 'other', '--region', 'us-central1', '--project', 'terrycho-sandbox'],
    ]);
    expect((await runCli(['cluster', 'delete', '--yes'])).calls).toEqual([['gcloud', 'container', 'clusters', 'delete', ...CLUSTER, '--quiet']]);
    expect((await runCli(['cluster', 'delete'])).calls).toEqual([['gcloud', 'container', 'clusters', 'delete', ...CLUSTER]]);
  });

  test('the image settings are not its concern', async () => {
    expect((await runCli(['cluster', 'credentials'], { env: { IMAGE_TAG: '-bad' } })).code).toBe(0);
  });
});

describe('hello-node deploy', () => {
  test('runs the cdk8s app as npx cdk8s synth does, applies it, waits for every pod and the address, and ends with the URL', async () => {
    const cluster = new FakeCluster();
    const run = await runCli(['deploy', '--replicas', '4'], { cluster });
    expect(run.code).toBe(0);
    expect(run.commands[0]).toMatchObject({ tool: 'npx', args: ['cdk8s', 'synth', '--no-check-upgrade'], env: { HELLO_NODE_REPLICAS: '4' } });
    expect(lastLine(run.stdout)).toBe('http://34.85.10.20/');
    expect(cluster.pods.filter((p) => p.status?.conditions?.[0].status === 'True')).toHaveLength(4);
    expect(run.stderr).toContain('rollout complete: every pod is updated and ready');
    expect(run.stderr).toMatch(/replicationcontroller\/hello-node-rc: .* updated, .* ready; waiting for/);
  });

  test('applies server-side, then with kubectl\'s ApplySet and --prune once the rollout succeeded', async () => {
    const run = await runCli(['deploy']);
    const applies = run.commands.filter((c) => c.tool === 'kubectl' && c.args[0] === 'apply');
    expect(applies.map((c) => [c.env, c.args])).toEqual([
      [undefined, ['apply', '--server-side', '--field-manager=hello-node', '--force-conflicts', '-f', '-']],
      [{ KUBECTL_APPLYSET: 'true' }, ['apply', '--server-side', '--field-manager=hello-node', '--force-conflicts', '--applyset=hello-node-applyset', '--prune', '-f', '-']],
    ]);
    expect(applies[0].input).toContain('applyset.kubernetes.io/part-of: applyset-');
    expect(applies[0].input).toContain(`${TEMPLATE_HASH_ANNOTATION}:`);
  });

  test('an update reaches every ReplicationController pod, one at a time, never below the replicas ready', async () => {
    const cluster = new FakeCluster();
    const first = await runCli(['deploy'], { cluster });
    const v1Pods = cluster.pods.map((p) => p.metadata.name);
    cluster.minReady = Infinity;
    const run = await runCli(['deploy', '--tag', 'v2'], { cluster, projectRoot: first.projectRoot });
    expect(run.code).toBe(0);
    expect(cluster.pods.map((p) => p.spec?.containers?.[0].image)).toEqual(Array(3).fill('gcr.io/terrycho-sandbox/hello-node:v2'));
    expect(cluster.deletedPods).toEqual(expect.arrayContaining(v1Pods));
    expect(cluster.minReady).toBeGreaterThanOrEqual(3);
    expect(run.stderr).toContain('scaling to 4 (one extra pod');
    expect(run.stderr).toContain('scaling to 3 (every pod is updated');
  });

  test('--restart replaces every pod even when the template did not change (a tag pushed again)', async () => {
    const cluster = new FakeCluster();
    const first = await runCli(['deploy'], { cluster });
    const before = cluster.pods.map((p) => p.metadata.name);
    expect((await runCli(['deploy'], { cluster, projectRoot: first.projectRoot })).stderr).not.toContain('replacing pod');
    const run = await runCli(['deploy', '--restart'], { cluster, projectRoot: first.projectRoot });
    expect(run.code).toBe(0);
    expect(cluster.pods.map((p) => p.metadata.name).filter((n) => before.includes(n))).toEqual([]);
  });

  test('a Deployment restarts through kubectl rollout restart and is followed to the end', async () => {
    const cluster = new FakeCluster();
    const run = await runCli(['deploy', '--workload', 'Deployment', '--restart'], { cluster });
    expect(run.code).toBe(0);
    expect(run.calls).toContainEqual(['kubectl', 'rollout', 'restart', 'deployment/hello-node-deployment']);
    expect(lastLine(run.stdout)).toBe('http://34.85.10.20/');
  });

  test('an image that cannot be pulled stops the rollout early, names the image and the next step, and keeps the old pods', async () => {
    const cluster = new FakeCluster();
    const first = await runCli(['deploy'], { cluster });
    const v1Pods = cluster.pods.map((p) => p.metadata.name);
    const run = await runCli(['deploy', '--tag', 'broken', '--timeout', '300'], { cluster, projectRoot: first.projectRoot });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('deploy failed: it cannot finish');
    expect(run.stderr).toContain('cannot pull image gcr.io/terrycho-sandbox/hello-node:broken (ImagePullBackOff');
    expect(run.stderr).toContain('next: push the image (hello-node image push)');
    expect(cluster.pods.map((p) => p.metadata.name).sort()).toEqual([...v1Pods].sort());
    expect(run.calls.filter((c) => c.includes('--prune'))).toEqual([]);
    expect(run.stdout).toBe('');
  });

  test('a broken old pod does not stop the next deploy, which replaces it', async () => {
    const cluster = new FakeCluster();
    const first = await runCli(['deploy'], { cluster });
    // a broken tag applied without waiting: pods recreated after a node loss cannot pull it
    await runCli(['deploy', '--no-wait', '--tag', 'broken'], { cluster, projectRoot: first.projectRoot });
    cluster.pods.splice(0, 2);
    cluster.tick();
    cluster.tick();
    expect(cluster.pods.filter((p) => p.status?.containerStatuses?.[0].state?.waiting?.reason === 'ImagePullBackOff')).toHaveLength(2);
    const run = await runCli(['deploy', '--tag', 'v2'], { cluster, projectRoot: first.projectRoot });
    expect(run.code).toBe(0);
    expect(cluster.pods.map((p) => p.spec?.containers?.[0].image)).toEqual(Array(3).fill('gcr.io/terrycho-sandbox/hello-node:v2'));
  });

  test('a crash loop stops the rollout and prints the container\'s last log lines', async () => {
    const run = await runCli(['deploy', '--tag', 'crash']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('container hello-node keeps crashing (3 restarts, last exit Error code 1)');
    expect(run.calls).toContainEqual(['kubectl', 'logs', expect.stringMatching(/^hello-node-rc-/), '--container', 'hello-node', '--previous', '--tail', '10']);
    expect(run.stderr).toContain('| hello-node: cannot open log file "log.out": EACCES: permission denied');
  });

  test('--restart without the rollout that --no-wait skips is refused', async () => {
    const run = await runCli(['deploy', '--no-wait', '--restart']);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('flag --restart: "with --no-wait" is invalid');
  });

  test('--no-wait applies and prunes, then returns', async () => {
    const run = await runCli(['deploy', '--no-wait']);
    expect(run.code).toBe(0);
    expect(run.calls.filter((c) => c[1] === 'apply')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });

  test('prunes what an earlier deploy applied and the app no longer has, and only that', async () => {
    const cluster = new FakeCluster();
    const first = await runCli(['deploy'], { cluster });
    // an object with the app's labels that no deploy applied
    cluster.objects.push({ kind: 'ConfigMap', metadata: { name: 'not-ours', labels: { app: 'hello-node' } } });
    const run = await runCli(['deploy', '--workload', 'Deployment'], { cluster, projectRoot: first.projectRoot });
    expect(run.code).toBe(0);
    expect(cluster.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/not-ours', 'Deployment/hello-node-deployment', 'Secret/hello-node-applyset', 'Service/hello-node-svc',
    ]);
  });

  test('--timeout gives up with what it waited for', async () => {
    const cluster = new FakeCluster();
    cluster.tick = () => undefined; // nothing ever becomes ready
    let now = Date.parse('2026-11-26T12:00:00Z');
    cluster.now = () => (now += 5000);
    const run = await runCli(['deploy', '--timeout', '20'], { cluster });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('deploy failed: it did not finish within 20 s');
  });

  test('--dry-run prints the synth and the applies, and runs nothing', async () => {
    const run = await runCli(['deploy', '--dry-run', '--tag', 'v2'], { env: { HELLO_NODE_NAMESPACE: 'prod' } });
    expect(run.commands).toEqual([]);
    expect(run.stdout.split('\n')).toEqual([
      'IMAGE_TAG=v2 HELLO_NODE_NAMESPACE=prod npx cdk8s synth --no-check-upgrade',
      expect.stringMatching(/^kubectl apply --server-side --field-manager=hello-node --force-conflicts -f - --namespace prod < \(the manifests of dist\/, labelled applyset.kubernetes.io\/part-of=applyset-.*-v1\)$/),
      '# then: every pod rolled out to the current template, waited for, with the cause of any failure',
      expect.stringMatching(/^KUBECTL_APPLYSET=true kubectl apply .* --applyset=hello-node-applyset --prune -f - --namespace prod < /),
      '',
    ]);
  });

  test('a bad setting stops it before anything runs', async () => {
    const run = await runCli(['deploy'], { env: { HELLO_NODE_SERVICE_TYPE: 'Ingress' } });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr.trim()).toBe('hello-node: environment variable HELLO_NODE_SERVICE_TYPE: "Ingress" is invalid: must be one of ClusterIP, NodePort, LoadBalancer');
  });
});

describe('hello-node diff', () => {
  test('right after a deploy reports no change (exit 0); a changed setting is a change (exit 1)', async () => {
    const cluster = new FakeCluster();
    const first = await runCli(['deploy'], { cluster });
    expect((await runCli(['diff'], { cluster, projectRoot: first.projectRoot })).code).toBe(0);
    const changed = await runCli(['diff', '--replicas', '5'], { cluster, projectRoot: first.projectRoot });
    expect(changed.code).toBe(1);
    expect(changed.calls).toContainEqual(['kubectl', 'diff', '--server-side', '--field-manager=hello-node', '--force-conflicts', '-f', '-']);
  });

  test('lists what deploy would prune', async () => {
    const cluster = new FakeCluster();
    const first = await runCli(['deploy'], { cluster });
    const run = await runCli(['diff', '--workload', 'Deployment'], { cluster, projectRoot: first.projectRoot });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('would prune replicationcontroller/hello-node-rc');
    // the ApplySet's own namespaces, not a cluster-wide list a namespaced role may not allow
    expect(run.calls.flat()).not.toContain('--all-namespaces');
    expect(run.calls).toContainEqual(['kubectl', 'get', expect.stringContaining('ReplicationController'), '--selector', expect.stringMatching(/^applyset\.kubernetes\.io\/part-of=applyset-/), '--ignore-not-found', '--output', 'json', '--namespace', 'default']);
  });
});

describe('hello-node status', () => {
  test('shows the workload, each pod and the Service with its address, each found by name', async () => {
    const cluster = new FakeCluster();
    await runCli(['deploy'], { cluster });
    const run = await runCli(['status'], { cluster });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('replicationcontroller/hello-node-rc: 3 desired, 3 updated, 3 ready');
    expect(lines.slice(1, 4)).toEqual(Array(3).fill(expect.stringMatching(/^ {2}pod hello-node-rc-\S+ +ready +gcr\.io\/terrycho-sandbox\/hello-node:v1 +0 restarts$/)));
    expect(lines[4]).toBe('service/hello-node-svc: LoadBalancer, ports 80 -> 8080/TCP, external address 34.85.10.20 (http://34.85.10.20/)');
  });

  test('of a ReplicationController applied by plain kubectl, does not guess which pods are up to date', async () => {
    const cluster = new FakeCluster();
    await runCli(['deploy'], { cluster });
    const rc = cluster.objects.find((o) => o.kind === 'ReplicationController') as { spec: { template: { metadata: { annotations?: object } } } };
    delete rc.spec.template.metadata.annotations;
    expect((await runCli(['status'], { cluster })).stdout).toContain('replicationcontroller/hello-node-rc: 3 desired, 3 ready (which pods are up to date is unknown');
  });

  test('says what is not deployed yet', async () => {
    const run = await runCli(['status']);
    expect(run.stdout).toContain('replicationcontroller/hello-node-rc: not found (hello-node deploy creates it)');
    expect(run.stdout).toContain('service/hello-node-svc: not found');
  });
});

describe('hello-node scale', () => {
  test('scales the workload and says the next deploy resets it', async () => {
    const cluster = new FakeCluster();
    await runCli(['deploy', '--no-wait'], { cluster });
    const run = await runCli(['scale', '4'], { cluster });
    expect(cluster.objects.find((o) => o.kind === 'ReplicationController')?.spec?.replicas).toBe(4);
    expect(run.calls).toEqual([['kubectl', 'scale', '--replicas=4', 'replicationcontroller/hello-node-rc']]);
    expect(run.stderr).toContain('the next deploy sets the replicas back to 3, the default (set HELLO_NODE_REPLICAS=4 to keep 4)');
    expect((await runCli(['--dry-run', 'scale', '4', '--workload', 'Deployment'])).stdout).toContain('kubectl scale --replicas=4 deployment/hello-node-deployment\n');
  });

  test.each(['many', '-1', '1.5'])('rejects %j before running anything', async (count) => {
    const run = await runCli(['scale', '--', count]);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain(`argument <replicas>: "${count}" is invalid`);
  });
});

describe('hello-node url', () => {
  test('waits, with progress, for the address, then prints the URL; a hostname ingress works too', async () => {
    const cluster = new FakeCluster();
    cluster.objects.push({ kind: 'Service', metadata: { name: 'hello-node-svc' }, spec: { type: 'LoadBalancer' } });
    cluster.tick = () => Object.assign(cluster.objects[0], { status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } });
    const run = await runCli(['url', '--interval', '0'], { cluster });
    expect(run.stdout).toBe('http://lb.example.com/\n');
    expect(run.stderr).toContain('waiting for service hello-node-svc to get an external address');
  });

  test('gives up after --timeout with exit code 1', async () => {
    const run = await runCli(['url', '--timeout', '0', '--interval', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('service hello-node-svc has not been deployed after 0 s');
  });

  test('refuses when the Service is not a LoadBalancer, which never gets an external address', async () => {
    const run = await runCli(['url', '--service-type', 'NodePort']);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('"NodePort" is invalid: must be LoadBalancer for url');
  });
});

describe('hello-node teardown', () => {
  test('deletes exactly the app\'s objects, the workload before its pods, its ApplySet record last, and never --all', async () => {
    const run = await runCli(['teardown', '--profile', 'production', '--workload', 'Deployment']);
    expect(run.calls).toEqual([
      ['kubectl', 'delete', 'service', 'hello-node-svc', '--ignore-not-found'],
      ['kubectl', 'delete', 'poddisruptionbudget', 'hello-node-pdb', '--ignore-not-found'],
      ['kubectl', 'delete', 'deployment/hello-node-deployment', '--ignore-not-found'],
      ['kubectl', 'delete', 'pods', '--selector', 'app=hello-node', '--ignore-not-found'],
      ['kubectl', 'config', 'view', '--minify', '--output', 'jsonpath={..namespace}'],
      ['kubectl', 'delete', 'secret', 'hello-node-applyset', '--ignore-not-found', '--namespace', 'default'],
    ]);
    expect(run.calls.flat()).not.toContain('--all');
  });
});

describe('when a tool fails', () => {
  test('its exit code is passed on, and nothing after it runs', async () => {
    const run = await runCli(['image', 'push'], { tools: { gcloud: () => ({ exitCode: 3, stdout: '', stderr: '' }) } });
    expect(run.code).toBe(3);
    expect(run.calls).toEqual([['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet']]);
    expect(run.stderr).toContain('hello-node: gcloud exited with code 3');
  });

  test('kubectl\'s exit code is passed on by deploy, with its own message', async () => {
    const run = await runCli(['deploy'], { tools: { kubectl: (c) => (c.args[0] === 'apply' ? { exitCode: 42, stdout: '', stderr: 'error: the server rejected it\n' } : { exitCode: 0, stdout: '', stderr: '' }) } });
    expect(run.code).toBe(42);
    expect(run.stderr).toContain('error: the server rejected it');
  });

  test('a tool killed by a signal makes the CLI exit 128 + n', async () => {
    const run = await runCli(['image', 'build'], { tools: { docker: () => ({ exitCode: 128 + constants.signals.SIGTERM, stdout: '', stderr: '' }) } });
    expect(run.code).toBe(143);
  });

  test('a missing tool is named, with how to get it (exit 127)', async () => {
    const run = await runCli(['status'], { tools: { kubectl: () => { throw new MissingToolError('kubectl'); } } });
    expect(run.code).toBe(127);
    expect(run.stderr).toContain('hello-node: kubectl was not found on PATH: install kubectl');
  });

  test.each([
    ['error: current-context is not set', 'kubectl has no current context: run `hello-node cluster credentials`'],
    ['Unable to connect to the server: dial tcp 34.85.1.1:443: connect: connection refused', 'the cluster\'s API server cannot be reached'],
    ['error: You must be logged in to the server (Unauthorized)', 'kubectl is not logged in to the cluster: run `gcloud auth login`'],
  ])('without a cluster (%s), one line says why and what to do; --verbose adds kubectl\'s own words', async (kubectlSays, explained) => {
    const kubectl = () => ({ exitCode: 1, stdout: '', stderr: `${kubectlSays}\n` });
    const run = await runCli(['status'], { tools: { kubectl } });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain(kubectlSays);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`hello-node: ${explained}`)]);
    expect((await runCli(['status', '--verbose'], { tools: { kubectl } })).stderr).toContain(kubectlSays);
  });
});

describe('refuses malformed or hostile settings, naming them, and runs nothing', () => {
  test.each([
    [['cluster', 'create'], ['--project', 'p; rm -rf /'], 'flag --project', 'Google Cloud project id'],
    [['cluster', 'create'], ['--cluster', 'c && curl evil'], 'flag --cluster', 'GKE cluster name'],
    [['cluster', 'create'], ['--cluster', '--help'], 'flag --cluster', 'GKE cluster name'],
    [['cluster', 'create'], ['--zone', 'asia-northeast1-c --project=other'], 'flag --zone', 'Google Cloud zone'],
    [['image', 'push'], ['--project', '$(id)'], 'flag --project', 'Google Cloud project id'],
    [['image', 'push'], ['--image', 'gcr.io/p/app:v1`reboot`'], 'flag --image', 'image reference'],
    [['image', 'push'], ['--tag', 'v1\nrm -rf /'], 'flag --tag', 'image tag'],
    [['deploy'], ['--namespace', '../etc'], 'flag --namespace', 'DNS-1123 label'],
    [['teardown'], ['--image', 'x y'], 'flag --image', 'image reference'],
  ])('%j %j', async (command, flags, source, rule) => {
    const run = await runCli([...command, ...flags]);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain(`hello-node: ${source}: `);
    expect(run.stderr).toContain(rule);
  });
});

describe('--dry-run', () => {
  test.each([
    [['image', 'build'], [`docker build -t ${IMAGE} app`]],
    [['image', 'push'], ['gcloud auth configure-docker gcr.io --quiet', `docker push ${IMAGE}`]],
    [['status'], [
      'kubectl get replicationcontroller/hello-node-rc --ignore-not-found --output json',
      'kubectl get pods --selector app=hello-node --ignore-not-found --output json',
      'kubectl get service/hello-node-svc --ignore-not-found --output json',
    ]],
    [['scale', '5'], ['kubectl scale --replicas=5 replicationcontroller/hello-node-rc', '# note: the next deploy sets the replicas back to 3, the default (set HELLO_NODE_REPLICAS=5 to keep 5)']],
  ])('%j prints the commands, one per line, and runs nothing', async (args, lines) => {
    const run = await runCli(['--dry-run', ...args]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(lines.map((l) => `${l}\n`).join(''));
    expect(run.commands).toEqual([]);
  });

  test('up prints the build, the push, and a deploy by the pushed digest', async () => {
    const run = await runCli(['--dry-run', 'up']);
    expect(run.stdout).toContain(`HELLO_NODE_IMAGE='${IMAGE}@<digest>' npx cdk8s synth --no-check-upgrade\n`);
  });
});

describe('hello-node up', () => {
  test('builds, pushes, deploys the image by the digest the registry returned, waits, and ends with the URL', async () => {
    const cluster = new FakeCluster();
    const run = await runCli(['up'], { cluster });
    expect(run.code).toBe(0);
    expect(run.calls.slice(0, 3)).toEqual([['docker', 'build', '-t', IMAGE, 'app'], ['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet'], ['docker', 'push', IMAGE]]);
    expect(run.commands[3]).toMatchObject({ tool: 'npx', env: { HELLO_NODE_IMAGE: `${IMAGE}@${DIGEST}` } });
    expect(cluster.pods.map((p) => p.spec?.containers?.[0].image)).toEqual(Array(3).fill(`${IMAGE}@${DIGEST}`));
    expect(lastLine(run.stdout)).toBe('http://34.85.10.20/');
  });

  test('--keep-tag deploys by the tag', async () => {
    const run = await runCli(['up', '--keep-tag']);
    expect(run.commands[3].env).toEqual({});
  });
});

describe('--help', () => {
  test.each([[[]], [['image', 'build']], [['cluster', 'create']], [['deploy']], [['diff']], [['up']], [['status']], [['teardown']]])('%j --help', async (args) => {
    const run = await runCli([...args, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: hello-node${args.length ? ` ${args.join(' ')}` : ''} `));
    expect(run.calls).toEqual([]);
  });

  test('no command prints the help and exits 1; an unknown one is a usage error', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^Usage: hello-node/);
    const typo = await runCli(['deplyo']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('unknown command \'deplyo\'');
  });
});
