/**
 * A workload sized by a HorizontalPodAutoscaler: its replica count is the autoscaler's,
 * so a deploy must never set it (nor take it away), and a rollout works from the live
 * count within the autoscaler's bounds.
 */
import { AUTOSCALING_DEFAULTS } from '../../lib/internal';
import { KubeObject } from '../kube/cluster-state';
import { ManagedFieldsEntry, takenOver } from '../kube/client-side-apply';
import { FIELD_MANAGER, getObjects, kubectl, kubectlCommand } from '../kube/kubectl';
import { APPLYSET_PART_OF_LABEL, refOf } from '../kube/manifests';
import { Runner } from '../exec/tools';

/** The field manager that takes the replica count over from the CLI's, the first time a workload is autoscaled. */
const HANDOVER_MANAGER = 'hello-node-handover';
/** The field manager of the autoscaler's bounds while a ReplicationController's rollout surges. */
const ROLLOUT_MANAGER = 'hello-node-rollout';

/** The HorizontalPodAutoscaler among `objects` that sizes `workload`, if any. */
export function autoscalerOf(workload: KubeObject, objects: readonly KubeObject[]): KubeObject | undefined {
  return objects.find((o) => o.kind === 'HorizontalPodAutoscaler'
    && o.spec?.scaleTargetRef?.kind === workload.kind && o.spec.scaleTargetRef.name === workload.metadata.name);
}

/**
 * The HorizontalPodAutoscalers in `namespace` that are not among the app's `objects`
 * (made by hand, `kubectl autoscale`, or by another tool), each sizing one of the app's
 * workloads whose manifest gives a replica count, which such an autoscaler undoes. None
 * under --dry-run.
 */
export async function foreignAutoscalers(runner: Runner, namespace: string, objects: readonly KubeObject[], applySetId: string): Promise<KubeObject[]> {
  const counted = objects.filter((o) => o.spec?.replicas !== undefined);
  if (runner.dryRun || counted.length === 0) {
    return [];
  }
  const own = new Set(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name));
  // one an earlier deploy of the app applied is the app's, which the deploy deletes if the app dropped it
  const deployed = (hpa: KubeObject) => hpa.metadata.labels?.[APPLYSET_PART_OF_LABEL] === applySetId;
  return (await getObjects(runner, namespace, 'horizontalpodautoscalers'))
    .filter((hpa) => !own.has(hpa.metadata.name) && !deployed(hpa) && counted.some((workload) => autoscalerOf(workload, [hpa])));
}

/**
 * `objects` with the replica count of each workload that one of `autoscalers` sizes set
 * to its live count within that autoscaler's bounds, as the autoscaler keeps it: a deploy
 * never sets fewer (or more) pods than an autoscaler keeps, wherever the autoscaler came
 * from.
 */
export async function countsWithin(runner: Runner, namespace: string, objects: readonly KubeObject[], autoscalers: readonly KubeObject[]): Promise<KubeObject[]> {
  const result: KubeObject[] = [];
  for (const obj of objects) {
    const autoscaler = autoscalerOf(obj, autoscalers);
    if (!autoscaler || obj.spec?.replicas === undefined) {
      result.push(obj);
      continue;
    }
    const [live] = await getObjects(runner, namespace, refOf(obj));
    const replicas = clampToBounds(live?.spec?.replicas ?? obj.spec.replicas, autoscaler);
    const { min, max } = boundsOf(autoscaler);
    runner.say(`${refOf(obj)} is sized by ${refOf(autoscaler)} (${min} to ${max} pods), which is not the app's: the deploy keeps its ${replicas} pods instead of the app's ${obj.spec.replicas}`);
    result.push({ ...obj, spec: { ...obj.spec, replicas } });
  }
  return result;
}

/** The autoscaler's bounds: `minReplicas` (its default 1 when unset) to `maxReplicas`. */
export function boundsOf(autoscaler: KubeObject): { readonly min: number; readonly max: number } {
  const min = autoscaler.spec?.minReplicas ?? AUTOSCALING_DEFAULTS.minReplicas;
  return { min, max: autoscaler.spec?.maxReplicas ?? min };
}

/** `count` brought within the autoscaler's bounds, as the autoscaler itself brings it. */
export function clampToBounds(count: number, autoscaler: KubeObject): number {
  const { min, max } = boundsOf(autoscaler);
  return Math.min(Math.max(count, min), max);
}

/** The workloads among `objects` that an autoscaler among them sizes and that leave their count to it. */
const autoscaledWithoutCount = (objects: readonly KubeObject[]) => objects.filter((o) => autoscalerOf(o, objects) && o.spec?.replicas === undefined);

type ManagedObject = KubeObject & { metadata: { managedFields?: readonly ManagedFieldsEntry[] } };

/**
 * The autoscaled workloads among `objects` whose live replica count the CLI's field
 * manager owns (the last deploy set it), or a client-side `kubectl apply` (which the
 * apply moves to the CLI's manager), with that count: with server-side apply, a
 * field a manager set and now leaves out is removed, and the count would drop to its
 * default of 1 until the autoscaler raised it again. None under --dry-run.
 */
