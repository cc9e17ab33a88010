/**
 * Which app a command acts on. The app is the project's cdk8s app, and its name is the
 * `name` of its HelloNodeApp, read from the objects the app synthesizes: a user's app
 * called `shop` gets `shop-applyset`, `shop-deploy` and `shop-revision-<n>`, so that two
 * apps in one namespace never prune, lock or record over each other. An app with no
 * HelloNodeApp has no name, and is refused: two such apps would share one ApplySet.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { HELLO_NODE_APP_DEFAULTS, resolveHelloNodeApp, ValidationError, Workload } from '../../lib/internal';
import { KubeObject } from '../kube/cluster-state';
import { readManifests } from '../kube/manifests';
import { DEFAULT_OUTDIR, outputDirOf, synthCommand } from '../synth/synth-command';

/** A HelloNodeApp found among synthesized objects: its name, workload and Service. */
export interface FoundApp {
  readonly name: string;
  readonly workload: KubeObject;
  readonly service: KubeObject;
}

type WithContainers = KubeObject & { spec?: { template?: { spec?: { containers?: readonly { name?: string }[] } } } };

/**
 * The HelloNodeApps among `objects`, by the names HelloNodeApp gives its objects
 * (lib/hello-node-props.ts): a workload `<name>-rc` or `<name>-deployment` whose
 * container is `<name>`, and a Service `<name>-svc` in the same namespace.
 */
export function findHelloNodeApps(objects: readonly KubeObject[]): FoundApp[] {
  return objects.flatMap((workload) => {
    if (!(Object.values(Workload) as string[]).includes(workload.kind)) {
      return [];
    }
    const containers = (workload as WithContainers).spec?.template?.spec?.containers ?? [];
    return containers.flatMap(({ name }) => {
      const names = objectNamesOf(name, workload.kind as Workload);
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === names?.service && o.metadata.namespace === workload.metadata.namespace);
      return names?.workload === workload.metadata.name && service && name ? [{ name, workload, service }] : [];
    });
  });
}

/** The names HelloNodeApp gives its objects, when `name` is a name it takes. */
function objectNamesOf(name: string | undefined, workload: Workload): { workload: string; service: string } | undefined {
  try {
    return name === undefined ? undefined : resolveHelloNodeApp({ name, workload }).objectNames;
  } catch (err) {
    if (err instanceof ValidationError) {
      return undefined;
    }
    throw err;
  }
}

/**
 * The app's name, from its synthesized objects.
 *
 * @param source where they came from, for the error (`dist/`)
 * @throws ValidationError when they hold several HelloNodeApps, or none: one app, one name
 */
export function appNameOf(objects: readonly KubeObject[], source: string): string {
  const names = [...new Set(findHelloNodeApps(objects).map((app) => app.name))];
  if (names.length !== 1) {
    throw new ValidationError(`the cdk8s app's objects (${source})`, names.join(', ') || 'no HelloNodeApp', names.length === 0
      ? 'hold no HelloNodeApp, whose name names the app\'s ApplySet, Lease and history (another app without one would share them, and prune this one\'s objects): give the app a HelloNodeApp'
      : 'hold several HelloNodeApps, and hello-node deploys one app, named after its HelloNodeApp: keep one HelloNodeApp per cdk8s project');
  }
  return names[0];
}

/**
 * The app's name, for a command before (or without) its own synth: from a synth of the
 * app printed to memory, which leaves the output directory alone; or, unless `fresh`,
 * from the manifests of the last synth (the output directory), when they name one app.
 * A command that deletes or changes what is deployed (teardown, rollback, scale) asks
 * for it `fresh`: a stale or copied output directory must not make it act on another
 * app. Where there is no cdk8s app (no cdk8s.yaml), HelloNodeApp's default name.
 */
export async function appName(projectRoot: string, env: NodeJS.ProcessEnv, fresh = false): Promise<string> {
  if (!fs.existsSync(path.join(projectRoot, 'cdk8s.yaml'))) {
    return HELLO_NODE_APP_DEFAULTS.name;
  }
  const outdir = path.resolve(projectRoot, outputDirOf(projectRoot, { stdout: false }, env) ?? DEFAULT_OUTDIR);
  const written = !fresh && fs.existsSync(outdir) ? readManifests(outdir) : [];
  if (written.length > 0) {
    try {
      return appNameOf(written, `${path.relative(projectRoot, outdir) || '.'}/`);
    } catch (err) {
      // a last output of no app, or of several, may be older than the app: it decides
      if (!(err instanceof ValidationError)) {
        throw err;
      }
    }
  }
  let text = '';
  await synthCommand({
    projectRoot,
    flags: { stdout: true },
    env,
    verbose: false,
    progress: () => undefined,
    warn: () => undefined,
    write: (chunk) => {
      text += chunk;
    },
  });
  const objects = parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject | null).filter((obj): obj is KubeObject => obj !== null);
  return appNameOf(objects, 'a synth of the app');
}
