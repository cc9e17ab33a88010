/**
 * Who owns which field of an object changed outside deploy (written by a client-side
 * `kubectl apply`, or with containers changed by hand), what the deploy takes over, and
 * what its server-side apply then leaves, computed ahead for `diff` and the deploy's check.
 *
 * `kubectl apply --server-side` migrates the fields that client-side apply owned to its
 * own field manager before it applies again (kubernetes/kubernetes#112905), so that the
 * fields the manifests no longer have are removed. Its server-side dry run, and
 * `kubectl diff --server-side`, skip the migration and show those fields staying
 * (kubernetes/kubernetes#125607). This module repeats the migration and the pruning of
 * the apply that follows it on the dry run's result, so that the API server can be
 * asked for the object that the apply will leave.
 *
 * Sources: staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go (`migrateToSSAIfNecessary`),
 * staging/src/k8s.io/client-go/util/csaupgrade/upgrade.go (`UpgradeManagedFieldsPatch`),
 * and sigs.k8s.io/structured-merge-diff merge/update.go (`prune`, `addBackOwnedItems`,
 * `addBackDanglingItems`) for what an apply removes.
 */

/**
 * A managed-fields entry's set of fields (`fieldsV1`): a trie whose keys are path
 * elements (`f:<field>`, `k:<list item's keys as JSON>`, `v:<set item as JSON>`,
 * `i:<index>`) and `.` for the node itself.
 */
export interface FieldSet {
  readonly [element: string]: FieldSet;
}

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion?: string;
  readonly subresource?: string;
  readonly fieldsType?: string;
  readonly fieldsV1?: FieldSet;
}

/** A JSON value of an object, as the API server returned it. */
type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

const LAST_APPLIED = ['f:metadata', 'f:annotations', 'f:kubectl.kubernetes.io/last-applied-configuration'];

/** Whether `set` has the node at `path` itself (a leaf, or a node with `.`), not only fields under it. */
function hasMember(set: FieldSet | undefined, path: readonly string[]): boolean {
  const node = path.reduce<FieldSet | undefined>((at, element) => at?.[element], set);
  return node !== undefined && (Object.keys(node).length === 0 || '.' in node);
}

/** The union of two sets. */
function union(a: FieldSet | undefined, b: FieldSet | undefined): FieldSet {
  const merged: Record<string, FieldSet> = { ...a };
  for (const [element, below] of Object.entries(b ?? {})) {
    merged[element] = union(merged[element], below);
  }
  return merged;
}

/**
 * The managers of client-side applies, as kubectl finds them: the `Update` entries that
 * own the last-applied-configuration annotation (`kubectl apply` without
 * `--server-side`, and `kubectl edit` or `kubectl create --save-config`, which keep it).
 */
export function clientSideAppliers(entries: readonly ManagedFieldsEntry[]): string[] {
  return [...new Set(entries.filter((e) => e.operation === 'Update' && hasMember(e.fieldsV1, LAST_APPLIED)).map((e) => e.manager))];
}

