/**
 * The operator workflow's simple steps: each composes the docker, gcloud and kubectl
 * commands of the reference workflow from one configuration, and hands them to a
 * Runner. The tools do the work; nothing here re-implements them. Deploying, diffing
 * and status, which read the cluster's state, are in deploy.ts and status.ts.
 */
import { HELLO_NODE_APP_DEFAULTS, resolveHelloNodeApp, ValidationError, Workload } from '../lib/internal';
import { ApplySet, appApplySet, getMembers, getParent, NotDeployedError, qualifiedRefOf, unrecordedMembers } from './applyset';
import { externalAddress, httpsNotes, ingressUrls, isExternallyBalanced, KubeObject, serviceUrl, WORKLOAD_KINDS } from './cluster-state';
import { autoscalerOf, boundsOf } from './autoscaler';
import { withDeployLease } from './deploy-lease';
import { deleteHistory } from './history';
import { kubectl, kubectlCommand } from './kube';
import { refOf } from './manifests';
import { ClusterSettings, ImageSettings, isGoogleRegistry, Platform } from './settings';
import { commandLine, Runner, ToolCommand, ToolFailedError } from './tools';

/** The image build context, relative to the project root (where the CLI runs). */
export const BUILD_CONTEXT = 'app';

/**
 * The reference workflow's node pool: 3 nodes (of GKE_MACHINE_TYPE, by default its
 * n1-standard-2). A regional cluster has nodes in three zones, so one node per zone
 * makes the same 3.
 */
export const CLUSTER_SHAPE = { nodes: 3, releaseChannel: 'regular' } as const;

function gcloudCluster(settings: ClusterSettings, verb: string, ...extra: string[]) {
  const { kind, name } = settings.location;
  return { tool: 'gcloud' as const, args: ['container', 'clusters', verb, settings.cluster, `--${kind}`, name, '--project', settings.gcpProject, ...extra] };
}

/**
 * Checks that the image can be built and pushed under its name: a tag, not a digest,
 * and for a Google registry, a whole repository path.
 *
 * @returns its Artifact Registry repository, for a Google registry
 * @throws ValidationError naming the setting the image came from
 */
export function checkPushable(settings: ImageSettings): ArtifactRepository | undefined {
  if (settings.image.includes('@')) {
    throw new ValidationError(settings.imageSource, settings.image, 'is a digest reference, which names an image already in a registry: a build or push needs a tag (set IMAGE_TAG, or a HELLO_NODE_IMAGE without @sha256:…)');
  }
  return artifactRepositoryOf(settings.image, settings.imageSource);
}

/** Builds the image for the nodes' platform (settings.ts, loadPlatform), whatever this machine's is. */
export async function imageBuild(settings: ImageSettings, platform: Platform, runner: Runner): Promise<void> {
  checkPushable(settings);
  await runner.run({ tool: 'docker', args: ['build', '--platform', platform, '-t', settings.image, BUILD_CONTEXT] });
}

const DIGEST = /digest: (sha256:[0-9a-f]{64})/;

/** An Artifact Registry repository: where a Google registry host keeps an image. */
export interface ArtifactRepository {
  readonly host: string;
  readonly project: string;
  readonly location: string;
  readonly repository: string;
}

/**
 * Container Registry's hosts and the Artifact Registry location of the repository named
 * after each, which serves that host since Container Registry stopped taking pushes
 * (2025-03-18; cloud.google.com/artifact-registry/docs/transition/gcr-repositories).
 */
const GCR_LOCATIONS: Readonly<Record<string, string>> = { 'gcr.io': 'us', 'us.gcr.io': 'us', 'eu.gcr.io': 'europe', 'asia.gcr.io': 'asia' };

/**
 * The Artifact Registry repository that holds `image`: for `<host>/<project>/…` on a
 * gcr.io host, the repository named after the host; for
 * `<location>-docker.pkg.dev/<project>/<repository>/…`, that one. Undefined for other
 * registries.
 */
