/**
 * `deploy`, `diff`, `up` and `rollback`: the cdk8s app synthesized exactly as `npx
 * cdk8s synth` does (or, for a rollback, a revision of its history), applied with
 * kubectl's ApplySet so that a later deploy prunes what the app no longer has, then
 * rolled out to every pod and waited for, with the cause of anything that stops it,
 * and recorded in the app's release history (history.ts).
 */
import * as path from 'node:path';
import { acquireDeployLease, DeployLease, LeaseLostError, leaseNameOf } from './lease';
import { appNameOf } from './app-name';
import { checkSettingsUsed } from './settings-used';
import { diffMigrating, previewApply, takeOwnership } from './preview';
import { autoscalerOf, clampToBounds, countsToHandOver, countsWithin, foreignAutoscalers, handOverReplicas, holdSurge, releaseSurge, removeDroppedAutoscalers } from './autoscaler';
import { AppApplySet, AppRef, ApplySet, appApplySet, NotDeployedError, checkOneNamespace, getMembers, getParent, groupKindOf, qualifiedRefOf, recordGroupKinds } from '../kube/applyset';
import {
  currentPods,
  deploymentStep,
  diagnosePaused,
  diagnose,
  diagnoseLoadBalancer,
  Diagnosis,
  externalAddress,
  httpsNotes,
  ingressUrls,
  isExternallyBalanced,
  isOwnedBy,
  isReady,
  KubeObject,
  portSuffix,
  replicationControllerStep,
  RolloutStep,
  serviceUrl,
} from '../kube/cluster-state';
import { FIELD_MANAGER, getEvents, getObjects, kubectl, kubectlCommand, kubectlResult, requireCurrentContext, selectorOf, watchChanges } from '../kube/kubectl';
import { APPLYSET_PART_OF_LABEL, forCluster, readManifests, refOf, toYamlStream } from '../kube/manifests';
import { currentOf, listRevisions, markRevision, objectsOf, pruneHistory, recordRevision, rollbackTarget } from './history';
import { Clock } from '../exec/clock';
import { checkPushable, imageBuild, imagePush } from '../gcp/image';
import { AppSettings, Platform } from '../../lib/settings';
import { DEFAULT_OUTDIR, outputDirOf, synthCommand } from '../synth/synth-command';
import { InterruptedError, signalExitCode, watchTermination } from '../../lib/signals';
import { Runner, ToolCommand } from '../exec/tools';
import { CliError } from '../exec/errors';

/** How deploy, up and rollback apply, wait and record. */
export interface RolloutOptions {
  /** The project root, where `hello-node synth` runs cdk8s-cli. */
  readonly projectRoot: string;
  /** The CLI's environment, which cdk8s-cli and the app also read (`CDK8S_OUTPUT`, for one). */
  readonly env: NodeJS.ProcessEnv;
  /** Wait for the rollout and the load balancer (default); otherwise apply and return. */
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  /** Seconds between two looks at the cluster. */
  readonly intervalSeconds: number;
  /** How many revisions the history keeps (0: all). */
  readonly historyMax: number;
  readonly clock: Clock;
}

export interface DeployOptions extends RolloutOptions {
  /** The settings the cdk8s app reads, as environment variables for it, which win over `env`. */
  readonly settingEnv: Readonly<Record<string, string>>;
  /** Replace every pod, even when its template has not changed (a re-pushed tag). */
  readonly restart: boolean;
  /** What the history says wrote a revision: `deploy`, `up`, `promoted from staging revision 4`. */
  readonly description: string;
  /** What finishes an interrupted one, as its messages name it: `promote --from staging`. @default the description */
  readonly command?: string;
}

/** A rollout that could not finish: its causes were printed; the CLI exits 1. */
export class RolloutFailedError extends CliError {
  /** @param summary its first cause in a few words, for the release history */
  constructor(message: string, readonly summary: string) {
    super(message);
  }
}

/** Runs the project's cdk8s app as `hello-node synth` does, and returns the objects it wrote. */
async function synth(runner: Runner, options: DeployOptions): Promise<{ objects: KubeObject[]; outdir: string }> {
  // never --stdout (not even from CDK8S_STDOUT): the objects are read from the output directory
  const flags = { stdout: false };
  const outdir = outputDirOf(options.projectRoot, flags, options.env) ?? DEFAULT_OUTDIR;
  runner.announce({ tool: 'npx', args: ['hello-node', 'synth'], env: options.settingEnv });
  if (runner.dryRun) {
    return { objects: [], outdir };
  }
  const written = await synthCommand({
    projectRoot: options.projectRoot,
    flags,
    env: { ...options.env, ...options.settingEnv },
    verbose: runner.verbose,
    progress: (line) => runner.say(line),
    warn: (line) => runner.say(line),
    write: () => undefined,
  });
  return { objects: readManifests(written ?? path.resolve(options.projectRoot, outdir)), outdir };
}

