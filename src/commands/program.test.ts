// The CLI in-process, against stand-in tools (test/cli-harness.ts), for what needs no
// cluster: arguments, settings, the commands composed for docker and gcloud, --dry-run,
// --help and how a tool's failure is reported. Every command that talks to a cluster
// runs as a process against the real kubectl and a real API server in
// cli.cluster.slow.test.ts; cli.slow.test.ts runs bin/hello-node.js against recording
// stand-ins.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { constants } from 'node:os';
import * as path from 'node:path';
import { componentsInstall, MissingToolError } from '../exec/tools';
import { DIGEST, emptyClusterKubectl, FakeTool, runCli } from '../../test/cli-harness';

const IMAGE = 'gcr.io/my-project/hello-node:v1';
/** A user who chose a project, as every cloud command needs (gcp-project.ts). */
const CHOSEN = { GCP_PROJECT: 'my-project' };
const CLUSTER = ['hello-node', '--zone', 'asia-northeast1-c', '--project', 'my-project'];
const CONFIG_PROJECT = ['gcloud', 'config', 'get-value', 'project'];
const DESCRIBE_GCR = ['gcloud', 'artifacts', 'repositories', 'describe', 'gcr.io', '--location=us', '--project=my-project', '--format=value(name)'];
const CREATE_GCR = ['gcloud', 'artifacts', 'repositories', 'create', 'gcr.io', '--repository-format=docker', '--location=us', '--project=my-project'];
/** gcloud with `project` as its configured project (`gcloud config set project`). */
const gcloudConfigured = (project: string): FakeTool => (c) => ({ exitCode: 0, stdout: c.args.join(' ') === 'config get-value project' ? `${project}\n` : '', stderr: '' });
const failing = (stderr: string) => ({ exitCode: 1, stdout: '', stderr: `${stderr}\n` });

test('synth outside any cdk8s project says so in one line and writes nothing', async () => {
  const run = await runCli(['synth']);
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(`hello-node synth failed: there is no cdk8s.yaml in ${run.projectRoot} or any directory above it: run hello-node in a cdk8s project (npx cdk8s init typescript-app makes one), or give the app's command with --app\n`);
  expect(fs.readdirSync(run.projectRoot)).toEqual([]);
});