export function artifactRepositoryOf(image: string, source: string): ArtifactRepository | undefined {
  const path = image.split(/[@]/)[0].split('/');
  const [host, project, repository] = path;
  const gcrLocation = GCR_LOCATIONS[host];
  const pkgDev = /^([a-z0-9-]+)-docker\.pkg\.dev$/.exec(host);
  if (gcrLocation === undefined && !pkgDev) {
    return undefined;
  }
  // <host>/<project>/<name>, or <host>/<project>/<repository>/<name>: never a name or tag taken for a project or repository
  const parts = gcrLocation === undefined ? 4 : 3;
  if (path.length < parts || path.slice(1, parts - 1).some((part) => part.includes(':'))) {
    throw new ValidationError(source, image, gcrLocation === undefined
      ? `must be <location>-docker.pkg.dev/<project>/<repository>/<name>[:tag] on Artifact Registry`
      : `must be ${host}/<project>/<name>[:tag] on ${host}`);
  }
  return gcrLocation === undefined ? { host, project, location: pkgDev?.[1] ?? '', repository } : { host, project, location: gcrLocation, repository: host };
}

const repositoryFlags = (repo: ArtifactRepository) => [`--location=${repo.location}`, `--project=${repo.project}`];
const createRepository = (repo: ArtifactRepository) => ({
  tool: 'gcloud' as const,
  args: ['artifacts', 'repositories', 'create', repo.repository, '--repository-format=docker', ...repositoryFlags(repo)],
});

/** Enables the Artifact Registry API in `project`, which a project that never used it lacks. */
export const enableArtifactRegistry = (project: string): ToolCommand => ({ tool: 'gcloud', args: ['services', 'enable', 'artifactregistry.googleapis.com', `--project=${project}`] });

/** A push the registry refused, explained: the cause and the command that fixes it. */
export class PushDeniedError extends Error {
  constructor(cause: string, fix: string) {
    super(`${cause}: ${fix}`);
    this.name = 'PushDeniedError';
  }
}

/**
 * Makes sure the image's repository exists, creating it when it does not (as `gcloud
 * run deploy --source` does for its own), after enabling the Artifact Registry API on a
 * project that has never used it.
 */
async function ensureRepository(repo: ArtifactRepository, runner: Runner, enabled = false): Promise<void> {
  const describe = { tool: 'gcloud' as const, args: ['artifacts', 'repositories', 'describe', repo.repository, ...repositoryFlags(repo), '--format=value(name)'] };
  const create = createRepository(repo);
  if (runner.dryRun) {
    runner.announce(describe);
    runner.say(`# when ${repo.host}'s repository does not exist yet in project ${repo.project}:`);
    runner.announce(create);
    return;
  }
  try {
    // quiet: its NOT_FOUND is the expected answer on a new project
    await runner.capture({ ...describe, explained: true });
    return;
  } catch (err) {
    if (!(err instanceof ToolFailedError)) {
      throw err;
    }
    const disabledIn = /has not been used in project (\S+)|SERVICE_DISABLED|it is disabled/.exec(err.stderr);
    if (disabledIn) {
      const where = disabledIn[1] ? `project ${disabledIn[1]}` : `project ${repo.project}`;
      if (enabled) {
        // enabling an API takes a while to reach every Google server; or gcloud names another project (a quota project)
        throw new PushDeniedError(`the Artifact Registry API is still reported disabled in ${where}, just after it was enabled in project ${repo.project}`, `push again in a few minutes; if the project named is not ${repo.project}, enable it there (gcloud services enable artifactregistry.googleapis.com --project=…)`);
      }
      runner.say(`# the Artifact Registry API is not enabled in ${where}: enabling it in project ${repo.project}`);
      await runner.run(enableArtifactRegistry(repo.project));
      return ensureRepository(repo, runner, true);
    }
    if (!/NOT_FOUND/.test(err.stderr)) {
      // not allowed to look (the push may still be allowed), or gcloud failed otherwise: the push will tell
      runner.say(`# could not check ${repo.host}'s repository in project ${repo.project} (${firstLine(err.stderr)}): pushing anyway`);
      return;
    }
  }
  runner.say(`# ${repo.host}'s repository ${repo.repository} does not exist in project ${repo.project} (location ${repo.location}): creating it`);
  try {
    await runner.run({ ...create, explained: true });
  } catch (err) {
    if (!(err instanceof ToolFailedError)) {
      throw err;
    }
    // ALREADY_EXISTS: another push made it meanwhile; otherwise the push may still create it (createOnPush) and will tell
    if (!/ALREADY_EXISTS/.test(err.stderr)) {
      runner.say(`# could not create it (${firstLine(err.stderr)}): pushing anyway`);
    }
  }
}

