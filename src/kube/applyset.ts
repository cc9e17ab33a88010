/**
 * The app's ApplySet: kubectl's record of which objects the app's deploys applied
 * (KEP-3659, `kubectl apply --applyset --prune`), and the one source of truth for
 * every command that acts on "the app" (status, url, scale, teardown, diff's prune
 * list): all charts of main.ts, and never an object no deploy applied, whatever its
 * labels.
 *
 * The record is a Secret (the parent) in one namespace. kubectl takes that namespace
 * only from `--namespace`, never from the kubeconfig, and refuses input whose objects
 * name another one, so one ApplySet spans one namespace: the app's objects are all in
 * it. Its members carry the label `applyset.kubernetes.io/part-of=<id>`; the parent's
 * annotations list their kinds (`contains-group-kinds`), which is where kubectl (and
 * so this module) looks for them.
 * (staging/src/k8s.io/kubectl/pkg/cmd/apply/applyset.go in kubernetes/kubernetes)
 */
import { ValidationError } from '../../lib/internal';
import { KubeObject } from './cluster-state';
import { contextNamespace, getObjects, kubectl, kubectlCommand } from './kubectl';
import { APPLYSET_PART_OF_LABEL, applySetId } from './manifests';
import { Runner, ToolFailedError } from '../exec/tools';
import { CliError } from '../exec/errors';

/** The parent's annotation that lists the members' group-kinds (`Deployment.apps,Service`). */
const CONTAINS_GROUP_KINDS = 'applyset.kubernetes.io/contains-group-kinds';

/**
 * The app a command acts on: its name, which names its ApplySet, deploy Lease and
 * release history (`<name>-applyset`, `<name>-deploy`, `<name>-revision-<n>`), so that
 * two apps in one namespace never touch each other's; and its namespace setting.
 */
export interface AppRef {
  /** The name of the app's HelloNodeApp (app-name.ts). */
  readonly name: string;
  /** HELLO_NODE_NAMESPACE (or --namespace), when set. */
  readonly namespace?: string;
}

/** Where the app's ApplySet record lives, and the ID its members are labelled with. */
export interface ApplySet {
  /** The app's name, which also names its Lease and its history's Secrets. */
  readonly app: string;
  /** The parent Secret's name. */
  readonly parent: string;
  /** The one namespace of the parent and of the app's namespaced objects. */
  readonly namespace: string;
  /** The value of the members' `applyset.kubernetes.io/part-of` label. */
  readonly id: string;
}

function applySetOf(app: string, namespace: string): ApplySet {
  const parent = `${app}-applyset`;
  return { app, parent, namespace, id: applySetId(parent, namespace) };
}

/** The app's ApplySet and where its namespace came from (for errors). */
export interface AppApplySet {
  readonly applySet: ApplySet;
  readonly namespaceSource: string;
}

/**
 * The app's ApplySet, from its name and namespace setting: the parent Secret
 * `<name>-applyset` in HELLO_NODE_NAMESPACE, else in the namespace of kubectl's
 * current context, as `kubectl apply -f dist/` would place the objects.
 */
export async function appApplySet(app: AppRef, runner: Runner): Promise<AppApplySet> {
  if (app.namespace !== undefined) {
    return { applySet: applySetOf(app.name, app.namespace), namespaceSource: 'HELLO_NODE_NAMESPACE or --namespace' };
  }
  return { applySet: applySetOf(app.name, await contextNamespace(runner)), namespaceSource: 'the namespace of kubectl\'s current context' };
}

/** Nothing (or not what the command needs) was deployed: the command cannot act. */
export class NotDeployedError extends CliError {}

/** `kind.group/name`, lower-case, as kubectl names an object unambiguously (`deployment.apps/web`). */
export const qualifiedRefOf = (obj: KubeObject): string => `${groupKindOf(obj).toLowerCase()}/${obj.metadata.name}`;

/** `Kind.group` as kubectl writes it in `contains-group-kinds` (the core group has no suffix). */
export function groupKindOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const slash = (obj.apiVersion ?? 'v1').indexOf('/');
  return slash < 0 ? obj.kind : `${obj.kind}.${(obj.apiVersion ?? '').slice(0, slash)}`;
}

/**
 * Refuses manifests that name a namespace other than the ApplySet's, before anything
 * runs: kubectl would refuse them halfway through a deploy. Objects that name none go
 * into the ApplySet's namespace.
 */
export function checkOneNamespace(objects: readonly KubeObject[], applySet: ApplySet, source: string): void {
  const stray = objects.find((o) => o.metadata.namespace !== undefined && o.metadata.namespace !== applySet.namespace);
  if (stray) {
    throw new ValidationError(`${stray.kind.toLowerCase()}/${stray.metadata.name}'s namespace`, stray.metadata.namespace ?? '',
      `differs from the app's namespace "${applySet.namespace}" (${source}): kubectl's ApplySet, which records what a deploy applied, spans one namespace; put every chart's objects in it, or leave their namespace unset`);
  }
}

/** The parent Secret as the cluster has it; undefined when no deploy has recorded the app. */
export async function getParent(runner: Runner, applySet: ApplySet): Promise<KubeObject | undefined> {
  const [parent] = await getObjects(runner, applySet.namespace, `secret/${applySet.parent}`);
  return parent;
}

