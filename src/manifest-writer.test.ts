// The fast writer must write what cdk8s's own app.synth() writes: the same files,
// and documents that parse to the same objects (byte for byte, for plain manifests).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { HelloNodeApp } from '../lib';
import { writeManifests } from './manifest-writer';

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-writer-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

interface Output {
  files: string[];
  texts: Record<string, string>;
}

function synthBothWays(build: (app: App) => void): { ours: Output; cdk8s: Output } {
  const run = (name: string, write: (app: App, dir: string) => void): Output => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const app = new App({ outdir: dir });
    build(app);
    write(app, dir);
    const files = fs.readdirSync(dir).sort();
    return { files, texts: Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')])) };
  };
  return {
    ours: run('ours', (app, dir) => writeManifests(app, dir)),
    cdk8s: run('cdk8s', (app) => app.synth()),
  };
}

/** Parses as kubectl does: YAML 1.1, where e.g. `yes` is a boolean. */
const parsed = (text: string, version: '1.1' | '1.2' = '1.1') => parseAllDocuments(text, { version }).map((d) => d.toJS());

function expectSameOutput(build: (app: App) => void): Output {
  const { ours, cdk8s } = synthBothWays(build);
  expect(ours.files).toEqual(cdk8s.files);
  for (const file of ours.files) {
    expect(parsed(ours.texts[file])).toEqual(parsed(cdk8s.texts[file]));
  }
  return ours;
}

const configMap = (scope: Construct, id: string, data: Record<string, unknown> = {}) =>
  new ApiObject(scope, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id }, data });

describe('writeManifests', () => {
  test('writes HelloNodeApps byte for byte as app.synth() does', () => {
    const { ours, cdk8s } = synthBothWays((app) => {
      const chart = new Chart(app, 'apps');
      for (let i = 0; i < 50; i++) {
        new HelloNodeApp(chart, `app-${i}`, { name: `app-${i}`, namespace: i % 2 ? 'odd' : undefined });
      }
    });
    expect(ours.files).toEqual(['apps.k8s.yaml']);
    expect(ours.texts).toEqual(cdk8s.texts);
  });

  test('one file per chart, named as cdk8s names them', () => {
    const ours = expectSameOutput((app) => {
      configMap(new Chart(app, 'first'), 'a');
      configMap(new Chart(app, 'Second_Chart'), 'b');
    });
    expect(ours.files).toEqual(['first.k8s.yaml', 'second_chart-c8ab3034.k8s.yaml']);
  });

  test('dependent charts get index prefixes in dependency order', () => {
    const ours = expectSameOutput((app) => {
      const web = new Chart(app, 'web');
      const db = new Chart(app, 'db');
      const infra = new Chart(app, 'infra');
      web.addDependency(db);
      db.addDependency(infra);
      configMap(web, 'w');
      configMap(db, 'd');
      configMap(infra, 'i');
    });
    expect(ours.files).toEqual(['0000-infra.k8s.yaml', '0001-db.k8s.yaml', '0002-web.k8s.yaml']);
  });

  test('nested charts come before their parents, each with its own objects', () => {
    const ours = expectSameOutput((app) => {
      const parent = new Chart(app, 'parent');
      configMap(parent, 'p');
      configMap(new Chart(parent, 'child'), 'c');
    });
    expect(ours.files).toEqual(['0000-parent-child-c83edac1.k8s.yaml', '0001-parent.k8s.yaml']);
    expect(parsed(ours.texts['0001-parent.k8s.yaml']).map((d) => d.metadata.name)).toEqual(['p']);
  });

  test('a construct depending on one in another chart orders the charts', () => {
    const ours = expectSameOutput((app) => {
      const consumer = configMap(new Chart(app, 'consumer'), 'uses');
      const provider = configMap(new Chart(app, 'provider'), 'provides');
      consumer.node.addDependency(provider);
    });
    expect(ours.files).toEqual(['0000-provider.k8s.yaml', '0001-consumer.k8s.yaml']);
  });

  test('objects in a chart come after the objects they depend on', () => {
    const ours = expectSameOutput((app) => {
      const chart = new Chart(app, 'chart');
      const first = configMap(chart, 'declared-first');
      const group = new Construct(chart, 'group');
      configMap(group, 'in-group');
      first.addDependency(group);
    });
    expect(parsed(ours.texts['chart.k8s.yaml']).map((d) => d.metadata.name)).toEqual(['in-group', 'declared-first']);
  });

  test('values a YAML parser could misread keep their type, for YAML 1.1 and 1.2 parsers alike', () => {
    const tricky = {
      yes: 'yes', on: 'on', no: 'NO', y: 'Y', octal: '0o17', oldOctal: '010', hex: '0x1F', float: '1e3', dot: '.5', inf: '.inf',
      number: '123', bool: 'true', null: 'null', tilde: '~', empty: '', date: '2001-12-14', colon: 'a: b', hash: '# x',
      dash: '- x', lead: ' lead', trail: 'trail ', at: '@x', quote: '"q"', apostrophe: 'it\'s', tab: '\t', brace: '{}',
      star: '*a', multiline: 'line1\nline2\n', noTrailingNewline: 'a\nb', unicode: 'héllo ✓', realNumber: 42, realBool: false,
      nested: { list: [1, 'two', { three: 3 }] }, 'key with spaces': 'v', 'key:colon': 'v',
    };
    const ours = expectSameOutput((app) => configMap(new Chart(app, 'c'), 'tricky', tricky));
    expect(parsed(ours.texts['c.k8s.yaml'], '1.1')[0].data).toEqual(tricky);
    // stricter than cdk8s, which leaves 0o17 unquoted: an octal number to YAML 1.2
    expect(parsed(ours.texts['c.k8s.yaml'], '1.2')[0].data).toEqual(tricky);
  });

  test('resolves Lazy values and applies JSON patches as cdk8s does', () => {
    expectSameOutput((app) => {
      const chart = new Chart(app, 'c', { namespace: 'ns', labels: { team: 'a' } });
      const object = configMap(chart, 'lazy', { value: Lazy.any({ produce: () => 'computed' }) });
      object.addJsonPatch(JsonPatch.add('/data/patched', 'yes'));
    });
  });

  test('fails with cdk8s\'s own message on a failed validation', () => {
    const build = (app: App) => new Chart(app, 'c').node.addValidation({ validate: () => ['bad thing'] });
    const dir = path.join(work, 'out');
    const app = new App({ outdir: dir });
    build(app);
    const reference = new App({ outdir: dir });
    build(reference);
    expect(() => reference.synth()).toThrow('Validation failed with the following errors:\n  [c] bad thing');
    expect(() => writeManifests(app, dir)).toThrow('Validation failed with the following errors:\n  [c] bad thing');
  });

  test('an app with no charts writes nothing', () => {
    expect(expectSameOutput(() => undefined).files).toEqual([]);
  });
});
