/**
 * The one synth: `npx cdk8s synth` (through main.ts) and `hello-node deploy` both
 * write manifests through here.
 *
 * The manifests are written by cdk8s's own `app.synth()`, so every file, file name,
 * folder layout (all four `yamlOutputType`s), object, object order and
 * construct-metadata.json is exactly cdk8s's; only the YAML of each file is written
 * with strings quoted for YAML 1.1 and 1.2 readers alike (see manifest-yaml.ts).
 * Around it, this module makes the output safe:
 *
 * - **Atomic.** The app writes into a staging directory beside the output, which
 *   replaces the output only once everything is written. A failure (a bad prop, a
 *   full disk) leaves the previous output as it was.
 * - **Restored.** `cdk8s synth` deletes the output directory before it runs the app
 *   (and, with `--format helm`, writes a new chart skeleton in its place), so a copy
 *   of the last complete output is kept in the state directory beside it
 *   (`.dist.synth/`: ignored by git, never inside a chart or the temp directory, a
 *   copy rather than hard links) and put back when a synth fails.
 * - **Never someone else's files.** An output directory that is the project root or
 *   one of its ancestors, or that holds files no synth wrote, is refused.
 * - **One at a time.** A lock per output directory: a second synth fails at once
 *   saying another is running. What a killed synth left behind is swept by the next.
 * - **Interruptible.** SIGINT and SIGTERM are handled between steps: the output is
 *   left old and complete or new and complete, and the synth fails with
 *   {@link InterruptedError}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { DuplicateObjectError, ensureUniqueObjects, HelloNodeApp, ValidationError } from '../lib';
import { acquireLock, LockedError } from './lock';
import { stringifyManifests } from './manifest-yaml';
import { signalExitCode } from './tools';
import { startTypecheck, TypeCheckError } from './typecheck';
import { AppSettings, helloNodeAppProps } from './settings';

/** The chart's id, and so the output file's name: `hello-node.k8s.yaml`. */
export const CHART_ID = 'hello-node';

/**
 * The synth's state directory for an output directory `dist`: `.dist.synth` beside it
 * (beside the chart, for a Helm chart's templates/), holding its lock, the kept copy
 * of its last complete output, and the staging directories of synths under way. It
 * ignores itself in git, whatever the project's .gitignore says.
 */
export function stateDirOf(unit: string): string {
  return path.join(path.dirname(unit), `.${path.basename(unit)}.synth`);
}

/** The name cdk8s-cli gives a Helm chart's manifest folder (`--format helm`). */
const HELM_TEMPLATES = 'templates';
/** What cdk8s writes besides manifests (with CDK8S_RECORD_CONSTRUCT_METADATA=true). */
export const CONSTRUCT_METADATA = 'construct-metadata.json';

/** A bad output directory, refused before anything is written. */
export class OutputDirectoryError extends Error {
  constructor(dir: string, why: string) {
    super(`output directory ${dir} ${why}`);
    this.name = 'OutputDirectoryError';
  }
}