interface Applied {
  readonly objects: readonly KubeObject[];
  /** The manifests of the first apply: with the ApplySet label and template hashes. */
  readonly yaml: string;
  /** The same for kubectl's ApplySet apply, which adds the label itself and refuses input that has it. */
  readonly yamlForApplySet: string;
  readonly applySet: ApplySet;
  /** The ApplySet's record as it was before this command; undefined before the first deploy. */
  readonly parent?: KubeObject;
  /** Where the manifests come from, for the printed commands: `dist/`, or `revision 2`. */
  readonly origin: string;
  /** What the history says wrote the revision. */
  readonly description: string;
  /** The revision a rollback applies again: the history's limit never deletes it. */
  readonly source?: number;
  /** The autoscalers outside the app that size its workloads (autoscaler.ts, foreignAutoscalers). */
  readonly foreignAutoscalers?: readonly KubeObject[];
}

/** `applied`, with each workload that an autoscaler outside the app sizes kept at its live count, within that autoscaler's bounds. */
async function underForeignAutoscalers(applied: Applied, located: AppApplySet, runner: Runner): Promise<Applied> {
  const foreign = await foreignAutoscalers(runner, located.applySet.namespace, applied.objects, located.applySet.id);
  if (foreign.length === 0) {
    return applied;
  }
  const objects = await countsWithin(runner, located.applySet.namespace, applied.objects, foreign);
  return { ...applied, ...toApply(objects, located, applied.parent, applied.origin, applied.description), foreignAutoscalers: foreign };
}

/** `objects`, to be applied to the ApplySet `applySet`. */
function toApply(objects: readonly KubeObject[], { applySet, namespaceSource }: AppApplySet, parent: KubeObject | undefined, origin: string, description: string): Applied {
  checkOneNamespace(objects, applySet, namespaceSource);
  return {
    objects,
    yaml: toYamlStream(forCluster(objects, applySet.id)),
    yamlForApplySet: toYamlStream(forCluster(objects)),
    applySet,
    parent,
    origin,
    description,
  };
}

/** Synthesizes the app into the ApplySet `located`, after reading its record (with no cluster to talk to, there is no point in synthesizing). */
async function prepare(located: AppApplySet, runner: Runner, options: DeployOptions): Promise<Applied> {
  const parent = runner.dryRun ? undefined : await getParent(runner, located.applySet);
  const { objects, outdir } = await synth(runner, options);
  if (!runner.dryRun) {
    // the name was read before the Lease (app-name.ts): an app renamed since is not this one
    const name = appNameOf(objects, `${outdir}/`);
    if (name !== located.applySet.app) {
      throw new NotDeployedError(`the app's HelloNodeApp is named ${name} now, not ${located.applySet.app} as when this command began (the app was renamed, or ${outdir}/ was older): nothing was applied; run it again`);
    }
    checkSettingsUsed(objects, options.settingEnv);
  }
  return underForeignAutoscalers(toApply(objects, located, parent, `${outdir}/`, options.description), located, runner);
}

const inputNote = (applied: Applied, labelled: boolean) =>
  `< (the manifests of ${applied.origin}${labelled ? `, labelled ${APPLYSET_PART_OF_LABEL}=${applied.applySet.id}` : ''})`;

function applyCommand(applied: Applied, prune: boolean): ToolCommand {
  const args = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts'];
  // kubectl takes the ApplySet's namespace from --namespace only, never from the kubeconfig
  const base = kubectlCommand(applied.applySet.namespace, ...args, ...(prune ? [`--applyset=${applied.applySet.parent}`, '--prune'] : []), '-f', '-');
  return {
    ...base,
    // ApplySet pruning is still alpha in kubectl: it is switched on per command
    env: prune ? { KUBECTL_APPLYSET: 'true' } : undefined,
    input: prune ? applied.yamlForApplySet : applied.yaml,
    inputNote: inputNote(applied, !prune),
  };
}

/**
 * How long the deploy Lease lasts unrenewed: a few looks at the cluster (never longer
 * than the rollout may wait), and never under 30 s.
 */
const leaseSeconds = (options: DeployOptions) => Math.max(30, 3 * Math.min(options.intervalSeconds, options.timeoutSeconds));

/** How far a deploy got: what an interruption leaves behind. */
type Phase = 'preparing' | 'rolling out' | 'pruning';

