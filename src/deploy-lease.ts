/**
 * One deploy of the app at a time, across terminals and machines: a deploy holds a
 * Lease (coordination.k8s.io, the object Kubernetes' own components use for this) in
 * the app's namespace while it applies, rolls out and prunes. Two rollouts of one
 * ReplicationController at once would replace each other's pods, and one of them
 * would report success for a template that is not its own. `scale` and `teardown`
 * hold it too, for their moment: neither pulls the ground from under a rollout.
 *
 * The deploy renews the Lease at every look at the cluster; one that was interrupted
 * (Ctrl-C, a lost connection) stops renewing it, and the next deploy takes it over
 * once it has expired.
 */
import * as os from 'node:os';
import { KubeObject } from './cluster-state';
import { getObjects, kubectl, kubectlCommand } from './kube';
import { Runner } from './tools';

/** The Lease's name, in the app's namespace. */
export const DEPLOY_LEASE = 'hello-node-deploy';

/** A deploy (or a scale, or a teardown) of the app holds the Lease. */
export class DeployLockedError extends Error {}

/** Kubernetes' MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

export interface DeployLease {
  /** Renews the Lease: the deploy is still alive. */
  renew(): Promise<void>;
  /** Deletes the Lease. */
  release(): Promise<void>;
}

/**
 * Takes the app's deploy Lease for `durationSeconds` (renewed by `renew`), or throws
 * DeployLockedError naming the deploy that holds it. Under --dry-run, prints nothing
 * and holds nothing.
 */
export async function acquireDeployLease(runner: Runner, namespace: string, durationSeconds: number, now: () => number): Promise<DeployLease> {
  const holder = `${os.hostname()} pid ${process.pid}`;
  const lease = (acquired: number) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: DEPLOY_LEASE, namespace },
    spec: { holderIdentity: holder, leaseDurationSeconds: Math.ceil(durationSeconds), acquireTime: microTime(acquired), renewTime: microTime(now()) },
  });
  const create = (acquired: number) => kubectl(runner, { ...kubectlCommand(namespace, 'create', '-f', '-'), input: JSON.stringify(lease(acquired)) }).then(() => true, (err: Error) => {
    if (/AlreadyExists|already exists/.test(`${err.message} ${(err as { stderr?: string }).stderr ?? ''}`)) {
      return false;
    }
    throw err;
  });
  const held = { renew: async () => undefined, release: async () => undefined };
  if (runner.dryRun) {
    return held;
  }
  const acquired = now();
  if (!await create(acquired)) {
    const [other] = await getObjects(runner, namespace, `lease/${DEPLOY_LEASE}`);
    const expires = expiryOf(other);
    if (other && expires > now()) {
      const spec = (other as KubeObject & { spec?: { holderIdentity?: string; acquireTime?: string } }).spec;
      throw new DeployLockedError(`a deploy of the app is running in namespace ${namespace} (${spec?.holderIdentity ?? 'unknown'}, since ${spec?.acquireTime ?? 'unknown'}): wait for it; if it was interrupted, its lease/${DEPLOY_LEASE} expires in ${Math.ceil((expires - now()) / 1000)} s`);
    }
    // expired: its deploy stopped renewing it; deleted and taken, and if another deploy took it meanwhile, the create says so
    await kubectl(runner, kubectlCommand(namespace, 'delete', `lease/${DEPLOY_LEASE}`, '--ignore-not-found'));
    if (!await create(acquired)) {
      throw new DeployLockedError(`a deploy of the app has just started in namespace ${namespace}: wait for it`);
    }
  }
  return {
    renew: async () => {
      await kubectl(runner, { ...kubectlCommand(namespace, 'patch', `lease/${DEPLOY_LEASE}`, '--type', 'merge', '--patch', JSON.stringify({ spec: { renewTime: microTime(now()) } })) });
    },
    release: async () => {
      await kubectl(runner, kubectlCommand(namespace, 'delete', `lease/${DEPLOY_LEASE}`, '--ignore-not-found'));
    },
  };
}

/** When the Lease runs out if nobody renews it, in ms since the epoch; 0 when unknown. */
function expiryOf(lease: KubeObject | undefined): number {
  const spec = (lease as (KubeObject & { spec?: { renewTime?: string; leaseDurationSeconds?: number } }) | undefined)?.spec;
  const renewed = Date.parse(spec?.renewTime ?? '');
  return Number.isNaN(renewed) ? 0 : renewed + (spec?.leaseDurationSeconds ?? 0) * 1000;
}

/** Runs `act` holding the app's deploy Lease, which it gives back afterwards, whatever happened. */
export async function withDeployLease<T>(runner: Runner, namespace: string, now: () => number, act: () => Promise<T>): Promise<T> {
  const lease = await acquireDeployLease(runner, namespace, 30, now);
  try {
    return await act();
  } finally {
    await lease.release().catch(() => undefined);
  }
}
