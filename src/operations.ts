/**
 * The operator workflow: each operation composes the docker, gcloud and kubectl
 * commands of the reference workflow from one configuration, and hands them to a
 * Runner. The tools do the work; nothing here re-implements them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { App } from 'cdk8s';
import { HELLO_NODE_APP_DEFAULTS, HelloNodeApp, ServiceType, ValidationError } from '../lib';
import { isGoogleRegistry, Settings } from './settings';
import { addHelloNodeChart, APP_ID, synthesize } from './synth';
import { Runner, ToolCommand } from './tools';

/** The output directory when neither a flag nor the cdk8s CLI (CDK8S_OUTDIR) names one: cdk8s's own default. */
export const DEFAULT_OUTDIR = 'dist';

/** The image build context, relative to the project root (where the CLI runs). */
export const BUILD_CONTEXT = 'app';

/** The GKE node pool of the reference workflow: 3 nodes of 2 vCPU / 7.5 GB. */
export const CLUSTER_SHAPE = { nodes: 3, machineType: 'n1-standard-2', imageType: 'COS_CONTAINERD' } as const;

/** The names and labels of the app's objects, as the construct itself derives them. */
export interface AppObjects {
  /** The workload as kubectl names it: `replicationcontroller/<name>` or `deployment/<name>`. */
  readonly workload: string;
  readonly service: string;
  readonly serviceType: ServiceType;
  /** The PodDisruptionBudget's name, when the app has one. */
  readonly podDisruptionBudget?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function appObjects(settings: Settings): AppObjects {
  // Built in memory by the synth's own chart builder, so the CLI can never disagree with the manifests.
  const app = addHelloNodeChart(new App(), settings).node.findChild(APP_ID) as HelloNodeApp;
  return {
    workload: `${app.workload.kind.toLowerCase()}/${app.workload.name}`,
    service: app.service.name,
    serviceType: app.service.type,
    podDisruptionBudget: app.podDisruptionBudget?.name,
    labels: app.labels,
  };
}

const labelSelector = (labels: Readonly<Record<string, string>>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

function kubectl(settings: Settings, ...args: string[]): ToolCommand {
  return { tool: 'kubectl', args: settings.namespace ? [...args, '--namespace', settings.namespace] : args };
}

function gcloudCluster(settings: Settings, verb: string, ...extra: string[]): ToolCommand {
  return { tool: 'gcloud', args: ['container', 'clusters', verb, settings.cluster, '--zone', settings.zone, '--project', settings.gcpProject, ...extra] };
}

export async function imageBuild(settings: Settings, runner: Runner): Promise<void> {
  await runner.run({ tool: 'docker', args: ['build', '-t', settings.image, BUILD_CONTEXT] });
}

export async function imagePush(settings: Settings, runner: Runner): Promise<void> {
  if (isGoogleRegistry(settings.imageRegistry)) {
    // idempotent: adds gcloud as docker's credential helper for this host
    await runner.run({ tool: 'gcloud', args: ['auth', 'configure-docker', settings.imageRegistry, '--quiet'] });
  } else {
    runner.say(`# ${settings.imageRegistry} is not a Google registry: log docker in to it yourself (docker login ${settings.imageRegistry})`);
  }
  await runner.run({ tool: 'docker', args: ['push', settings.image] });
}

export async function clusterCreate(settings: Settings, runner: Runner): Promise<void> {
  await runner.run(gcloudCluster(settings, 'create',
    '--num-nodes', String(CLUSTER_SHAPE.nodes),
    '--machine-type', CLUSTER_SHAPE.machineType,
    '--image-type', CLUSTER_SHAPE.imageType,
    '--enable-autoupgrade'));
}

export async function clusterCredentials(settings: Settings, runner: Runner): Promise<void> {
  await runner.run(gcloudCluster(settings, 'get-credentials'));
}

/** Deletes the cluster; gcloud asks for confirmation unless `yes`. */
export async function clusterDelete(settings: Settings, runner: Runner, yes: boolean): Promise<void> {
  await runner.run(gcloudCluster(settings, 'delete', ...(yes ? ['--quiet'] : [])));
}

/**
 * Synthesizes `outdir` through the same writer as `npx cdk8s synth`, then applies it.
 *
 * @param settingWords the settings as `NAME=value` words, so that the printed
 *   equivalent of the synth step reproduces it exactly
 */
export async function deploy(settings: Settings, runner: Runner, settingWords: readonly string[], outdir: string): Promise<void> {
  const outdirWords = outdir === DEFAULT_OUTDIR ? [] : ['--output', outdir];
  runner.announce([...settingWords, 'npx', 'cdk8s', 'synth', '--no-check-upgrade', ...outdirWords]);
  if (!runner.dryRun) {
    // no construct-metadata.json (CDK8S_RECORD_CONSTRUCT_METADATA): `kubectl apply -f dist/` would read it as a manifest
    const app = new App({ outdir, recordConstructMetadata: false });
    const files = await synthesize(app, (built) => addHelloNodeChart(built, settings), { projectRoot: process.cwd() });
    for (const file of files) {
      runner.say(`  - ${file}`);
    }
  }
  await runner.run(kubectl(settings, 'apply', '-f', `${outdir}/`));
}

/** Resizes the running workload (until the next deploy). */
export async function scale(settings: Settings, runner: Runner, replicas: number): Promise<void> {
  await runner.run(kubectl(settings, 'scale', `--replicas=${replicas}`, appObjects(settings).workload));
  const configured = settings.replicas === undefined
    ? `${HELLO_NODE_APP_DEFAULTS.replicas}, the default (set HELLO_NODE_REPLICAS=${replicas} to keep ${replicas})`
    : `${settings.replicas}, as configured (HELLO_NODE_REPLICAS or --replicas)`;
  runner.say(`# note: the next deploy sets the replicas back to ${configured}`);
}

/** The app's workload and Service by name, and its pods by their labels. */
export async function status(settings: Settings, runner: Runner): Promise<void> {
  const objects = appObjects(settings);
  await runner.run(kubectl(settings, 'get', objects.workload, `service/${objects.service}`, '--output', 'wide'));
  await runner.run(kubectl(settings, 'get', 'pods', '--selector', labelSelector(objects.labels), '--output', 'wide'));
}

export interface WaitOptions {
  /** Give up after this many seconds. */
  readonly timeoutSeconds: number;
  /** Ask again after this many seconds. */
  readonly intervalSeconds: number;
}

/** No external address came within the timeout. */
export class UrlTimeoutError extends Error {}

/** Waits, with progress, for the LoadBalancer's external address and prints `http://<address>/`. */
export async function url(settings: Settings, runner: Runner, wait: WaitOptions): Promise<void> {
  const { service, serviceType } = appObjects(settings);
  if (serviceType !== ServiceType.LOAD_BALANCER) {
    throw new ValidationError('service type (HELLO_NODE_SERVICE_TYPE or --service-type)', serviceType, 'must be LoadBalancer for url: only a LoadBalancer Service gets an external address');
  }
  const query = kubectl(settings, 'get', 'service', service, '--output', 'jsonpath={.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}');
  const started = Date.now();
  for (;;) {
    const address = (await runner.capture(query)).trim();
    if (runner.dryRun) {
      return;
    }
    if (address) {
      runner.result(`http://${address}/`);
      return;
    }
    const waited = (Date.now() - started) / 1000;
    if (waited >= wait.timeoutSeconds) {
      throw new UrlTimeoutError(`service ${service} has no external address after ${wait.timeoutSeconds} s (kubectl describe service ${service} tells why)`);
    }
    runner.say(`waiting for service ${service} to get an external address (${Math.round(waited)} s of ${wait.timeoutSeconds} s)`);
    await sleep(wait.intervalSeconds * 1000);
  }
}

/**
 * Deletes exactly the app's own objects, never `--all`: the Service, then the
 * workload (which takes its pods with it), then any pod with the app's labels left
 * behind. Pods go after their controller: deleted first, the controller would only
 * replace them.
 */
export async function teardown(settings: Settings, runner: Runner): Promise<void> {
  const objects = appObjects(settings);
  await runner.run(kubectl(settings, 'delete', 'service', objects.service, '--ignore-not-found'));
  if (objects.podDisruptionBudget) {
    await runner.run(kubectl(settings, 'delete', 'poddisruptionbudget', objects.podDisruptionBudget, '--ignore-not-found'));
  }
  await runner.run(kubectl(settings, 'delete', objects.workload, '--ignore-not-found'));
  await runner.run(kubectl(settings, 'delete', 'pods', '--selector', labelSelector(objects.labels), '--ignore-not-found'));
}