/** What a deploy has done so far, for whatever stops it. */
interface Progress {
  phase: Phase;
  applied?: Applied;
  /** The workloads being rolled out, once the rollout began. */
  tracked?: readonly Tracked[];
  /** The revision this deploy recorded, once it did. */
  revision?: number;
}

/**
 * Synthesizes, applies, rolls out and waits. With `wait`, the objects are applied
 * first and pruned only after the rollout succeeded: a failed rollout leaves every
 * object of the last deploy, and every old pod that is still Ready, in place. One
 * deploy of the app at a time (deploy-lease.ts), from the first apply to the last.
 */
export async function deploy(app: AppRef, runner: Runner, options: DeployOptions): Promise<void> {
  await requireCurrentContext(runner);
  const located = await appApplySet(app, runner);
  // the synth comes after the Lease, as it rewrites dist/: a refused deploy changes nothing
  await release(located, runner, options, options.command ?? options.description, () => prepare(located, runner, options));
}

export interface RollbackOptions extends RolloutOptions {
  /** The revision to go back to; by default the previous successful one (history.ts). */
  readonly toRevision?: number;
}

/**
 * Applies a revision of the app's history again, exactly as `deploy` applies the app:
 * every pod rolled out with the same guarantees, what the revision did not have pruned,
 * waited for, and recorded as a new revision.
 *
 * @param namespace HELLO_NODE_NAMESPACE, when set
 */
export async function rollback(app: AppRef, runner: Runner, options: RollbackOptions): Promise<void> {
  await requireCurrentContext(runner);
  const located = await appApplySet(app, runner);
  await release(located, runner, { ...options, settingEnv: {}, restart: false, description: '' }, 'rollback', () => revisionToApply(located, runner, options.toRevision, 'rollback'));
}

/** The revision a rollback applies, read under the Lease: no deploy adds one meanwhile. */
async function revisionToApply(located: AppApplySet, runner: Runner, toRevision: number | undefined, purpose: 'rollback' | 'diff'): Promise<Applied> {
  const { applySet } = located;
  const parent = await getParent(runner, applySet);
  const revisions = await listRevisions(runner, applySet);
  if (runner.dryRun) {
    const which = toRevision === undefined ? 'the previous successful revision' : `revision ${toRevision}`;
    runner.say(`# then: the objects of ${which}, from its Secret, ${purpose === 'rollback' ? 'applied as deploy applies the app\'s' : 'compared with the cluster'}`);
    return toApply([], located, undefined, which, `rollback to ${toRevision ?? '<previous>'}`);
  }
  const target = rollbackTarget(revisions, applySet, toRevision);
  const newest = revisions.at(-1);
  const current = currentOf(revisions);
  runner.say(`${purpose === 'rollback' ? 'rolling back to' : 'comparing with'} revision ${target.number} (${target.images.join(', ') || 'no images'}, ${target.description} at ${target.time})${newest ? `; the newest is revision ${newest.number} (${newest === current ? 'current' : newest.status})` : ''}`);
  if (toRevision === undefined && newest !== undefined && newest !== current && newest.rollbackOf === target.number) {
    runner.say(`# revision ${newest.number}, a rollback to ${target.number}, did not finish (${newest.status}): this ${purpose === 'rollback' ? 'rollback goes on with it' : 'compares with its target'}`);
  }
  if (purpose === 'rollback' && target === current && target === newest) {
    runner.say(`# revision ${target.number} is the current one: its objects are applied again as they are`);
  }
  return underForeignAutoscalers({ ...toApply(objectsOf(target), located, parent, `revision ${target.number}`, `rollback to ${target.number}`), source: target.number }, located, runner);
}

/**
 * Applies, rolls out, waits, prunes and records what `load` gives, under the deploy Lease.
 *
 * @param command what holds the Lease, for another command that finds it held: `deploy`, `up`, `rollback`
 */
