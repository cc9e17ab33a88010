/**
 * The operator workflow's simple steps: each composes the docker, gcloud and kubectl
 * commands of the reference workflow from one configuration, and hands them to a
 * Runner. The tools do the work; nothing here re-implements them. Deploying, diffing
 * and status, which read the cluster's state, are in deploy.ts and status.ts.
 */
import { HELLO_NODE_APP_DEFAULTS, helloNodeShape, HelloNodeShape } from '../lib/hello-node-props';
import { ServiceType } from '../lib/service-type';
import { ValidationError } from '../lib/validation';
import { externalAddress } from './cluster-state';
import { contextNamespace, getObjects, kubectl, kubectlCommand, labelSelector } from './kube';
import { AppSettings, ClusterSettings, helloNodeAppProps, ImageSettings, isGoogleRegistry } from './settings';
import { Runner } from './tools';

/** The output directory when neither a flag nor the cdk8s CLI (CDK8S_OUTDIR) names one: cdk8s's own default. */
export const DEFAULT_OUTDIR = 'dist';

/** The image build context, relative to the project root (where the CLI runs). */
export const BUILD_CONTEXT = 'app';

/**
 * The reference workflow's node pool: 3 nodes of 2 vCPU / 7.5 GB (n1-standard-2). A
 * regional cluster has nodes in three zones, so one node per zone makes the same 3.
 */
export const CLUSTER_SHAPE = { nodes: 3, machineType: 'n1-standard-2', releaseChannel: 'regular' } as const;

/** What the app's objects are, as the construct itself decides them. */
export function appShape(settings: AppSettings): HelloNodeShape {
  return helloNodeShape(helloNodeAppProps(settings));
}

/** The name of the Secret that is the app's ApplySet parent (kubectl's record of what a deploy applied). */
export const applySetParent = (shape: HelloNodeShape): string => `${shape.name}-applyset`;

function gcloudCluster(settings: ClusterSettings, verb: string, ...extra: string[]) {
  const { kind, name } = settings.location;
  return { tool: 'gcloud' as const, args: ['container', 'clusters', verb, settings.cluster, `--${kind}`, name, '--project', settings.gcpProject, ...extra] };
}

export async function imageBuild(settings: ImageSettings, runner: Runner): Promise<void> {
  await runner.run({ tool: 'docker', args: ['build', '-t', settings.image, BUILD_CONTEXT] });
}

const DIGEST = /digest: (sha256:[0-9a-f]{64})/;

/**
 * Pushes the image and returns the digest the registry gave it (`sha256:…`), read
 * from docker's output; under --dry-run, undefined.
 */
export async function imagePush(settings: ImageSettings, runner: Runner): Promise<string | undefined> {
  if (settings.image.includes('@')) {
    throw new ValidationError(settings.imageSource, settings.image, 'is a digest reference, which names an image already in a registry: a push needs a tag (set IMAGE_TAG, or a HELLO_NODE_IMAGE without @sha256:…)');
  }
  if (isGoogleRegistry(settings.imageRegistry)) {
    // idempotent: adds gcloud as docker's credential helper for this host
    await runner.run({ tool: 'gcloud', args: ['auth', 'configure-docker', settings.imageRegistry, '--quiet'] });
  } else {
    runner.say(`# ${settings.imageRegistry} is not a Google registry: log docker in to it yourself (docker login ${settings.imageRegistry})`);
  }
  const pushed = await runner.run({ tool: 'docker', args: ['push', settings.image], stdoutToStderr: true });
  if (runner.dryRun) {
    return undefined;
  }
  const digest = DIGEST.exec(pushed.stdout)?.[1];
  if (!digest) {
    throw new Error(`docker push did not print the image's digest ("digest: sha256:…"); its output was:\n${pushed.stdout}`);
  }
  runner.say(`pushed ${settings.image} as ${digest}`);
  return digest;
}

/**
 * Creates the cluster: zonal with the reference workflow's 3 nodes, regional with one
 * node in each of its three zones, or Autopilot (regional, nodes managed by GKE). A
 * release channel keeps the nodes upgraded and repaired, which makes
 * --enable-autoupgrade and --enable-autorepair redundant.
 */
export async function clusterCreate(settings: ClusterSettings, runner: Runner, autopilot: boolean): Promise<void> {
  if (autopilot) {
    if (settings.location.kind !== 'region') {
      throw new ValidationError('cluster location (GKE_ZONE or --zone)', settings.location.name, 'an Autopilot cluster is regional: set GKE_REGION (or --region), e.g. asia-northeast1');
    }
    await runner.run(gcloudCluster(settings, 'create-auto', '--release-channel', CLUSTER_SHAPE.releaseChannel));
    return;
  }
  const nodes = settings.location.kind === 'region' ? CLUSTER_SHAPE.nodes / 3 : CLUSTER_SHAPE.nodes;
  await runner.run(gcloudCluster(settings, 'create',
    '--num-nodes', String(nodes),
    '--machine-type', CLUSTER_SHAPE.machineType,
    '--release-channel', CLUSTER_SHAPE.releaseChannel));
}

