/**
 * What a deploy's apply will leave in the cluster, asked of the API server before
 * anything is written: for the deploy's own check, and for `diff`.
 *
 * A server-side dry run shows it, except for objects changed outside deploy: written by
 * a client-side `kubectl apply`, or with containers changed by hand. The deploy takes
 * those fields over and its apply removes the ones the manifests do not set, which the
 * dry run cannot show (client-side-apply.ts). For those, the result is computed from
 * the dry run's and checked by the API server with a dry-run update, which defaults and
 * validates it as the apply's own write is.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { asDeployLeaves, ManagedFieldsEntry, takenOver } from '../kube/client-side-apply';
import { KubeObject } from '../kube/cluster-state';
import { FIELD_MANAGER, getObjects, kubectl, kubectlCommand } from '../kube/kubectl';
import { qualifiedRefOf } from '../kube/applyset';
import { refOf, toYamlStream } from '../kube/manifests';
import { Runner, ToolCommand, ToolFailedError } from '../exec/tools';
import { CliError } from '../exec/errors';

type Written = KubeObject & { metadata: { managedFields?: readonly ManagedFieldsEntry[]; resourceVersion?: string } };

/** An object changed outside deploy: as it is, and as the deploy will leave it. */
export interface Migrating {
  readonly live: KubeObject;
  readonly after: KubeObject;
}

/**
 * The objects kubectl printed with `--output=json`: one object, a List, or (from an
 * apply or replace of several) objects one after another.
 */