async function release(located: AppApplySet, runner: Runner, options: DeployOptions, command: string, load: () => Promise<Applied>): Promise<void> {
  const lease = await acquireDeployLease(runner, located.applySet, command, leaseSeconds(options), options.clock.now);
  const signals = watchSignals(runner, located.applySet);
  const progress: Progress = { phase: 'preparing' };
  try {
    progress.applied = await load();
    await applyAndRollOut(progress.applied, runner, options, lease, signals, progress, command);
  } catch (err) {
    // Whatever stopped the rollout (a signal, kubectl, the API server), a surge is not
    // left behind; unless another command holds the app now: then its rollout is its own.
    const backFromSurge = err instanceof LeaseLostError
      || await scaleBackSurges(located.applySet, progress.tracked ?? [], runner).then(() => true, () => false);
    // Ctrl-C reaches kubectl too, which then fails: the signal, not its failure, is why the deploy stops
    const stopped = signals.received && !(err instanceof LeaseLostError) ? new DeployInterruptedError(signals.received, progress.phase, backFromSurge, command) : err;
    if (!backFromSurge && !(stopped instanceof DeployInterruptedError)) {
      runner.say(`hello-node: the cluster could not be asked to undo the rollout's surge: a ReplicationController may be left one pod above its count, and its autoscaler's bounds raised (\`hello-node status\` shows them); the next ${command} puts them right`);
    }
    if (progress.revision !== undefined && !(err instanceof LeaseLostError)) {
      // never a rollback target; a failure to say so (the cluster went away) leaves it pending, which is not one either
      const why = stopped instanceof RolloutFailedError ? stopped.summary : (stopped instanceof Error ? stopped.message : String(stopped)).split('\n')[0];
      await markRevision(runner, located.applySet, progress.revision, 'failed', why).catch(() => undefined);
    }
    throw stopped;
  } finally {
    signals.stop();
    // a failure to release (the cluster went away) must not hide why the deploy stopped; the Lease then expires
    await lease.release().catch(() => undefined);
  }
}

/** A deploy stopped by SIGINT or SIGTERM, at its next step, where it is safe. */
export class DeployInterruptedError extends InterruptedError {
  /** @param command the command interrupted, which is what finishes it: `deploy`, `up`, `rollback` */
  constructor(signal: NodeJS.Signals, phase: Phase, backFromSurge: boolean, command: string) {
    super(signal, `interrupted by ${signal} ${phase === 'preparing' ? 'before anything was applied'
      : phase === 'pruning' ? `while pruning: some of what the app no longer has may be deleted already; ${command} again to finish`
        : `during the rollout: ${backFromSurge ? 'no ReplicationController is left at a surge' : 'a ReplicationController may still be at its surge'}, the pods that were ready still serve, and nothing was pruned; ${command} again to finish`}`);
    this.name = 'DeployInterruptedError';
  }
}

interface Signals {
  /** The first SIGINT or SIGTERM received, if any. */
  readonly received?: NodeJS.Signals;
  /** Aborted by the first signal: it cuts a wait between two looks at the cluster short. */
  readonly abort: AbortSignal;
  /** Throws once a signal came (the deploy's catch reports a DeployInterruptedError): called before each step that changes the cluster. */
  stopIfReceived(phase: Phase): void;
  stop(): void;
}

/**
 * Notes SIGINT and SIGTERM while a deploy runs, instead of dying at once with a
 * ReplicationController at its surge and the Lease held: the deploy says so, stops at
 * its next step and cleans up. A second signal ends the process at once.
 */
function watchSignals(runner: Runner, applySet: ApplySet): Signals {
  const watch = watchTermination((signal, first) => {
    if (!first) {
      runner.say(`hello-node: stopped at once by a second ${signal}: a ReplicationController may be left at its surge, and lease/${leaseNameOf(applySet)} expires unrenewed; deploy again to finish`);
      process.exit(signalExitCode(signal));
    }
    runner.say(`hello-node: ${signal}: stopping at the next step, where it is safe (again to stop at once)`);
  });
  return {
    get received() {
      return watch.received;
    },
    abort: watch.abort,
    stopIfReceived(phase) {
      if (watch.received) {
        // the caller's catch makes the error it reports, with the command's name and the surge's state
        throw new Error(`stopped by ${watch.received} (${phase})`);
      }
    },
    stop: watch.stop,
  };
}

