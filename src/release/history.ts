/**
 * The app's release history: every deploy, up and rollback that applied something is
 * a revision, kept in the cluster beside the app, as Helm keeps its releases: one
 * Secret per revision in the app's namespace (a Secret, because an app's objects may
 * hold Secrets of their own), readable by anyone who may read the namespace's Secrets,
 * with any kubectl:
 *
 *     kubectl get secrets --selector hello-node/revision --namespace <ns>
 *     kubectl get secret hello-node-revision-3 --output 'jsonpath={.data.manifests\.yaml\.gz}' | base64 -d | gunzip
 *
 * A revision holds the objects exactly as the synth wrote them (gzipped YAML), enough to
 * apply them again; its labels say its number and status, its annotations when, what
 * and which images. It is written `pending` before anything is applied, and marked
 * `deployed` once its rollout finished, `applied` after a deploy --no-wait, or `failed`:
 * a revision whose deploy did not finish (failed, interrupted, or a process that died:
 * then it stays pending) is never a rollback target.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { ValidationError } from '../../lib/internal';
import { AppRef, ApplySet, appApplySet, NotDeployedError } from '../kube/applyset';
import { KubeObject } from '../kube/cluster-state';
import { getObjects, kubectl, kubectlCommand } from '../kube/kubectl';
import { toYamlStream } from '../kube/manifests';
import { Runner, ToolFailedError } from '../exec/tools';

/** A revision's state. */
export type RevisionStatus = 'pending' | 'deployed' | 'applied' | 'failed';

/** The labels and annotations of a revision's Secret. */
const REVISION_LABEL = 'hello-node/revision';
const STATUS_LABEL = 'hello-node/status';
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
const ANNOTATIONS = {
  time: 'hello-node/time',
  description: 'hello-node/description',
  images: 'hello-node/images',
  failure: 'hello-node/failure',
  rollbackOf: 'hello-node/rollback-of',
} as const;
/** The Secret's type, which kubectl shows and selects by (`--field-selector type=hello-node/revision`). */
const SECRET_TYPE = 'hello-node/revision';
const DATA_KEY = 'manifests.yaml.gz';
/** The most a Secret's data may hold, in bytes (core/v1 MaxSecretSize). */
const MAX_SECRET_DATA = 1024 * 1024;


/** One revision, as `history` lists it. */
export interface Revision {
  readonly number: number;
  readonly status: RevisionStatus;
  /** When it was written (ISO 8601). */
  readonly time: string;
  /** What wrote it: `deploy`, `up`, `rollback to 2`. */
  readonly description: string;
  /** The images of its workloads. */
  readonly images: readonly string[];
  /** Why it failed, when it did. */
  readonly failure?: string;
  /** The revision it applied again, when a rollback wrote it. */
  readonly rollbackOf?: number;
  /** The Secret that holds it. */
  readonly secret: KubeObject & { data?: Record<string, string> };
}

/** The Secret of the app's revision `number` (`<N>` under --dry-run, where the number is not known): `<app>-revision-<n>`. */
const secretName = (applySet: ApplySet, number: number | '<N>') => `${applySet.app}-revision-${number}`;

/**
 * The revision number a Secret's name takes, if it is named as one of the app's (a
 * number past 2^53 is no revision of ours): another app's in the namespace is not.
 */
function numberInName(applySet: ApplySet, name: string): number | undefined {
  const prefix = `${applySet.app}-revision-`;
  const number = name.startsWith(prefix) && /^[1-9][0-9]*$/.test(name.slice(prefix.length)) ? Number(name.slice(prefix.length)) : NaN;
  return Number.isSafeInteger(number) ? number : undefined;
}

/** The images of the objects' containers, in order, once each. */
export function imagesOf(objects: readonly KubeObject[]): string[] {
  type WithPods = { spec?: { template?: { spec?: { containers?: readonly { image?: string }[] } } } };
  const images = objects.flatMap((o) => ((o as WithPods).spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''));
  return [...new Set(images.filter(Boolean))];
}

const STATUSES: readonly RevisionStatus[] = ['pending', 'deployed', 'applied', 'failed'];

