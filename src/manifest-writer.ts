/**
 * Writes a cdk8s app's manifests as `app.synth()` does (one file per chart, cdk8s's
 * file names, objects in dependency order, the same validation), but streamed: each
 * object is turned into JSON, serialised and written before the next, so neither the
 * JSON nor the YAML of a whole chart is ever held in memory; and serialised with
 * js-yaml, which emits the same YAML for manifests several times faster than the
 * `yaml` package cdk8s uses.
 *
 * Measured at 10,000 apps (20,000 objects), `app.synth()` spends about two thirds of
 * its time in YAML serialisation and a quarter in `toJson`: see bench/synth-scale.js.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart, DependencyGraph, Names } from 'cdk8s';
import { IConstruct } from 'constructs';
import { dump } from 'js-yaml';

/**
 * js-yaml options for cdk8s-compatible output: no anchors or aliases (kubectl's
 * parser wants plain documents), no line folding, double quotes as cdk8s writes them.
 * js-yaml also quotes YAML 1.1 booleans such as `yes` and `on`, which kubectl's
 * YAML 1.1 parser would otherwise read as true.
 */
const DUMP_OPTIONS = { noRefs: true, lineWidth: -1, quotingType: '"' } as const;

/** Flushes the output in chunks of this size: one write call per chunk, not per object. */
const CHUNK_BYTES = 1 << 16;

/**
 * Synthesizes every chart of `app` into `dir` and returns the files written.
 * Throws, having written what it had so far, on a validation or serialisation error:
 * callers write into a staging directory (see synthAtomically).
 */
export function writeManifests(app: App, dir: string): string[] {
  const constructs = app.node.findAll();
  validate(constructs);
  const indexed = resolveDependencies(constructs);
  // Read once, after resolveDependencies has added the edges it derives.
  const edges = constructs.some((c) => c.node.dependencies.length > 0);
  const charts = inDependencyOrder(app, edges).filter((c): c is Chart => c instanceof Chart);
  return charts.map((chart, index) => {
    const name = Names.toDnsLabel(chart);
    const file = path.join(dir, `${indexed ? `${String(index).padStart(4, '0')}-${name}` : name}${app.outputFileExtension}`);
    writeChart(chartObjects(chart, edges), file);
    return file;
  });
}

function writeChart(objects: readonly ApiObject[], file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    const pending: string[] = [];
    let pendingBytes = 0;
    const flush = () => {
      fs.writeSync(fd, pending.join(''));
      pending.length = 0;
      pendingBytes = 0;
    };
    objects.forEach((object, index) => {
      const doc = dump(object.toJson(), DUMP_OPTIONS);
      pending.push(index === 0 ? doc : `---\n${doc}`);
      pendingBytes += doc.length;
      if (pendingBytes >= CHUNK_BYTES) {
        flush();
      }
    });
    flush();
  } finally {
    fs.closeSync(fd);
  }
}

/** A chart's own API objects (not those of nested charts), dependencies first. */
function chartObjects(chart: Chart, edges: boolean): ApiObject[] {
  return inDependencyOrder(chart, edges).filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
}

/**
 * `scope` and everything under it, dependencies first, as cdk8s's DependencyGraph
 * sorts them. Where the app has no dependency edge at all that order is findAll()'s
 * own, so the graph is only built when there are edges to follow: for 20,000 objects
 * it would cost about 10% of the synth time and 40 MiB.
 */
function inDependencyOrder(scope: IConstruct, edges: boolean): IConstruct[] {
  return edges ? new DependencyGraph(scope.node).topology() : scope.node.findAll();
}

/** Runs every construct's validations, failing with cdk8s's own message. */
function validate(constructs: readonly IConstruct[]): void {
  const errors = constructs.flatMap((c) => c.node.validate().map((error) => `[${c.node.path}] ${error}`));
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
}

/**
 * Turns construct-level dependencies into the chart-level and object-level ones that
 * decide file order and object order, as cdk8s's app.synth() does.
 *
 * @returns whether any chart depends on another, in which case cdk8s prefixes the
 *   file names with their index (0000-, 0001-, ...) so that they sort in apply order
 */
function resolveDependencies(constructs: readonly IConstruct[]): boolean {
  let chartsDepend = false;
  for (const parent of constructs) {
    if (parent instanceof Chart) {
      for (const child of parent.node.children) {
        if (child instanceof Chart) {
          parent.node.addDependency(child);
          chartsDepend = true;
        }
      }
    }
  }
  // Read afresh for each pass: the first pass adds chart-level dependencies that the
  // second must see, as in cdk8s.
  const dependencies = () => constructs.flatMap((source) => source.node.dependencies.map((target) => ({ source, target })));
  for (const { source, target } of dependencies()) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    if (sourceChart !== targetChart) {
      sourceChart.node.addDependency(targetChart);
      chartsDepend = true;
    }
  }
  const objectsOf = (c: IConstruct, chart: Chart) => c.node.findAll().filter((o) => o instanceof ApiObject && Chart.of(o) === chart);
  for (const { source, target } of dependencies()) {
    const sourceObjects = objectsOf(source, Chart.of(source));
    for (const targetObject of objectsOf(target, Chart.of(target))) {
      for (const sourceObject of sourceObjects) {
        if (targetObject !== sourceObject) {
          sourceObject.node.addDependency(targetObject);
        }
      }
    }
  }
  return chartsDepend;
}