async function applyAndRollOut(applied: Applied, runner: Runner, options: DeployOptions, lease: DeployLease, signals: Signals, progress: Progress, command: string): Promise<void> {
  signals.stopIfReceived('preparing');
  // first who owns which field (preview.ts: no object changes), so that the check and
  // the apply see what the apply will do; then the API server's own check of every
  // object, changing nothing: a kind it does not serve (a domain's GKE kinds off GKE) or
  // an object it refuses stops the deploy here, before the record or any object is
  // written (kubectl would apply the others)
  await takeOwnership(runner, applied.applySet.namespace, applied.objects);
  await previewApply(runner, applied.applySet.namespace, applyCommand(applied, false));
  signals.stopIfReceived('preparing');
  progress.revision = await recordRevision(runner, applied.applySet, applied.objects, { description: applied.description, rollbackOf: applied.source }, options.clock.now(), (number) => {
    // set before the Secret is created: an interruption meanwhile still marks it failed
    progress.revision = number;
  });
  await pruneHistory(runner, applied.applySet, options.historyMax, [progress.revision, applied.source]);
  // the replica counts an autoscaler now owns stay as they are through this deploy's applies
  await handOverReplicas(runner, applied.applySet.namespace, applied.objects);
  if (!runner.dryRun) {
    await removeDroppedAutoscalers(runner, applied.applySet.namespace, applied.objects, await getMembers(runner, applied.applySet, applied.parent));
  }
  signals.stopIfReceived('preparing');
  if (options.wait) {
    // the record first, so that whatever this deploy applies stays findable even if the rollout fails
    await recordGroupKinds(runner, applied.applySet, applied.parent, applied.objects.map(groupKindOf));
    signals.stopIfReceived('preparing');
    progress.phase = 'rolling out';
    await kubectl(runner, applyCommand(applied, false), false);
    if (options.restart) {
      for (const deployment of applied.objects.filter((o) => o.kind === 'Deployment')) {
        await kubectl(runner, kubectlCommand(applied.applySet.namespace, 'rollout', 'restart', refOf(deployment)), false);
      }
    }
    if (runner.dryRun) {
      runner.say('# then: every pod rolled out to the current template, waited for, with the cause of any failure');
      for (const ingress of applied.objects.filter((o) => o.kind === 'Ingress')) {
        runner.say(`# then: waiting for ${refOf(ingress)}'s address; ${ingressUrls(ingress).join(' ')} printed last, with where to point its DNS and its certificate's state`);
      }
    } else {
      await rollOut(applied, runner, options, lease, signals, progress, command);
    }
  }
  // still the holder, whatever the time since the last renewal: a prune deletes
  await lease.renew('now');
  signals.stopIfReceived(progress.phase);
  progress.phase = 'pruning';
  await kubectl(runner, applyCommand(applied, true), false);
  await markRevision(runner, applied.applySet, progress.revision, options.wait ? 'deployed' : 'applied');
  progress.revision = undefined;
  if (signals.received) {
    runner.say(`hello-node: ${signals.received} came during the last step, which finished: the ${applied.description || 'deploy'} is done`);
  }
  await pruneHistory(runner, applied.applySet, options.historyMax);
  if (options.wait && !runner.dryRun) {
    await printUrls(applied, runner);
  }
}

/**
 * Prints the URL of each Ingress host (https://) and LoadBalancer Service the app has,
 * last on stdout, an Ingress's DNS step and certificate state on stderr; with neither,
 * each Service's in-cluster URL.
 */
async function printUrls(applied: Applied, runner: Runner): Promise<void> {
  const { namespace } = applied.applySet;
  const ingresses = applied.objects.filter((o) => o.kind === 'Ingress');
  const certificates = await Promise.all(applied.objects.filter((o) => o.kind === 'ManagedCertificate').map(async (c) => (await getObjects(runner, namespace, qualifiedRefOf(c)))[0]));
  for (const manifest of ingresses) {
    const [live] = await getObjects(runner, namespace, qualifiedRefOf(manifest));
    httpsNotes(live ?? manifest, certificates.filter((c): c is KubeObject => c !== undefined)).forEach((note) => runner.say(note));
    ingressUrls(manifest).forEach((url) => runner.result(url));
  }
  const services = applied.objects.filter((o) => o.kind === 'Service');
  const balancers = services.filter((s) => s.spec?.type === 'LoadBalancer');
  // behind an Ingress, a private Service's in-cluster URL is no URL of the app's
  for (const manifest of balancers.length > 0 || ingresses.length > 0 ? balancers : services) {
    const [live] = await getObjects(runner, applied.applySet.namespace, refOf(manifest));
    runner.result((live && serviceUrl(live)) ?? `http://${manifest.metadata.name}.${applied.applySet.namespace}.svc.cluster.local${portSuffix(manifest)}/`);
  }
}

/** A workload that the rollout follows. */
interface Tracked {
  readonly manifest: KubeObject;
  /** The pods it ends with: the manifest's count, or with an autoscaler the live count within its bounds. */
  readonly replicas: number;
  /** The HorizontalPodAutoscaler (its manifest) that sizes it, if one does. */
  readonly autoscaler?: KubeObject;
  /** For a ReplicationController, when the rollout began: with --restart, older pods are outdated. */
  readonly restartedAt?: string;
}

/**
 * The count an autoscaled workload rolls out with: the live one (the autoscaler's
 * choice), brought within its bounds now, as the autoscaler would at its next look (a
 * new workload starts at 1).
 */