/** gcloud's error, in one line: its first line that says something. */
const firstLine = (stderr: string) => stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'no message';

/** docker push's refusals (on its stderr), each with its cause and fix. */
function explainPushDenial(stderr: string, repo: ArtifactRepository | undefined, host: string): PushDeniedError | undefined {
  const where = repo ? `repository ${repo.repository} of project ${repo.project}` : host;
  if (repo && /createOnPush|Repository .* not found|repo does not exist|name unknown/i.test(stderr)) {
    return new PushDeniedError(`${where} does not exist, and the account may not create it`, `ask an owner of the project to run \`${commandLine(['gcloud', ...createRepository(repo).args])}\``);
  }
  if (repo && /uploadArtifacts|denied: Permission "artifactregistry/.test(stderr)) {
    return new PushDeniedError(`the account may not push to ${where}`, `ask an owner of the project for roles/artifactregistry.writer on it (\`gcloud artifacts repositories add-iam-policy-binding ${repo.repository} ${repositoryFlags(repo).join(' ')} --member=user:YOU --role=roles/artifactregistry.writer\`)`);
  }
  if (/unauthorized|authentication required|Unauthenticated|no basic auth credentials|credential helper|gcloud auth login/i.test(stderr)) {
    return new PushDeniedError(`docker is not logged in to ${host}`, `run \`gcloud auth login\`, then push again (${isGoogleRegistry(host) ? `hello-node runs \`gcloud auth configure-docker ${host}\` for you` : `docker login ${host}`})`);
  }
  return undefined;
}

/**
 * Pushes the image and returns the digest the registry gave it (`sha256:…`), read
 * from docker's output; under --dry-run, or from a docker that prints none, undefined. For a Google registry, its
 * Artifact Registry repository is made sure of first, and docker is logged in to that
 * host alone; a refused push is explained (PushDeniedError).
 */
export async function imagePush(settings: ImageSettings, runner: Runner): Promise<string | undefined> {
  const repo = checkPushable(settings);
  if (repo) {
    await ensureRepository(repo, runner);
  }
  if (isGoogleRegistry(settings.imageRegistry)) {
    // idempotent: adds gcloud as docker's credential helper for this host
    await runner.run({ tool: 'gcloud', args: ['auth', 'configure-docker', settings.imageRegistry, '--quiet'] });
  } else {
    runner.say(`# ${settings.imageRegistry} is not a Google registry: log docker in to it yourself (docker login ${settings.imageRegistry})`);
  }
  let pushed;
  try {
    pushed = await runner.run({ tool: 'docker', args: ['push', settings.image], stdoutToStderr: true, explained: true });
  } catch (err) {
    throw (err instanceof ToolFailedError && explainPushDenial(`${err.stderr}`, repo, settings.imageRegistry)) || err;
  }
  if (runner.dryRun) {
    return undefined;
  }
  const digest = DIGEST.exec(pushed.stdout)?.[1];
  if (!digest) {
    // podman standing in for docker prints none: the push itself succeeded
    runner.say(`# docker push printed no digest ("digest: sha256:…"): ${settings.image} is known by its tag alone`);
    return undefined;
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
export async function clusterCreate(settings: ClusterSettings, machineType: string, runner: Runner, autopilot: boolean): Promise<void> {
  const where = `in project ${settings.gcpProject}, ${settings.location.kind} ${settings.location.name}`;
  if (autopilot) {
    if (settings.location.kind !== 'region') {
      throw new ValidationError('cluster location (GKE_ZONE or --zone)', settings.location.name, 'an Autopilot cluster is regional: set GKE_REGION (or --region), e.g. asia-northeast1');
    }
    runner.say(`# creating Autopilot cluster ${settings.cluster} ${where}: GKE manages its nodes`);
    await runner.run(gcloudCluster(settings, 'create-auto', '--release-channel', CLUSTER_SHAPE.releaseChannel));
    return;
  }
  const perZone = settings.location.kind === 'region' ? CLUSTER_SHAPE.nodes / 3 : CLUSTER_SHAPE.nodes;
  runner.say(`# creating cluster ${settings.cluster} ${where}: ${CLUSTER_SHAPE.nodes} nodes of ${machineType}${perZone === CLUSTER_SHAPE.nodes ? '' : `, ${perZone} in each of the region's 3 zones`}`);
  await runner.run(gcloudCluster(settings, 'create',
    '--num-nodes', String(perZone),
    '--machine-type', machineType,
    '--release-channel', CLUSTER_SHAPE.releaseChannel));
}

/** A global static external address of Compute Engine, reserved for an Ingress. */
const globalAddress = (project: string, name: string, verb: string, ...extra: string[]) =>
  ({ tool: 'gcloud' as const, args: ['compute', 'addresses', verb, name, '--global', '--project', project, ...extra] });

/**
 * Reserves the global static external address that the app's Ingress takes
 * (HELLO_NODE_STATIC_IP), unless it exists already, and prints it: the address the
 * domain's DNS points at, which outlives the Ingress.
 */
export async function ipCreate(project: string, name: string, runner: Runner): Promise<void> {
  // exit 1: not found (or not readable: then the create says why)
  const describe = globalAddress(project, name, 'describe', '--format=value(address)');
  const existing = await runner.capture({ ...describe, okExitCodes: [1], explained: true });
  const exists = existing.exitCode === 0 && existing.stdout.trim() !== '';
  if (exists) {
    runner.say(`the global static address ${name} exists already in project ${project}: keeping it`);
  } else {
    runner.say(`reserving the global static address ${name} in project ${project}, for the Ingress of an app with a domain`);
    await runner.run(globalAddress(project, name, 'create'));
  }
  const { stdout } = exists ? existing : await runner.capture(describe);
  if (!runner.dryRun) {
    runner.result(stdout.trim());
    runner.say(`point your domain's DNS A record at ${stdout.trim()}, then deploy with HELLO_NODE_STATIC_IP=${name} (or --static-ip ${name}) and HELLO_NODE_DOMAIN`);
  }
}

/** Releases the reserved address (after a teardown: an Ingress that still uses it keeps it reserved); gcloud asks to confirm unless `yes`. */
export async function ipDelete(project: string, name: string, runner: Runner, yes: boolean): Promise<void> {
  await runner.run(globalAddress(project, name, 'delete', ...(yes ? ['--quiet'] : [])));
}

export async function clusterCredentials(settings: ClusterSettings, runner: Runner): Promise<void> {
  await runner.run(gcloudCluster(settings, 'get-credentials'));
}

/** Deletes the cluster; gcloud asks for confirmation unless `yes`. */
export async function clusterDelete(settings: ClusterSettings, runner: Runner, yes: boolean): Promise<void> {
  await runner.run(gcloudCluster(settings, 'delete', ...(yes ? ['--quiet'] : [])));
}

/** The live members of the app's ApplySet; under --dry-run, none (the commands are only printed). */
async function appMembers(namespace: string | undefined, runner: Runner): Promise<{ applySet: ApplySet; parent?: KubeObject; members: KubeObject[] }> {
  const { applySet } = await appApplySet(namespace, runner);
  const parent = await getParent(runner, applySet);
  return { applySet, parent, members: await getMembers(runner, applySet, parent) };
}

const nothingDeployed = (applySet: ApplySet) =>
  new NotDeployedError(`nothing is deployed in namespace ${applySet.namespace}: there is no ApplySet record (secret/${applySet.parent}); \`hello-node deploy\` creates it`);

/** `name` or `kind[.group]/name`, as the workload argument of scale takes it. */
const WORKLOAD_ARGUMENT = /^(?:[A-Za-z]+(?:\.[a-z0-9.-]+)?\/)?[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/;

/** Whether `workload` is the one HelloNodeApp makes (its default name), whose replicas HELLO_NODE_REPLICAS sets. */
function isHelloNodeWorkload(workload: KubeObject): boolean {
  return (Object.values(Workload) as string[]).includes(workload.kind)
    && resolveHelloNodeApp({ workload: workload.kind as Workload }).objectNames.workload === workload.metadata.name;
}

/**
 * Resizes one of the app's workloads (until the next deploy): the one named, or the
 * only one the app's deploys applied.
 *
 * @param namespace HELLO_NODE_NAMESPACE, when set
 * @param configured HELLO_NODE_REPLICAS, when set: what the next deploy sets again
 * @param name `kind/name` or `name` of a workload; needed when the app has several
 */
export async function scale(namespace: string | undefined, configured: number | undefined, runner: Runner, replicas: number, name?: string): Promise<void> {
  if (name !== undefined && !WORKLOAD_ARGUMENT.test(name)) {
    throw new ValidationError('argument [workload]', name, 'must be a workload\'s name or kind/name, e.g. hello-node-rc or deployment/api');
  }
  const { applySet, parent, members } = await appMembers(namespace, runner);
  if (runner.dryRun) {
    runner.say(`# then: kubectl scale --replicas=${replicas} ${name ?? '<the app\'s workload>'} --namespace ${applySet.namespace}, if secret/${applySet.parent} records it and no autoscaler sizes it`);
    return;
  }
  if (!parent) {
    throw nothingDeployed(applySet);
  }
  const workloads = members.filter((m) => WORKLOAD_KINDS.includes(m.kind) && m.kind !== 'DaemonSet');
  const listed = workloads.map(refOf).join(', ') || 'none';
  // kinds are case-insensitive to kubectl; names are lower-case DNS names
  const chosen = name === undefined ? workloads : workloads.filter((w) => [refOf(w), qualifiedRefOf(w), w.metadata.name].includes(name.toLowerCase()));
  if (chosen.length !== 1) {
    throw new ValidationError('argument [workload]', name ?? '(none)', name === undefined
      ? `the app has ${workloads.length === 0 ? 'no workload to scale' : `several workloads: name one of ${listed}`}`
      : chosen.length > 1 ? `names several of the app's workloads: name one of ${listed} with its kind` : `must name one of the app's workloads: ${listed}`);
  }
  const target = qualifiedRefOf(chosen[0]);
  const autoscaler = autoscalerOf(chosen[0], members);
  if (autoscaler) {
    const { min, max } = boundsOf(autoscaler);
    throw new ValidationError('argument <replicas>', replicas, `${refOf(chosen[0])} is sized by ${refOf(autoscaler)} (${min} to ${max} pods), which would undo it: set HELLO_NODE_MIN_REPLICAS and HELLO_NODE_MAX_REPLICAS (or the autoscaling prop) and deploy`);
  }
  await withDeployLease(runner, applySet.namespace, 'scale', 30, () => kubectl(runner, kubectlCommand(applySet.namespace, 'scale', `--replicas=${replicas}`, target), false));
  const next = !isHelloNodeWorkload(chosen[0]) ? 'the replicas main.ts gives it'
    : configured === undefined
      ? `${HELLO_NODE_APP_DEFAULTS.replicas}, the default (set HELLO_NODE_REPLICAS=${replicas} to keep ${replicas})`
      : `${configured}, as configured (HELLO_NODE_REPLICAS or --replicas)`;
  runner.say(`# note: the next deploy sets the replicas of ${target} back to ${next}`);
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
  /** Waits `ms`, or less when `abort` is aborted. */
  sleep(ms: number, abort?: AbortSignal): Promise<void>;
}

/** No external address came within the timeout. */
export class UrlTimeoutError extends Error {}

/**
 * Waits, with progress, until every LoadBalancer Service the app's deploys applied
 * has an external address, and prints each one's `http://<address>[:<port>]/`, one
 * per line.
 */
export async function url(namespace: string | undefined, runner: Runner, wait: WaitOptions, clock: Clock): Promise<void> {
  const started = clock.now();
  for (;;) {
    const { applySet, parent, members } = await appMembers(namespace, runner);
    if (runner.dryRun) {
      return;
    }
    if (!parent) {
      throw nothingDeployed(applySet);
    }
    const services = members.filter((m) => m.kind === 'Service');
    const balancers = members.filter(isExternallyBalanced);
    if (balancers.length === 0) {
      throw new NotDeployedError(`the app has no Ingress and no LoadBalancer Service (${services.map((s) => `${refOf(s)} is ${s.spec?.type ?? 'ClusterIP'}`).join(', ') || 'no Service at all'}): only those get an external address`);
    }
    const pending = balancers.filter((s) => !externalAddress(s));
    if (pending.length === 0) {
      const certificates = members.filter((m) => m.kind === 'ManagedCertificate');
      for (const balancer of balancers) {
        if (balancer.kind === 'Ingress') {
          httpsNotes(balancer, certificates).forEach((note) => runner.say(note));
          ingressUrls(balancer).forEach((address) => runner.result(address));
        } else {
          runner.result(serviceUrl(balancer) ?? '');
        }
      }
      return;
    }
    const waited = (clock.now() - started) / 1000;
    const names = pending.map(refOf).join(', ');
    if (waited >= wait.timeoutSeconds) {
      throw new UrlTimeoutError(`${names} ${pending.length === 1 ? 'has' : 'have'} no external address after ${wait.timeoutSeconds} s (kubectl describe ${pending.map(refOf).join(' ')} --namespace ${applySet.namespace} tells why)`);
    }
    runner.say(`waiting for ${names} to get an external address (${Math.round(waited)} s of ${wait.timeoutSeconds} s)`);
    // never past the deadline: the last look comes when the timeout is up
    await clock.sleep(Math.min(wait.intervalSeconds, wait.timeoutSeconds - waited) * 1000);
  }
}

/** How long teardown waits for the deletions to finish (objects with finalizers take their time). */
const TEARDOWN_WAIT_SECONDS = 240;

/**
 * Deletes exactly what the app's deploys applied, in every chart: the members of its
 * ApplySet (the garbage collector then removes what they own, such as a workload's
 * pods), then the ApplySet's record and the release history. Never an object no
 * deploy applied, whatever its labels, and never `--all`.
 */
export async function teardown(namespace: string | undefined, runner: Runner): Promise<void> {
  const { applySet } = await appApplySet(namespace, runner);
  // the members are read under the Lease: a deploy cannot add one meanwhile. It is not
  // renewed: kubectl gives up waiting for the deletions (finalizers) well before it expires.
  await withDeployLease(runner, applySet.namespace, 'teardown', TEARDOWN_WAIT_SECONDS + 60, async () => {
    const parent = await getParent(runner, applySet);
    const members = await getMembers(runner, applySet, parent);
    if (runner.dryRun) {
      runner.say(`# then: kubectl delete of every object that secret/${applySet.parent} records, then of the record and the release history`);
    } else if (!parent) {
      const unrecorded = await unrecordedMembers(runner, applySet);
      if (unrecorded.length > 0) {
        throw new NotDeployedError(`there is no ApplySet record (secret/${applySet.parent}) in namespace ${applySet.namespace}, yet ${unrecorded.map(refOf).join(', ')} ${unrecorded.length === 1 ? 'carries' : 'carry'} its label: deploy once to write the record again, then teardown; or delete them yourself (kubectl delete ${unrecorded.map(qualifiedRefOf).join(' ')} --namespace ${applySet.namespace})`);
      }
      runner.say(`# nothing to delete: there is no ApplySet record (secret/${applySet.parent}) in namespace ${applySet.namespace}`);
      return;
    }
    if (members.length > 0) {
      await kubectl(runner, kubectlCommand(applySet.namespace, 'delete', ...members.map(qualifiedRefOf), '--ignore-not-found', `--timeout=${TEARDOWN_WAIT_SECONDS}s`), false);
    }
    await kubectl(runner, kubectlCommand(applySet.namespace, 'delete', 'secret', applySet.parent, '--ignore-not-found'), false);
    // the release history goes with the app, as helm uninstall's does
    await deleteHistory(runner, applySet);
  });
}
