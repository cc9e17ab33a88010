// Differential, property-based: for generated apps, the project's synth writes what
// cdk8s's own app.synth() writes (the same files in the same layout, and YAML that
// reads back as the same objects), and every string in it reads back unchanged under
// YAML 1.1 and YAML 1.2 alike, which stock cdk8s does not guarantee (it writes `0o17`
// plain, a number to YAML 1.2, and a `<<` key plain, a merge key to YAML 1.1).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart, JsonPatch, Lazy, Yaml, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { synthesize } from './synth';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-fidelity-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Strings that a YAML reader may resolve as something else, or that need escaping. */
const TRICKY = [
  '1_000', '0o17', '0x1F', '0x_1F', '0b101', '010', '0', '-0', '+1', '1e3', '12e03', '1.', '.5', '+.5', '0.1_1', '.inf', '-.Inf', '.NaN',
  'yes', 'No', 'on', 'OFF', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '1:20', '190:20:30.15',
  '<<', '=', ' lead', 'trail ', '#x', 'a #b', '- x', '-', '? x', 'a: b', '@x', '`x', '!x', '&x', '*x', '%x', '|', '>', '"q"', '\'', '{}', '[a]',
  'line\u2028sep', 'para\u2029sep', 'nel\u0085', '\ufeffbom', 'nul\u0000', 'bell\u0007', 'esc\u001b', '\t', 'a\r\nb', 'a\nb', 'a\n', '\n', '\n\n', ' \n ',
  'héllo ✓ 😀', '\u00a0nbsp', 'ï»¿', '---', '...',
];
/** Short strings of characters that numbers, dates and booleans are made of. */
const numberish = fc.string({ unit: fc.constantFrom(...'0123456789_.:+-eExXoObB yYnN\n'.split('')), maxLength: 8 });
const text = fc.oneof(fc.constantFrom(...TRICKY), numberish, fc.string({ unit: 'grapheme', maxLength: 12 }));
const value = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)) });

interface ObjectSpec {
  data: [string, unknown][];
  lazy: boolean;
  patch?: unknown;
  /** an index of an earlier object (in any chart) it depends on */
  dependsOn?: number;
  grouped: boolean;
}
interface ChartSpec {
  objects: ObjectSpec[];
  /** an index of an earlier chart it depends on */
  dependsOn?: number;
  /** an index of an earlier chart it is nested in */
  nestedIn?: number;
  stamped: boolean;
  namespace?: string;
}
interface AppSpec {
  outputType: YamlOutputType;
  metadata: boolean;
  charts: ChartSpec[];
}

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const objectSpec: fc.Arbitrary<ObjectSpec> = fc.record({
  data: fc.array(fc.tuple(text.filter((k) => k !== ''), value), { maxLength: 5 }),
  lazy: fc.boolean(),
  patch: maybe(value),
  dependsOn: maybe(fc.nat(20)),
  grouped: fc.boolean(),
});
const appSpec: fc.Arbitrary<AppSpec> = fc.record({
  outputType: fc.constantFrom(
    YamlOutputType.FILE_PER_APP, YamlOutputType.FILE_PER_CHART, YamlOutputType.FILE_PER_RESOURCE, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE),
  metadata: fc.boolean(),
  charts: fc.array(fc.record({
    objects: fc.array(objectSpec, { maxLength: 4 }),
    dependsOn: maybe(fc.nat(5)),
    nestedIn: maybe(fc.nat(5)),
    stamped: fc.boolean(),
    namespace: maybe(fc.constantFrom('ns', 'other')),
  }), { maxLength: 4 }),
});

/** A chart whose toJson() adds an annotation: app.synth() honours such overrides (except in FOLDER_PER_CHART_FILE_PER_RESOURCE). */
class StampedChart extends Chart {
  public override toJson(): Record<string, { metadata: object }>[] {
    return super.toJson().map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { stamped: 'yes' } } }));
  }
}