async function autoscaledCount(runner: Runner, namespace: string, manifest: KubeObject, autoscaler: KubeObject): Promise<number> {
  const [live] = await getObjects(runner, namespace, refOf(manifest));
  const count = live?.spec?.replicas ?? 1;
  const wanted = clampToBounds(count, autoscaler);
  if (wanted !== count) {
    runner.say(`${refOf(manifest)}: scaling to ${wanted}, within ${refOf(autoscaler)}'s bounds`);
    await kubectl(runner, kubectlCommand(namespace, 'scale', `--replicas=${wanted}`, refOf(manifest)));
  }
  return wanted;
}

async function rollOut(applied: Applied, runner: Runner, options: DeployOptions, lease: DeployLease, signals: Signals, progress: Progress, command: string): Promise<void> {
  const { clock } = options;
  const started = clock.now();
  const startedAt = new Date(started).toISOString();
  const workloads: Tracked[] = [];
  for (const manifest of applied.objects.filter((o) => o.kind === 'ReplicationController' || o.kind === 'Deployment')) {
    const autoscaler = autoscalerOf(manifest, [...applied.objects, ...applied.foreignAutoscalers ?? []]);
    const replicas = autoscaler ? await autoscaledCount(runner, applied.applySet.namespace, manifest, autoscaler) : manifest.spec?.replicas ?? 1;
    workloads.push({ manifest, replicas, autoscaler, restartedAt: options.restart ? startedAt : undefined });
  }
  progress.tracked = workloads;
  const balancers = applied.objects.filter(isExternallyBalanced);
  const deadline = started + options.timeoutSeconds * 1000;
  let lastProgress = '';
  /** Whether the look after the deadline's last action was taken: a failure describes the state that action left. */
  let lookedAfterActing = false;
  // each look comes when something it reads changes (a watch), or after the interval
  const changes = watchChanges(runner, applied.applySet.namespace, [
    ...workloads.flatMap(({ manifest }) => [[refOf(manifest)], ['pods', '--selector', selectorOf(manifest)]]),
    ...balancers.map((balancer) => [qualifiedRefOf(balancer)]),
  ]);
  try {
    for (;;) {
      signals.stopIfReceived('rolling out');
      changes.look();
      await lease.renew();
      const waitingFor: string[] = [];
      const stuck: Diagnosis[] = [];
      let acted = false;
      for (const { manifest, replicas, autoscaler, restartedAt } of workloads) {
        const { namespace } = applied.applySet;
        const [live] = await getObjects(runner, namespace, refOf(manifest));
        const pods = (await getObjects(runner, namespace, 'pods', '--selector', selectorOf(manifest)))
          .filter((p) => live === undefined || p.metadata.ownerReferences === undefined || manifest.kind === 'Deployment' || isOwnedBy(p, live));
        const step: RolloutStep = !live ? { action: 'wait', progress: 'waiting for it to be created' }
          : manifest.kind === 'Deployment' ? deploymentStep(live)
            : replicationControllerStep({ rc: live, replicas, pods, restartedAt });
        if (step.action === 'done') {
          continue;
        }
        const paused = live && diagnosePaused(live);
        if (paused) {
          stuck.push(paused);
        }
        acted ||= step.action !== 'wait';
        if (step.action === 'scale') {
          if (autoscaler) {
            // the surge is in the ReplicationController's own count, which the autoscaler sets too
            await (step.replicas > replicas ? holdSurge(runner, namespace, autoscaler, step.replicas) : releaseSurge(runner, namespace, autoscaler));
            signals.stopIfReceived('rolling out');
          }
          runner.say(`${refOf(manifest)}: scaling to ${step.replicas} (${step.why})`);
          await kubectl(runner, kubectlCommand(namespace, 'scale', `--replicas=${step.replicas}`, refOf(manifest)));
        } else if (step.action === 'delete') {
          runner.say(`${refOf(manifest)}: replacing pod ${step.pod} (${step.why})`);
          // gone already (its node went away, or someone deleted it): the next look sees that
          await kubectl(runner, kubectlCommand(namespace, 'delete', 'pod', step.pod, '--wait=false', '--ignore-not-found'));
        }
        waitingFor.push(`${refOf(manifest)}: ${step.action === 'wait' ? step.progress : 'rolling out'}`);
        if (!live) {
          continue;
        }
        const replicaSets = manifest.kind === 'Deployment' ? await getObjects(runner, namespace, 'replicasets', '--selector', selectorOf(manifest)) : [];
        const troubled = currentPods(live, pods, replicaSets, restartedAt).filter((p) => !isReady(p) && !(step.action === 'delete' && p.metadata.name === step.pod));
        stuck.push(...diagnose(troubled, await getEvents(runner, namespace), [live, ...replicaSets]));
      }
      // the addresses are waited for once every pod is updated and ready
      const podsReady = waitingFor.length === 0;
      if (podsReady) {
        for (const service of balancers) {
          const [live] = await getObjects(runner, applied.applySet.namespace, refOf(service));
          if (!live || !externalAddress(live)) {
            waitingFor.push(`${refOf(service)}: waiting for the ${service.kind === 'Ingress' ? 'HTTP(S) ' : ''}load balancer's external address`);
            if (clock.now() >= deadline) {
              stuck.push(diagnoseLoadBalancer(live ?? service, await getEvents(runner, applied.applySet.namespace)));
            }
          }
        }
      }
      if (waitingFor.length === 0) {
        runner.say('rollout complete: every pod is updated and ready');
        return;
      }
      const permanent = stuck.filter((d) => d.permanent);
      const overdue = clock.now() >= deadline && (!acted || lookedAfterActing);
      lookedAfterActing = acted && clock.now() >= deadline;
      if (permanent.length > 0 || overdue) {
        await fail(applied.applySet, workloads, permanent.length > 0 ? permanent : stuck, runner, permanent.length > 0 ? 'it cannot finish' : `it did not finish within ${options.timeoutSeconds} s`, waitingFor, podsReady, command);
      }
      const progress = waitingFor.join('; ');
      if (progress !== lastProgress) {
        runner.say(`${progress} (${Math.round((clock.now() - started) / 1000)} s of ${options.timeoutSeconds} s)`);
        lastProgress = progress;
      }
      // never past the deadline: the last look comes when the timeout is up; sooner when a pod, a workload or an address changes
      await clock.sleep(Math.min(options.intervalSeconds * 1000, Math.max(deadline - clock.now(), 0)), changes.until(signals.abort));
    }
  } finally {
    changes.stop();
  }
}

