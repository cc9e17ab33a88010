/**
 * `status`: what the app's deploys applied, in every chart, as its ApplySet records
 * it: each workload with its pods, each Service and Ingress with its address, and each
 * Google-managed certificate's state, in a few plain lines.
 */
import { promotedFrom } from '../release/promote';
import { boundsOf, foreignAutoscalers } from '../release/autoscaler';
import { AppRef, appApplySet, getMembers, getParent, unrecordedMembers } from '../kube/applyset';
import { Containers, externalAddress, httpsNotes, ingressUrls, isOwnedBy, serviceUrl, isReady, isUpdated, KubeObject, restarts, runsTemplate, TEMPLATE_HASH_ANNOTATION, waitingReason, WORKLOAD_KINDS } from '../kube/cluster-state';
import { getObjects, selectorOf } from '../kube/kubectl';
import { forCluster, refOf } from '../kube/manifests';
import { currentOf, listRevisions, objectsOf, Revision } from '../release/history';
import { Runner } from '../exec/tools';

/** The newest revision, when its deploy or rollback did not finish, with its object for the workload. */
export interface Unfinished {
  readonly revision: Revision;
  readonly object: KubeObject;
}

/**
 * The workload's line: desired, updated and ready pods. A ReplicationController's pods
 * are updated when they are what the last deploy applied (`deployed`, from the release
 * history), whatever was changed by hand since (`kubectl set image rc/...`); when its
 * template is that of a newer revision whose deploy or rollback did not finish
 * (`unfinished`), they are updated when they are what that revision applied.
 */
export function workloadLine(ref: string, workload: KubeObject | undefined, pods: readonly KubeObject[], deployed?: KubeObject, unfinished?: Unfinished): string {
  if (!workload) {
    return `${ref}: not found (\`hello-node deploy\` creates it)`;
  }
  const desired = workload.kind === 'DaemonSet' ? workload.status?.desiredNumberScheduled ?? 0 : workload.spec?.replicas ?? 0;
  const live = pods.filter((p) => p.metadata.deletionTimestamp === undefined);
  const ready = live.filter(isReady).length;
  if (workload.kind !== 'ReplicationController') {
    // the other workloads' controllers count their updated pods (a ReplicaSet has no versions)
    // the API leaves a count of 0 out of the status
    const updated = workload.kind === 'ReplicaSet' ? undefined
      : (workload.kind === 'DaemonSet' ? workload.status?.updatedNumberScheduled : workload.status?.updatedReplicas) ?? 0;
    const paused = workload.spec?.paused === true ? ' (paused: kubectl rollout resume to go on)' : '';
    return `${ref}: ${desired} desired, ${updated === undefined ? '' : `${updated} updated, `}${ready} ready${paused}`;
  }
  // a ReplicationController records no template version: hello-node deploy stamps one
  if (workload.spec?.template?.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION] === undefined) {
    return `${ref}: ${desired} desired, ${ready} ready (which pods are up to date is unknown: it was not applied by hello-node deploy)`;
  }
  const template = workload.spec?.template as Containers;
  const counts = (against: KubeObject) => `${ref}: ${desired} desired, ${live.filter((p) => isUpdated(p, against)).length} updated, ${ready} ready`;
  if (deployed === undefined || runsTemplate(template, deployed.spec?.template as Containers)) {
    return counts(deployed ?? workload);
  }
  if (unfinished && runsTemplate(template, unfinished.object.spec?.template as Containers)) {
    const { number, status, rollbackOf, description } = unfinished.revision;
    // what wrote it is what finishes it: a promotion deploys the promoted image, a deploy the app's
    const from = promotedFrom(description);
    const [what, next] = rollbackOf !== undefined ? ['rollback', 'rollback again to finish it']
      : from !== undefined ? ['promotion', `promote --from ${from} again to finish it, or rollback`] : ['deploy', 'deploy again to finish it, or rollback'];
    return `${counts(unfinished.object)} (its template is revision ${number}'s, whose ${what} ${status === 'pending' ? 'has not finished' : 'did not finish'} (${status}): ${next})`;
  }
  return `${counts(deployed)} (its template was changed by hand since the last deploy, which the next deploy undoes)`;
}

/** One row per pod: name, ready, image, restarts, waiting reason. */
export function podRows(pods: readonly KubeObject[]): string[] {
  const rows = pods.map((p) => [
    p.metadata.name,
    p.metadata.deletionTimestamp ? 'terminating' : isReady(p) ? 'ready' : 'not ready',
    (p.spec?.containers ?? []).map((c) => c.image).join(','),
    `${restarts(p)} restarts`,
    waitingReason(p) ?? '',
  ]);
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  return rows.map((row) => `  pod ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()}`);
}

/** The Service's line: type, ports and external address. */
export function serviceLine(ref: string, service: KubeObject | undefined): string {
  if (!service) {
    return `${ref}: not found (\`hello-node deploy\` creates it)`;
  }
  const ports = (service.spec?.ports ?? []).map((p) => `${p.port} -> ${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`).join(', ');
  const type = service.spec?.type ?? 'ClusterIP';
  const address = externalAddress(service);
  const external = type !== 'LoadBalancer' ? '' : address ? `, external address ${address} (${serviceUrl(service)})` : ', no external address yet';
  return `${ref}: ${type}, ports ${ports}${external}`;
}

/**
 * The autoscaler's line: what it sizes, its bounds, its current and desired counts, and
 * the CPU use it last read against its target.
 */