/** Builds the app `spec` describes into `app`; deterministic, so two apps built from one spec are alike. */
function build(app: App, spec: AppSpec): void {
  const charts: Chart[] = [];
  const objects: ApiObject[] = [];
  spec.charts.forEach((c, i) => {
    const parent = c.nestedIn !== undefined && c.nestedIn < i ? charts[c.nestedIn] : app;
    const chart = new (c.stamped ? StampedChart : Chart)(parent, `chart${i}`, { namespace: c.namespace });
    if (c.dependsOn !== undefined && c.dependsOn < i && charts[c.dependsOn] !== parent) {
      chart.addDependency(charts[c.dependsOn]);
    }
    charts.push(chart);
    c.objects.forEach((o, j) => {
      const scope = o.grouped ? new Construct(chart, `group${j}`) : chart;
      const data = Object.fromEntries(o.data);
      const object = new ApiObject(scope, `object${j}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `c${i}-o${j}` },
        data: o.lazy ? Lazy.any({ produce: () => data }) : data,
      });
      if (o.patch !== undefined) {
        object.addJsonPatch(JsonPatch.add('/metadata/labels', { patched: 'true' }), JsonPatch.add('/extra', o.patch));
      }
      if (o.dependsOn !== undefined && o.dependsOn < objects.length) {
        object.addDependency(objects[o.dependsOn]);
      }
      objects.push(object);
    });
  });
}

const files = (dir: string) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
const read = (text: string, version: '1.1' | '1.2') => parseAllDocuments(text, { version }).map((d) => d.toJS());

test('writes what app.synth() writes, for any app, read back alike under YAML 1.1 and 1.2', async () => {
  let run = 0;
  await fc.assert(fc.asyncProperty(appSpec, async (spec) => {
    run++;
    const ours = path.join(work, `ours-${run}`);
    const theirs = path.join(work, `cdk8s-${run}`);
    const appProps = { yamlOutputType: spec.outputType, recordConstructMetadata: spec.metadata };
    const reference = new App({ outdir: theirs, ...appProps });
    build(reference, spec);
    // what app.synth() hands to the YAML writer for each file: the objects as meant
    const meant = new Map<string, unknown>();
    const save = Yaml.save;
    const spy = jest.spyOn(Yaml, 'save').mockImplementation((file, docs) => {
      meant.set(path.relative(theirs, file), JSON.parse(JSON.stringify(docs, (_k, v: unknown) => (v === undefined ? null : v))));
      save.call(Yaml, file, docs);
    });
    const failure = (() => {
      try {
        reference.synth();
        return undefined;
      } catch (err) {
        return (err as Error).message; // e.g. a dependency cycle
      } finally {
        spy.mockRestore();
      }
    })();
    const synth = synthesize(new App({ outdir: ours, ...appProps }), (app) => build(app, spec), { projectRoot: work });
    if (failure !== undefined) {
      await expect(synth).rejects.toThrow(failure);
      expect(fs.existsSync(ours)).toBe(false);
      return;
    }
    await synth;

    expect(files(ours)).toEqual(files(theirs));
    for (const file of files(theirs)) {
      const oursText = fs.readFileSync(path.join(ours, file), 'utf8');
      if (!meant.has(file)) {
        expect(oursText).toBe(fs.readFileSync(path.join(theirs, file), 'utf8')); // construct-metadata.json
        continue;
      }
      expect(read(oursText, '1.1')).toEqual(meant.get(file));
      expect(read(oursText, '1.2')).toEqual(meant.get(file));
    }
  }), { seed: 20261126, numRuns: 150 });
  // 150 synths of generated apps: about 2 s alone, several times that on 2 busy cores;
  // the timeout only guards against a hang (speed is the benchmarks' business)
}, 60_000);

test('the generator reaches what the property is about', () => {
  // not a tautology: if the arbitraries stopped producing these, the property would prove little
  const samples = fc.sample(appSpec, { seed: 20261126, numRuns: 150 });
  const strings = samples.flatMap((s) => s.charts.flatMap((c) => c.objects.flatMap((o) => o.data.flat()))).filter((v) => typeof v === 'string');
  expect(strings).toEqual(expect.arrayContaining(['0o17', '1_000', 'yes', 'line\u2028sep']));
  expect(new Set(samples.map((s) => s.outputType)).size).toBe(4);
  expect(samples.some((s) => s.charts.some((c) => c.dependsOn !== undefined && c.nestedIn !== undefined && c.stamped))).toBe(true);
});