async function fail(applySet: ApplySet, workloads: readonly Tracked[], causes: readonly Diagnosis[], runner: Runner, why: string, waitingFor: readonly string[], podsReady: boolean, command: string): Promise<never> {
  runner.say(`${command} failed: ${why}`);
  for (const line of waitingFor) {
    runner.say(`  ${line}`);
  }
  for (const diagnosis of causes) {
    runner.say(`  ${diagnosis.subject}: ${diagnosis.cause}`);
    if (diagnosis.logsOf) {
      const { pod, container } = diagnosis.logsOf;
      const logs = await kubectl(runner, kubectlCommand(applySet.namespace, 'logs', pod, '--container', container, '--previous', '--tail', '10')).catch(() => '');
      const lines = logs.split('\n').filter(Boolean);
      for (const line of lines) {
        runner.say(`    | ${line}`);
      }
      if (lines.length === 0) {
        // no log lines to read, or no permission to read them (pods/log)
        runner.say(`    | (no log lines came back: kubectl logs ${pod} --container ${container} --previous --namespace ${applySet.namespace})`);
      }
    }
    // the diagnoses name the usual command; a rollback is finished by another rollback
    runner.say(`    next: ${diagnosis.nextStep.replace(/, then deploy again$/, `, then ${command} again`)}`);
  }
  await scaleBackSurges(applySet, workloads, runner);
  throw new RolloutFailedError(podsReady
    ? `the rollout did not finish (${why}): every pod is updated and ready, but an external address is still missing; nothing was pruned`
    : `the rollout did not finish (${why}); the old pods that were ready still serve, and nothing was pruned`,
  causes[0] ? `${causes[0].subject}: ${causes[0].cause}` : `${why.replace(/^it /, '')}: ${waitingFor.join('; ')}`);
}

/**
 * Back from a ReplicationController's surge, after a rollout that stopped: the
 * controller removes the pods that are not Ready first, so the old Ready pods stay;
 * nothing else is deleted, and nothing pruned. Its autoscaler gets its bounds back
 * first, or it would raise the count again.
 */
async function scaleBackSurges(applySet: ApplySet, workloads: readonly Tracked[], runner: Runner): Promise<void> {
  for (const { manifest, replicas, autoscaler } of workloads.filter((w) => w.manifest.kind === 'ReplicationController')) {
    if (autoscaler) {
      await releaseSurge(runner, applySet.namespace, autoscaler);
    }
    const [live] = await getObjects(runner, applySet.namespace, refOf(manifest));
    if (live && (live.spec?.replicas ?? replicas) > replicas) {
      await kubectl(runner, kubectlCommand(applySet.namespace, 'scale', `--replicas=${replicas}`, refOf(manifest)));
    }
  }
}

