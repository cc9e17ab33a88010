/**
 * The synth inside the cdk8s app: main.ts writes its manifests through here, whether
 * `hello-node synth` (synth-command.ts: `npm run synth`, `deploy`, `diff`, `up`) or
 * a bare `npx cdk8s synth` runs it.
 *
 * The manifests are written by cdk8s's own `app.synth()`, so every file, file name,
 * folder layout (all four `yamlOutputType`s), object, object order and
 * construct-metadata.json is exactly cdk8s's; only the YAML of each file is written
 * with strings quoted for YAML 1.1 and 1.2 readers alike (see manifest-yaml.ts), and
 * no file is written over another. Before anything is written, the type-check of
 * main.ts must pass.
 *
 * Under `hello-node synth`, the app writes into a staging directory that the command
 * puts in place once cdk8s-cli has succeeded: everything else is the command's. Under
 * a bare `cdk8s synth`, which deletes the output directory before it runs the app,
 * the app does what it can on its own (output-dir.ts):
 *
 * - **Atomic.** The app writes into a staging directory beside the output, which
 *   replaces the output only once everything is written. A failure (a bad prop, a
 *   full disk) leaves the previous output as it was.
 * - **Restored.** A copy of the last complete output is kept in the state directory
 *   beside it (`.dist.synth/`) and put back when the app fails.
 * - **One at a time.** A lock per output directory: a second synth fails at once
 *   saying another is running. What a killed synth left behind is swept by the next.
 * - **Interruptible.** SIGINT and SIGTERM are handled between steps: the output is
 *   left old and complete or new and complete, and the synth fails with
 *   {@link InterruptedError}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Yaml } from 'cdk8s';
import { ensureUniqueObjects } from './unique-objects';
import { LibraryError } from './validation';
import { LockedError } from './lock';
import { stringifyManifests } from './manifest-yaml';
import { checkOnlyOursIn, commitOutput, HELM_TEMPLATES, listFiles, lockOutput, makeStagingDir, Output, OutputDirectoryError, outputOf, restoreIfDeleted, STAGING_ENV } from './output-dir';
import { InterruptedError, watchTermination } from './signals';
import { startTypecheck, TypeCheckError } from './typecheck';

export interface SynthOptions {
  /**
   * The project's root directory (where cdk8s.yaml is, and where cdk8s runs the app):
   * refused as an output directory, as are its ancestors.
   * @default process.cwd()
   */
  readonly projectRoot?: string;
  /**
   * The app's entry file (main.ts), to type-check with the project's tsconfig.json
   * while the app runs (typecheck.ts): a type error fails the synth before the output
   * changes.
   * @default no type-check
   */
  readonly typecheck?: string;
}

/**
 * Builds `app` with `buildApp` and writes its manifests into `app.outdir`, atomically
 * and safely (see this module's comment). Two objects of the same kind, namespace and
 * name fail it with a `DuplicateObjectError` before anything is written.
 *
 * @returns the written files (manifests, and construct-metadata.json when cdk8s
 *   writes one), as paths inside `app.outdir`, sorted
 */