/** The synth stopped on a signal; the process should exit 128 + its number. */
export class InterruptedError extends Error {
  constructor(public readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}; the output directory holds the last complete output`);
    this.name = 'InterruptedError';
  }

  /** The exit code a shell reports for a process killed by this signal. */
  get exitCode(): number {
    return signalExitCode(this.signal);
  }
}

export interface SynthOptions {
  /**
   * The project's root directory: refused as an output directory, as are its
   * ancestors.
   */
  readonly projectRoot: string;
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
    if (isCdk8sStdoutScratch(target)) {
      // `cdk8s synth --stdout` made this empty directory, prints what the app writes
      // into it, and deletes it: there is no previous output to keep or restore.
      build(app);
      await signals.checkpoint();
      await typesChecked();
      withManifestYaml(app, target, () => app.synth());
    } else {
      const output = outputOf(target, options.projectRoot);
      const release = acquireLock(output.lockFile, output.unit);
      try {
        sweepDebris(output);
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
 * Runs {@link synthesize} as a cdk8s app's entry point does: a failure is one line
 * on stderr (with a stack trace only for what is not the user's to fix) and the exit
 * code (1, or 128 + n after signal n).
 */
export function runSynth(app: App, build: (app: App) => void, options: SynthOptions): Promise<void> {
  return synthesize(app, build, options).then(() => undefined, (err: Error) => {
    const expected = err instanceof ValidationError || err instanceof DuplicateObjectError || err instanceof FileCollisionError || err instanceof TypeCheckError || err instanceof OutputDirectoryError || err instanceof LockedError || err instanceof InterruptedError;
    process.stderr.write(`hello-node synth failed: ${expected ? err.message : err.stack}\n`);
    process.exitCode = err instanceof InterruptedError ? err.exitCode : 1;
  });
}

/** Adds the hello-node chart, configured by `settings`, to `app`. */
export function addHelloNodeChart(app: App, settings: AppSettings): Chart {
  const chart = new Chart(app, CHART_ID);
  new HelloNodeApp(chart, 'app', helloNodeAppProps(settings));
  return chart;
}

/** An output directory and where its synth keeps its state. */
interface Output {
  /** Where the app writes: app.outdir. */
  readonly target: string;
  /**
   * What a failed synth restores as a whole: the target, or under `cdk8s synth
   * --format helm`, the chart whose `templates/` the target is (the CLI rewrote its
   * Chart.yaml before running the app).
   */
  readonly unit: string;
  /** See {@link stateDirOf}. */
  readonly stateDir: string;
  readonly lockFile: string;
  /** Complete copies of the unit: `<n>` for each generation, the highest the latest. */
  readonly keptDir: string;
  /** Prefix of the staging directories, in the state directory (so never inside a Helm chart, and on the unit's file system). */
  readonly stagingPrefix: string;
}

function outputOf(target: string, projectRoot: string): Output {
  const root = path.resolve(projectRoot);
  const relative = path.relative(target, root);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    throw new OutputDirectoryError(target, `is ${relative ? 'a parent of the' : 'the'} project root: a synth replaces its output directory as a whole`);
  }
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
    throw new OutputDirectoryError(target, 'exists and is not a directory');
  }
  const parent = path.dirname(target);
  const helm = path.basename(target) === HELM_TEMPLATES && fs.existsSync(path.join(parent, 'Chart.yaml'));
  const unit = helm ? parent : target;
  const stateDir = stateDirOf(unit);
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(path.join(stateDir, '.gitignore'), '*\n');
  return {
    target,
    unit,
    stateDir,
    lockFile: path.join(stateDir, 'lock'),
    keptDir: path.join(stateDir, 'kept'),
    stagingPrefix: path.join(stateDir, 'staging-'),
  };
}

/** cdk8s-cli's `--stdout` runs the app with CDK8S_OUTDIR set to a fresh `<tmpdir>/cdk8s-XXXXXX`. */
function isCdk8sStdoutScratch(target: string): boolean {
  return path.dirname(target) === path.resolve(os.tmpdir()) && path.basename(target).startsWith('cdk8s-');
}

async function writeOutput(app: App, build: (app: App) => void, output: Output, checkpoint: () => Promise<void>, beforeCommit: () => Promise<void>): Promise<void> {
  const { target, unit } = output;
  let staging: string | undefined;
  let kept: string | undefined;
  try {
    const lastKept = latestKept(output);
    checkOnlyOursIn(target, lastKept && path.join(lastKept, path.relative(unit, target)), app.outputFileExtension);
    build(app);
    await checkpoint();
    staging = makeStagingDir(output);
    synthInto(app, staging);
    await checkpoint();
    await beforeCommit();
    // Keep the copy first: if it cannot be written (a full disk), nothing has changed yet.
    kept = keepCopy(output, staging, lastKept);
    await checkpoint();
    replaceDirectory(staging, target);
    staging = undefined;
    kept = undefined; // it is the latest complete output now, whatever happens next
    pruneOlderGenerations(output);
  } catch (err) {
    if (kept) {
      fs.rmSync(kept, { recursive: true, force: true });
    }
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
    // writeFileSync writes the whole text or throws (ENOSPC on a full disk): never a short file
    fs.writeFileSync(filePath, stringifyManifests(docs));
  };
  try {
    synth();
  } finally {
    yaml.save = save;
  }
}

/**
 * Refuses to replace `target` if it holds a file that no synth wrote: one that is not
 * in the last kept output or, where none was kept (an output written before this
 * project kept copies), that is neither a manifest by cdk8s's naming (the app's file
 * extension, `.k8s.yaml` by default) nor construct-metadata.json.
 */
function checkOnlyOursIn(target: string, lastKept: string | undefined, extension: string): void {
  if (!fs.existsSync(target)) {
    return;
  }
  const ours = lastKept && fs.existsSync(lastKept) ? new Set(listFiles(lastKept)) : undefined;
  const isOurs = (file: string) => (ours ? ours.has(file) : file.endsWith(extension) || path.basename(file) === CONSTRUCT_METADATA);
  const foreign = listFiles(target).filter((file) => !isOurs(file));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, and ${foreign.length - 3} more` : '');
    throw new OutputDirectoryError(target, `holds files that no synth wrote (${shown}), which replacing it would delete: move them away, or choose another output directory`);
  }
}