/**
 * What `deploy` (or `rollback --to-revision`) would change, against the live cluster
 * (server-side), and which objects it would prune. Resolves to kubectl diff's exit
 * code convention: 0 when nothing would change, 1 when something would.
 *
 * @param namespace HELLO_NODE_NAMESPACE, when set
 * @param toRevision the revision of the history to compare, instead of the app synthesized
 */
export async function diff(app: AppRef, runner: Runner, options: DeployOptions, toRevision?: number): Promise<number> {
  await requireCurrentContext(runner);
  const located = await appApplySet(app, runner);
  const prepared = toRevision === undefined ? await prepare(located, runner, options) : await revisionToApply(located, runner, toRevision, 'diff');
  // a deploy hands an autoscaler the count the last deploy set (autoscaler.ts): compared as it will be, unchanged
  const handOvers = await countsToHandOver(runner, located.applySet.namespace, prepared.objects);
  const applied = handOvers.length === 0 ? prepared : toApply(prepared.objects.map((o) => {
    const handOver = handOvers.find((h) => h.workload === o);
    return handOver ? { ...o, spec: { ...o.spec, replicas: handOver.replicas } } : o;
  }), located, prepared.parent, prepared.origin, prepared.description);
  // kubectl diff shows the objects a client-side apply wrote as the apply would leave them
  // without migrating their fields (kubernetes/kubernetes#125607): those are compared here
  const migrating = await previewApply(runner, applied.applySet.namespace, applyCommand(applied, false));
  const isMigrating = (o: KubeObject) => migrating.some(({ after }) => qualifiedRefOf(after) === qualifiedRefOf(o));
  const rest = migrating.length === 0 ? applied : toApply(applied.objects.filter((o) => !isMigrating(o)), located, applied.parent, applied.origin, applied.description);
  let changed = false;
  // (under --dry-run, a revision's objects are not read: kubectl diff is printed all the same)
  if (migrating.length === 0 || rest.objects.length > 0) {
    const command = kubectlCommand(applied.applySet.namespace, 'diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-f', '-');
    // kubectl diff exits 1 for "there are differences", and above 1 when it failed
    const result = await kubectlResult(runner, { ...command, input: rest.yaml, inputNote: inputNote(rest, true), okExitCodes: [1] }, false);
    changed = result.exitCode === 1;
  }
  if (migrating.length > 0) {
    runner.say(`# ${migrating.map(({ after }) => refOf(after)).join(', ')}: changed outside deploy (a client-side kubectl apply, or by hand): compared as the deploy will leave ${migrating.length === 1 ? 'it' : 'them'}, which kubectl diff cannot show`);
    changed = (await diffMigrating(runner, migrating, options.env)) === 1 || changed;
  }
  const pruned = runner.dryRun ? [] : await wouldPrune(applied, runner);
  for (const obj of pruned) {
    runner.result(`would prune ${refOf(obj)}`);
  }
  return changed || pruned.length > 0 ? 1 : 0;
}

/** The ApplySet's members that the app no longer has: what `deploy` would prune. */
async function wouldPrune(applied: Applied, runner: Runner): Promise<KubeObject[]> {
  const members = await getMembers(runner, applied.applySet, applied.parent);
  const key = (o: KubeObject) => `${groupKindOf(o)}/${o.metadata.name}`;
  const wanted = new Set(applied.objects.map(key));
  return members.filter((m) => !wanted.has(key(m)));
}

export interface UpOptions extends DeployOptions {
  /** Deploy the image by its tag rather than by the digest the registry returned. */
  readonly keepTag: boolean;
  /** The platform the image is built for: the nodes'. */
  readonly platform: Platform;
  /** The directory docker builds the image from, relative to the project root. */
  readonly buildDir: string;
}

/**
 * Builds and pushes the image, then deploys it and waits: by default by the digest the
 * registry returned, so the pods run exactly what was built even if the tag moves.
 */
export async function up(app: AppRef, settings: AppSettings, runner: Runner, options: UpOptions): Promise<void> {
  // before minutes of build and push
  checkPushable(settings);
  await requireCurrentContext(runner);
  await imageBuild(settings, options.platform, options.buildDir, runner);
  const digest = await imagePush(settings, runner);
  // by the digest: the pods run what was built even if the tag moves (by the tag when docker printed none)
  const pinned = runner.dryRun ? '<digest>' : digest;
  const image = options.keepTag || pinned === undefined ? settings.image : `${settings.image}@${pinned}`;
  const settingEnv = options.keepTag ? options.settingEnv : { ...options.settingEnv, HELLO_NODE_IMAGE: image };
  await deploy(app, runner, { ...options, settingEnv, wait: true });
}
