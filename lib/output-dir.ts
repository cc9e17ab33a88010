/**
 * An output directory of the synth, and the state kept beside it: what both the cdk8s
 * app (synth.ts, inside `cdk8s synth`) and `hello-node synth` (synth-command.ts, around
 * it) need to replace an output safely. It never loads cdk8s, so the CLI can use it.
 *
 * - The **unit** is what is replaced and restored as a whole: the output directory,
 *   or for `--format helm` the chart whose `templates/` the app writes.
 * - The **state directory** beside it, `.dist.synth/` for `dist/`, holds the lock,
 *   the staging directories of synths under way, and the kept copy of the last
 *   complete output (generations `kept/<n>`, the highest the latest).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock } from './lock';
import { isRunning } from './signals';

/** The name cdk8s-cli gives a Helm chart's manifest folder (`--format helm`). */
export const HELM_TEMPLATES = 'templates';
/** What cdk8s writes besides manifests (with CDK8S_RECORD_CONSTRUCT_METADATA=true). */
export const CONSTRUCT_METADATA = 'construct-metadata.json';
/** The extension of the manifests cdk8s writes, unless an App is given another (`outputFileExtension`). */
export const MANIFEST_EXTENSION = '.k8s.yaml';
/** What cdk8s-cli writes into a Helm chart besides templates/ (`--format helm`). */
const HELM_SCAFFOLD = ['Chart.yaml', 'README.md'];

/**
 * Set by `hello-node synth` for the app it runs: the staging directory it gave
 * cdk8s-cli as `--output`, which the command puts in place itself (the app then only
 * writes into it).
 */
export const STAGING_ENV = 'HELLO_NODE_SYNTH_STAGING';

/**
 * What the name of the directory an app started early writes into begins with, in the
 * state directory, the id of the `hello-node synth` process that started it following
 * (bin/early-synth.js). Its process removes it unless the synth makes it its staging
 * directory; a later synth removes it once that process is gone.
 */
export const EARLY_STAGING = 'early-';

/** A bad output directory, refused before anything is written. */
export class OutputDirectoryError extends Error {
  constructor(dir: string, why: string) {
    super(`output directory ${dir} ${why}`);
    this.name = 'OutputDirectoryError';
  }
}

/**
 * The synth's state directory for an output unit `dist`: `.dist.synth` beside it. It
 * ignores itself in git, whatever the project's .gitignore says.
 */
export function stateDirOf(unit: string): string {
  return path.join(path.dirname(unit), `.${path.basename(unit)}.synth`);
}

/** An output directory and where its synth keeps its state. */
export interface Output {
  /** Where the app writes: app.outdir. */
  readonly target: string;
  /** What is replaced and restored as a whole: the target, or the Helm chart whose `templates/` it is. */
  readonly unit: string;
  /** See {@link stateDirOf}. */
  readonly stateDir: string;
  readonly lockFile: string;
  /** Complete copies of the unit: `<n>` for each generation, the highest the latest. */
  readonly keptDir: string;
  /** Prefix of the staging directories, in the state directory (so never inside a Helm chart, and on the unit's file system). */
  readonly stagingPrefix: string;
}

/**
 * Checks `target` as an output directory, and names its unit and state directory
 * (made by {@link lockOutput}).
 *
 * @param unit what is replaced as a whole; by default the target's parent when the
 *   target is the `templates/` of a Helm chart (a `Chart.yaml` beside it), else the
 *   target
 * @throws OutputDirectoryError for the project root, one of its ancestors, or a path
 *   that is not a directory
 */
export function outputOf(target: string, projectRoot: string, unit = helmChartOf(target) ?? target): Output {
  const root = path.resolve(projectRoot);
  if (isInside(root, target)) {
    throw new OutputDirectoryError(target, `is ${root === target ? 'the' : 'a parent of the'} project root: a synth replaces its output directory as a whole`);
  }
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
    throw new OutputDirectoryError(target, 'exists and is not a directory');
  }
  const stateDir = stateDirOf(unit);
  return {
    target,
    unit,
    stateDir,
    lockFile: path.join(stateDir, 'lock'),
    keptDir: path.join(stateDir, 'kept'),
    stagingPrefix: path.join(stateDir, 'staging-'),
  };
}

/** Whether `file` is `dir` or under it (both absolute). */
export function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The Helm chart whose `templates/` `target` is, if it is one (cdk8s synth --format helm). */
function helmChartOf(target: string): string | undefined {
  const parent = path.dirname(target);
  return path.basename(target) === HELM_TEMPLATES && fs.existsSync(path.join(parent, 'Chart.yaml')) ? parent : undefined;
}

/**
 * Makes the output's state directory, takes its lock (lock.ts) and sweeps what a
 * killed synth left behind.
 *
 * @throws LockedError while another live process holds it
 * @returns a function that releases the lock
 */
