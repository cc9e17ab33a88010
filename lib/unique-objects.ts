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

const checkedRoots = new WeakSet<IConstruct>();

/**
 * Makes the synth of `scope`'s app fail with a {@link DuplicateObjectError} when two
 * of its objects would be the same object in the cluster. Idempotent: the check is
 * added to the app's root once, and runs when the app (or a chart of it) is synthesized,
 * over every object, whichever construct made it.
 */
export function ensureUniqueObjects(scope: IConstruct): void {
  const root = scope.node.root;
  if (checkedRoots.has(root)) {
    return;
  }
  checkedRoots.add(root);
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
      return [];
    },
  });
}