export function itemsOf(json: string): Written[] {
  const items: Written[] = [];
  let start = -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
    } else if (c === '{') {
      start = depth++ === 0 ? i : start;
    } else if (c === '}' && --depth === 0) {
      const parsed = JSON.parse(json.slice(start, i + 1)) as Written & { items?: Written[] };
      items.push(...(parsed.items ?? [parsed]));
    }
  }
  return items;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** How many times the preview looks again when an object changed while it computed (kubectl's migration: maxPatchRetry, 5). */
const CONFLICT_RETRIES = 5;

/** `obj` with its last-applied annotation set to `value`, or without one. */
function withAnnotation(obj: Written, value: string | undefined): Written {
  const { [LAST_APPLIED]: _, ...others } = obj.metadata.annotations ?? {};
  const annotations = value === undefined ? others : { ...others, [LAST_APPLIED]: value };
  return { ...obj, metadata: { ...obj.metadata, annotations: Object.keys(annotations).length > 0 ? annotations : undefined } };
}

/**
 * Runs `apply` (a server-side apply of the manifests) as a server-side dry run, and
 * returns the objects changed outside deploy, with what the deploy will leave of each. Throws, as kubectl does, when the API server refuses an object, or
 * refuses what the apply would leave of one (its migration can remove a field that
 * another manager's field needs).
 */
export async function previewApply(runner: Runner, namespace: string | undefined, apply: ToolCommand, attempt = 1): Promise<Migrating[]> {
  const dryRun = await kubectl(runner, {
    ...apply,
    args: [...apply.args, '--dry-run=server', '--output=json', '--show-managed-fields'],
    inputNote: `${apply.inputNote} (checked by the API server, changing nothing)`,
  });
  if (runner.dryRun) {
    runner.say('# then: each object still changed outside deploy (a client-side kubectl apply, or by hand) as the deploy leaves it, which that dry run cannot show (kubernetes/kubernetes#125607), checked by the API server with kubectl replace --dry-run=server');
    return [];
  }
  const afters = itemsOf(dryRun).map((merged) => asDeployLeaves(merged, FIELD_MANAGER)).filter((after): after is Written => after !== undefined);
  if (afters.length === 0) {
    return [];
  }
  let replaced: Written[];
  try {
    replaced = itemsOf(await kubectl(runner, {
      ...kubectlCommand(namespace, 'replace', '--dry-run=server', `--field-manager=${FIELD_MANAGER}`, '--output=json', '-f', '-'),
      // kubectl replace rewrites a last-applied annotation it finds: it goes back below
      input: toYamlStream(afters.map((o) => withAnnotation(o, undefined))),
      inputNote: '< (each object changed outside deploy, as the deploy will leave it)',
    })).map((o, i) => withAnnotation(o, afters[i].metadata.annotations?.[LAST_APPLIED]));
  } catch (err) {
    // an object changed meanwhile (a pod's status, an autoscaler's count): look again, as kubectl's own migration does
    if (isConflict(err)) {
      if (attempt < CONFLICT_RETRIES) {
        return previewApply(runner, namespace, apply, attempt + 1);
      }
      throw new CliError(`${afters.map(refOf).join(', ')} kept changing while hello-node computed what the deploy would leave of ${afters.length === 1 ? 'it' : 'them'} (${CONFLICT_RETRIES} tries): nothing was applied; run it again`);
    }
    if (err instanceof ToolFailedError) {
      const why = err.stderr.split('\n').find((line) => /^(Error from server|The \S+ "[^"]+" is invalid)/.test(line)) ?? err.stderr.trim().split('\n')[0];
      throw new CliError(`the API server refuses what the deploy would leave of ${afters.map(refOf).join(', ')}, changed outside deploy (a client-side kubectl apply, or by hand), once it removed what the manifests do not set: ${why}; nothing was applied: set those fields in the manifests, or delete the object for the deploy to make it anew (docs/user-guide.md, "Objects changed outside deploy")`);
    }
    throw err;
  }
  const live = await getObjects(runner, namespace, ...replaced.map(qualifiedRefOf));
  return replaced.map((after) => ({ after, live: live.find((o) => qualifiedRefOf(o) === qualifiedRefOf(after) && o.metadata.namespace === after.metadata.namespace) ?? after }));
}

/**
 * Before the deploy's apply, gives the CLI's field manager the fields of the live
 * objects among `objects` that it takes over ({@link takenOver}: a client-side apply's,
 * and what was changed by hand in a pod template's containers), so that the apply
 * removes in one write what the manifests do not set: one rollout, not one for the
 * apply and one for an undo. A JSON patch of the managed fields alone, as kubectl's own
 * migration sends it, tested against the object's resourceVersion (looked at again
 * when it changed meanwhile).
 */
export async function takeOwnership(runner: Runner, namespace: string | undefined, objects: readonly KubeObject[], attempt = 1): Promise<void> {
  if (runner.dryRun) {
    runner.say(`# then: the fields of the live objects that a client-side kubectl apply set, or that were changed by hand in a pod template's containers, handed to ${FIELD_MANAGER} (kubectl patch --type=json of their managed fields), so that the apply removes those the manifests do not set`);
    return;
  }
  const live = objects.length === 0 ? [] : await getObjects(runner, namespace, ...objects.map(qualifiedRefOf), '--show-managed-fields') as Written[];
  for (const obj of live) {
    const taken = takenOver(obj.metadata.managedFields ?? [], FIELD_MANAGER, obj.apiVersion);
    if (taken === undefined) {
      continue;
    }
    runner.say(`${refOf(obj)}: changed outside deploy (a client-side kubectl apply, or by hand): its fields go to ${FIELD_MANAGER}, and the apply removes those the manifests do not set`);
    const patch = [{ op: 'replace', path: '/metadata/managedFields', value: taken }, { op: 'replace', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }];
    try {
      await kubectl(runner, kubectlCommand(namespace, 'patch', qualifiedRefOf(obj), '--type=json', '--patch', JSON.stringify(patch)), false);
    } catch (err) {
      if (attempt < CONFLICT_RETRIES && isConflict(err)) {
        return takeOwnership(runner, namespace, objects, attempt + 1);
      }
      throw err;
    }
  }
}

const isConflict = (err: unknown) => err instanceof ToolFailedError && /\(Conflict\)|the object has been modified/.test(err.stderr);

/** An object as kubectl diff prints it: without managed fields, and with a Secret's values masked (`***`, `*** (before)`, `*** (after)`). */
function asDiffed(obj: KubeObject, other: KubeObject, side: 'before' | 'after'): string {
  const { managedFields, ...metadata } = obj.metadata as Written['metadata'] & { annotations?: Record<string, string> };
  const shown: Record<string, unknown> = { ...obj, metadata };
  if (obj.kind === 'Secret') {
    // the last-applied annotation holds the values too
    const annotation = obj.metadata.annotations?.[LAST_APPLIED];
    if (annotation !== undefined) {
      const masked = annotation === other.metadata.annotations?.[LAST_APPLIED] ? '***' : `*** (${side})`;
      metadata.annotations = { ...obj.metadata.annotations, [LAST_APPLIED]: masked };
    }
    for (const field of ['data', 'stringData']) {
      const values = (obj as unknown as Record<string, Record<string, string> | undefined>)[field];
      const others = (other as unknown as Record<string, Record<string, string> | undefined>)[field];
      if (values) {
        shown[field] = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, others?.[key] === value ? '***' : `*** (${side})`]));
      }
    }
  }
  return stringify(shown, { sortMapEntries: true });
}