export async function synthesize(app: App, buildApp: (app: App) => void, options: SynthOptions): Promise<string[]> {
  const build = (built: App) => {
    buildApp(built);
    // every object of the app, whichever construct made it
    ensureUniqueObjects(built);
  };
  const target = path.resolve(app.outdir);
  const signals = watchSignals();
  const typecheck = options.typecheck === undefined ? undefined : startTypecheck(options.typecheck);
  /** Waits for the type-check, if any, before the output changes; throws TypeCheckError on a type error. */
  const typesChecked = async () => {
    try {
      await typecheck?.done;
    } finally {
      // Ctrl-C reaches tsc too: then the signal, not tsc's end, is why the synth stops
      await signals.checkpoint();
    }
  };
  try {
    if (isStagedByCaller(target)) {
      // `hello-node synth`, or `cdk8s synth --stdout`, made this directory for the app
      // and does the rest: there is no previous output here to keep or restore.
      build(app);
      await signals.checkpoint();
      await typesChecked();
      withManifestYaml(app, target, () => app.synth());
    } else if (process.env[STAGING_ENV]) {
      // under hello-node synth, which holds the output's lock and puts its staging directory in place
      throw new OutputDirectoryError(target, `is the App's own outdir, not the directory hello-node synth asked for (CDK8S_OUTDIR): give the App no outdir, and choose the output with --output`);
    } else {
      const output = outputOf(target, options.projectRoot ?? process.cwd());
      const release = lockOutput(output);
      try {
        await writeOutput(app, build, output, signals.checkpoint, typesChecked);
      } finally {
        release();
      }
    }
    await signals.checkpoint();
    return listFiles(target).map((file) => path.join(app.outdir, file));
  } finally {
    typecheck?.cancel();
    signals.stop();
  }
}

/**
 * A cdk8s app's synth that never loses a file: builds `app` with `build` (which adds
 * the app's charts) and writes its manifests into `app.outdir` as `app.synth()` would,
 * atomically, keeping the last complete output when anything fails, even under a
 * bare `npx cdk8s synth`, which deletes the output directory before it runs the app
 * (see this module's comment). Call it as a cdk8s app's entry point, in place of
 * `app.synth()`:
 *
 * ```ts
 * synthApp(new App(), (app) => {
 *   new HelloNodeApp(new Chart(app, 'shop'), 'shop', { name: 'shop', ...HelloNodeSettings.fromEnvironment() });
 * });
 * ```
 *
 * A failure is one line on stderr, `hello-node synth failed: <why>` (a stack trace only
 * for what is not the app's to fix: a bad prop or setting, two objects of one name and a
 * type error are one line), and the process's exit code: 1, or 128 + n after signal n.
 * TypeScript and JavaScript apps only (jsii has no functions for other languages).
 *
 * @returns a promise that settles once the output is in place or left as it was
 */
export function synthApp(app: App, build: (app: App) => void, options: SynthOptions = {}): Promise<void> {
  return synthesize(app, build, options).then(() => undefined, (err: Error) => {
    // the library's own errors (a bad prop or setting, a bad settings file, two objects of one name) are the app's to fix
    const expected = err instanceof LibraryError || err instanceof FileCollisionError || err instanceof TypeCheckError || err instanceof OutputDirectoryError || err instanceof LockedError || err instanceof InterruptedError;
    process.stderr.write(`hello-node synth failed: ${expected ? err.message : err.stack}\n`);
    process.exitCode = err instanceof InterruptedError ? err.exitCode : 1;
  });
}

/**
 * Whether someone else owns the output: `hello-node synth` (its staging directory, or
 * that directory's `templates/` under `--format helm`), or cdk8s-cli's `--stdout`,
 * which runs the app with CDK8S_OUTDIR set to a fresh `<tmpdir>/cdk8s-XXXXXX`.
 */
function isStagedByCaller(target: string): boolean {
  const staging = process.env[STAGING_ENV];
  if (staging && (target === path.resolve(staging) || target === path.resolve(staging, HELM_TEMPLATES))) {
    return true;
  }
  return path.dirname(target) === path.resolve(os.tmpdir()) && path.basename(target).startsWith('cdk8s-');
}

