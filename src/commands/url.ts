/** `hello-node url`: waits for the app's external addresses and prints them. */
import { AppRef, appMembers, nothingDeployed, NotDeployedError, qualifiedRefOf } from '../kube/applyset';
import { Changes, watchChanges } from '../kube/kubectl';
import { refOf } from '../kube/manifests';
import { externalAddress, httpsNotes, ingressUrls, isExternallyBalanced, serviceUrl } from '../kube/cluster-state';
import { Clock, WaitOptions } from '../exec/clock';
import { Runner } from '../exec/tools';
import { CliError } from '../exec/errors';

/** No external address came within the timeout. */
export class UrlTimeoutError extends CliError {}

/**
 * Waits, with progress, until every LoadBalancer Service the app's deploys applied
 * has an external address, and prints each one's `http://<address>[:<port>]/`, one
 * per line.
 */
export async function url(app: AppRef, runner: Runner, wait: WaitOptions, clock: Clock): Promise<void> {
  const started = clock.now();
  let changes: Changes | undefined;
  try {
    for (;;) {
      changes?.look();
      const { applySet, parent, members } = await appMembers(app, runner);
      if (runner.dryRun) {
        return;
      }
      if (!parent) {
        throw nothingDeployed(applySet);
      }
      const services = members.filter((m) => m.kind === 'Service');
      const balancers = members.filter(isExternallyBalanced);
      if (balancers.length === 0) {
        throw new NotDeployedError(`the app has no Ingress and no LoadBalancer Service (${services.map((s) => `${refOf(s)} is ${s.spec?.type ?? 'ClusterIP'}`).join(', ') || 'no Service at all'}): only those get an external address`);
      }
      const pending = balancers.filter((s) => !externalAddress(s));
      if (pending.length === 0) {
        const certificates = members.filter((m) => m.kind === 'ManagedCertificate');
        for (const balancer of balancers) {
          if (balancer.kind === 'Ingress') {
            httpsNotes(balancer, certificates).forEach((note) => runner.say(note));
            ingressUrls(balancer).forEach((address) => runner.result(address));
          } else {
            runner.result(serviceUrl(balancer) ?? '');
          }
        }
        return;
      }
      const waited = (clock.now() - started) / 1000;
      const names = pending.map(refOf).join(', ');
      if (waited >= wait.timeoutSeconds) {
        throw new UrlTimeoutError(`${names} ${pending.length === 1 ? 'has' : 'have'} no external address after ${wait.timeoutSeconds} s (kubectl describe ${pending.map(refOf).join(' ')} --namespace ${applySet.namespace} tells why)`);
      }
      runner.say(`waiting for ${names} to get an external address (${Math.round(waited)} s of ${wait.timeoutSeconds} s)`);
      // an address comes as a change of its Service or Ingress: watched from the first wait on
      changes ??= watchChanges(runner, applySet.namespace, pending.map((b) => [qualifiedRefOf(b)]));
      // never past the deadline: the last look comes when the timeout is up; sooner when an address may have come
      await clock.sleep(Math.min(wait.intervalSeconds, wait.timeoutSeconds - waited) * 1000, changes.until());
    }
  } finally {
    changes?.stop();
  }
}