/** kubectl diff's name for an object's file: `[group.]version.Kind.namespace.name`. */
const fileNameOf = (obj: KubeObject) => [...(obj.apiVersion ?? 'v1').split('/'), obj.kind, obj.metadata.namespace ?? '', obj.metadata.name].join('.');

/** The files kubectl diff would write for `migrating`: each object's name, and its YAML as it is and as it will be. */
export const diffFilesOf = (migrating: readonly Migrating[]): { name: string; live: string; merged: string }[] =>
  migrating.map(({ live, after }) => ({ name: fileNameOf(after), live: asDiffed(live, after, 'before'), merged: asDiffed(after, live, 'after') }));

/**
 * Compares `migrating` as kubectl diff compares objects: each one's live state and its
 * future in two directories, LIVE-* and MERGED-*, handed to the program that kubectl
 * diff runs (KUBECTL_EXTERNAL_DIFF, else `diff -u -N`), with the same exit codes.
 */
export async function diffMigrating(runner: Runner, migrating: readonly Migrating[], env: NodeJS.ProcessEnv): Promise<number> {
  const live = fs.mkdtempSync(path.join(os.tmpdir(), 'LIVE-'));
  const merged = fs.mkdtempSync(path.join(os.tmpdir(), 'MERGED-'));
  try {
    for (const file of diffFilesOf(migrating)) {
      fs.writeFileSync(path.join(live, file.name), file.live);
      fs.writeFileSync(path.join(merged, file.name), file.merged);
    }
    const program = diffProgram(env);
    // kubectl diff gives KUBECTL_EXTERNAL_DIFF's arguments after the two directories
    const args = program.program === undefined ? [...program.args, live, merged] : [live, merged, ...program.args];
    return (await runner.run({ ...program, args, okExitCodes: [1] })).exitCode;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CliError(`the objects to compare could not be written in ${os.tmpdir()} (${code}): free space there, or set TMPDIR to a directory that exists and can be written`);
    }
    throw err;
  } finally {
    fs.rmSync(live, { recursive: true, force: true });
    fs.rmSync(merged, { recursive: true, force: true });
  }
}

/**
 * The program kubectl diff runs: KUBECTL_EXTERNAL_DIFF split at spaces, keeping only
 * arguments of letters, digits, `-` and `=`, else `diff -u -N`.
 * Source: staging/src/k8s.io/kubectl/pkg/cmd/diff/diff.go, `NewDiffProgram`.
 */
export function diffProgram(env: NodeJS.ProcessEnv): ToolCommand {
  const external = env.KUBECTL_EXTERNAL_DIFF;
  if (!external?.trim()) {
    return { tool: 'diff', args: ['-u', '-N'] };
  }
  const [program, ...args] = external.trim().split(' ').filter(Boolean);
  return { tool: 'diff', program, args: args.filter((arg) => /^[a-zA-Z0-9-=]+$/.test(arg)) };
}