export function autoscalerLine(ref: string, autoscaler: KubeObject): string {
  const { min, max } = boundsOf(autoscaler);
  const target = autoscaler.spec?.scaleTargetRef;
  const cpu = (autoscaler.spec?.metrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.target?.averageUtilization;
  const now = (autoscaler.status?.currentMetrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current?.averageUtilization;
  const status = autoscaler.status;
  // without metrics it still keeps the bounds, and says why it cannot scale by them
  const inactive = (status?.conditions ?? []).find((c) => c.type === 'ScalingActive' && c.status === 'False');
  const counts = status?.currentReplicas === undefined ? 'no count yet' : `${status.currentReplicas} current${inactive ? '' : `, ${status.desiredReplicas ?? status.currentReplicas} desired`}`;
  const use = cpu === undefined ? '' : now === undefined ? `, target CPU ${cpu}% of the request` : `, CPU ${now}% of the request (target ${cpu}%)`;
  const why = inactive ? `; not scaling by its metrics: ${inactive.reason ?? 'no reason given'}` : '';
  return `${ref}: sizes ${target ? `${target.kind.toLowerCase()}/${target.name}` : 'nothing'} from ${min} to ${max} pods: ${counts}${use}${why}`;
}

/** The Ingress's line: its hosts' URLs and the load balancer's address. */
export function ingressLine(ref: string, ingress: KubeObject): string {
  const address = externalAddress(ingress);
  return `${ref}: ${ingressUrls(ingress).join(', ') || 'no host'}, ${address ? `address ${address}` : 'no address yet'}`;
}

/**
 * The workload's own pods: those its selector matches that it owns, through its
 * ReplicaSets for a Deployment. Two workloads may select the same labels (a
 * ReplicationController and the Deployment that replaces it).
 */
async function podsOf(runner: Runner, namespace: string, workload: KubeObject): Promise<KubeObject[]> {
  const selected = await getObjects(runner, namespace, 'pods', '--selector', selectorOf(workload));
  const owners = workload.kind === 'Deployment'
    ? (await getObjects(runner, namespace, 'replicasets', '--selector', selectorOf(workload))).filter((rs) => isOwnedBy(rs, workload))
    : [workload];
  return selected.filter((pod) => owners.some((owner) => isOwnedBy(pod, owner)));
}

/** Prints the app's workloads (each with its pods), Services and other objects, as its ApplySet records them. */
export async function status(app: AppRef, runner: Runner): Promise<void> {
  const { applySet } = await appApplySet(app, runner);
  const parent = await getParent(runner, applySet);
  const members = await getMembers(runner, applySet, parent);
  if (runner.dryRun) {
    runner.say(`# then: kubectl get pods --selector ... for each workload that secret/${applySet.parent} records`);
    return;
  }
  if (!parent) {
    const unrecorded = await unrecordedMembers(runner, applySet);
    runner.result(unrecorded.length === 0
      ? `nothing is deployed in namespace ${applySet.namespace}: there is no ApplySet record (secret/${applySet.parent}); \`hello-node deploy\` creates it`
      : `there is no ApplySet record (secret/${applySet.parent}) in namespace ${applySet.namespace}, yet ${unrecorded.map(refOf).join(', ')} ${unrecorded.length === 1 ? 'carries' : 'carry'} its label: deploy once to write the record again`);
    return;
  }
  const lines: string[] = [];
  // what the last deploy applied: a ReplicationController's pods are counted against it
  const revisions = await listRevisions(runner, applySet);
  const current = currentOf(revisions);
  const newest = revisions.at(-1);
  const deployed = current ? forCluster(objectsOf(current)) : [];
  // a deploy or rollback that did not finish leaves its template applied (its pods not all made)
  const unfinished = newest && newest !== current && newest.status !== 'deployed' && newest.status !== 'applied' ? forCluster(objectsOf(newest)) : [];
  const sameAs = (workload: KubeObject) => (o: KubeObject) => o.kind === workload.kind && o.metadata.name === workload.metadata.name;
  for (const workload of members.filter((m) => WORKLOAD_KINDS.includes(m.kind))) {
    const pods = await podsOf(runner, applySet.namespace, workload);
    const asUnfinished = newest && unfinished.find(sameAs(workload));
    lines.push(workloadLine(refOf(workload), workload, pods, deployed.find(sameAs(workload)), asUnfinished && { revision: newest, object: asUnfinished }), ...podRows(pods));
  }
  for (const service of members.filter((m) => m.kind === 'Service')) {
    lines.push(serviceLine(refOf(service), service));
  }
  for (const autoscaler of members.filter((m) => m.kind === 'HorizontalPodAutoscaler')) {
    lines.push(autoscalerLine(refOf(autoscaler), autoscaler));
  }
  // one made by hand sizes the app's workload all the same (deploy and scale heed it)
  for (const autoscaler of await foreignAutoscalers(runner, applySet.namespace, members.filter((m) => WORKLOAD_KINDS.includes(m.kind)), applySet.id)) {
    lines.push(`${autoscalerLine(refOf(autoscaler), autoscaler)} (not the app's: made by hand or by another tool)`);
  }
  const certificates = members.filter((m) => m.kind === 'ManagedCertificate');
  for (const ingress of members.filter((m) => m.kind === 'Ingress')) {
    lines.push(ingressLine(refOf(ingress), ingress), ...httpsNotes(ingress, certificates).map((note) => `  ${note}`));
  }
  const shown = ['Service', 'Ingress', 'ManagedCertificate', 'HorizontalPodAutoscaler', ...WORKLOAD_KINDS];
  const others = members.filter((m) => !shown.includes(m.kind));
  if (others.length > 0) {
    lines.push(`also: ${others.map(refOf).join(', ')}`);
  }
  for (const line of lines.length > 0 ? lines : [`nothing is deployed in namespace ${applySet.namespace}: secret/${applySet.parent} records no object that still exists`]) {
    runner.result(line);
  }
}
