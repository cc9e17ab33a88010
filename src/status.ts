/**
 * `status`: the app's workload, pods and Service, each found by the name the
 * construct gives it, in a few plain lines.
 */
import { externalAddress, isReady, isUpdated, KubeObject, restarts, TEMPLATE_HASH_ANNOTATION, waitingReason } from './cluster-state';
import { getObjects, labelSelector } from './kube';
import { appShape, workloadRef } from './operations';
import { AppSettings } from './settings';
import { Runner } from './tools';

/** The workload's line: desired, updated and ready pods. */
export function workloadLine(ref: string, workload: KubeObject | undefined, pods: readonly KubeObject[]): string {
  if (!workload) {
    return `${ref}: not found (hello-node deploy creates it)`;
  }
  const desired = workload.spec?.replicas ?? 0;
  const live = pods.filter((p) => p.metadata.deletionTimestamp === undefined);
  const ready = live.filter(isReady).length;
  if (workload.kind === 'Deployment') {
    return `${ref}: ${desired} desired, ${workload.status?.updatedReplicas ?? 0} updated, ${ready} ready`;
  }
  // a ReplicationController records no template version: hello-node deploy stamps one
  if (workload.spec?.template?.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION] === undefined) {
    return `${ref}: ${desired} desired, ${ready} ready (which pods are up to date is unknown: it was not applied by hello-node deploy)`;
  }
  return `${ref}: ${desired} desired, ${live.filter((p) => isUpdated(p, workload)).length} updated, ${ready} ready`;
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
    return `${ref}: not found (hello-node deploy creates it)`;
  }
  const ports = (service.spec?.ports ?? []).map((p) => `${p.port} -> ${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`).join(', ');
  const type = service.spec?.type ?? 'ClusterIP';
  const address = externalAddress(service);
  const external = type !== 'LoadBalancer' ? '' : address ? `, external address ${address} (http://${address}/)` : ', no external address yet';
  return `${ref}: ${type}, ports ${ports}${external}`;
}

export async function status(settings: AppSettings, runner: Runner): Promise<void> {
  const shape = appShape(settings);
  const workload = workloadRef(shape);
  const serviceRef = `service/${shape.objectNames.service}`;
  const [live] = await getObjects(runner, shape.namespace, workload);
  const pods = await getObjects(runner, shape.namespace, 'pods', '--selector', labelSelector(shape.labels));
  const [service] = await getObjects(runner, shape.namespace, serviceRef);
  if (runner.dryRun) {
    return;
  }
  for (const line of [workloadLine(workload, live, pods), ...podRows(pods), serviceLine(serviceRef, service)]) {
    runner.result(line);
  }
}