export async function countsToHandOver(runner: Runner, namespace: string, objects: readonly KubeObject[]): Promise<{ workload: KubeObject; replicas: number }[]> {
  const handOvers = [];
  for (const workload of runner.dryRun ? [] : autoscaledWithoutCount(objects)) {
    const replicas = await deployedCount(runner, namespace, workload);
    if (replicas !== undefined) {
      handOvers.push({ workload, replicas });
    }
  }
  return handOvers;
}

/**
 * `workload`'s live replica count when the CLI's field manager owns it (the last deploy
 * set it, or a client-side `kubectl apply` that the deploy's apply takes over), else
 * undefined (a `kubectl scale` since, or an autoscaler's hand-over).
 */
export async function deployedCount(runner: Runner, namespace: string, workload: KubeObject): Promise<number | undefined> {
  const [live] = await getObjects(runner, namespace, refOf(workload), '--show-managed-fields') as ManagedObject[];
  const entries = live?.metadata.managedFields ?? [];
  // who owns it once the deploy took over a client-side apply's fields (client-side-apply.ts)
  const owners = takenOver(entries, FIELD_MANAGER, live?.apiVersion) ?? entries;
  const owned = owners.some((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && m.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined);
  return live && owned ? live.spec?.replicas ?? 1 : undefined;
}

/**
 * Before the first apply that leaves a workload's replica count to its autoscaler, the
 * live count is applied under a field manager of its own, which keeps it once the CLI's
 * lets go: the hand-over of "Transferring ownership" in Kubernetes' server-side apply
 * documentation. Nothing when the CLI's manager does not own the count (a new workload,
 * or one already handed over).
 */
export async function handOverReplicas(runner: Runner, namespace: string, objects: readonly KubeObject[]): Promise<void> {
  if (runner.dryRun) {
    autoscaledWithoutCount(objects).forEach((workload) => runner.say(`# then, if the last deploy set ${refOf(workload)}'s replicas: kubectl apply --server-side --field-manager=${HANDOVER_MANAGER} of its live count, so that the autoscaler keeps it`));
  }
  for (const { workload, replicas } of await countsToHandOver(runner, namespace, objects)) {
    runner.say(`${refOf(workload)}: handing its replica count (${replicas}) over to the autoscaler, so that this deploy does not reset it`);
    await kubectl(runner, {
      ...kubectlCommand(namespace, 'apply', '--server-side', `--field-manager=${HANDOVER_MANAGER}`, '-f', '-'),
      input: JSON.stringify({ apiVersion: workload.apiVersion, kind: workload.kind, metadata: { name: workload.metadata.name }, spec: { replicas } }),
      inputNote: `< (${refOf(workload)}'s live spec.replicas only)`,
    }, false);
  }
}

/**
 * Deletes the autoscalers among the app's live `members` that `objects` no longer have
 * but that size a workload `objects` still have (autoscaling turned off, or a rollback
 * to a revision without it): left until the prune, which comes after the rollout, one
 * would fight the rollout's count. The only deletion before a rollout.
 */
export async function removeDroppedAutoscalers(runner: Runner, namespace: string, objects: readonly KubeObject[], members: readonly KubeObject[]): Promise<void> {
  const kept = new Set(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name));
  for (const dropped of members.filter((m) => m.kind === 'HorizontalPodAutoscaler' && !kept.has(m.metadata.name))) {
    const target = objects.find((o) => autoscalerOf(o, [dropped]));
    if (target) {
      runner.say(`${refOf(dropped)}: deleted before the rollout, which sets ${refOf(target)}'s count again and which it would fight`);
      await kubectl(runner, kubectlCommand(namespace, 'delete', refOf(dropped), '--ignore-not-found'), false);
    }
  }
}

/** Sets the autoscaler's bounds under the rollout's field manager (the next apply of the app's objects takes them back). */
async function patchBounds(runner: Runner, namespace: string, autoscaler: KubeObject, min: number, max: number): Promise<void> {
  await kubectl(runner, kubectlCommand(namespace, 'patch', refOf(autoscaler), `--field-manager=${ROLLOUT_MANAGER}`, '--type=merge',
    '--patch', JSON.stringify({ spec: { minReplicas: min, maxReplicas: max } })));
}

/**
 * Keeps the autoscaler from undoing a ReplicationController's surge to `surge` pods:
 * the surge is in the workload's own count (a Deployment's is its controller's, which
 * the autoscaler does not see), and an autoscaler removes pods above its maximum at
 * once, and pods its metrics do not need.
 */
export async function holdSurge(runner: Runner, namespace: string, autoscaler: KubeObject, surge: number): Promise<void> {
  const { max } = boundsOf(autoscaler);
  runner.say(`${refOf(autoscaler)}: minReplicas ${surge}${surge > max ? ` and maxReplicas ${surge}` : ''} while the rollout surges`);
  await patchBounds(runner, namespace, autoscaler, surge, Math.max(max, surge));
}

/** Gives the autoscaler back the bounds the app's manifest gives it. */
export async function releaseSurge(runner: Runner, namespace: string, autoscaler: KubeObject): Promise<void> {
  const { min, max } = boundsOf(autoscaler);
  await patchBounds(runner, namespace, autoscaler, min, max);
}