export function lockOutput(output: Output): () => void {
  makeDirectory(output.stateDir);
  fs.writeFileSync(path.join(output.stateDir, '.gitignore'), '*\n');
  const release = acquireLock(output.lockFile, output.unit);
  try {
    sweepDebris(output);
    return release;
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Refuses to replace `dir` (the target, or the whole unit) if it holds a file that no
 * synth wrote: one that is not in the last kept output or, where none was kept (an
 * output written before this project kept copies), that is neither a manifest by
 * cdk8s's naming (`extension`) nor construct-metadata.json, nor in a unit that is a
 * Helm chart, what cdk8s-cli writes there.
 */
export function checkOnlyOursIn(output: Output, dir: string, extension: string): void {
  if (!fs.existsSync(dir)) {
    return;
  }
  const lastKept = latestKept(output);
  const keptDir = lastKept && path.join(lastKept, path.relative(output.unit, dir));
  const ours = keptDir && fs.existsSync(keptDir) ? new Set(listFiles(keptDir)) : undefined;
  const helmChart = fs.existsSync(path.join(output.unit, 'Chart.yaml'));
  const isOurs = (file: string) => (ours
    ? ours.has(file)
    : file.endsWith(extension) || path.basename(file) === CONSTRUCT_METADATA || (helmChart && dir === output.unit && (HELM_SCAFFOLD.includes(file) || file.startsWith(`crds${path.sep}`))));
  const foreign = listFiles(dir).filter((file) => !isOurs(file));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, and ${foreign.length - 3} more` : '');
    throw new OutputDirectoryError(dir, `holds files that no synth wrote (${shown}), which replacing it would delete: move them away, or choose another output directory`);
  }
}

/** A new, empty directory in the state directory, beside the unit, so that renaming it into place stays on one file system. */
export function makeStagingDir(output: Output): string {
  const staging = fs.mkdtempSync(output.stagingPrefix);
  // mkdtemp makes it private (0700); manifests are no secret, and other tools read the output
  fs.chmodSync(staging, 0o755);
  return staging;
}

/**
 * Puts `staging`, the new content of the target, in the target's place, after keeping
 * a copy of the unit as it will then be (keeping it first: if the copy cannot be
 * written, a full disk, nothing has changed yet).
 */
export function commitOutput(output: Output, staging: string): void {
  const kept = keepCopy(output, staging);
  try {
    replaceDirectory(staging, output.target);
  } catch (err) {
    fs.rmSync(kept, { recursive: true, force: true });
    throw err;
  }
  // it is the latest complete output now, whatever happens next
  pruneOlderGenerations(output);
}

/**
 * Writes a new generation of the kept copy. It becomes visible under its final name
 * only when complete, so the latest generation is always a complete output.
 *
 * @returns the new generation's directory
 */
function keepCopy(output: Output, staging: string): string {
  const partial = fs.mkdtempSync(output.stagingPrefix);
  try {
    if (output.unit !== output.target) {
      // a Helm chart: its Chart.yaml, README.md and crds/ as cdk8s-cli wrote them, and the new templates
      for (const entry of fs.readdirSync(output.unit)) {
        if (entry !== HELM_TEMPLATES) {
          copyTree(path.join(output.unit, entry), path.join(partial, entry));
        }
      }
    }
    copyTree(staging, path.join(partial, path.relative(output.unit, output.target)));
    makeDirectory(output.keptDir);
    const lastKept = latestKept(output);
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
 * After a failed synth: if the target is gone (`cdk8s synth` deleted it before running
 * the app), puts the last complete output back, a copy of the kept one.
 */
export function restoreIfDeleted(output: Output): void {
  const lastKept = latestKept(output);
  if (fs.existsSync(output.target) || !lastKept) {
    return;
  }
  const copy = makeStagingDir(output);
  try {
    copyTree(lastKept, copy);
    replaceDirectory(copy, output.unit);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * Removes what a killed synth left: staging directories and partial copies, the
 * directories of apps started early by processes that are gone, older generations.
 */
function sweepDebris(output: Output): void {
  for (const entry of fs.readdirSync(output.stateDir)) {
    const early = entry.startsWith(EARLY_STAGING) ? Number(/^\d+/.exec(entry.slice(EARLY_STAGING.length))?.[0]) : NaN;
    if (entry.startsWith(path.basename(output.stagingPrefix)) || (Number.isInteger(early) && !isRunning(early))) {
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

/**
 * `fs.cpSync(from, to, { recursive: true })` for what a synth writes: directories (a new
 * one with the mode of its source, one that exists merged into), files, and symlinks,
 * whose relative target is made absolute, as cpSync makes it. Node 20's cpSync, which
 * checks every path twice in JavaScript, cost some 4 ms for a one-manifest output: most
 * of what `hello-node synth` does after the app has run (docs/contributing.md, "Speed").
 *
 * @throws Error for anything else (a FIFO, a socket, a device), as cpSync refuses them
 */
function copyTree(from: string, to: string): void {
  const stat = fs.lstatSync(from);
  if (stat.isDirectory()) {
    const made = !fs.existsSync(to);
    if (made) {
      fs.mkdirSync(to);
    }
    for (const entry of fs.readdirSync(from)) {
      copyTree(path.join(from, entry), path.join(to, entry));
    }
    if (made) {
      fs.chmodSync(to, stat.mode);
    }
  } else if (stat.isSymbolicLink()) {
    fs.symlinkSync(path.resolve(path.dirname(from), fs.readlinkSync(from)), to);
  } else if (stat.isFile()) {
    // the file's mode comes with it (libuv's copyfile)
    fs.copyFileSync(from, to);
  } else {
    throw new Error(`cannot copy ${from}: it is no file, directory or symlink`);
  }
}

/**
 * `mkdir -p`, one directory at a time: Node's recursive mkdirSync spins forever where
 * a directory can be neither made nor found (under /proc), and this fails instead.
 */
function makeDirectory(dir: string): void {
  if (fs.existsSync(dir)) {
    return;
  }
  makeDirectory(path.dirname(dir));
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw err;
    }
  }
}

/** The files under `dir`, as sorted relative paths. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