describe('hello-node image', () => {
  test('build runs docker build for the nodes\' platform, linux/amd64, and prints it first', async () => {
    const run = await runCli(['image', 'build'], { env: CHOSEN });
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([['docker', 'build', '--platform', 'linux/amd64', '-t', IMAGE, 'app']]);
    expect(run.stderr).toContain(`+ docker build --platform linux/amd64 -t ${IMAGE} app`);
  });

  test.each([
    [{ GKE_MACHINE_TYPE: 't2a-standard-4' }, 'linux/arm64'],
    [{ GKE_MACHINE_TYPE: 'c4a-standard-8' }, 'linux/arm64'],
    [{ GKE_MACHINE_TYPE: 'e2-medium' }, 'linux/amd64'],
    [{ GKE_MACHINE_TYPE: 't2a-standard-4', HELLO_NODE_PLATFORM: 'linux/amd64' }, 'linux/amd64'],
  ])('the platform follows the machine type\'s series, or HELLO_NODE_PLATFORM: %j builds %s', async (env, platform) => {
    expect((await runCli(['image', 'build'], { env: { ...CHOSEN, ...env } })).calls[0].slice(0, 4)).toEqual(['docker', 'build', '--platform', platform]);
  });

  test('--platform wins over the variables, and a platform the nodes cannot run is refused', async () => {
    expect((await runCli(['image', 'build', '--platform', 'linux/arm64'], { env: { ...CHOSEN, HELLO_NODE_PLATFORM: 'linux/amd64' } })).calls[0][3]).toBe('linux/arm64');
    const run = await runCli(['image', 'build', '--platform', 'windows/amd64'], { env: CHOSEN });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('hello-node: flag --platform: "windows/amd64" is invalid: must be one of linux/amd64, linux/arm64');
  });

  test('builds the Dockerfile directory HELLO_NODE_BUILD_DIR (or --build-dir) names, and refuses one without a Dockerfile before docker runs', async () => {
    expect((await runCli(['image', 'build', '--build-dir', './app'], { env: CHOSEN })).calls).toEqual([['docker', 'build', '--platform', 'linux/amd64', '-t', IMAGE, './app']]);
    const run = await runCli(['image', 'build'], { env: { ...CHOSEN, HELLO_NODE_BUILD_DIR: 'lib' } });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('hello-node: environment variable HELLO_NODE_BUILD_DIR: "lib" is invalid: must be a directory holding the image\'s Dockerfile, relative to the project root');
  });

  test('push makes sure of gcr.io\'s Artifact Registry repository, logs docker in to gcr.io alone, pushes, and reads the digest', async () => {
    const run = await runCli(['image', 'push'], { env: CHOSEN });
    expect(run.calls).toEqual([DESCRIBE_GCR, ['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet'], ['docker', 'push', IMAGE]]);
    expect(run.stderr).toContain(`pushed ${IMAGE} as ${DIGEST}`);
  });

  test('push creates the repository when it does not exist, as gcloud run deploy --source does', async () => {
    const gcloud: FakeTool = (c) => (c.args[2] === 'describe' ? failing('ERROR: (gcloud.artifacts.repositories.describe) NOT_FOUND: Requested entity was not found.') : { exitCode: 0, stdout: '', stderr: '' });
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { gcloud } });
    expect(run.code).toBe(0);
    expect(run.calls.slice(0, 2)).toEqual([DESCRIBE_GCR, CREATE_GCR]);
    expect(run.stderr).toContain('gcr.io\'s repository gcr.io does not exist in project my-project (location us): creating it');
  });

  test('push enables the Artifact Registry API on a project that never used it, then makes the repository', async () => {
    let enabled = false;
    const gcloud: FakeTool = (c) => {
      if (c.args[0] === 'services') {
        enabled = true;
      }
      return c.args[2] === 'describe' ? failing(enabled ? 'NOT_FOUND: Requested entity was not found.' : 'ERROR: Artifact Registry API has not been used in project my-project before or it is disabled.') : { exitCode: 0, stdout: '', stderr: '' };
    };
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { gcloud } });
    expect(run.code).toBe(0);
    expect(run.calls.slice(0, 4)).toEqual([DESCRIBE_GCR, ['gcloud', 'services', 'enable', 'artifactregistry.googleapis.com', '--project=my-project'], DESCRIBE_GCR, CREATE_GCR]);
  });

  test.each([
    ['denied: gcr.io repo does not exist. Creating on push requires the artifactregistry.repositories.createOnPush permission', 'repository gcr.io of project my-project does not exist, and the account may not create it: ask an owner of the project to run `gcloud artifacts repositories create gcr.io --repository-format=docker --location=us --project=my-project`'],
    ['denied: Permission "artifactregistry.repositories.uploadArtifacts" denied on resource "projects/my-project/locations/us/repositories/gcr.io" (or it may not exist)', 'the account may not push to repository gcr.io of project my-project: ask an owner of the project for roles/artifactregistry.writer on it'],
    ['name unknown: Repository "gcr.io" not found', 'repository gcr.io of project my-project does not exist'],
    ['unauthorized: authentication failed', 'docker is not logged in to gcr.io: run `gcloud auth login`, then push again'],
  ])('a refused push (%s) is one line with its cause and fix, and docker\'s words only under --verbose', async (says, explained) => {
    const docker: FakeTool = (c) => (c.args[0] === 'push' ? failing(says) : { exitCode: 0, stdout: '', stderr: '' });
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { docker } });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain(says);
    expect(run.stderr).toContain(`hello-node: ${explained}`);
    expect((await runCli(['--verbose', 'image', 'push'], { env: CHOSEN, tools: { docker } })).stderr).toContain(says);
  });

  test('a docker that prints no digest (podman): the push succeeded, known by its tag, and said so', async () => {
    const docker: FakeTool = () => ({ exitCode: 0, stdout: 'Writing manifest to image destination\n', stderr: '' });
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { docker } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`# docker push printed no digest ("digest: sha256:…"): ${IMAGE} is known by its tag alone`);
  });

  test('a docker failure that is not the registry\'s refusal is shown as docker said it', async () => {
    const says = 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock';
    const docker: FakeTool = (c) => (c.args[0] === 'push' ? failing(says) : { exitCode: 0, stdout: '', stderr: '' });
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { docker } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(says);
    expect(run.stderr).not.toContain('artifactregistry.writer');
  });

  test.each([
    ['PERMISSION_DENIED: Permission \'artifactregistry.repositories.get\' denied on resource (or it may not exist).', 'describe'],
    ['PERMISSION_DENIED: Permission \'artifactregistry.repositories.create\' denied', 'create'],
  ])('a repository the account may not %s: it says so and pushes anyway (createOnPush may allow it)', async (says, step) => {
    const gcloud: FakeTool = (c) => {
      if (c.args[2] === 'describe') {
        return failing(step === 'describe' ? says : 'NOT_FOUND: Requested entity was not found.');
      }
      return c.args[2] === 'create' ? failing(says) : { exitCode: 0, stdout: '', stderr: '' };
    };
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { gcloud } });
    expect(run.code).toBe(0);
    expect(run.calls.at(-1)).toEqual(['docker', 'push', IMAGE]);
    expect(run.stderr).toContain(`${says}): pushing anyway`);
  });

  test('an API still reported disabled after it was enabled: one line, no second enabling', async () => {
    const gcloud: FakeTool = (c) => (c.args[2] === 'describe' ? failing('Artifact Registry API has not been used in project 123456 before or it is disabled.') : { exitCode: 0, stdout: '', stderr: '' });
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { gcloud } });
    expect(run.code).toBe(1);
    expect(run.calls.filter((c) => c[1] === 'services')).toHaveLength(1);
    expect(run.stderr).toContain('hello-node: the Artifact Registry API is still reported disabled in project 123456, just after it was enabled in project my-project');
  });

  test.each([
    ['us-docker.pkg.dev/my-project', 'must be <location>-docker.pkg.dev/<project>/<repository>/<name>[:tag]'],
    ['us-docker.pkg.dev/my-project/app:1', 'must be <location>-docker.pkg.dev/<project>/<repository>/<name>[:tag]'],
    ['gcr.io/app:1', 'must be gcr.io/<project>/<name>[:tag]'],
    [`gcr.io/my-project/app@${DIGEST}`, 'is a digest reference'],
  ])('an image %s that names no repository, or no tag, is refused before anything runs, by build, push and up', async (image, rule) => {
    for (const args of [['image', 'build'], ['image', 'push'], ['up']]) {
      const run = await runCli([...args, '--image', image]);
      expect(run.code).toBe(1);
      expect(run.calls).toEqual([]);
      expect(run.stderr).toContain(rule);
    }
  });

  test('a typed --project beside --image, which names the whole image, is refused, never ignored', async () => {
    const run = await runCli(['image', 'push', '--image', 'gcr.io/other-project/app:1', '--project', 'my-project']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('flag --project: "my-project" is invalid: would be ignored: flag --image names the whole image');
  });

  test('a setting\'s flag may also come before the command\'s name, as gcloud\'s global flags do', async () => {
    expect((await runCli(['--project', 'my-project', 'image', 'build'])).calls).toEqual([['docker', 'build', '--platform', 'linux/amd64', '-t', IMAGE, 'app']]);
  });

  test('push to Artifact Registry makes sure of that repository, in its location', async () => {
    const run = await runCli(['image', 'push', '--registry', 'asia-northeast1-docker.pkg.dev', '--repository', 'apps'], { env: CHOSEN });
    expect(run.calls).toEqual([
      ['gcloud', 'artifacts', 'repositories', 'describe', 'apps', '--location=asia-northeast1', '--project=my-project', '--format=value(name)'],
      ['gcloud', 'auth', 'configure-docker', 'asia-northeast1-docker.pkg.dev', '--quiet'],
      ['docker', 'push', 'asia-northeast1-docker.pkg.dev/my-project/apps/hello-node:v1'],
    ]);
  });

  test('push --dry-run shows the repository\'s check and its creation', async () => {
    const run = await runCli(['--dry-run', 'image', 'push'], { env: CHOSEN });
    expect(run.calls).toEqual([]);
    expect(run.stdout.split('\n').slice(0, 3)).toEqual([DESCRIBE_GCR.join(' ').replace('--format=value(name)', "'--format=value(name)'"), '# when gcr.io\'s repository does not exist yet in project my-project:', CREATE_GCR.join(' ')]);
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
    expect(run.calls).toEqual([['docker', 'build', '--platform', 'linux/amd64', '-t', 'gcr.io/env-project/hello-node:v3', 'app']]);
  });

  test('checks only the settings it uses: a region in GKE_ZONE does not stop it', async () => {
    expect((await runCli(['image', 'build'], { env: { ...CHOSEN, GKE_ZONE: 'us-central1' } })).code).toBe(0);
  });
});

