import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { LibraryError } from './validation';

/**
 * Two objects in one app with the same API group, kind, namespace and name: `kubectl
 * apply` would quietly let the second overwrite the first. Stock cdk8s writes both;
 * an app with a {@link HelloNodeApp} fails its synth with this error instead.
 *
 * Hidden from the jsii assembly, as {@link ValidationError} is, for the same reason.
 *
 * @internal
 */
export class DuplicateObjectError extends LibraryError {
  constructor(description: string, first: string, second: string) {
    super(`${description} is defined twice in the app, by ${first} and by ${second}: kubectl apply would let the second overwrite the first; give one of them another name or namespace`);
    this.name = 'DuplicateObjectError';
  }
}

/** Two of an app's workloads selecting the same pods: reported by its message, as a DuplicateObjectError is. */
class OverlappingSelectorError extends LibraryError {
  constructor(message: string) {
    super(message);
    this.name = 'OverlappingSelectorError';
  }
}

/** The pods a workload of the app selects: in `namespace` (undefined: kubectl's), those with every one of `labels`. */
export interface PodSelection {
  readonly namespace?: string;
  readonly labels: { readonly [key: string]: string };
}

/** The selections of each app's workloads, by the app's root. */
const selectionsByRoot = new WeakMap<IConstruct, { path: string; selection: PodSelection }[]>();

/**
 * Makes the synth of `scope`'s app fail with a {@link DuplicateObjectError} when two
 * of its objects would be the same object in the cluster, or when the pods one
 * workload of the app selects (`selection`, given by each HelloNodeApp) include
 * another's: two controllers would fight over the same pods, and each Service would
 * send traffic to both. The check is added to the app's root once, and runs when the
 * app (or a chart of it) is synthesized, over every object, whichever construct made it.
 */
export function ensureUniqueObjects(scope: IConstruct, selection?: PodSelection): void {
  const root = scope.node.root;
  const selections = selectionsByRoot.get(root);
  if (selections) {
    selections.push(...(selection ? [{ path: scope.node.path, selection }] : []));
    return;
  }
  selectionsByRoot.set(root, selection ? [{ path: scope.node.path, selection }] : []);
  root.node.addValidation({
    validate: () => {
      const seen = new Map<string, ApiObject>();
      for (const construct of root.node.findAll()) {
        if (!ApiObject.isApiObject(construct)) {
          continue;
        }
        const { apiGroup, kind, name } = construct;
        const namespace = construct.metadata.namespace;
        const key = JSON.stringify([apiGroup, kind, namespace ?? null, name]);
        const first = seen.get(key);
        if (first) {
          // Thrown rather than returned: cdk8s would wrap a returned message in a
          // multi-line report under the root's empty path.
          const where = namespace === undefined ? 'with no namespace' : `in namespace "${namespace}"`;
          throw new DuplicateObjectError(`${kind} "${name}" ${where}`, first.node.path, construct.node.path);
        }
        seen.set(key, construct);
      }
      // after the objects: two apps of one name are first two objects of one name
      checkSelectionsApart(selectionsByRoot.get(root) ?? []);
      return [];
    },
  });
}

/**
 * Throws when one selection's labels are all among another's in the same namespace
 * (its selector matches the other's pods). Indexed by label, so that an app of
 * thousands of workloads with labels of their own is checked in linear time.
 */
function checkSelectionsApart(selections: readonly { path: string; selection: PodSelection }[]): void {
  const byLabel = new Map<string, number[]>();
  const keyOf = (namespace: string | undefined, label: string, value: string) => JSON.stringify([namespace ?? null, label, value]);
  selections.forEach(({ selection }, i) => {
    for (const [label, value] of Object.entries(selection.labels)) {
      const key = keyOf(selection.namespace, label, value);
      const holders = byLabel.get(key);
      if (holders) {
        holders.push(i);
      } else {
        byLabel.set(key, [i]);
      }
    }
  });
  selections.forEach(({ path, selection }, i) => {
    const candidates = Object.entries(selection.labels).map(([label, value]) => byLabel.get(keyOf(selection.namespace, label, value)) ?? []);
    const fewest = candidates.reduce((a, b) => (b.length < a.length ? b : a), candidates[0] ?? []);
    const other = fewest.find((j) => j !== i && candidates.every((c) => c.includes(j)));
    if (other !== undefined) {
      const where = selection.namespace === undefined ? 'with no namespace' : `in namespace "${selection.namespace}"`;
      throw new OverlappingSelectorError(`HelloNodeApp "${path}" selects the pods of HelloNodeApp "${selections[other].path}" ${where} (its labels ${JSON.stringify(selection.labels)} are all among the other's, ${JSON.stringify(selections[other].selection.labels)}): their workloads would fight over the same pods, and each Service would send traffic to both; give each app a label of its own`);
    }
  });
}
