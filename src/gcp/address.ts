/** The global static external address an Ingress takes: gcloud reserves and releases it. */
import { Runner } from '../exec/tools';

/** A global static external address of Compute Engine, reserved for an Ingress. */
const globalAddress = (project: string, name: string, verb: string, ...extra: string[]) =>
  ({ tool: 'gcloud' as const, args: ['compute', 'addresses', verb, name, '--global', '--project', project, ...extra] });

/**
 * Reserves the global static external address that the app's Ingress takes
 * (HELLO_NODE_STATIC_IP), unless it exists already, and prints it: the address the
 * domain's DNS points at, which outlives the Ingress.
 */
export async function ipCreate(project: string, name: string, runner: Runner): Promise<void> {
  // exit 1: not found (or not readable: then the create says why)
  const describe = globalAddress(project, name, 'describe', '--format=value(address)');
  const existing = await runner.capture({ ...describe, okExitCodes: [1], explained: true });
  const exists = existing.exitCode === 0 && existing.stdout.trim() !== '';
  if (exists) {
    runner.say(`the global static address ${name} exists already in project ${project}: keeping it`);
  } else {
    runner.say(`reserving the global static address ${name} in project ${project}, for the Ingress of an app with a domain`);
    await runner.run(globalAddress(project, name, 'create'));
  }
  const { stdout } = exists ? existing : await runner.capture(describe);
  if (!runner.dryRun) {
    runner.result(stdout.trim());
    runner.say(`point your domain's DNS A record at ${stdout.trim()}, then deploy with HELLO_NODE_STATIC_IP=${name} (or --static-ip ${name}) and HELLO_NODE_DOMAIN`);
  }
}

/** Releases the reserved address (after a teardown: an Ingress that still uses it keeps it reserved); gcloud asks to confirm unless `yes`. */
export async function ipDelete(project: string, name: string, runner: Runner, yes: boolean): Promise<void> {
  await runner.run(globalAddress(project, name, 'delete', ...(yes ? ['--quiet'] : [])));
}
