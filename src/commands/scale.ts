/** `hello-node scale`: resizes one of the app's workloads until the next deploy. */
import { resolveHelloNodeApp, ValidationError, Workload } from '../../lib/internal';
import { AppRef, appMembers, nothingDeployed, qualifiedRefOf } from '../kube/applyset';
import { KubeObject, WORKLOAD_KINDS } from '../kube/cluster-state';
import { getObjects, kubectl, kubectlCommand } from '../kube/kubectl';
import { refOf } from '../kube/manifests';
import { autoscalerOf, boundsOf, deployedCount } from '../release/autoscaler';
import { withDeployLease } from '../release/lease';
import { Runner } from '../exec/tools';

/** `name` or `kind[.group]/name`, as the workload argument of scale takes it. */
const WORKLOAD_ARGUMENT = /^(?:[A-Za-z]+(?:\.[a-z0-9.-]+)?\/)?[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/;

/** Whether `workload` is the one the app's HelloNodeApp makes, whose replicas HELLO_NODE_REPLICAS sets. */
function isHelloNodeWorkload(app: AppRef, workload: KubeObject): boolean {
  return (Object.values(Workload) as string[]).includes(workload.kind)
    && resolveHelloNodeApp({ name: app.name, workload: workload.kind as Workload }).objectNames.workload === workload.metadata.name;
}

/**
 * Resizes one of the app's workloads (until the next deploy): the one named, or the
 * only one the app's deploys applied.
 *
 * @param namespace HELLO_NODE_NAMESPACE, when set
 * @param configured what the next deploy sizes it by, when a setting says: HELLO_NODE_REPLICAS's
 *   count, or HELLO_NODE_MAX_REPLICAS's autoscaler, and where it is set (`hello-node.yaml:12 replicas`)
 * @param name `kind/name` or `name` of a workload; needed when the app has several
 */
export async function scale(app: AppRef, configured: { readonly replicas: number; readonly source: string } | { readonly maxReplicas: number; readonly source: string } | undefined, runner: Runner, replicas: number, name?: string): Promise<void> {
  if (name !== undefined && !WORKLOAD_ARGUMENT.test(name)) {
    throw new ValidationError('argument [workload]', name, 'must be a workload\'s name or kind/name, e.g. hello-node-rc or deployment/api');
  }
  const { applySet, parent, members } = await appMembers(app, runner);
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
  // any autoscaler of the workload undoes a scale, the app's or one made by hand
  const autoscaler = autoscalerOf(chosen[0], [...members, ...await getObjects(runner, applySet.namespace, 'horizontalpodautoscalers')]);
  if (autoscaler) {
    const { min, max } = boundsOf(autoscaler);
    const own = members.includes(autoscaler);
    throw new ValidationError('argument <replicas>', replicas, `${refOf(chosen[0])} is sized by ${refOf(autoscaler)} (${min} to ${max} pods${own ? '' : ', not the app\'s: made by hand or by another tool'}), which would undo it: ${own
      ? 'set HELLO_NODE_MIN_REPLICAS and HELLO_NODE_MAX_REPLICAS (or the autoscaling prop) and deploy'
      : `to hold it at ${replicas} pods, set its bounds to ${replicas} (kubectl patch ${refOf(autoscaler)} --namespace ${applySet.namespace} --patch '{"spec":{"minReplicas":${replicas},"maxReplicas":${replicas}}}'), or delete it`}`);
  }
  // what sizes it at the next deploy: a setting of HELLO_NODE_REPLICAS's workload, else main.ts
  const helloNodeWorkload = isHelloNodeWorkload(app, chosen[0]);
  const setting = helloNodeWorkload ? configured : undefined;
  // read before the scale takes the count from it, when the note tells it: what main.ts gave at the last deploy
  const deployed = setting === undefined ? await deployedCount(runner, applySet.namespace, chosen[0]) : undefined;
  await withDeployLease(runner, applySet, 'scale', 30, () => kubectl(runner, kubectlCommand(applySet.namespace, 'scale', `--replicas=${replicas}`, target), false));
  if (setting !== undefined && 'maxReplicas' in setting) {
    runner.say(`# note: the next deploy hands ${target} to an autoscaler, up to ${setting.maxReplicas} pods, as ${setting.source} sets it`);
    return;
  }
  const fromApp = `the replicas main.ts gives it${deployed === undefined ? '' : ` (${deployed} at the last deploy)`}`;
  const next = setting !== undefined ? `${setting.replicas}, as ${setting.source} sets it`
    : helloNodeWorkload ? `${fromApp}; set HELLO_NODE_REPLICAS=${replicas} to keep ${replicas}` : fromApp;
  runner.say(`# note: the next deploy sets the replicas of ${target} back to ${next}`);
}