describe('the project a cloud command acts on', () => {
  test('without --project or GCP_PROJECT, gcloud\'s configured project, said', async () => {
    const run = await runCli(['image', 'push'], { tools: { gcloud: gcloudConfigured('configured-1') } });
    expect(run.code).toBe(0);
    expect(run.calls[0]).toEqual(CONFIG_PROJECT);
    expect(run.calls).toContainEqual(['docker', 'push', 'gcr.io/configured-1/hello-node:v1']);
    expect(run.stderr).toContain('# project configured-1: gcloud\'s configured project');
  });

  test.each([[['image', 'build']], [['image', 'push']], [['cluster', 'create']], [['cluster', 'delete', '--yes']], [['cluster', 'credentials']], [['up']]])('%j refuses, in one line, when none is chosen: never the tutorial author\'s', async (args) => {
    const run = await runCli(args);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([CONFIG_PROJECT]);
    expect(run.stderr).toMatch(/^hello-node: no Google Cloud project chosen for the (image|cluster): choose one with --project or GCP_PROJECT, or `gcloud config set project PROJECT_ID`\n$/);
  });

  test('a whole image reference needs no project', async () => {
    const run = await runCli(['image', 'build', '--image', 'localhost:5000/app:v1']);
    expect(run.calls).toEqual([['docker', 'build', '--platform', 'linux/amd64', '-t', 'localhost:5000/app:v1', 'app']]);
  });

  test('deploy --dry-run, with no project chosen, keeps the tutorial\'s image, as the synth does', async () => {
    const run = await runCli(['--dry-run', 'deploy']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toContain('npx hello-node synth');
    expect(run.stdout).toContain('# no Google Cloud project chosen: the image keeps the tutorial\'s project, as the synth does');
  });

  test('deploy --dry-run takes gcloud\'s configured project for the image, as image push does', async () => {
    const run = await runCli(['--dry-run', 'deploy'], { tools: { gcloud: gcloudConfigured('configured-1') } });
    expect(run.stdout).toContain('GCP_PROJECT=configured-1 npx hello-node synth');
  });
});

describe('hello-node cluster', () => {
  test('create says what it will create, then makes the tutorial\'s zonal cluster on a release channel', async () => {
    const run = await runCli(['cluster', 'create'], { env: CHOSEN });
    expect(run.calls).toEqual([[
      'gcloud', 'container', 'clusters', 'create', ...CLUSTER, '--num-nodes', '3', '--machine-type', 'n1-standard-2', '--release-channel', 'regular',
    ]]);
    expect(run.stderr).toContain('# creating cluster hello-node in project my-project, zone asia-northeast1-c: 3 nodes of n1-standard-2');
  });

  test('a regional cluster has one node in each of its three zones; the machine type is a setting', async () => {
    expect((await runCli(['cluster', 'create', '--region', 'us-central1', '--machine-type', 'e2-standard-2'], { env: CHOSEN })).calls).toEqual([[
      'gcloud', 'container', 'clusters', 'create', 'hello-node', '--region', 'us-central1', '--project', 'my-project',
      '--num-nodes', '1', '--machine-type', 'e2-standard-2', '--release-channel', 'regular',
    ]]);
  });

  test('--autopilot runs create-auto in the region', async () => {
    expect((await runCli(['cluster', 'create', '--autopilot'], { env: { ...CHOSEN, GKE_REGION: 'asia-northeast1' } })).calls).toEqual([[
      'gcloud', 'container', 'clusters', 'create-auto', 'hello-node', '--region', 'asia-northeast1', '--project', 'my-project', '--release-channel', 'regular',
    ]]);
  });

  test('--autopilot with a machine type is refused: GKE chooses Autopilot\'s nodes', async () => {
    const run = await runCli(['cluster', 'create', '--autopilot', '--region', 'us-central1', '--machine-type', 't2a-standard-4'], { env: CHOSEN });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('flag --machine-type: "t2a-standard-4" is invalid: has no effect on an Autopilot cluster');
  });

  test('--autopilot with a zone is refused: Autopilot clusters are regional', async () => {
    const run = await runCli(['cluster', 'create', '--autopilot'], { env: CHOSEN });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('an Autopilot cluster is regional: set GKE_REGION');
  });

  test('credentials and delete address the cluster where it is', async () => {
    expect((await runCli(['cluster', 'credentials', '--cluster', 'other', '--region', 'us-central1'], { env: CHOSEN })).calls).toEqual([
      ['gcloud', 'container', 'clusters', 'get-credentials', 'other', '--region', 'us-central1', '--project', 'my-project'],
    ]);
    expect((await runCli(['cluster', 'delete', '--yes'], { env: CHOSEN })).calls).toEqual([['gcloud', 'container', 'clusters', 'delete', ...CLUSTER, '--quiet']]);
    expect((await runCli(['cluster', 'delete'], { env: CHOSEN })).calls).toEqual([['gcloud', 'container', 'clusters', 'delete', ...CLUSTER]]);
  });

  test('a location flag wins over a variable of either kind', async () => {
    const region = await runCli(['cluster', 'credentials', '--region', 'us-central1'], { env: { ...CHOSEN, GKE_ZONE: 'asia-northeast1-c' } });
    expect(region.calls[0]).toEqual(expect.arrayContaining(['--region', 'us-central1']));
    const zone = await runCli(['cluster', 'credentials', '--zone', 'us-central1-a'], { env: { ...CHOSEN, GKE_REGION: 'asia-northeast1' } });
    expect(zone.calls[0]).toEqual(expect.arrayContaining(['--zone', 'us-central1-a']));
    const both = await runCli(['cluster', 'credentials'], { env: { ...CHOSEN, GKE_ZONE: 'asia-northeast1-c', GKE_REGION: 'asia-northeast1' } });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('name one cluster location');
  });

  test('the image settings are not its concern', async () => {
    expect((await runCli(['cluster', 'credentials'], { env: { ...CHOSEN, IMAGE_TAG: '-bad' } })).code).toBe(0);
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
    const run = await runCli(['deploy', '--dry-run', '--tag', 'v2'], { env: { ...CHOSEN, HELLO_NODE_NAMESPACE: 'prod' } });
    expect(run.commands).toEqual([]);
    expect(run.stdout.split('\n')).toEqual([
      '# deploy holds lease/hello-node-deploy in namespace prod meanwhile: one deploy, rollback, scale or teardown of the app at a time',
      'GCP_PROJECT=my-project IMAGE_TAG=v2 HELLO_NODE_NAMESPACE=prod npx hello-node synth',
      '# then: the fields of the live objects that a client-side kubectl apply set, or that were changed by hand in a pod template\'s containers, handed to hello-node (kubectl patch --type=json of their managed fields), so that the apply removes those the manifests do not set',
      expect.stringMatching(/^kubectl apply --server-side --field-manager=hello-node --force-conflicts -f - --namespace prod --dry-run=server --output=json --show-managed-fields < \(the manifests of dist\/, .*\) \(checked by the API server, changing nothing\)$/),
      '# then: each object still changed outside deploy (a client-side kubectl apply, or by hand) as the deploy leaves it, which that dry run cannot show (kubernetes/kubernetes#125607), checked by the API server with kubectl replace --dry-run=server',
      'kubectl create -f - --namespace prod < (secret/hello-node-revision-<N>: revision <N> of the app\'s history, pending, with the objects it applies)',
      'kubectl apply --server-side --field-manager=kubectl-applyset --force-conflicts -f - --namespace prod < (secret/hello-node-applyset: the ApplySet\'s record, listing the kinds of the manifests)',
      expect.stringMatching(/^kubectl apply --server-side --field-manager=hello-node --force-conflicts -f - --namespace prod < \(the manifests of dist\/, labelled applyset.kubernetes.io\/part-of=applyset-.*-v1\)$/),
      '# then: every pod rolled out to the current template, waited for, with the cause of any failure',
      expect.stringMatching(/^KUBECTL_APPLYSET=true kubectl apply .* --applyset=hello-node-applyset --prune -f - --namespace prod < /),
      'kubectl patch secret \'hello-node-revision-<N>\' --type=merge --patch \'{"metadata":{"labels":{"hello-node/status":"deployed"}}}\' --namespace prod',
      '# then: the oldest revisions beyond 10 deleted (--history-max), never the current one',
      '',
    ]);
  });

  test('--history-max must be a whole number, 0 keeping every revision', async () => {
    const run = await runCli(['deploy', '--history-max', '-1']);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe('hello-node: flag --history-max: "-1" is invalid: must be how many revisions to keep, a whole number (0 keeps them all)\n');
  });

  test('a bad setting stops it before anything runs', async () => {
    const run = await runCli(['deploy'], { env: { HELLO_NODE_SERVICE_TYPE: 'Ingress' } });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr.trim()).toBe('hello-node: environment variable HELLO_NODE_SERVICE_TYPE: "Ingress" is invalid: must be one of ClusterIP, NodePort, LoadBalancer');
  });
});

