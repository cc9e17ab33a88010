// Runs the real `hello-node` CLI with stand-in docker, gcloud and kubectl first on
// PATH: each records its arguments, so the tests see exactly what the CLI runs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

const CLI = path.join(__dirname, '..', 'bin', 'hello-node.js');
const IMAGE = 'gcr.io/terrycho-sandbox/hello-node:v1';
const CLUSTER = ['terry-gke-10', '--zone', 'asia-northeast1-c', '--project', 'terrycho-sandbox'];
const EXTERNAL_IP_QUERY = ['get', 'service', 'hello-node-svc', '--output', 'jsonpath={.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}'];

// The stand-in: records argv as a JSON line; STUB_EXIT_<TOOL> sets its exit code; kubectl
// answers the external-IP query with nothing until its STUB_IP_AFTER-th call.
const STUB = `#!${process.execPath}
const fs = require('node:fs');
const tool = require('node:path').basename(process.argv[1]);
const args = process.argv.slice(2);
fs.appendFileSync(process.env.STUB_LOG, JSON.stringify([tool, ...args]) + '\\n');
if (tool === 'kubectl' && args[0] === 'get' && args[1] === 'service') {
  const calls = fs.readFileSync(process.env.STUB_LOG, 'utf8').split('\\n').filter((l) => l.includes('"service"')).length;
  process.stdout.write(calls >= Number(process.env.STUB_IP_AFTER || Infinity) ? '34.85.10.20' : '');
}
process.exit(Number(process.env['STUB_EXIT_' + tool.toUpperCase()] || 0));
`;

let work: string;
let stubBin: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-cli-'));
  stubBin = path.join(work, 'bin');
  fs.mkdirSync(stubBin);
  for (const tool of ['docker', 'gcloud', 'kubectl']) {
    fs.writeFileSync(path.join(stubBin, tool), STUB, { mode: 0o755 });
  }
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every tool invocation, in order: [tool, ...args]. */
  calls: string[][];
}

function cli(args: string[], env: Record<string, string> = {}, pathDirs = [stubBin]): Run {
  const log = path.join(work, 'calls.jsonl');
  fs.rmSync(log, { force: true });
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: pathDirs.join(path.delimiter), STUB_LOG: log, CDK8S_OUTDIR: path.join(work, 'dist'), ...env },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

describe('hello-node image', () => {
  test('build runs docker build -t <image> app', () => {
    const run = cli(['image', 'build']);
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([['docker', 'build', '-t', IMAGE, 'app']]);
    expect(run.stderr).toContain(`+ docker build -t ${IMAGE} app`);
  });

  test('push logs docker in to the registry through gcloud, then pushes', () => {
    expect(cli(['image', 'push']).calls).toEqual([
      ['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet'],
      ['docker', 'push', IMAGE],
    ]);
  });

  test('push to Artifact Registry uses its host and repository', () => {
    const run = cli(['image', 'push', '--registry', 'asia-northeast1-docker.pkg.dev', '--repository', 'apps'], { GCP_PROJECT: 'my-project' });
    expect(run.calls).toEqual([
      ['gcloud', 'auth', 'configure-docker', 'asia-northeast1-docker.pkg.dev', '--quiet'],
      ['docker', 'push', 'asia-northeast1-docker.pkg.dev/my-project/apps/hello-node:v1'],
    ]);
  });

  test('push to a registry that is not Google\'s skips gcloud and says so', () => {
    const run = cli(['image', 'push', '--image', 'localhost:5000/hello-node:v2']);
    expect(run.calls).toEqual([['docker', 'push', 'localhost:5000/hello-node:v2']]);
    expect(run.stderr).toContain('localhost:5000 is not a Google registry');
  });

  test('flags override the environment, which overrides the defaults', () => {
    const run = cli(['image', 'build', '--tag', 'v3'], { IMAGE_TAG: 'v2', GCP_PROJECT: 'env-project' });
    expect(run.calls).toEqual([['docker', 'build', '-t', 'gcr.io/env-project/hello-node:v3', 'app']]);
  });
});

describe('hello-node cluster', () => {
  test('create makes the tutorial\'s zonal cluster with today\'s image type and auto-upgrade', () => {
    expect(cli(['cluster', 'create']).calls).toEqual([[
      'gcloud', 'container', 'clusters', 'create', ...CLUSTER,
      '--num-nodes', '3', '--machine-type', 'n1-standard-2', '--image-type', 'COS_CONTAINERD', '--enable-autoupgrade',
    ]]);
  });

  test('credentials points kubectl at the cluster', () => {
    expect(cli(['cluster', 'credentials', '--cluster', 'other', '--zone', 'us-central1-a']).calls).toEqual([
      ['gcloud', 'container', 'clusters', 'get-credentials', 'other', '--zone', 'us-central1-a', '--project', 'terrycho-sandbox'],
    ]);
  });

  test('delete lets gcloud ask for confirmation, unless --yes', () => {
    expect(cli(['cluster', 'delete']).calls).toEqual([['gcloud', 'container', 'clusters', 'delete', ...CLUSTER]]);
    expect(cli(['cluster', 'delete', '--yes']).calls).toEqual([['gcloud', 'container', 'clusters', 'delete', ...CLUSTER, '--quiet']]);
  });
});