export async function clusterCredentials(settings: ClusterSettings, runner: Runner): Promise<void> {
  await runner.run(gcloudCluster(settings, 'get-credentials'));
}

/** Deletes the cluster; gcloud asks for confirmation unless `yes`. */
export async function clusterDelete(settings: ClusterSettings, runner: Runner, yes: boolean): Promise<void> {
  await runner.run(gcloudCluster(settings, 'delete', ...(yes ? ['--quiet'] : [])));
}

/** The workload as kubectl names it: `replicationcontroller/<name>` or `deployment/<name>`. */
export const workloadRef = (shape: HelloNodeShape): string => `${shape.workload.toLowerCase()}/${shape.objectNames.workload}`;

/** Resizes the running workload (until the next deploy). */
export async function scale(settings: AppSettings, runner: Runner, replicas: number): Promise<void> {
  const shape = appShape(settings);
  await kubectl(runner, kubectlCommand(shape.namespace, 'scale', `--replicas=${replicas}`, workloadRef(shape)), false);
  const configured = settings.replicas === undefined
    ? `${HELLO_NODE_APP_DEFAULTS.replicas}, the default (set HELLO_NODE_REPLICAS=${replicas} to keep ${replicas})`
    : `${settings.replicas}, as configured (HELLO_NODE_REPLICAS or --replicas)`;
  runner.say(`# note: the next deploy sets the replicas back to ${configured}`);
}

export interface WaitOptions {
  /** Give up after this many seconds. */
  readonly timeoutSeconds: number;
  /** Ask again after this many seconds. */
  readonly intervalSeconds: number;
}

/** Time, injected so that waiting is tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** No external address came within the timeout. */
export class UrlTimeoutError extends Error {}

/** Waits, with progress, for the LoadBalancer's external address and prints `http://<address>/`. */
export async function url(settings: AppSettings, runner: Runner, wait: WaitOptions, clock: Clock): Promise<void> {
  const shape = appShape(settings);
  const service = shape.objectNames.service;
  if (shape.serviceType !== ServiceType.LOAD_BALANCER) {
    throw new ValidationError('service type (HELLO_NODE_SERVICE_TYPE or --service-type)', shape.serviceType, 'must be LoadBalancer for url: only a LoadBalancer Service gets an external address');
  }
  const started = clock.now();
  for (;;) {
    const [live] = await getObjects(runner, shape.namespace, `service/${service}`);
    if (runner.dryRun) {
      return;
    }
    const address = live && externalAddress(live);
    if (address) {
      runner.result(`http://${address}/`);
      return;
    }
    const waited = (clock.now() - started) / 1000;
    if (waited >= wait.timeoutSeconds) {
      throw new UrlTimeoutError(`service ${service} has ${live ? 'no external address' : 'not been deployed'} after ${wait.timeoutSeconds} s (kubectl describe service ${service} tells why)`);
    }
    runner.say(`waiting for service ${service} to get an external address (${Math.round(waited)} s of ${wait.timeoutSeconds} s)`);
    await clock.sleep(wait.intervalSeconds * 1000);
  }
}

/**
 * Deletes exactly the app's own objects, never `--all`: the Service, the
 * PodDisruptionBudget, then the workload (which takes its pods with it), then any pod
 * with the app's labels left behind, and last the ApplySet's record of them. Pods go
 * after their controller: deleted first, the controller would only replace them.
 */
export async function teardown(settings: AppSettings, runner: Runner): Promise<void> {
  const shape = appShape(settings);
  const del = (...what: string[]) => kubectl(runner, kubectlCommand(shape.namespace, 'delete', ...what, '--ignore-not-found'), false);
  await del('service', shape.objectNames.service);
  if (shape.objectNames.podDisruptionBudget) {
    await del('poddisruptionbudget', shape.objectNames.podDisruptionBudget);
  }
  await del(workloadRef(shape));
  await del('pods', '--selector', labelSelector(shape.labels));
  const parentNamespace = shape.namespace ?? (runner.dryRun ? undefined : await contextNamespace(runner));
  await kubectl(runner, kubectlCommand(parentNamespace, 'delete', 'secret', applySetParent(shape), '--ignore-not-found'), false);
}
