/**
 * What a deploy checks of the synthesized app before it applies anything: that the app
 * used the settings the CLI passed it (`--replicas 7`, the digest `up` pushed). A
 * project's own main.ts reads them with `HelloNodeSettings.fromEnvironment()`; one that
 * does not would otherwise deploy something else than what was asked, silently.
 */
import { GKE_ANNOTATIONS } from '../../lib/internal';
import { COMPOSING_SETTING_NAMES, fromEnv, settingProps } from '../../lib/settings';
import { NotDeployedError } from '../kube/applyset';
import { KubeObject } from '../kube/cluster-state';
import { FoundApp, findHelloNodeApps } from './app-name';

type Pod = KubeObject & { spec?: { template?: { spec?: { containers?: readonly { name?: string; image?: string }[] } } } };
type Autoscaler = KubeObject & { spec?: { minReplicas?: number; maxReplicas?: number; metrics?: readonly { resource?: { target?: { averageUtilization?: number } } }[] } };
type Ingress = KubeObject & { spec?: { rules?: readonly { host?: string }[] } };

/** One setting's check: what the app has instead of `expected`, or undefined when it has it. */
type Check = (app: FoundApp, objects: readonly KubeObject[], expected: unknown) => string | undefined;

const named = (objects: readonly KubeObject[], app: FoundApp, kind: string, suffix: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === `${app.name}${suffix}` && o.metadata.namespace === app.workload.metadata.namespace);
const differs = (actual: unknown, expected: unknown, say: string) => (actual === expected ? undefined : say);
const autoscaler = (objects: readonly KubeObject[], app: FoundApp) => named(objects, app, 'HorizontalPodAutoscaler', '-hpa') as Autoscaler | undefined;
const ingress = (objects: readonly KubeObject[], app: FoundApp) => named(objects, app, 'Ingress', '-ingress') as Ingress | undefined;

/** The checks, by the prop each setting sets (lib/settings.ts); the profile is not checked: the app's own props may override any of its parts. */
const CHECKS: Readonly<Record<string, Check>> = {
  image: (app, _, expected) => {
    const image = (app.workload as Pod).spec?.template?.spec?.containers?.find((c) => c.name === app.name)?.image;
    return differs(image, expected, `its container runs ${image ?? 'no image'}`);
  },
  replicas: (app, _, expected) => differs(app.workload.spec?.replicas, expected, `its ${app.workload.kind} keeps ${app.workload.spec?.replicas ?? 'no fixed count of'} replicas`),
  namespace: (app, _, expected) => differs(app.workload.metadata.namespace, expected, `its objects are in ${app.workload.metadata.namespace === undefined ? 'no namespace of their own' : `namespace ${app.workload.metadata.namespace}`}`),
  serviceType: (app, _, expected) => differs(app.service.spec?.type ?? 'ClusterIP', expected, `its Service is of type ${app.service.spec?.type ?? 'ClusterIP'}`),
  workload: (app, _, expected) => differs(app.workload.kind, expected, `its workload is a ${app.workload.kind}`),
  autoscaling: (app, objects, expected) => {
    const { minReplicas, maxReplicas, cpuUtilization } = expected as { minReplicas?: number; maxReplicas?: number; cpuUtilization?: number };
    const hpa = autoscaler(objects, app);
    const target = hpa?.spec?.metrics?.[0]?.resource?.target?.averageUtilization;
    const same = hpa !== undefined && hpa.spec?.maxReplicas === maxReplicas
      && (minReplicas === undefined || hpa.spec?.minReplicas === minReplicas) && (cpuUtilization === undefined || target === cpuUtilization);
    return same ? undefined : hpa ? `its autoscaler keeps ${hpa.spec?.minReplicas ?? 1} to ${hpa.spec?.maxReplicas} pods at ${target}% CPU` : 'it has no autoscaler';
  },
  domain: (app, objects, expected) => {
    const host = ingress(objects, app)?.spec?.rules?.[0]?.host;
    return differs(host, expected, host ? `its Ingress serves ${host}` : 'it has no Ingress');
  },
  staticIpName: (app, objects, expected) => {
    const address = ingress(objects, app)?.metadata.annotations?.[GKE_ANNOTATIONS.staticIp];
    return differs(address, expected, address ? `its Ingress takes the address ${address}` : 'its Ingress takes no reserved address');
  },
};

/**
 * Throws unless the app's HelloNodeApp, among the synthesized `objects`, carries every
 * setting in `settingEnv` (what the CLI passed the app, as variables).
 *
 * @throws NotDeployedError naming each setting the app ignored, what it has instead, and how to read them
 */
export function checkSettingsUsed(objects: readonly KubeObject[], settingEnv: Readonly<Record<string, string>>): void {
  const props = settingProps(fromEnv(settingEnv)) as Readonly<Record<string, unknown>>;
  // a project alone (exported for gcloud, or gcloud's own) asks for no image: an app with its own keeps it
  const imageAsked = ['HELLO_NODE_IMAGE', ...COMPOSING_SETTING_NAMES.filter((name) => name !== 'GCP_PROJECT')].some((name) => Boolean(settingEnv[name]));
  const passed = Object.entries(props).filter(([prop, value]) => value !== undefined && (prop !== 'image' || imageAsked));
  if (passed.length === 0) {
    return;
  }
  const apps = findHelloNodeApps(objects);
  const given = Object.entries(settingEnv).map(([name, value]) => `${name}=${value}`).join(' ');
  if (apps.length === 0) {
    throw new NotDeployedError(`the app has no HelloNodeApp to take the settings hello-node passed (${given}): nothing was applied; build it with new HelloNodeApp(chart, 'app', HelloNodeSettings.appliedTo({ /* its props */ })) (docs/user-guide.md, "In your own project")`);
  }
  const ignored = passed.flatMap(([prop, value]) => {
    const instead = CHECKS[prop]?.(apps[0], objects, value);
    return instead === undefined ? [] : [`${prop} ${JSON.stringify(value)} (${instead})`];
  });
  if (ignored.length > 0) {
    throw new NotDeployedError(`the app ignored settings hello-node passed it (of ${given}): HelloNodeApp "${apps[0].name}" did not take ${ignored.join('; ')}; nothing was applied: give it its props through HelloNodeSettings.appliedTo, new HelloNodeApp(chart, '${apps[0].name}', HelloNodeSettings.appliedTo(yourProps)) (docs/user-guide.md, "In your own project")`);
  }
}
