/**
 * One deploy of the app at a time, across terminals and machines: a deploy holds a
 * Lease (coordination.k8s.io, the object Kubernetes' own components use for this) in
 * the app's namespace while it applies, rolls out and prunes. Two rollouts of one
 * ReplicationController at once would replace each other's pods, and one of them
 * would report success for a template that is not its own. `scale` and `teardown`
 * hold it too, for their moment: neither pulls the ground from under a rollout.
 *
 * The holder renews the Lease at its looks at the cluster, once a third of its term has
 * passed since the last renewal (a look can come at each change a watch sees), or when
 * about to prune, and only while it is still the holder (a conditional update: a deploy
 * that was paused past the Lease's term and taken over stops instead of rolling out
 * over the new holder). One that was
 * interrupted stops renewing, and the next deploy takes the Lease over once it has
 * expired, or at once when the holder was a process of this machine that is gone.
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { isRunning } from '../../lib/signals';
import { ApplySet } from '../kube/applyset';
import { KubeObject } from '../kube/cluster-state';
import { getObjects, kubectl, kubectlCommand } from '../kube/kubectl';
import { Runner } from '../exec/tools';
import { CliError } from '../exec/errors';

/** The app's Lease's name, in the app's namespace: `<app>-deploy`. */
export const leaseNameOf = (applySet: ApplySet): string => `${applySet.app}-deploy`;

/** A deploy (or a scale, or a teardown) of the app holds the Lease. */
export class DeployLockedError extends CliError {}

/** This command's Lease was taken over by another (it was not renewed in time): it stops. */
export class LeaseLostError extends CliError {}

/** Kubernetes' MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** Text from the cluster, made safe to print: no control characters (terminal escapes). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it replaces
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseDurationSeconds?: number;
}
type LeaseObject = KubeObject & { metadata: KubeObject['metadata'] & { resourceVersion?: string }; spec?: LeaseSpec };

export interface DeployLease {
  /**
   * Renews the Lease once a third of its term has passed since the last renewal, or
   * now with `now`; throws LeaseLostError when another command holds it now.
   */
  renew(now?: 'now'): Promise<void>;
  /** Deletes the Lease, if this command still holds it. */
  release(): Promise<void>;
}

/**
 * Takes the app's deploy Lease for `durationSeconds` (renewed by `renew`), or throws
 * DeployLockedError naming the command that holds it. Under --dry-run, holds nothing.
 *
 * @param command what holds it, for the message another command gets: `deploy`, `teardown`, ...
 */
