/**
 * The one synth writer: `npx cdk8s synth` (through main.ts) and `hello-node deploy`
 * both write manifests through here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { HelloNodeApp } from '../lib';
import { writeManifests } from './manifest-writer';
import { helloNodeAppProps, Settings } from './settings';

/** The chart's id, and so the output file's name: `hello-node.k8s.yaml`. */
export const CHART_ID = 'hello-node';

/** The output directory when neither the caller nor the cdk8s CLI (CDK8S_OUTDIR) names one. */
export const DEFAULT_OUTDIR = 'dist';

/**
 * Builds an app with `build` and writes its manifests to `outdir` atomically: they
 * are synthesized (by writeManifests, as `app.synth()` would, only faster) into a
 * staging directory beside `outdir`, which replaces `outdir` only once every file is
 * written. If building or writing fails, `outdir` is left as it was and the staging
 * directory is removed.
 *
 * The cdk8s CLI deletes `outdir` before it runs the app, so that a failed
 * `npx cdk8s synth` would lose the previous manifests. To lose nothing, a copy of
 * the last complete output is kept beside it (`.<outdir>.last`, hard links where
 * the file system allows), and put back when a synth fails with `outdir` gone.
 *
 * @returns the paths of the written manifests, inside `outdir`
 */
export function synthAtomically(outdir: string, build: (app: App) => void): string[] {
  const target = path.resolve(outdir);
  const lastComplete = path.join(path.dirname(target), `.${path.basename(target)}.last`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = stagingDirectoryFor(target);
  try {
    const app = new App({ outdir: staging });
    build(app);
    writeManifests(app, staging);
    replaceDirectory(staging, target);
  } catch (err) {
    if (!fs.existsSync(target) && fs.existsSync(lastComplete)) {
      copyDirectory(lastComplete, target);
    }
    throw err;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  try {
    copyDirectory(target, lastComplete);
  } catch {
    // The manifests are in place; only the safety copy failed. An older copy must
    // not be restored later in place of these, so it goes.
    fs.rmSync(lastComplete, { recursive: true, force: true });
  }
  return fs.readdirSync(target).sort().map((file) => path.join(outdir, file));
}

/** A new, empty directory beside `target`, so that renaming it into place stays on one file system. */
function stagingDirectoryFor(target: string): string {
  const staging = fs.mkdtempSync(`${target}.staging-`);
  // mkdtemp makes it private (0700); the manifests are no secret, and dist/ is read by other tools.
  fs.chmodSync(staging, 0o755);
  return staging;
}

/** Replaces `target` with a copy of `source`'s files, atomically (hard links where possible). */
function copyDirectory(source: string, target: string): void {
  const staging = stagingDirectoryFor(target);
  try {
    for (const file of fs.readdirSync(source)) {
      try {
        fs.linkSync(path.join(source, file), path.join(staging, file));
      } catch {
        fs.copyFileSync(path.join(source, file), path.join(staging, file));
      }
    }
    replaceDirectory(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Puts `source` in the place of `target`. POSIX rename cannot swap two directories
 * in one step, so the old target is moved aside first and moved back if the second
 * rename fails.
 */
function replaceDirectory(source: string, target: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(source, target);
    return;
  }
  const previous = `${source}.previous`;
  fs.renameSync(target, previous);
  try {
    fs.renameSync(source, target);
  } catch (err) {
    fs.renameSync(previous, target);
    throw err;
  }
  fs.rmSync(previous, { recursive: true, force: true });
}

/** Adds the hello-node chart, configured by `settings`, to `app`. */
export function addHelloNodeChart(app: App, settings: Settings): Chart {
  const chart = new Chart(app, CHART_ID);
  new HelloNodeApp(chart, 'app', helloNodeAppProps(settings));
  return chart;
}

/** Synthesizes the hello-node chart into `outdir`, atomically; returns the written files. */
export function synthHelloNode(settings: Settings, outdir: string): string[] {
  return synthAtomically(outdir, (app) => addHelloNodeChart(app, settings));
}
