import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { fromEnv, loadSettings } from './settings';
import { synthAtomically, synthHelloNode } from './synth';

let workdir: string;
let outdir: string;
beforeEach(() => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-synth-'));
  outdir = path.join(workdir, 'dist');
});
afterEach(() => fs.rmSync(workdir, { recursive: true, force: true }));

const listing = (dir: string) => fs.readdirSync(dir).sort();
const readDocs = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
const configMap = (chart: Chart, id: string) => new ApiObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id } });

function writePrevious(): void {
  fs.mkdirSync(outdir);
  fs.writeFileSync(path.join(outdir, 'previous.k8s.yaml'), 'previous: true\n');
}

describe('synthHelloNode', () => {
  test('writes dist/hello-node.k8s.yaml with the RC and the Service, and nothing else', () => {
    const files = synthHelloNode(loadSettings(fromEnv({})), outdir);
    expect(files).toEqual([path.join(outdir, 'hello-node.k8s.yaml')]);
    expect(listing(workdir)).toEqual(['.dist.last', 'dist']);
    expect(listing(outdir)).toEqual(['hello-node.k8s.yaml']);
    expect(readDocs(files[0]).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ReplicationController/hello-node-rc',
      'Service/hello-node-svc',
    ]);
  });

  test('leaves the output readable by other users (not mkdtemp\'s 0700)', () => {
    synthHelloNode(loadSettings(fromEnv({})), outdir);
    expect(fs.statSync(outdir).mode & 0o777).toBe(0o755);
  });
});

describe('synthAtomically', () => {
  test('keeps a copy of the last complete output beside it, replaced by each synth', () => {
    synthAtomically(outdir, (app) => configMap(new Chart(app, 'one'), 'a'));
    synthAtomically(outdir, (app) => configMap(new Chart(app, 'two'), 'b'));
    const last = path.join(workdir, '.dist.last');
    expect(listing(last)).toEqual(['two.k8s.yaml']);
    expect(fs.readFileSync(path.join(last, 'two.k8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(outdir, 'two.k8s.yaml'), 'utf8'));
  });

  test('replaces the previous output as a whole, so stale manifests disappear', () => {
    writePrevious();
    synthAtomically(outdir, (app) => configMap(new Chart(app, 'one'), 'a'));
    expect(listing(outdir)).toEqual(['one.k8s.yaml']);
  });

  test('names files and orders objects as cdk8s app.synth() does, across several charts', () => {
    const build = (app: App) => {
      const base = new Chart(app, 'base');
      const web = new Chart(app, 'web');
      web.addDependency(base);
      configMap(web, 'w');
      configMap(base, 'b1');
      configMap(base, 'b2');
    };
    synthAtomically(outdir, build);
    const reference = new App({ outdir: path.join(workdir, 'reference') });
    build(reference);
    reference.synth();
    expect(listing(outdir)).toEqual(['0000-base.k8s.yaml', '0001-web.k8s.yaml']);
    expect(listing(outdir)).toEqual(listing(reference.outdir));
    for (const file of listing(outdir)) {
      expect(readDocs(path.join(outdir, file))).toEqual(readDocs(path.join(reference.outdir, file)));
    }
  });

  describe('on failure leaves the previous output as it was and no staging directory', () => {
    test('when building the app throws', () => {
      writePrevious();
      expect(() => synthAtomically(outdir, () => {
        throw new Error('bad props');
      })).toThrow('bad props');
      expect(listing(workdir)).toEqual(['dist']);
      expect(listing(outdir)).toEqual(['previous.k8s.yaml']);
    });

    test('when a later chart fails after an earlier one was written', () => {
      writePrevious();
      expect(() => synthAtomically(outdir, (app) => {
        configMap(new Chart(app, 'first'), 'ok');
        new ApiObject(new Chart(app, 'second'), 'broken', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'broken' },
          // fails while the object is serialised, after first.k8s.yaml is on disk
          data: { get value(): string { throw new Error('serialisation failed'); } },
        });
      })).toThrow('serialisation failed');
      expect(listing(workdir)).toEqual(['dist']);
      expect(fs.readFileSync(path.join(outdir, 'previous.k8s.yaml'), 'utf8')).toBe('previous: true\n');
    });

    test('when writing a manifest fails on disk, after another chart was written', () => {
      writePrevious();
      expect(() => synthAtomically(outdir, (app) => {
        configMap(new Chart(app, 'first'), 'a');
        configMap(new Chart(app, 'second'), 'b');
        // a directory where second.k8s.yaml must go: opening it fails (EISDIR), as a full or read-only disk would
        fs.mkdirSync(path.join(app.outdir, 'second.k8s.yaml'));
      })).toThrow(/EISDIR/);
      expect(listing(workdir)).toEqual(['dist']);
      expect(listing(outdir)).toEqual(['previous.k8s.yaml']);
    });

    test('when the output directory was deleted before the synth (as `cdk8s synth` does), it is restored', () => {
      synthAtomically(outdir, (app) => configMap(new Chart(app, 'good'), 'kept'));
      const complete = fs.readFileSync(path.join(outdir, 'good.k8s.yaml'), 'utf8');
      fs.rmSync(outdir, { recursive: true });
      expect(() => synthAtomically(outdir, () => {
        throw new Error('bad props');
      })).toThrow('bad props');
      expect(listing(outdir)).toEqual(['good.k8s.yaml']);
      expect(fs.readFileSync(path.join(outdir, 'good.k8s.yaml'), 'utf8')).toBe(complete);
      expect(listing(workdir)).toEqual(['.dist.last', 'dist']);
    });

    test('when there was no previous output, none is created', () => {
      expect(() => synthAtomically(outdir, (app) => {
        new Chart(app, 'c').node.addValidation({ validate: () => ['invalid chart'] });
      })).toThrow('invalid chart');
      expect(listing(workdir)).toEqual([]);
    });
  });
});