const isMainUpdateBy = (manager: string) => (e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Update' && !e.subresource;
const isMainApplyBy = (manager: string) => (e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Apply' && !e.subresource;

/**
 * The managed fields after kubectl's migration of `clientSide` managers' fields to the
 * `Apply` entry of `manager`, as csaupgrade's `UpgradeManagedFields` makes them: each
 * client-side manager's entry of the same API version is merged into it (or becomes it,
 * when there is none), and that manager's other `Update` entries are dropped.
 */
export function migratedManagedFields(entries: readonly ManagedFieldsEntry[], clientSide: readonly string[], manager: string): ManagedFieldsEntry[] {
  let migrated = [...entries];
  for (const name of clientSide) {
    let index = migrated.findIndex(isMainApplyBy(manager));
    if (index < 0) {
      index = migrated.findIndex(isMainUpdateBy(name));
      if (index < 0) {
        continue;
      }
      migrated[index] = { ...migrated[index], manager, operation: 'Apply' };
    }
    const target = migrated[index];
    const merged = migrated.find((e) => isMainUpdateBy(name)(e) && e.apiVersion === target.apiVersion);
    migrated[index] = { ...target, fieldsV1: union(target.fieldsV1, merged?.fieldsV1) };
    migrated = migrated.filter((e) => !isMainUpdateBy(name)(e));
  }
  return migrated;
}

/** The element under which `set` holds list item `item` (at `index`), if it holds it. */
function itemElement(set: FieldSet | undefined, item: Value, index: number): string | undefined {
  return Object.keys(set ?? {}).find((element) => {
    if (element.startsWith('k:')) {
      const keys = JSON.parse(element.slice(2)) as Record<string, Value>;
      return typeof item === 'object' && item !== null && !Array.isArray(item)
        && Object.entries(keys).every(([key, value]) => JSON.stringify((item as Record<string, Value>)[key]) === JSON.stringify(value));
    }
    if (element.startsWith('v:')) {
      return element.slice(2) === JSON.stringify(item);
    }
    return element === `i:${index}`;
  });
}

const REMOVED = Symbol('removed');

/**
 * `value` without what an apply removes, as structured-merge-diff's `prune` leaves it:
 * a node that the applier owned before (`last`) goes when no manager owns it now
 * (`managed`) and nothing under it stays; what the applier never owned stays. A
 * struct's field counts as owned wherever a set holds anything under it (`named`), as
 * `EnsureNamedFieldsAreMembers` makes it.
 */
function pruned(value: Value, last: FieldSet | undefined, managed: FieldSet | undefined, named: boolean): Value | typeof REMOVED {
  const owns = (set: FieldSet | undefined) => set !== undefined && (named || Object.keys(set).length === 0 || '.' in set);
  if (last === undefined) {
    return value;
  }
  if (Object.keys(last).length === 0) {
    // a leaf: a scalar, or an atomic list or map, owned whole
    return owns(managed) ? value : REMOVED;
  }
  let kept = value;
  let below = 0;
  if (Array.isArray(value)) {
    const items = (value as readonly Value[]).map((item, i) => {
      const lastElement = itemElement(last, item, i);
      const managedElement = itemElement(managed, item, i);
      const kept = pruned(item, lastElement === undefined ? undefined : last[lastElement], managedElement === undefined ? undefined : managed?.[managedElement], false);
      // a kept item of a keyed list keeps its keys, which name it
      return kept !== REMOVED && lastElement?.startsWith('k:') ? { ...(kept as Record<string, Value>), ...(JSON.parse(lastElement.slice(2)) as Record<string, Value>) } : kept;
    }).filter((item): item is Value => item !== REMOVED);
    kept = items;
    below = items.length;
  } else if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).map(([key, field]) => [key, pruned(field, last[`f:${key}`], managed?.[`f:${key}`], true)] as const)
      .filter((entry): entry is readonly [string, Value] => entry[1] !== REMOVED);
    kept = Object.fromEntries(fields);
    below = fields.length;
  }
  return owns(last) && !owns(managed) && below === 0 ? REMOVED : kept;
}

const CONTAINERS = ['f:spec', 'f:template', 'f:spec', 'f:containers'];

/** What `set` holds of its pod template's containers (`f:spec.f:template.f:spec.f:containers`), alone. */
function containerFields(set: FieldSet | undefined): FieldSet {
  const containers = CONTAINERS.reduce<FieldSet | undefined>((at, element) => at?.[element], set);
  return containers === undefined || Object.keys(containers).length === 0 ? {} : CONTAINERS.reduceRight<FieldSet>((below, element) => ({ [element]: below }), containers);
}

/**
 * `set` without what it holds of its pod template's containers: a node left with
 * nothing under it goes too (an empty node would mean the whole field, `{}`).
 */