function revisionOf(secret: Revision['secret']): Revision | undefined {
  const number = Number(secret.metadata.labels?.[REVISION_LABEL]);
  const status = secret.metadata.labels?.[STATUS_LABEL] as RevisionStatus;
  if (!Number.isSafeInteger(number) || number < 1 || !STATUSES.includes(status)) {
    return undefined;
  }
  const annotations = secret.metadata.annotations ?? {};
  return {
    number,
    status,
    time: annotations[ANNOTATIONS.time] ?? secret.metadata.creationTimestamp ?? '',
    description: annotations[ANNOTATIONS.description] ?? '',
    images: (annotations[ANNOTATIONS.images] ?? '').split(',').filter(Boolean),
    failure: annotations[ANNOTATIONS.failure],
    rollbackOf: annotations[ANNOTATIONS.rollbackOf] === undefined ? undefined : Number(annotations[ANNOTATIONS.rollbackOf]),
    secret,
  };
}

/** The Secrets of the history; under --dry-run, none. */
const revisionSecrets = (runner: Runner, applySet: ApplySet) =>
  getObjects(runner, applySet.namespace, 'secrets', '--selector', REVISION_LABEL, '--field-selector', `type=${SECRET_TYPE}`);

/** Every revision of the app, oldest first (a Secret whose labels were spoiled by hand is none); under --dry-run, none. */
export async function listRevisions(runner: Runner, applySet: ApplySet): Promise<Revision[]> {
  return (await revisionSecrets(runner, applySet))
    .filter((s) => numberInName(applySet, s.metadata.name) !== undefined)
    .flatMap((s) => revisionOf(s) ?? [])
    .sort((a, b) => a.number - b.number);
}

/** Whether a revision's objects were applied in full: a rollback target. */
const succeeded = (r: Revision) => r.status === 'deployed' || r.status === 'applied';

/** The revision the app runs: the newest that was applied in full. */
export const currentOf = (revisions: readonly Revision[]): Revision | undefined => [...revisions].reverse().find(succeeded);

/** A revision's status as `history` shows it: one that was applied in full and then replaced is `superseded`. */
const shownStatus = (revision: Revision, current: Revision | undefined): string =>
  (revision === current || !succeeded(revision) ? revision.status : 'superseded');

