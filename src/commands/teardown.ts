/** `hello-node teardown`: deletes exactly what the app's deploys applied, then their records. */
import { AppRef, appApplySet, getMembers, getParent, NotDeployedError, qualifiedRefOf, unrecordedMembers } from '../kube/applyset';
import { refOf } from '../kube/manifests';
import { kubectl, kubectlCommand } from '../kube/kubectl';
import { deleteHistory } from '../release/history';
import { withDeployLease } from '../release/lease';
import { Runner } from '../exec/tools';

/** How long teardown waits for the deletions to finish (objects with finalizers take their time). */
const TEARDOWN_WAIT_SECONDS = 240;

/**
 * Deletes exactly what the app's deploys applied, in every chart: the members of its
 * ApplySet (the garbage collector then removes what they own, such as a workload's
 * pods), then the ApplySet's record and the release history. Never an object no
 * deploy applied, whatever its labels, and never `--all`.
 */
export async function teardown(app: AppRef, runner: Runner): Promise<void> {
  const { applySet } = await appApplySet(app, runner);
  // the members are read under the Lease: a deploy cannot add one meanwhile. It is not
  // renewed: kubectl gives up waiting for the deletions (finalizers) well before it expires.
  await withDeployLease(runner, applySet, 'teardown', TEARDOWN_WAIT_SECONDS + 60, async () => {
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