function withoutContainerFields(set: FieldSet | undefined, path: readonly string[] = CONTAINERS): FieldSet | undefined {
  if (set === undefined || !(path[0] in set)) {
    return set;
  }
  const [head, ...rest] = path;
  const { [head]: below, ...others } = set;
  const left = rest.length === 0 ? undefined : withoutContainerFields(below, rest);
  const result = left === undefined ? others : { ...others, [head]: left };
  return Object.keys(result).length === 0 ? undefined : result;
}

/**
 * The managed fields `hello-node deploy` gives its `manager` before it applies, so that
 * its apply removes in the same write what the manifests do not set, or undefined when
 * there is nothing to take:
 * - a client-side apply's fields, as kubectl's migration gives them (`kubectl apply
 *   --server-side` would itself, at its first server-side apply of the object, whatever
 *   the field manager: the deploy's hand-over of a replica count included);
 * - every other manager's fields of the pod template's containers (`kubectl set env`,
 *   `kubectl set resources`, `kubectl edit`): a server-side apply never removes a field
 *   another manager owns, and every pod the workload makes would have it. The template's
 *   metadata stays theirs: `kubectl rollout restart` writes there.
 * Nothing the object does changes: only who owns which field.
 */
export function takenOver(entries: readonly ManagedFieldsEntry[], manager: string, apiVersion: string | undefined): ManagedFieldsEntry[] | undefined {
  const clientSide = clientSideAppliers(entries);
  const migrated = clientSide.length === 0 ? [...entries] : migratedManagedFields(entries, clientSide, manager);
  const handMade = migrated.filter((e) => !isMainApplyBy(manager)(e)).reduce<FieldSet>((set, e) => union(set, containerFields(e.fieldsV1)), {});
  if (clientSide.length === 0 && Object.keys(handMade).length === 0) {
    return undefined;
  }
  if (Object.keys(handMade).length === 0) {
    return migrated;
  }
  const taken = migrated.flatMap((e): ManagedFieldsEntry[] => {
    if (isMainApplyBy(manager)(e)) {
      return [{ ...e, fieldsV1: union(e.fieldsV1, handMade) }];
    }
    const left = withoutContainerFields(e.fieldsV1);
    return left === undefined ? [] : [{ ...e, fieldsV1: left }];
  });
  return taken.some(isMainApplyBy(manager)) ? taken : [...taken, { manager, operation: 'Apply', apiVersion, fieldsType: 'FieldsV1', fieldsV1: handMade }];
}

/**
 * The object that `hello-node deploy` leaves, from `merged`, what a server-side apply
 * by `manager` of the manifests returned before the deploy took over the fields
 * ({@link takenOver}): its server-side dry run's result. Its apply then removes the
 * fields taken over that the manifests do not set and no other manager owns. Undefined
 * when there is nothing to take over: the apply's own result is what stays. The result
 * still has to be defaulted and validated by the API server, as the real write is.
 */
export function asDeployLeaves<T extends { apiVersion?: string; metadata: { managedFields?: readonly ManagedFieldsEntry[] } }>(merged: T, manager: string): T | undefined {
  const entries = merged.metadata.managedFields ?? [];
  const taken = takenOver(entries, manager, merged.apiVersion);
  if (taken === undefined) {
    return undefined;
  }
  const appliedSet = entries.find(isMainApplyBy(manager))?.fieldsV1 ?? {};
  // a Secret's stringData is written into its data, which the API server stores alone
  const applied = appliedSet['f:stringData'] ? union(appliedSet, { 'f:data': appliedSet['f:stringData'] }) : appliedSet;
  const last = taken.find(isMainApplyBy(manager))?.fieldsV1;
  // after the apply, the manager owns what the manifests set, as now
  const managed = taken.filter((e) => !isMainApplyBy(manager)(e)).reduce<FieldSet>((set, e) => union(set, e.fieldsV1), applied);
  const { managedFields, ...metadata } = merged.metadata;
  // the object itself is never removed: its name and kind are the manifest's
  return pruned({ ...merged, metadata } as unknown as Value, last, managed, false) as unknown as T;
}