describe('hello-node deploy', () => {
  test('synthesizes the manifests, then applies exactly that directory', () => {
    const outdir = path.join(work, 'dist');
    const run = cli(['deploy', '--replicas', '4', '--namespace', 'prod']);
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([['kubectl', 'apply', '-f', `${outdir}/`, '--namespace', 'prod']]);
    const [rc, svc] = parseAllDocuments(fs.readFileSync(path.join(outdir, 'hello-node.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    expect(rc.spec.replicas).toBe(4);
    expect(rc.metadata.namespace).toBe('prod');
    expect(svc.metadata.name).toBe('hello-node-svc');
  });

  test('applies only manifests, even where cdk8s is asked to record construct metadata', () => {
    const run = cli(['deploy'], { CDK8S_RECORD_CONSTRUCT_METADATA: 'true' });
    expect(run.status).toBe(0);
    expect(fs.readdirSync(path.join(work, 'dist'))).toEqual(['hello-node.k8s.yaml']);
  });

  test('a bad setting stops it before anything is written or run', () => {
    const run = cli(['deploy'], { HELLO_NODE_SERVICE_TYPE: 'Ingress' });
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(fs.existsSync(path.join(work, 'dist'))).toBe(false);
    expect(run.stderr.trim()).toBe('hello-node: environment variable HELLO_NODE_SERVICE_TYPE: "Ingress" is invalid: must be one of ClusterIP, NodePort, LoadBalancer');
  });
});

describe('hello-node scale', () => {
  test('scales the ReplicationController and says the next deploy resets it', () => {
    const run = cli(['scale', '4']);
    expect(run.calls).toEqual([['kubectl', 'scale', '--replicas=4', 'replicationcontroller/hello-node-rc']]);
    expect(run.stderr).toContain('the next deploy sets the replicas back to 3, the default (set HELLO_NODE_REPLICAS=4 to keep 4)');
  });

  test('scales the Deployment when that is the workload', () => {
    expect(cli(['scale', '4', '--workload', 'Deployment']).calls).toEqual([['kubectl', 'scale', '--replicas=4', 'deployment/hello-node-deployment']]);
  });

  test('with HELLO_NODE_REPLICAS set, names it as what the next deploy restores', () => {
    expect(cli(['scale', '4'], { HELLO_NODE_REPLICAS: '2' }).stderr).toContain('sets the replicas back to 2, as configured (HELLO_NODE_REPLICAS or --replicas)');
  });

  test.each(['many', '-1', '1.5'])('rejects %j before running anything', (count) => {
    const run = cli(['scale', '--', count]);
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain(`argument <replicas>: "${count}" is invalid`);
  });
});

describe('hello-node status', () => {
  test('gets the workload and the Service by name, and the pods by their labels', () => {
    expect(cli(['status', '--namespace', 'prod']).calls).toEqual([
      ['kubectl', 'get', 'replicationcontroller/hello-node-rc', 'service/hello-node-svc', '--output', 'wide', '--namespace', 'prod'],
      ['kubectl', 'get', 'pods', '--selector', 'app=hello-node', '--output', 'wide', '--namespace', 'prod'],
    ]);
  });
});

describe('hello-node url', () => {
  test('waits, with progress, until the LoadBalancer has an IP, then prints the URL', () => {
    const run = cli(['url', '--interval', '0'], { STUB_IP_AFTER: '3' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('http://34.85.10.20/\n');
    expect(run.calls).toEqual([['kubectl', ...EXTERNAL_IP_QUERY], ['kubectl', ...EXTERNAL_IP_QUERY], ['kubectl', ...EXTERNAL_IP_QUERY]]);
    expect(run.stderr.match(/waiting for service hello-node-svc to get an external address/g)).toHaveLength(2);
  });

  test('gives up after --timeout with exit code 1', () => {
    const run = cli(['url', '--timeout', '0', '--interval', '0']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('service hello-node-svc has no external address after 0 s');
  });

  test('refuses to wait when the Service is not a LoadBalancer, which never gets an external address', () => {
    const run = cli(['url', '--service-type', 'NodePort']);
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('"NodePort" is invalid: must be LoadBalancer for url');
  });

  test('rejects a timeout that is not a number of seconds', () => {
    const run = cli(['url', '--timeout', 'soon']);
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('flag --timeout: "soon" is invalid');
  });
});

describe('hello-node teardown', () => {
  test('deletes exactly the app\'s objects, the RC before its pods, and never --all', () => {
    const run = cli(['teardown']);
    expect(run.calls).toEqual([
      ['kubectl', 'delete', 'service', 'hello-node-svc', '--ignore-not-found'],
      ['kubectl', 'delete', 'replicationcontroller/hello-node-rc', '--ignore-not-found'],
      ['kubectl', 'delete', 'pods', '--selector', 'app=hello-node', '--ignore-not-found'],
    ]);
    expect(run.calls.flat()).not.toContain('--all');
  });

  test('in production, deletes the PodDisruptionBudget too', () => {
    expect(cli(['teardown', '--profile', 'production', '--workload', 'Deployment']).calls).toEqual([
      ['kubectl', 'delete', 'service', 'hello-node-svc', '--ignore-not-found'],
      ['kubectl', 'delete', 'poddisruptionbudget', 'hello-node-pdb', '--ignore-not-found'],
      ['kubectl', 'delete', 'deployment/hello-node-deployment', '--ignore-not-found'],
      ['kubectl', 'delete', 'pods', '--selector', 'app=hello-node', '--ignore-not-found'],
    ]);
  });
});

describe('--dry-run', () => {
  test.each([
    [['image', 'build'], [`docker build -t ${IMAGE} app`]],
    [['image', 'push'], ['gcloud auth configure-docker gcr.io --quiet', `docker push ${IMAGE}`]],
    [['cluster', 'create'], ['gcloud container clusters create terry-gke-10 --zone asia-northeast1-c --project terrycho-sandbox --num-nodes 3 --machine-type n1-standard-2 --image-type COS_CONTAINERD --enable-autoupgrade']],
    [['cluster', 'credentials'], ['gcloud container clusters get-credentials terry-gke-10 --zone asia-northeast1-c --project terrycho-sandbox']],
    [['cluster', 'delete'], ['gcloud container clusters delete terry-gke-10 --zone asia-northeast1-c --project terrycho-sandbox']],
    [['status'], ['kubectl get replicationcontroller/hello-node-rc service/hello-node-svc --output wide', 'kubectl get pods --selector app=hello-node --output wide']],
    [['url'], [`kubectl get service hello-node-svc --output 'jsonpath={.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}'`]],
    [['scale', '5'], ['kubectl scale --replicas=5 replicationcontroller/hello-node-rc', '# note: the next deploy sets the replicas back to 3, the default (set HELLO_NODE_REPLICAS=5 to keep 5)']],
    [['teardown'], [
      'kubectl delete service hello-node-svc --ignore-not-found',
      'kubectl delete replicationcontroller/hello-node-rc --ignore-not-found',
      'kubectl delete pods --selector app=hello-node --ignore-not-found',
    ]],
  ])('%j prints the commands, one per line, and runs nothing', (args, lines) => {
    const run = cli(['--dry-run', ...args]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(lines.map((l) => `${l}\n`).join(''));
    expect(run.calls).toEqual([]);
  });

  test('deploy prints the synth as the equivalent cdk8s command, with its settings, and writes nothing', () => {
    const run = cli(['deploy', '--dry-run', '--tag', 'v2'], { HELLO_NODE_NAMESPACE: 'prod', CDK8S_OUTDIR: 'dist' });
    expect(run.stdout).toBe('IMAGE_TAG=v2 HELLO_NODE_NAMESPACE=prod npx cdk8s synth --no-check-upgrade\nkubectl apply -f dist/ --namespace prod\n');
    expect(run.calls).toEqual([]);
    expect(fs.existsSync(path.join(work, 'dist'))).toBe(false);
  });

  test('quotes what a shell would otherwise read differently', () => {
    const run = cli(['deploy', '--dry-run', '--image', 'localhost:5000/app@sha256:' + 'a'.repeat(64)]);
    expect(run.stdout.split('\n')[0]).toBe(`HELLO_NODE_IMAGE=localhost:5000/app@sha256:${'a'.repeat(64)} npx cdk8s synth --no-check-upgrade --output ${path.join(work, 'dist')}`);
  });
});

describe('refuses malformed or hostile settings, naming them, and runs nothing', () => {
  test.each([
    [['--project', 'p; rm -rf /'], 'flag --project', 'Google Cloud project id'],
    [['--project', '$(id)'], 'flag --project', 'Google Cloud project id'],
    [['--cluster', 'c && curl evil'], 'flag --cluster', 'GKE cluster name'],
    [['--cluster', '--help'], 'flag --cluster', 'GKE cluster name'],
    [['--zone', 'asia-northeast1-c --project=other'], 'flag --zone', 'Google Cloud zone'],
    [['--image', 'gcr.io/p/app:v1`reboot`'], 'flag --image', 'image reference'],
    [['--tag', 'v1\nrm -rf /'], 'flag --tag', 'image tag'],
    [['--namespace', '../etc'], 'flag --namespace', 'DNS-1123 label'],
  ])('%j', (flags, source, rule) => {
    for (const command of [['image', 'push'], ['cluster', 'create'], ['deploy'], ['teardown']]) {
      const run = cli([...command, ...flags]);
      expect(run.status).toBe(1);
      expect(run.calls).toEqual([]);
      expect(run.stderr).toContain(`hello-node: ${source}: `);
      expect(run.stderr).toContain(rule);
    }
  });

  test('from the environment too', () => {
    const run = cli(['cluster', 'create'], { GKE_CLUSTER: 'x;reboot' });
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('hello-node: environment variable GKE_CLUSTER: "x;reboot" is invalid');
  });
});

describe('tools', () => {
  test.each([
    [['image', 'build'], 'docker', 'install Docker'],
    [['cluster', 'create'], 'gcloud', 'install the Google Cloud CLI'],
    [['status'], 'kubectl', 'install kubectl'],
  ])('%j without %s on PATH says which tool and how to get it (exit 127)', (args, tool, hint) => {
    fs.rmSync(path.join(stubBin, tool));
    const run = cli(args);
    expect(run.status).toBe(127);
    expect(run.stderr).toContain(`hello-node: ${tool} was not found on PATH: ${hint}`);
  });

  test('a failing tool\'s exit code is passed on, and the commands after it do not run', () => {
    const run = cli(['image', 'push'], { STUB_EXIT_GCLOUD: '3' });
    expect(run.status).toBe(3);
    expect(run.calls).toEqual([['gcloud', 'auth', 'configure-docker', 'gcr.io', '--quiet']]);
    expect(run.stderr).toContain('hello-node: gcloud exited with code 3');
  });

  test.each(['42', '1'])('exit code %s of kubectl is passed on', (code) => {
    expect(cli(['teardown'], { STUB_EXIT_KUBECTL: code }).status).toBe(Number(code));
  });
});

describe('--help', () => {
  test.each([[[]], [['image']], [['image', 'build']], [['image', 'push']], [['cluster']], [['cluster', 'create']], [['cluster', 'credentials']],
    [['cluster', 'delete']], [['deploy']], [['scale']], [['status']], [['url']], [['teardown']]])('%j --help', (args) => {
    const run = cli([...args, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: hello-node${args.length ? ` ${args.join(' ')}` : ''} `));
    expect(run.calls).toEqual([]);
  });

  test('no command prints the help and exits 1', () => {
    const run = cli([]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^Usage: hello-node/);
  });

  test('an unknown command is a usage error', () => {
    const run = cli(['deplyo']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('unknown command \'deplyo\'');
  });
});

// The real gcloud, where it is installed: every gcloud command the CLI builds must get
// past gcloud's own argument parser. With an empty config directory a well-formed
// command stops at "no active account"; a malformed one fails on its arguments first.
const gcloud = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
(gcloud.status === 0 ? describe : describe.skip)('the gcloud commands pass the real gcloud\'s parser', () => {
  const realGcloud = (args: string[]) => {
    const sandbox = fs.mkdtempSync(path.join(work, 'gcloud-'));
    return spawnSync('gcloud', args, {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: sandbox,
        CLOUDSDK_CONFIG: path.join(sandbox, 'config'),
        CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
        CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      },
    });
  };
  const gcloudCalls = (args: string[]) => cli(args).calls.filter(([tool]) => tool === 'gcloud').map(([, ...rest]) => rest);

  test.each([[['cluster', 'create']], [['cluster', 'credentials']], [['cluster', 'delete']], [['cluster', 'delete', '--yes']]])('%j', (args) => {
    const calls = gcloudCalls(args);
    expect(calls).toHaveLength(1);
    const result = realGcloud(calls[0]);
    expect(result.stderr).not.toMatch(/unrecognized arguments|argument .*: |Invalid choice/);
    expect(result.stderr).toContain('You do not currently have an active account selected');
  });

  test('image push: gcloud auth configure-docker succeeds without an account', () => {
    const calls = gcloudCalls(['image', 'push', '--registry', 'asia-northeast1-docker.pkg.dev', '--repository', 'apps']);
    const result = realGcloud(calls[0]);
    expect(result.stderr).not.toMatch(/unrecognized arguments/);
    expect(result.status).toBe(0);
  });

  test('a malformed command fails on its arguments, before the account check', () => {
    const [create] = gcloudCalls(['cluster', 'create']);
    const result = realGcloud([...create, '--no-such-flag']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('unrecognized arguments: --no-such-flag');
  });
});