/**
 * Writes a new generation of the kept copy: the unit as it will be once `staging`
 * has replaced the target. It becomes visible under its final name only when
 * complete, so the latest generation is always a complete output.
 *
 * @returns the new generation's directory
 */
function keepCopy(output: Output, staging: string, lastKept: string | undefined): string {
  const partial = fs.mkdtempSync(output.stagingPrefix);
  try {
    if (output.unit !== output.target) {
      // a Helm chart: its Chart.yaml, README.md and crds/ as cdk8s-cli wrote them, and the new templates
      for (const entry of fs.readdirSync(output.unit)) {
        if (entry !== HELM_TEMPLATES) {
          fs.cpSync(path.join(output.unit, entry), path.join(partial, entry), { recursive: true });
        }
      }
    }
    fs.cpSync(staging, path.join(partial, path.relative(output.unit, output.target)), { recursive: true });
    fs.mkdirSync(output.keptDir, { recursive: true });
    const generation = path.join(output.keptDir, String(lastKept ? Number(path.basename(lastKept)) + 1 : 1));
    fs.renameSync(partial, generation);
    return generation;
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}

function keptGenerations(output: Output): string[] {
  const names = fs.existsSync(output.keptDir) ? fs.readdirSync(output.keptDir) : [];
  return names.filter((name) => /^[0-9]+$/.test(name)).sort((a, b) => Number(a) - Number(b));
}

function latestKept(output: Output): string | undefined {
  const latest = keptGenerations(output).pop();
  return latest && path.join(output.keptDir, latest);
}

/**
 * After a failed synth: if the target is gone (cdk8s synth deleted it before running
 * the app), puts the last complete output back, a copy of the kept one.
 */
function restoreIfDeleted(output: Output): void {
  const lastKept = latestKept(output);
  if (fs.existsSync(output.target) || !lastKept) {
    return;
  }
  const copy = makeStagingDir(output);
  try {
    fs.cpSync(lastKept, copy, { recursive: true });
    replaceDirectory(copy, output.unit);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** A new, empty directory in the state directory, beside the unit, so that renaming it into place stays on one file system. */
function makeStagingDir(output: Output): string {
  const staging = fs.mkdtempSync(output.stagingPrefix);
  // mkdtemp makes it private (0700); manifests are no secret, and other tools read the output
  fs.chmodSync(staging, 0o755);
  return staging;
}

/** Removes what a killed synth left: staging directories and partial copies, older generations. */
function sweepDebris(output: Output): void {
  for (const entry of fs.readdirSync(output.stateDir)) {
    if (entry.startsWith(path.basename(output.stagingPrefix))) {
      fs.rmSync(path.join(output.stateDir, entry), { recursive: true, force: true });
    }
  }
  pruneOlderGenerations(output);
}

function pruneOlderGenerations(output: Output): void {
  for (const older of keptGenerations(output).slice(0, -1)) {
    fs.rmSync(path.join(output.keptDir, older), { recursive: true, force: true });
  }
}

/**
 * Puts `source` in the place of `target`. POSIX rename cannot swap two directories
 * in one step, so the old target is moved aside first (beside `source`, under the
 * staging prefix that the next synth sweeps) and moved back if the second rename
 * fails.
 */
function replaceDirectory(source: string, target: string): void {
  const aside = `${source}.old`;
  let movedAside = false;
  try {
    fs.renameSync(target, aside);
    movedAside = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
  try {
    fs.renameSync(source, target);
  } catch (err) {
    if (movedAside) {
      fs.renameSync(aside, target);
    }
    throw err;
  }
  if (movedAside) {
    fs.rmSync(aside, { recursive: true, force: true });
  }
}

/** The files under `dir`, as sorted relative paths. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * Handles SIGINT and SIGTERM for the synth's duration: a signal is noted, and the
 * next checkpoint (between the synth's steps, where the output is complete, old or
 * new) throws {@link InterruptedError}, so the synth cleans up and fails instead of
 * dying half-way.
 */
function watchSignals(): { checkpoint: () => Promise<void>; stop: () => void } {
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    received ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    async checkpoint() {
      // signals are delivered on the event loop: let it turn once
      await new Promise((resolve) => setImmediate(resolve));
      if (received) {
        throw new InterruptedError(received);
      }
    },
    stop() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
