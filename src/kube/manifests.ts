/**
 * The synthesized manifests on their way to the cluster. dist/ stays exactly as cdk8s
 * wrote it; what is applied is a copy that carries two things for the CLI's own
 * bookkeeping: kubectl's ApplySet label (which objects this app applied, so that a
 * later deploy prunes exactly those), and on each ReplicationController's pod template
 * a hash of that template (so that the rollout can tell its old pods from its new
 * ones, which Kubernetes does not record for a ReplicationController).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeObject, TEMPLATE_HASH_ANNOTATION } from './cluster-state';
import { stringifyManifests } from '../../lib/manifest-yaml';

/** kubectl's label for the members of an ApplySet (KEP-3659). */
export const APPLYSET_PART_OF_LABEL = 'applyset.kubernetes.io/part-of';

/**
 * The ID of the ApplySet whose parent is the object `name` of `kind` and `group` in
 * `namespace`, as kubectl computes it (KEP-3659):
 * `applyset-<base64url(sha256("<name>.<namespace>.<kind>.<group>"))>-v1`. The CLI's
 * parent is a Secret (kind Secret, no group), kubectl's default.
 */
export function applySetId(name: string, namespace: string, kind = 'Secret', group = ''): string {
  const digest = createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url');
  return `applyset-${digest}-v1`;
}

/** The objects a document holds: itself, or a List's items (which kubectl applies one by one). */
function itemsOf(obj: KubeObject & { items?: KubeObject[] }): KubeObject[] {
  return /List$/.test(obj.kind) && Array.isArray(obj.items) ? obj.items.flatMap(itemsOf) : [obj];
}

/** Every object of the manifests under `outdir` (any layout cdk8s writes), in file order, Lists opened. */
export function readManifests(outdir: string): KubeObject[] {
  const files = fs.readdirSync(outdir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return files.flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((obj): obj is KubeObject => obj !== null)
    .flatMap(itemsOf));
}

/** The hash of a pod template: the same template always hashes the same. */
function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 16);
}

/**
 * The copy of `objects` that is applied: with the templates' hashes, and with the
 * label of the ApplySet `applySet` when given (kubectl's own ApplySet apply adds it
 * itself, and refuses input that already has it).
 */
export function forCluster(objects: readonly KubeObject[], applySet?: string): KubeObject[] {
  return objects.map((obj) => {
    const copy = structuredClone(obj) as KubeObject & { metadata: { labels?: Record<string, string> }; spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
    if (applySet !== undefined) {
      copy.metadata.labels = { ...copy.metadata.labels, [APPLYSET_PART_OF_LABEL]: applySet };
    }
    if (copy.kind === 'ReplicationController' && copy.spec?.template) {
      const template = copy.spec.template;
      template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [TEMPLATE_HASH_ANNOTATION]: templateHash(obj.spec?.template) } };
    }
    return copy;
  });
}

/**
 * Objects as one YAML stream, for `kubectl ... -f -`, written as the synth writes
 * dist/: kubectl reads YAML 1.1, where an unquoted `yes` or `0755` is not a string.
 */
export function toYamlStream(objects: readonly KubeObject[]): string {
  return stringifyManifests(objects);
}

/** `kind/name` as kubectl names an object (`replicationcontroller/hello-node-rc`). */
export const refOf = (obj: KubeObject): string => `${obj.kind.toLowerCase()}/${obj.metadata.name}`;
