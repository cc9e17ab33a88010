// The CLI in-process, against stand-in tools (test/cli-harness.ts), for what needs no
// cluster: arguments, settings, the commands composed for docker and gcloud, --dry-run,
// --help and how a tool's failure is reported. Every command that talks to a cluster
// runs as a process against the real kubectl and a real API server in
// cli.cluster.slow.test.ts; cli.slow.test.ts runs bin/hello-node.js against recording
// stand-ins.
import { constants } from 'node:os';
import { MissingToolError } from './tools';
import { DIGEST, emptyClusterKubectl, FakeTool, runCli } from '../test/cli-harness';

const IMAGE = 'gcr.io/terrycho-sandbox/hello-node:v1';
const CLUSTER = ['terry-gke-10', '--zone', 'asia-northeast1-c', '--project', 'terrycho-sandbox'];

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
  test('--restart without the rollout that --no-wait skips is refused', async () => {
    const run = await runCli(['deploy', '--no-wait', '--restart']);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('flag --restart: "with --no-wait" is invalid');
  });

  test('--dry-run prints the synth and the applies, and runs nothing', async () => {
    const run = await runCli(['deploy', '--dry-run', '--tag', 'v2'], { env: { HELLO_NODE_NAMESPACE: 'prod' } });
    expect(run.commands).toEqual([]);
    expect(run.stdout.split('\n')).toEqual([
      '# deploy holds lease/hello-node-deploy in namespace prod meanwhile: one deploy, scale or teardown of the app at a time',
      'IMAGE_TAG=v2 HELLO_NODE_NAMESPACE=prod npx hello-node synth',
      'kubectl apply --server-side --field-manager=kubectl-applyset --force-conflicts -f - --namespace prod < (secret/hello-node-applyset: the ApplySet\'s record, listing the kinds of the manifests)',
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

describe('hello-node scale', () => {
  test.each(['many', '-1', '1.5'])('rejects %j before running anything', async (count) => {
    const run = await runCli(['scale', '--', count]);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain(`argument <replicas>: "${count}" is invalid`);
  });
});

describe('when a tool fails', () => {
  test('diff exits 2 or more when it fails, since 1 means that something would change', async () => {
    const kubectl: FakeTool = () => ({ exitCode: 1, stdout: '', stderr: 'error: current-context is not set\n' });
    const run = await runCli(['diff'], { tools: { kubectl } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('hello-node: kubectl has no current context');
  });

  test('its exit code is passed on, and nothing after it runs', async () => {
    const run = await runCli(['image', 'push'], { tools: { gcloud: () => ({ exitCode: 3, stdout: '', stderr: '' }) } });
    expect(run.code).toBe(3);
    expect(run.calls).toEqual([['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet']]);
    expect(run.stderr).toContain('hello-node: gcloud exited with code 3');
  });

  test('kubectl\'s exit code is passed on, with its own message', async () => {
    const refusesGet: FakeTool = (c) => (c.args[0] === 'get' ? { exitCode: 42, stdout: '', stderr: 'error: the server rejected it\n' } : emptyClusterKubectl(c));
    const run = await runCli(['status'], { tools: { kubectl: refusesGet } });
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
    [['teardown'], ['--namespace', 'a b'], 'flag --namespace', 'DNS-1123 label'],
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
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace default',
      '# then: kubectl get pods --selector ... for each workload that secret/hello-node-applyset records',
    ]],
    [['scale', '5'], [
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace default',
      '# then: kubectl scale --replicas=5 <the app\'s workload> --namespace default, if secret/hello-node-applyset records it',
    ]],
    [['scale', '5', 'deployment/api', '--namespace', 'shop'], [
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace shop',
      '# then: kubectl scale --replicas=5 deployment/api --namespace shop, if secret/hello-node-applyset records it',
    ]],
    [['teardown'], [
      '# teardown holds lease/hello-node-deploy in namespace default meanwhile: one deploy, scale or teardown of the app at a time',
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace default',
      '# then: kubectl delete of every object that secret/hello-node-applyset records, then of the record',
      'kubectl delete secret hello-node-applyset --ignore-not-found --namespace default',
    ]],
  ])('%j prints the commands, one per line, and runs nothing but a look at the kubeconfig', async (args, lines) => {
    const run = await runCli(['--dry-run', ...args]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(lines.map((l) => `${l}\n`).join(''));
    // the context's namespace, so that the printed commands name the one a real run would use
    expect(run.calls.filter((c) => c.slice(0, 3).join(' ') !== 'kubectl config view')).toEqual([]);
  });

  test('with no kubectl context yet, shows the commands for the namespace default, and says so', async () => {
    const kubectl: FakeTool = (c) => (c.args[0] === 'config' ? { exitCode: 1, stdout: '', stderr: 'error: current-context is not set\n' } : emptyClusterKubectl(c));
    const run = await runCli(['--dry-run', 'teardown'], { tools: { kubectl } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('# kubectl has no current context: the commands name the namespace default\n');
    expect(run.stdout).toContain('kubectl delete secret hello-node-applyset --ignore-not-found --namespace default\n');
  });

  test('names the namespace of kubectl\'s current context, as a real run would', async () => {
    const kubectl: FakeTool = (c) => (c.args[0] === 'config' ? { exitCode: 0, stdout: 'shop', stderr: '' } : emptyClusterKubectl(c));
    const run = await runCli(['--dry-run', 'teardown'], { tools: { kubectl } });
    expect(run.stdout).toContain('kubectl delete secret hello-node-applyset --ignore-not-found --namespace shop\n');
  });

  test('refuses a workload argument that is not a name or kind/name, as a real run would', async () => {
    const run = await runCli(['--dry-run', 'scale', '2', '--', '--all']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('hello-node: argument [workload]: "--all" is invalid: must be a workload\'s name or kind/name');
  });

  test('up prints the build, the push, and a deploy by the pushed digest', async () => {
    const run = await runCli(['--dry-run', 'up']);
    expect(run.stdout).toContain(`HELLO_NODE_IMAGE='${IMAGE}@<digest>' npx hello-node synth\n`);
  });
});

describe('hello-node up', () => {
  test('--keep-tag deploys by the tag', async () => {
    const run = await runCli(['--dry-run', 'up', '--keep-tag']);
    expect(run.stdout.split('\n')).toContain('npx hello-node synth');
    expect(run.stdout).not.toContain('HELLO_NODE_IMAGE');
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