async function writeOutput(app: App, build: (app: App) => void, output: Output, checkpoint: () => Promise<void>, beforeCommit: () => Promise<void>): Promise<void> {
  let staging: string | undefined;
  try {
    checkOnlyOursIn(output, output.target, app.outputFileExtension);
    build(app);
    await checkpoint();
    staging = makeStagingDir(output);
    synthInto(app, staging);
    await checkpoint();
    await beforeCommit();
    commitOutput(output, staging);
    staging = undefined;
  } catch (err) {
    restoreIfDeleted(output);
    throw err;
  } finally {
    if (staging) {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
}

/** Runs app.synth() into `dir`, with manifests serialised by stringifyManifests. */
function synthInto(app: App, dir: string): void {
  const writable = app as { outdir: string };
  const outdir = writable.outdir;
  writable.outdir = dir;
  try {
    withManifestYaml(app, dir, () => app.synth());
  } finally {
    writable.outdir = outdir;
  }
}

/**
 * Two of the app's objects that cdk8s would write to one file, the second over the
 * first: with a file per resource, cdk8s names a file by kind and name alone, so a
 * Service `web` in namespace `staging` and another in `prod` share one.
 */
export class FileCollisionError extends Error {
  constructor(file: string, first: string, second: string) {
    super(`${first} and ${second} would both be written to ${file}, the second over the first: cdk8s names a file by the object's kind and name alone with this yamlOutputType; give one of them another name, or use another yamlOutputType`);
    this.name = 'FileCollisionError';
  }
}

/** The objects of a file, each with the construct that made it: `Service "web" in namespace "prod" (chart/web/service)`. */
function describeObjects(app: App, docs: readonly unknown[]): string {
  const apiObjects = app.node.findAll().filter(ApiObject.isApiObject);
  return docs.map((doc) => {
    const obj = (doc ?? {}) as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
    const made = apiObjects.find((a) => a.kind === obj.kind && a.apiVersion === obj.apiVersion && a.name === obj.metadata?.name && a.metadata.namespace === obj.metadata?.namespace);
    const where = obj.metadata?.namespace === undefined ? '' : ` in namespace "${obj.metadata.namespace}"`;
    return `${obj.kind} "${obj.metadata?.name}"${where}${made ? ` (${made.node.path})` : ''}`;
  }).join(', ');
}

/**
 * Runs `synth` with cdk8s's `Yaml.save`, which app.synth() writes every manifest file
 * through, replaced by one that serialises with stringifyManifests, and that refuses
 * to write a file twice ({@link FileCollisionError}): nothing is ever silently lost.
 * Only `save` is replaced: an app that calls `Yaml.stringify` itself (say, to embed a
 * config file in a ConfigMap) gets cdk8s's output, as it would without this project.
 *
 * @param dir where app.synth() writes, for naming a file in an error
 */
function withManifestYaml(app: App, dir: string, synth: () => void): void {
  const yaml: { save: typeof Yaml.save } = Yaml;
  const save = yaml.save;
  const written = new Map<string, readonly unknown[]>();
  yaml.save = (filePath, docs) => {
    const first = written.get(filePath);
    if (first) {
      throw new FileCollisionError(path.relative(dir, filePath), describeObjects(app, first), describeObjects(app, docs));
    }
    written.set(filePath, docs);
    // writeFileSync writes the whole text or throws (ENOSPC on a full disk): never a short
    // file. Each file starts with `---`: a bare `cdk8s synth --stdout` prints the files
    // back to back, where the last object of one and the first of the next would
    // otherwise become one document (kubectl would read one of them).
    const text = stringifyManifests(docs);
    fs.writeFileSync(filePath, text === '' ? text : `---\n${text}`);
  };
  try {
    synth();
  } finally {
    yaml.save = save;
  }
}

/**
 * Handles SIGINT and SIGTERM for the synth's duration: a signal is noted, and the
 * next checkpoint (between the synth's steps, where the output is complete, old or
 * new) throws an {@link InterruptedError}, so the synth cleans up and fails instead of
 * dying half-way.
 */
function watchSignals(): { checkpoint: () => Promise<void>; stop: () => void } {
  const watch = watchTermination();
  return {
    async checkpoint() {
      // signals are delivered on the event loop: let it turn once
      await new Promise((resolve) => setImmediate(resolve));
      if (watch.received) {
        throw new InterruptedError(watch.received, `interrupted by ${watch.received}; the output directory holds the last complete output`);
      }
    },
    stop: watch.stop,
  };
}