/** A revision's manifests, as text (two revisions that hold the same are the same release); undefined when they cannot be read. */
function manifestsOf(revision: Revision): string | undefined {
  const data = revision.secret.data?.[DATA_KEY];
  try {
    return data === undefined ? undefined : gunzipSync(Buffer.from(data, 'base64')).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The revision `rollback` goes back to by default: after a rollback to N that did not
 * finish (interrupted, or failed), N again, to finish it; after a deploy that did not
 * finish (the newest revision failed, or is pending), the current one, whose objects
 * that deploy changed; otherwise the newest successful revision before the current one
 * that holds other objects (after a rollback to 2, the one before 2, not 2 again).
 */
export function defaultRollbackTarget(revisions: readonly Revision[]): Revision | undefined {
  const newest = revisions.at(-1);
  const unfinishedRollbackOf = newest && !succeeded(newest) ? newest.rollbackOf : undefined;
  const resumed = revisions.find((r) => r.number === unfinishedRollbackOf && succeeded(r) && manifestsOf(r) !== undefined);
  if (resumed) {
    return resumed;
  }
  const current = currentOf(revisions);
  if (current && current !== revisions.at(-1)) {
    return current;
  }
  const currentManifests = current && manifestsOf(current);
  return [...revisions].reverse().find((r) => succeeded(r) && manifestsOf(r) !== undefined
    && (!current || (r.number < current.number && manifestsOf(r) !== currentManifests)));
}

/**
 * The revision to roll back to: `number`, which must have been applied in full, or by
 * default {@link defaultRollbackTarget}.
 *
 * @throws ValidationError for a revision that does not exist or never finished; NotDeployedError when there is nothing to go back to
 */
export function rollbackTarget(revisions: readonly Revision[], applySet: ApplySet, number?: number): Revision {
  const current = currentOf(revisions);
  const listed = revisions.map((r) => `${r.number} (${shownStatus(r, current)})`).join(', ') || 'none';
  if (number === undefined) {
    const target = defaultRollbackTarget(revisions);
    if (!target) {
      throw new NotDeployedError(`there is no earlier successful revision to roll back to in namespace ${applySet.namespace} (revisions: ${listed}); \`hello-node history\` lists them`);
    }
    return target;
  }
  const chosen = revisions.find((r) => r.number === number);
  if (!chosen) {
    throw new ValidationError('flag --to-revision', number, `must be a revision the history keeps: ${listed}`);
  }
  if (!succeeded(chosen)) {
    throw new ValidationError('flag --to-revision', number, `is a revision whose deploy did not finish (${chosen.status}${chosen.failure ? `: ${chosen.failure}` : ''}): roll back to one that was deployed`);
  }
  return chosen;
}

/** The objects a revision holds, as the synth wrote them. */
export function objectsOf(revision: Revision): KubeObject[] {
  const manifests = manifestsOf(revision);
  const documents = manifests === undefined ? [] : parseAllDocuments(manifests);
  const isObject = (value: unknown) => typeof value === 'object' && value !== null && typeof (value as KubeObject).kind === 'string' && typeof (value as KubeObject).metadata?.name === 'string';
  if (manifests === undefined || documents.some((doc) => doc.errors.length > 0 || (doc.contents !== null && !isObject(doc.toJS())))) {
    throw new NotDeployedError(`secret/${revision.secret.metadata.name} holds no readable ${DATA_KEY} (gzipped YAML, base64 in the Secret's data): revision ${revision.number} cannot be applied again; roll back to another one`);
  }
  return documents.map((doc) => doc.toJS() as KubeObject | null).filter((obj): obj is KubeObject => obj !== null);
}

/** One above every Secret named as a revision, read by name: a revision whose labels were changed by hand still holds its name. */
async function nextRevisionNumber(runner: Runner, applySet: ApplySet): Promise<number> {
  const names = await kubectl(runner, kubectlCommand(applySet.namespace, 'get', 'secrets', '--output', 'name'));
  return Math.max(0, ...names.split('\n').map((line) => numberInName(applySet, line.replace(/^secret\//, '')) ?? 0)) + 1;
}

/**
 * Writes a new revision, `pending`, holding `objects`: numbered one above every Secret
 * named as a revision, whatever its labels say (the deploy Lease makes this command
 * the only writer). `kubectl create` refuses a name that exists: two writers never
 * share a number, and a Secret made meanwhile under that name is refused, not changed.
 *
 * @param numbered told the number before the Secret is created (an interruption
 *   meanwhile marks it failed), and told `undefined` if the name was taken
 * @returns its number; under --dry-run, 0 (only the command is printed)
 * @throws NotDeployedError when the name was taken
 */
export async function recordRevision(runner: Runner, applySet: ApplySet, objects: readonly KubeObject[], { description, rollbackOf }: { description: string; rollbackOf?: number }, now: number, numbered: (number: number | undefined) => void = () => undefined): Promise<number> {
  const gzipped = gzipSync(toYamlStream(objects));
  if (gzipped.length > MAX_SECRET_DATA) {
    // the API server's own limit (ValidateSecret, pkg/apis/core/validation), before anything is applied
    throw new NotDeployedError(`the app's manifests take ${gzipped.length} bytes gzipped: over the ${MAX_SECRET_DATA} a Secret holds, so the release history cannot record them (as Helm's cannot); keep large data out of the app's objects (a ConfigMap of that size is better mounted from elsewhere)`);
  }
  const number = runner.dryRun ? 0 : await nextRevisionNumber(runner, applySet);
  // under --dry-run the number is not known
  const shown = runner.dryRun ? '<N>' : number;
  const name = secretName(applySet, shown);
  if (!runner.dryRun) {
    numbered(number);
  }
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: SECRET_TYPE,
    metadata: {
      name,
      namespace: applySet.namespace,
      labels: { [MANAGED_BY_LABEL]: 'hello-node', [REVISION_LABEL]: String(number), [STATUS_LABEL]: 'pending' },
      annotations: {
        [ANNOTATIONS.time]: new Date(now).toISOString(),
        [ANNOTATIONS.description]: description,
        [ANNOTATIONS.images]: imagesOf(objects).join(','),
        ...rollbackOf === undefined ? {} : { [ANNOTATIONS.rollbackOf]: String(rollbackOf) },
      },
    },
    data: { [DATA_KEY]: gzipped.toString('base64') },
  };
  try {
    await kubectl(runner, {
      ...kubectlCommand(applySet.namespace, 'create', '-f', '-'),
      input: JSON.stringify(secret),
      inputNote: `< (secret/${name}: revision ${shown} of the app's history, pending, with the objects it applies)`,
    });
  } catch (err) {
    if (err instanceof ToolFailedError && /\bAlreadyExists\b|already exists/.test(err.stderr)) {
      // someone else's Secret: never marked as this deploy's revision
      numbered(undefined);
      throw new NotDeployedError(`secret/${name} was created by someone else while this command numbered its revision ${number}: nothing was applied; run it again`);
    }
    throw err;
  }
  if (!runner.dryRun) {
    runner.say(`revision ${number}: pending (secret/${name})`);
  }
  return number;
}

/** Marks revision `number` with its outcome; a failed one with why. */
export async function markRevision(runner: Runner, applySet: ApplySet, number: number, status: Exclude<RevisionStatus, 'pending'>, failure?: string): Promise<void> {
  const patch = { metadata: { labels: { [STATUS_LABEL]: status }, annotations: failure === undefined ? undefined : { [ANNOTATIONS.failure]: failure } } };
  await kubectl(runner, kubectlCommand(applySet.namespace, 'patch', 'secret', secretName(applySet, runner.dryRun ? '<N>' : number),
    '--type=merge', '--patch', JSON.stringify(patch)));
  if (!runner.dryRun) {
    runner.say(`revision ${number}: ${status}${failure === undefined ? '' : ` (${failure})`}`);
  }
}

/**
 * Deletes the oldest revisions beyond `max` (0: keep them all), never the current one
 * nor those of `keep` (the one a deploy is writing, the one a rollback applies): a
 * deploy that fails leaves the revision to roll back to, even with `max` 1. Run when a
 * revision is written, and again once it became the current one.
 */
export async function pruneHistory(runner: Runner, applySet: ApplySet, max: number, keep: readonly (number | undefined)[] = []): Promise<void> {
  if (runner.dryRun) {
    // said once, for the end of the deploy
    if (keep.length === 0) {
      runner.say(`# then: the oldest revisions beyond ${max || 'no limit'} deleted (--history-max), never the current one`);
    }
    return;
  }
  const revisions = await listRevisions(runner, applySet);
  const current = currentOf(revisions);
  const excess = max === 0 ? [] : revisions.filter((r) => r !== current && !keep.includes(r.number)).slice(0, Math.max(0, revisions.length - max));
  if (excess.length > 0) {
    await kubectl(runner, kubectlCommand(applySet.namespace, 'delete', 'secret', ...excess.map((r) => r.secret.metadata.name), '--ignore-not-found'));
    runner.say(`history: revision${excess.length > 1 ? 's' : ''} ${excess.map((r) => r.number).join(', ')} deleted, beyond --history-max ${max}`);
  }
}

/** Deletes every revision of the app: what teardown leaves behind last. */
export async function deleteHistory(runner: Runner, applySet: ApplySet): Promise<void> {
  if (runner.dryRun) {
    runner.say(`# then: kubectl delete secret ${secretName(applySet, '<N>')} ... --namespace ${applySet.namespace}, every revision of the app's history (another app's in the namespace are not its)`);
    return;
  }
  // by name: another app in the namespace keeps its own history
  const names = (await getObjects(runner, applySet.namespace, 'secrets', '--field-selector', `type=${SECRET_TYPE}`))
    .map((secret) => secret.metadata.name).filter((name) => numberInName(applySet, name) !== undefined);
  if (names.length > 0) {
    await kubectl(runner, kubectlCommand(applySet.namespace, 'delete', 'secrets', ...names, '--ignore-not-found'), false);
  }
}

/**
 * The history as `history` prints it, newest last: number, time, status, images and
 * what wrote it; the current revision marked `*`, and a deployed revision that a newer
 * one replaced shown as superseded.
 */
export function historyRows(revisions: readonly Revision[]): string[] {
  const current = currentOf(revisions);
  const rows = [['REVISION', 'TIME', 'STATUS', 'IMAGES', 'DESCRIPTION'], ...revisions.map((r) => [
    `${r.number}${r === current ? ' *' : ''}`,
    r.time,
    shownStatus(r, current),
    r.images.join(',') || '-',
    `${r.description}${r.failure ? `: ${r.failure}` : ''}`,
  ])];
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

/** Prints the app's release history (`hello-node history`). */
export async function history(app: AppRef, runner: Runner): Promise<void> {
  const { applySet } = await appApplySet(app, runner);
  const revisions = await listRevisions(runner, applySet);
  if (runner.dryRun) {
    return;
  }
  if (revisions.length === 0) {
    runner.result(`no release history in namespace ${applySet.namespace}: \`hello-node deploy\` records the first revision`);
    return;
  }
  historyRows(revisions).forEach((row) => runner.result(row));
}