/** The group-kinds the parent records its members to be. */
const recordedGroupKinds = (parent: KubeObject | undefined): string[] =>
  (parent?.metadata.annotations?.[CONTAINS_GROUP_KINDS] ?? '').split(',').filter(Boolean);

/**
 * Every live member of the ApplySet, found as kubectl's prune finds them: objects of
 * the kinds the parent records, in its namespace (or cluster-scoped), that carry the
 * part-of label. None when there is no parent: nothing was deployed. A recorded kind
 * the cluster no longer serves (its CustomResourceDefinition was deleted, and its
 * objects with it) is skipped, saying so, so that teardown still deletes the rest.
 */
export async function getMembers(runner: Runner, applySet: ApplySet, parent: KubeObject | undefined): Promise<KubeObject[]> {
  let kinds = recordedGroupKinds(parent);
  for (;;) {
    if (kinds.length === 0) {
      return [];
    }
    try {
      return await getObjects(runner, applySet.namespace, kinds.join(','), '--selector', `${APPLYSET_PART_OF_LABEL}=${applySet.id}`);
    } catch (err) {
      const unserved = err instanceof ToolFailedError ? /doesn't have a resource type "([^"]+)"/.exec(err.stderr)?.[1] : undefined;
      // kubectl names the kind without its group: "Foo" for Foo.example.com
      const named = unserved?.toLowerCase();
      const gone = kinds.filter((gk) => named !== undefined && [gk.toLowerCase(), gk.toLowerCase().split('.')[0]].includes(named));
      if (gone.length === 0) {
        throw err;
      }
      runner.say(`# secret/${applySet.parent} records ${gone.join(', ')}, which the cluster no longer serves: skipped`);
      kinds = kinds.filter((gk) => !gone.includes(gk));
    }
  }
}

/**
 * Objects that carry the ApplySet's label although it has no record: the record was
 * deleted by hand. Looked for in kubectl's `all` category (workloads, pods, Services),
 * the objects that cost money and serve traffic; a deploy writes the record again.
 */
export async function unrecordedMembers(runner: Runner, applySet: ApplySet): Promise<KubeObject[]> {
  return getObjects(runner, applySet.namespace, 'all', '--selector', `${APPLYSET_PART_OF_LABEL}=${applySet.id}`);
}

/** kubectl's annotation on the parent naming the tool that manages the ApplySet (`kubectl/v1.32.0`). */
const TOOLING = 'applyset.kubernetes.io/tooling';
/** kubectl's label on the parent carrying the ApplySet's ID. */
const PARENT_ID_LABEL = 'applyset.kubernetes.io/id';

/**
 * Makes the parent list every group-kind in `groupKinds` before a deploy's first
 * apply, as kubectl itself does before each of its ApplySet applies (its parent always
 * lists a superset of its members' kinds). A deploy applies, rolls out, and only then
 * runs kubectl's ApplySet apply, which prunes; without this, a deploy whose rollout
 * fails would leave objects that carry the part-of label but whose kind the record
 * does not list, and that status and teardown would never find.
 *
 * The parent is written as kubectl writes it: server-side, under kubectl's own field
 * manager for it (`kubectl-applyset`), with the ID label and the tooling annotation
 * kubectl checks (it compares only the tool's name, `kubectl`) and then rewrites.
 */
export async function recordGroupKinds(runner: Runner, applySet: ApplySet, parent: KubeObject | undefined, groupKinds: readonly string[]): Promise<void> {
  const recorded = recordedGroupKinds(parent);
  if (parent && groupKinds.every((gk) => recorded.includes(gk))) {
    return;
  }
  // under --dry-run only the command is printed, not what it applies
  const tooling = parent?.metadata.annotations?.[TOOLING] ?? (runner.dryRun ? 'kubectl' : `kubectl/${await kubectlVersion(runner)}`);
  const record = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: applySet.parent,
      namespace: applySet.namespace,
      labels: { [PARENT_ID_LABEL]: applySet.id },
      annotations: { [TOOLING]: tooling, [CONTAINS_GROUP_KINDS]: [...new Set([...recorded, ...groupKinds])].sort().join(',') },
    },
  };
  await kubectl(runner, {
    ...kubectlCommand(applySet.namespace, 'apply', '--server-side', '--field-manager=kubectl-applyset', '--force-conflicts', '-f', '-'),
    input: JSON.stringify(record),
    inputNote: `< (secret/${applySet.parent}: the ApplySet's record, listing ${record.metadata.annotations[CONTAINS_GROUP_KINDS] || 'the kinds of the manifests'})`,
  }, false);
}

/** kubectl's own version (`v1.32.0`), as it writes it in the tooling annotation. */
async function kubectlVersion(runner: Runner): Promise<string> {
  const text = await kubectl(runner, { tool: 'kubectl', args: ['version', '--client', '--output', 'json'] });
  return (JSON.parse(text) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
}

/** The live members of the app's ApplySet; under --dry-run, none (the commands are only printed). */
export async function appMembers(app: AppRef, runner: Runner): Promise<{ applySet: ApplySet; parent?: KubeObject; members: KubeObject[] }> {
  const { applySet } = await appApplySet(app, runner);
  const parent = await getParent(runner, applySet);
  return { applySet, parent, members: await getMembers(runner, applySet, parent) };
}

export const nothingDeployed = (applySet: ApplySet) =>
  new NotDeployedError(`nothing is deployed in namespace ${applySet.namespace}: there is no ApplySet record (secret/${applySet.parent}); \`hello-node deploy\` creates it`);