export async function acquireDeployLease(runner: Runner, applySet: ApplySet, command: string, durationSeconds: number, now: () => number): Promise<DeployLease> {
  const { namespace } = applySet;
  const name = leaseNameOf(applySet);
  if (runner.dryRun) {
    runner.say(`# ${command} holds lease/${name} in namespace ${namespace} meanwhile: one deploy, rollback, scale or teardown of the app at a time`);
    return { renew: async () => undefined, release: async () => undefined };
  }
  // unique across machines and runs: the host and pid say who, the suffix tells two runs apart
  const holder = `${command} on ${os.hostname()} pid ${process.pid} ${randomBytes(3).toString('hex')}`;
  const get = async () => (await getObjects(runner, namespace, `lease/${name}`))[0] as LeaseObject | undefined;
  const create = async (): Promise<boolean> => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: name, namespace },
      spec: { holderIdentity: holder, leaseDurationSeconds: Math.ceil(durationSeconds), acquireTime: microTime(now()), renewTime: microTime(now()) },
    };
    return kubectl(runner, { ...kubectlCommand(namespace, 'create', '-f', '-'), input: JSON.stringify(lease) }).then(() => true, (err: Error & { stderr?: string }) => {
      if (/AlreadyExists/.test(err.stderr ?? '')) {
        return false;
      }
      throw err;
    });
  };
  if (!await create()) {
    const other = await get();
    const expires = expiryOf(other);
    if (other && expires > now() && !isGoneFromThisMachine(other.spec?.holderIdentity)) {
      throw new DeployLockedError(`${printable(other.spec?.holderIdentity ?? 'another command')} holds lease/${name} in namespace ${namespace} (since ${other.spec?.acquireTime ?? 'an unknown time'}): wait for it; if it was interrupted, the lease expires in ${Math.ceil((expires - now()) / 1000)} s, or delete it once you know it is not running (kubectl delete lease/${name} --namespace ${namespace})`);
    }
    // expired, or its process is gone: deleted and taken; if another command took it meanwhile, the create says so
    await kubectl(runner, kubectlCommand(namespace, 'delete', `lease/${name}`, '--ignore-not-found'));
    if (!await create()) {
      throw new DeployLockedError(`another command has just taken lease/${name} in namespace ${namespace}: wait for it`);
    }
  }
  let renewed = now();
  return {
    async renew(when) {
      // a Lease renewed a third of its term ago cannot have expired for another command to take
      if (when !== 'now' && now() - renewed < durationSeconds * 1000 / 3) {
        return;
      }
      const lease = await get();
      const gone = `lease/${name} in namespace ${namespace} is gone (deleted, or its namespace is being deleted): this ${command} stopped where it was; run it again`;
      if (!lease) {
        throw new LeaseLostError(gone);
      }
      if (lease.spec?.holderIdentity !== holder) {
        throw new LeaseLostError(`lease/${name} in namespace ${namespace} is held by ${printable(lease.spec?.holderIdentity ?? 'another command')}: this ${command} was not renewing it in time, and stopped where it was; run it again`);
      }
      // conditional on the version read: if another command takes the Lease in between, the update fails
      const at = now();
      await kubectl(runner, kubectlCommand(namespace, 'patch', `lease/${name}`, '--type', 'merge', '--patch',
        JSON.stringify({ metadata: { resourceVersion: lease.metadata.resourceVersion }, spec: { renewTime: microTime(at) } }))).catch((err: Error & { stderr?: string }) => {
        const stderr = err.stderr ?? '';
        throw /Conflict|modified/.test(stderr) ? new LeaseLostError(`lease/${name} in namespace ${namespace} was taken over while this ${command} renewed it: stopped where it was; run it again`)
          : /\(NotFound\)/.test(stderr) ? new LeaseLostError(gone) : err;
      });
      renewed = at;
    },
    async release() {
      if ((await get())?.spec?.holderIdentity === holder) {
        await kubectl(runner, kubectlCommand(namespace, 'delete', `lease/${name}`, '--ignore-not-found'));
      }
    },
  };
}

/** Runs `act` holding the app's deploy Lease, which it gives back afterwards, whatever happened. */
export async function withDeployLease<T>(runner: Runner, applySet: ApplySet, command: string, durationSeconds: number, act: () => Promise<T>): Promise<T> {
  const lease = await acquireDeployLease(runner, applySet, command, durationSeconds, Date.now);
  try {
    return await act();
  } finally {
    await lease.release().catch(() => undefined);
  }
}

/** When the Lease runs out if nobody renews it, in ms since the epoch; 0 when unknown. */
function expiryOf(lease: LeaseObject | undefined): number {
  const renewed = Date.parse(lease?.spec?.renewTime ?? '');
  return Number.isNaN(renewed) ? 0 : renewed + (lease?.spec?.leaseDurationSeconds ?? 0) * 1000;
}

/** Whether the holder was a process of this machine that no longer runs (killed outright): its Lease is free. */
function isGoneFromThisMachine(holderIdentity: string | undefined): boolean {
  const match = / on (\S+) pid (\d+) /.exec(holderIdentity ?? '');
  if (!match || match[1] !== os.hostname()) {
    return false;
  }
  return !isRunning(Number(match[2]));
}
