/**
 * The GKE cluster's steps: gcloud creates it, fetches kubectl's credentials for it and
 * deletes it.
 */
import { ValidationError } from '../../lib/internal';
import { ClusterSettings } from '../../lib/settings';
import { Runner } from '../exec/tools';

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

export async function clusterCredentials(settings: ClusterSettings, runner: Runner): Promise<void> {
  await runner.run(gcloudCluster(settings, 'get-credentials'));
}

/** Deletes the cluster; gcloud asks for confirmation unless `yes`. */
export async function clusterDelete(settings: ClusterSettings, runner: Runner, yes: boolean): Promise<void> {
  await runner.run(gcloudCluster(settings, 'delete', ...(yes ? ['--quiet'] : [])));
}