describe('hello-node rollback', () => {
  test('--dry-run prints the revision\'s objects applied as deploy applies the app\'s, and a new revision recorded', async () => {
    const run = await runCli(['rollback', '--dry-run', '--to-revision', '2'], { env: { HELLO_NODE_NAMESPACE: 'prod' } });
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([]);
    expect(run.stdout.split('\n')).toEqual([
      '# rollback holds lease/hello-node-deploy in namespace prod meanwhile: one deploy, rollback, scale or teardown of the app at a time',
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace prod',
      'kubectl get secrets --selector hello-node/revision --field-selector type=hello-node/revision --ignore-not-found --output json --namespace prod',
      '# then: the objects of revision 2, from its Secret, applied as deploy applies the app\'s',
      '# then: the fields of the live objects that a client-side kubectl apply set, or that were changed by hand in a pod template\'s containers, handed to hello-node (kubectl patch --type=json of their managed fields), so that the apply removes those the manifests do not set',
      expect.stringMatching(/^kubectl apply .* --dry-run=server --output=json --show-managed-fields < \(the manifests of revision 2, labelled .*\) \(checked by the API server, changing nothing\)$/),
      '# then: each object still changed outside deploy (a client-side kubectl apply, or by hand) as the deploy leaves it, which that dry run cannot show (kubernetes/kubernetes#125607), checked by the API server with kubectl replace --dry-run=server',
      'kubectl create -f - --namespace prod < (secret/hello-node-revision-<N>: revision <N> of the app\'s history, pending, with the objects it applies)',
      expect.stringMatching(/^kubectl apply --server-side --field-manager=kubectl-applyset /),
      expect.stringMatching(/^kubectl apply --server-side --field-manager=hello-node --force-conflicts -f - --namespace prod < \(the manifests of revision 2, labelled /),
      '# then: every pod rolled out to the current template, waited for, with the cause of any failure',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=hello-node --force-conflicts --applyset=hello-node-applyset --prune -f - --namespace prod < (the manifests of revision 2)',
      expect.stringMatching(/^kubectl patch secret 'hello-node-revision-<N>' .*"hello-node\/status":"deployed"/),
      '# then: the oldest revisions beyond 10 deleted (--history-max), never the current one',
      '',
    ]);
  });

  test.each([
    [['rollback', '--to-revision', '0'], 'hello-node: flag --to-revision: "0" is invalid: must be a revision number, as `hello-node history` lists them (1, 2, …)'],
    [['rollback', '--to-revision', '2x'], 'hello-node: flag --to-revision: "2x" is invalid: must be a revision number, as `hello-node history` lists them (1, 2, …)'],
    [['diff', '--to-revision', '2', '--tag', 'v3'], 'hello-node: flag --tag: "v3" is invalid: would be ignored with --to-revision, which compares the objects the revision holds: drop one of them'],
  ])('%j is refused before anything runs', async (args, line) => {
    const run = await runCli(args);
    expect(run.code).toBeGreaterThanOrEqual(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe(`${line}\n`);
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
    const gcloud: FakeTool = (c) => ({ exitCode: c.args[0] === 'auth' ? 3 : 0, stdout: '', stderr: '' });
    const run = await runCli(['image', 'push'], { env: CHOSEN, tools: { gcloud } });
    expect(run.code).toBe(3);
    expect(run.calls).toEqual([DESCRIBE_GCR, ['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet']]);
    expect(run.stderr).toContain('hello-node: gcloud exited with code 3');
  });

  test('kubectl\'s exit code is passed on, with its own message', async () => {
    const refusesGet: FakeTool = (c) => (c.args[0] === 'get' ? { exitCode: 42, stdout: '', stderr: 'error: the server rejected it\n' } : emptyClusterKubectl(c));
    const run = await runCli(['status'], { tools: { kubectl: refusesGet } });
    expect(run.code).toBe(42);
    expect(run.stderr).toContain('error: the server rejected it');
  });

  test('a tool killed by a signal makes the CLI exit 128 + n', async () => {
    const run = await runCli(['image', 'build'], { env: CHOSEN, tools: { docker: () => ({ exitCode: 128 + constants.signals.SIGTERM, stdout: '', stderr: '' }) } });
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
    [
      'E1129 getting credentials: exec: executable gke-gcloud-auth-plugin not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nInstall gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin\nerror: You must be logged in to the server (Unauthorized)',
      `kubectl lacks the GKE auth plugin: run \`${componentsInstall(['gke-gcloud-auth-plugin'])}\` (kubectl: see https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin)`,
    ],
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
    [['image', 'build', '--project', 'my-project'], [`docker build --platform linux/amd64 -t ${IMAGE} app`]],
    [['image', 'push', '--image', 'eu.gcr.io/my-project/hello-node:v1'], [
      'gcloud artifacts repositories describe eu.gcr.io --location=europe --project=my-project \'--format=value(name)\'',
      '# when eu.gcr.io\'s repository does not exist yet in project my-project:',
      'gcloud artifacts repositories create eu.gcr.io --repository-format=docker --location=europe --project=my-project',
      'gcloud auth configure-docker eu.gcr.io --quiet',
      'docker push eu.gcr.io/my-project/hello-node:v1',
    ]],
    [['status'], [
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace default',
      '# then: kubectl get pods --selector ... for each workload that secret/hello-node-applyset records',
    ]],
    [['scale', '5'], [
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace default',
      '# then: kubectl scale --replicas=5 <the app\'s workload> --namespace default, if secret/hello-node-applyset records it and no autoscaler sizes it',
    ]],
    [['scale', '5', 'deployment/api', '--namespace', 'shop'], [
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace shop',
      '# then: kubectl scale --replicas=5 deployment/api --namespace shop, if secret/hello-node-applyset records it and no autoscaler sizes it',
    ]],
    [['history'], [
      'kubectl get secrets --selector hello-node/revision --field-selector type=hello-node/revision --ignore-not-found --output json --namespace default',
    ]],
    [['diff', '--to-revision', '2'], [
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace default',
      'kubectl get secrets --selector hello-node/revision --field-selector type=hello-node/revision --ignore-not-found --output json --namespace default',
      '# then: the objects of revision 2, from its Secret, compared with the cluster',
      expect.stringMatching(/^kubectl apply .* --dry-run=server --output=json --show-managed-fields < \(the manifests of revision 2, labelled .*\) \(checked by the API server, changing nothing\)$/),
      '# then: each object still changed outside deploy (a client-side kubectl apply, or by hand) as the deploy leaves it, which that dry run cannot show (kubernetes/kubernetes#125607), checked by the API server with kubectl replace --dry-run=server',
      expect.stringMatching(/^kubectl diff --server-side --field-manager=hello-node --force-conflicts -f - --namespace default < \(the manifests of revision 2, labelled applyset.kubernetes.io\/part-of=applyset-\S+-v1\)$/),
    ]],
    [['teardown'], [
      '# teardown holds lease/hello-node-deploy in namespace default meanwhile: one deploy, rollback, scale or teardown of the app at a time',
      'kubectl get secret/hello-node-applyset --ignore-not-found --output json --namespace default',
      '# then: kubectl delete of every object that secret/hello-node-applyset records, then of the record and the release history',
      'kubectl delete secret hello-node-applyset --ignore-not-found --namespace default',
      '# then: kubectl delete secret hello-node-revision-<N> ... --namespace default, every revision of the app\'s history (another app\'s in the namespace are not its)',
    ]],
  ])('%j prints the commands, one per line, and runs nothing but a look at the kubeconfig', async (args, lines) => {
    const run = await runCli(['--dry-run', ...args]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([...lines, '']);
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

  test('with a context named that the kubeconfig lacks, refuses as a real run does: no commands for another context\'s namespace', async () => {
    const kubectl: FakeTool = (c) => (c.args.includes('config') ? { exitCode: 1, stdout: '', stderr: 'error: context "nope" does not exist\n' } : emptyClusterKubectl(c));
    const run = await runCli(['--dry-run', 'teardown', '--context', 'nope'], { tools: { kubectl } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('hello-node: kubectl\'s configuration has no context "nope": check HELLO_NODE_CONTEXT (--context, or "context" in hello-node.yaml) against `kubectl config get-contexts`; `hello-node cluster credentials` adds a GKE cluster\'s context\n');
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
    const run = await runCli(['--dry-run', 'up'], { env: CHOSEN });
    expect(run.stdout).toContain(`HELLO_NODE_IMAGE='${IMAGE}@<digest>' npx hello-node synth\n`);
  });
});

test('under npm (npx hello-node), hints name the command as the user runs it', async () => {
  const kubectl: FakeTool = () => failing('error: current-context is not set');
  const run = await runCli(['status'], { env: { npm_command: 'exec' }, tools: { kubectl } });
  expect(run.stderr).toBe('hello-node: kubectl has no current context: run `npx hello-node cluster credentials` to point kubectl at the cluster\n');
  const usage = await runCli(['statsu'], { env: { npm_command: 'exec' } });
  expect(usage.stderr).toBe('error: unknown command \'statsu\' (did you mean status?)\n(see: npx hello-node --help)\n');
});

describe('hello-node up', () => {
  test('without a kubectl context, stops before it builds, pushes or synthesizes anything', async () => {
    const kubectl: FakeTool = (c) => (c.args.slice(0, 3).join(' ') === 'config view --minify' ? failing('error: cannot locate context gke_gone') : emptyClusterKubectl(c));
    for (const args of [['up'], ['deploy', '--namespace', 'shop'], ['diff', '--namespace', 'shop']]) {
      const run = await runCli(args, { env: CHOSEN, tools: { kubectl } });
      // diff's failures are 2 or more: 1 is its "changes"
      expect(run.code).toBe(args[0] === 'diff' ? 2 : 1);
      expect(run.calls).toEqual([['kubectl', 'config', 'view', '--minify', '--output', 'jsonpath={.current-context}']]);
      expect(run.stderr).toBe('hello-node: kubectl has no current context: run `hello-node cluster credentials` to point kubectl at the cluster\n');
    }
  });

  test('--keep-tag deploys by the tag', async () => {
    const run = await runCli(['--dry-run', 'up', '--keep-tag'], { env: CHOSEN });
    expect(run.stdout.split('\n')).toContain('GCP_PROJECT=my-project npx hello-node synth');
    expect(run.stdout).not.toContain('HELLO_NODE_IMAGE');
  });
});

describe('--help', () => {
  test.each([[[]], [['image', 'build']], [['cluster', 'create']], [['deploy']], [['diff']], [['up']], [['status']], [['history']], [['rollback']], [['teardown']]])('%j --help', async (args) => {
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

  test.each([[['synth', '--help']], [['image', 'push', '--help']], [['synth', '--no-such-flag']], [['deploy', '--timeout']]])('%j says what it says when a global flag comes first (every command defined)', async (args) => {
    // `--verbose` first: the program is built with every command, not the one named first
    const [named, whole] = await Promise.all([runCli(args), runCli(['--verbose', ...args])]);
    expect(named.stdout + named.stderr).not.toBe('');
    expect([named.code, named.stdout, named.stderr]).toEqual([whole.code, whole.stdout, whole.stderr]);
  });
});

describe('how a Cloud SDK component is installed here', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-gcloud-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('with gcloud\'s component manager: gcloud components install', () => {
    fs.writeFileSync(path.join(dir, 'gcloud'), '', { mode: 0o755 });
    expect(componentsInstall(['kubectl', 'gke-gcloud-auth-plugin'], dir)).toBe('gcloud components install kubectl gke-gcloud-auth-plugin');
  });

  const systemSdk = '/usr/lib/google-cloud-sdk/bin/gcloud';
  (fs.existsSync(systemSdk) && fs.existsSync('/usr/bin/apt-get') ? test : test.skip)('from a system package (its component manager is off): apt-get\'s packages', () => {
    fs.symlinkSync(systemSdk, path.join(dir, 'gcloud'));
    expect(componentsInstall(['kubectl', 'gke-gcloud-auth-plugin'], dir)).toBe('sudo apt-get install kubectl google-cloud-cli-gke-gcloud-auth-plugin');
  });
});

describe('ip create', () => {
  test('reserves the global address named by --static-ip, then prints it on stdout and the DNS step on stderr', async () => {
    let created = false;
    const gcloud: FakeTool = (c) => {
      created ||= c.args[2] === 'create';
      return c.args[2] !== 'describe' || created ? { exitCode: 0, stdout: c.args[2] === 'describe' ? '203.0.113.7\n' : '', stderr: '' } : failing('ERROR: (gcloud.compute.addresses.describe) Could not fetch resource: The resource was not found');
    };
    const run = await runCli(['ip', 'create', '--static-ip', 'shop-ip'], { env: CHOSEN, tools: { gcloud } });
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([
      ['gcloud', 'compute', 'addresses', 'describe', 'shop-ip', '--global', '--project', 'my-project', '--format=value(address)'],
      ['gcloud', 'compute', 'addresses', 'create', 'shop-ip', '--global', '--project', 'my-project'],
      ['gcloud', 'compute', 'addresses', 'describe', 'shop-ip', '--global', '--project', 'my-project', '--format=value(address)'],
    ]);
    expect(run.stdout).toBe('203.0.113.7\n');
    expect(run.stderr).toContain('point your domain\'s DNS A record at 203.0.113.7, then deploy with HELLO_NODE_STATIC_IP=shop-ip');
    expect(run.stderr).not.toContain('was not found'); // the look before the create is the CLI's, not an error
  });

  test('an address that exists already is kept, and printed', async () => {
    const gcloud: FakeTool = () => ({ exitCode: 0, stdout: '203.0.113.7\n', stderr: '' });
    const run = await runCli(['ip', 'create', '--static-ip', 'shop-ip'], { env: CHOSEN, tools: { gcloud } });
    expect(run.code).toBe(0);
    expect(run.calls.map((c) => c[3])).toEqual(['describe']);
    expect(run.stdout).toBe('203.0.113.7\n');
    expect(run.stderr).toContain('the global static address shop-ip exists already in project my-project: keeping it');
  });

  test('without HELLO_NODE_STATIC_IP it says what to set, in one line, and runs nothing', async () => {
    const run = await runCli(['ip', 'create'], { env: CHOSEN });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe('hello-node: the address needs a name, the one deploy gives the Ingress: --static-ip <name> (or HELLO_NODE_STATIC_IP), e.g. `hello-node ip create --static-ip hello-node-ip`, then deploy with --static-ip hello-node-ip --domain <your domain>\n');
  });

  test('ip delete without HELLO_NODE_STATIC_IP asks for the name it was created with, and runs nothing', async () => {
    const run = await runCli(['ip', 'delete'], { env: CHOSEN });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe('hello-node: name the address to release: --static-ip <name> (or HELLO_NODE_STATIC_IP), the one it was created with, e.g. `hello-node ip delete --static-ip hello-node-ip` (`gcloud compute addresses list --global` lists them)\n');
  });

  test('ip delete releases it, asking to confirm unless --yes', async () => {
    expect((await runCli(['ip', 'delete', '--static-ip', 'shop-ip', '--yes'], { env: CHOSEN })).calls).toEqual([
      ['gcloud', 'compute', 'addresses', 'delete', 'shop-ip', '--global', '--project', 'my-project', '--quiet'],
    ]);
  });
});

test('scale refuses --replicas, which would read as the count to scale to: the count is its argument', async () => {
  for (const args of [['scale', '5', '--replicas', '2'], ['scale', '--replicas', '2']]) {
    const run = await runCli(args);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe('hello-node: flag --replicas: "2" is invalid: is what deploys set, not what scale does: give the count as scale\'s argument: `hello-node scale <replicas>`\n');
  }
});

test('scale\'s help shows the count as its required argument, and no --replicas flag', async () => {
  const help = await runCli(['scale', '--help']);
  expect(help.stdout).toMatch(/^Usage: hello-node scale \[options\] <replicas> \[workload\]\n/);
  expect(help.stdout).not.toContain('--replicas');
  const run = await runCli(['scale']);
  expect(run.code).toBe(1);
  expect(run.calls).toEqual([]);
  expect(run.stderr).toMatch(/^error: missing required argument 'replicas'\n/);
});

test('a setting flag the command does not read is refused, before or after its name, not silently ignored', async () => {
  for (const args of [['status', '--cluster', 'other'], ['--cluster', 'other', 'status']]) {
    const run = await runCli(args);
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe('hello-node: flag --cluster: "other" is invalid: is no setting of status, which would ignore it (see: hello-node status --help)\n');
  }
  // gcloud's way, a setting the command reads, before its name
  expect((await runCli(['--cluster', 'other', 'cluster', 'credentials'], { env: { GCP_PROJECT: 'my-project' } })).calls[0]).toContain('other');
});
